/**
 * The per-request context: one session (one set of DataLoaders) per source, created lazily, so that
 * everything a single GraphQL operation asks of a source shares one cache and one batch.
 */
import { OPEN_PRINCIPAL, type Principal } from './auth/principal.js';
import type { GraphQLError } from 'graphql';
import { randomUUID } from 'node:crypto';
import { ProviderNotConfiguredError } from './errors.js';
import type { Logger } from './logger.js';
import type { PageLimits } from './relay/connection.js';
import type { CursorCodec } from './relay/cursor.js';
import { checkNativeId, type NativeIdRule } from './providers/core/nativeId.js';
import type { ProviderId } from './providers/core/record.js';
import type { ProviderSession, RequestKey } from './providers/core/session.js';
import type { OperationScope } from './upstream/scope.js';

/**
 * What the access log and the request span learn while Apollo handles a request (filled by the server's
 * access plugin): the operation and the codes of the errors answered.
 */
export interface AccessRecord {
  operationName: string | null;
  operationType: string | null;
  errorCodes: string[];
}

export interface RequestContext {
  requestId: string;
  /**
   * This request's identity: per-request state (the provider sessions) is kept under it. Apollo hands
   * resolvers a shallow copy of the context, so the context object itself cannot be that key.
   */
  key: RequestKey;
  /** The request's access record (see AccessRecord). */
  access: AccessRecord;
  /** Who asks: what the authorization directives are checked against (graphql/authorization.ts). */
  principal: Principal;
  logger: Logger;
  cursors: CursorCodec;
  limits: PageLimits;
  /** The providers enabled on this instance (with at least one source), in registry order. */
  enabled: readonly ProviderId[];
  /** The sources of this instance: by provider in registry order, then in their declared order. */
  sources: readonly SourceRef[];
  /** Every provider of the registry, enabled or not (global ids may name any of them). */
  providers: ReadonlySet<ProviderId>;
  /**
   * Errors to add to the response beside the data (a provider that failed inside a field that still
   * answers, like `users`). Appended by the server's partial-errors plugin.
   */
  partialErrors: GraphQLError[];
  /**
   * This operation's session of a source of `provider` (`source` omitted or null: the provider's default
   * source); throws PROVIDER_NOT_CONFIGURED when the provider, or that source of it, is not configured.
   */
  sessionFor(provider: ProviderId, source?: string | null): ProviderSession;
  /**
   * Checks a native user id of `provider` given as `argument`: the id to look up, null for one that cannot
   * exist, BAD_USER_INPUT for a malformed one (see providers/nativeId.ts).
   */
  nativeId(provider: ProviderId, value: string, argument: string): string | null;
}

/** A source as the request context lists it. */
export interface SourceRef {
  name: string;
  provider: ProviderId;
}

/** A connected source: its sessions, one per request (see ConnectedSource.session). */
export interface SourceSessions extends SourceRef {
  session(request: RequestKey): ProviderSession;
}

export interface ContextDependencies {
  /** The connected sources, in the order of `RequestContext.sources`. */
  sources: readonly SourceSessions[];
  /** Each enabled provider's default source. */
  defaults: ReadonlyMap<ProviderId, string>;
  logger: Logger;
  cursors: CursorCodec;
  limits: PageLimits;
  /** Every known provider's native id rule (enabled or not: a bad id is bad input either way). */
  nativeIds: ReadonlyMap<ProviderId, NativeIdRule>;
}

export function createContext(
  deps: ContextDependencies,
  requestId: string = randomUUID(),
  access: AccessRecord = { operationName: null, operationType: null, errorCodes: [] },
  operation?: OperationScope,
  /** Who asks (the front door authenticated them); open by default (tests, executeOperation). */
  principal: Principal = OPEN_PRINCIPAL,
): RequestContext {
  const key: RequestKey = { requestId, operation };
  const sources = deps.sources;
  return {
    requestId,
    key,
    access,
    principal,
    logger: deps.logger.child({ requestId }),
    cursors: deps.cursors,
    limits: deps.limits,
    enabled: [...deps.defaults.keys()],
    sources,
    providers: new Set(deps.nativeIds.keys()),
    partialErrors: [],
    // The source keeps the session under the request's key: its provider's resolvers reach the same one.
    sessionFor(provider, source) {
      const name = source ?? deps.defaults.get(provider);
      const found = sources.find((candidate) => candidate.provider === provider && candidate.name === name);
      if (!found) throw new ProviderNotConfiguredError(provider, source ?? undefined);
      return found.session(key);
    },
    nativeId(provider, value, argument) {
      const rule = deps.nativeIds.get(provider);
      return rule ? checkNativeId(rule, value, argument) : value;
    },
  };
}
