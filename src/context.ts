/**
 * The per-request context: one session (one set of DataLoaders) per provider, created lazily, so that
 * everything a single GraphQL operation asks of a provider shares one cache and one batch.
 */
import type { GraphQLError } from 'graphql';
import { randomUUID } from 'node:crypto';
import { ProviderNotConfiguredError } from './errors.js';
import type { Logger } from './logger.js';
import type { PageLimits } from './relay/connection.js';
import type { CursorCodec } from './relay/cursor.js';
import type { ProviderId } from './providers/ids.js';
import { checkNativeId, type NativeIdRule } from './providers/nativeId.js';
import type { ProviderAdapter, ProviderSession } from './providers/provider.js';

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
  /** The request's access record (see AccessRecord). */
  access: AccessRecord;
  logger: Logger;
  cursors: CursorCodec;
  limits: PageLimits;
  /** The providers enabled on this instance, in registry order. */
  enabled: readonly ProviderId[];
  /**
   * Errors to add to the response beside the data (a provider that failed inside a field that still
   * answers, like `users`). Appended by the server's partial-errors plugin.
   */
  partialErrors: GraphQLError[];
  /** This operation's session of a provider; throws PROVIDER_NOT_CONFIGURED when it is disabled. */
  sessionFor(provider: ProviderId): ProviderSession;
  /**
   * Checks a native user id of `provider` given as `argument`: the id to look up, null for one that cannot
   * exist, BAD_USER_INPUT for a malformed one (see providers/nativeId.ts).
   */
  nativeId(provider: ProviderId, value: string, argument: string): string | null;
}

export interface ContextDependencies {
  adapters: ReadonlyMap<ProviderId, ProviderAdapter>;
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
): RequestContext {
  const sessions = new Map<ProviderId, ProviderSession>();
  const sessionFor = (provider: ProviderId): ProviderSession => {
    let session = sessions.get(provider);
    if (!session) {
      const adapter = deps.adapters.get(provider);
      if (!adapter) throw new ProviderNotConfiguredError(provider);
      session = adapter.session();
      sessions.set(provider, session);
    }
    return session;
  };
  return {
    requestId,
    access,
    logger: deps.logger.child({ requestId }),
    cursors: deps.cursors,
    limits: deps.limits,
    enabled: [...deps.adapters.keys()],
    partialErrors: [],
    sessionFor,
    nativeId(provider, value, argument) {
      const rule = deps.nativeIds.get(provider);
      return rule ? checkNativeId(rule, value, argument) : value;
    },
  };
}
