/**
 * The resolvers every provider gets from its spec: its connection (Relay arguments checked, cursors
 * decoded and bound to the connection and its filter, the window from its session, the answer encoded),
 * its lookup by native id, and its type's federation references (`{id}` or its native key).
 */
import type { RequestContext } from '../../context.js';
import type { QueryResolvers, Resolvers } from '../../generated/resolvers.js';
import {
  parsePageRequest,
  toConnection,
  type Connection,
  type ConnectionArgs,
} from '../../relay/connection.js';
import { inSpan } from '../../telemetry.js';
import { stableKey } from '../../util/stableKey.js';
import { createHash } from 'node:crypto';
import type { ProviderSpec } from './definition.js';
import { CAPABILITIES } from './paging.js';
import { forwardOnlyError } from './paging/keyset.js';
import type { UserRecord } from './record.js';
import type { FilteredSession, RequestKey } from './session.js';
import { userByNativeId, userByReference } from './reference.js';

/**
 * The name cursors are bound to: the provider, plus a fingerprint of the filter when there is one, so a
 * cursor from one filtered list is refused by a list with other filters (its positions mean nothing there).
 */
function connectionName(provider: string, filter: unknown): string {
  const canonical = stableKey(filter);
  if (canonical === 'null' || canonical === '{}') return provider;
  return `${provider}#${createHash('sha256').update(canonical).digest('base64url').slice(0, 12)}`;
}

/** Why a provider refuses `last`/`before` (when its paging cannot go backward). */
export function forwardOnlyReason(spec: { forwardOnly?: string }): string {
  return spec.forwardOnly ?? 'its API has no backward paging';
}

/** A lookup argument as a string (Voximplant's `userId` is an Int). */
function argumentText(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
}

/** The `source` argument of a connection or lookup: a source name, or null/absent for the default. */
function sourceArgument(args: { source?: unknown }): string | undefined {
  return typeof args.source === 'string' ? args.source : undefined;
}

/**
 * `sessionOf(request, source)`: the operation's session of one of the provider's sources (undefined: its
 * default source); throws BAD_USER_INPUT for an unknown source, PROVIDER_NOT_CONFIGURED without any.
 */
export function providerResolvers<Cfg, Wire, Rec extends UserRecord, Query, Filter, Args>(
  spec: ProviderSpec<Cfg, Wire, Rec, Query, Filter, Args>,
  sessionOf: (request: RequestKey, source: string | undefined) => FilteredSession<Rec, Filter>,
): Resolvers {
  const { connection, lookup, nativeKey } = spec.graphql;
  const backward = CAPABILITIES[spec.paging].backward;
  const forwardOnly = forwardOnlyReason(spec);

  async function resolveConnection(
    args: Args & ConnectionArgs & { source?: unknown },
    context: RequestContext,
  ): Promise<Connection<Rec>> {
    // A forward-only provider refuses `last`/`before` first, so a lone `before` is not answered with the
    // generic advice to add `last`.
    if (!backward) {
      if (args.last !== undefined && args.last !== null)
        throw forwardOnlyError(spec.displayName, forwardOnly, 'last');
      if (args.before !== undefined && args.before !== null)
        throw forwardOnlyError(spec.displayName, forwardOnly, 'before');
    }
    const source = sourceArgument(args);
    const session = sessionOf(context.key, source);
    const filter = spec.graphql.filter?.(args);
    // Cursors bind to the source: one account's positions mean nothing in another's list.
    const name = connectionName(`${spec.id}@${session.source}`, filter);
    const request = parsePageRequest(args, context.limits, (cursor, argument) =>
      session.validateCursor(context.cursors.decode(cursor, name, argument), argument),
    );
    const page = await inSpan(
      'rollcall.connection',
      {
        'rollcall.provider': spec.id,
        'rollcall.source': session.source,
        'rollcall.page.direction': request.direction,
        'rollcall.page.size': request.size,
        'rollcall.page.from_cursor':
          (request.direction === 'forward' ? request.after : request.before) !== null,
      },
      async (span) => {
        const window = await session.connection(request, filter);
        span.setAttribute('rollcall.page.edges', window.edges.length);
        return window;
      },
    );
    return toConnection(page, (payload) => context.cursors.encode(name, payload));
  }

  const query: QueryResolvers = {};
  query[connection] = (
    _parent: unknown,
    args: Args & ConnectionArgs & { source?: unknown },
    context: RequestContext,
  ) => resolveConnection(args, context);
  query[lookup] = (_parent: unknown, args: Record<string, unknown>, context: RequestContext) => {
    const source = sourceArgument(args);
    // Checked first: an unknown source is BAD_USER_INPUT even for an id that cannot exist.
    sessionOf(context.key, source);
    return userByNativeId(context, spec.id, argumentText(args[nativeKey]), nativeKey, source);
  };
  return {
    Query: query,
    [spec.typename]: {
      __resolveReference: (reference: { id?: unknown } & Record<string, unknown>, context: RequestContext) =>
        userByReference(context, spec.id, nativeKey, reference),
    },
  };
}
