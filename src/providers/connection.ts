/**
 * The one resolver body every provider connection shares: validate the Relay arguments, decode and check
 * the cursors (bound to this connection and its filter), ask the provider's session for the window, and
 * encode the answer. Provider resolvers stay one line.
 */
import { createHash } from 'node:crypto';
import type { RequestContext } from '../context.js';
import { inSpan } from '../telemetry.js';
import { parsePageRequest, toConnection, type Connection, type ConnectionArgs } from '../relay/connection.js';
import type { ProviderId } from './ids.js';
import type { UserRecord } from './provider.js';

/**
 * The name cursors are bound to: the provider, plus a fingerprint of the filter when there is one, so a
 * cursor from one filtered list is refused by a list with other filters (its positions mean nothing there).
 */
export function connectionName(provider: string, filter?: unknown): string {
  if (filter === undefined || filter === null) return provider;
  const canonical = JSON.stringify(filter, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value as Record<string, unknown>)
            .filter(([, v]) => v !== undefined && v !== null)
            .sort(([a], [b]) => a.localeCompare(b)),
        )
      : value,
  );
  if (canonical === '{}') return provider;
  return `${provider}#${createHash('sha256').update(canonical).digest('base64url').slice(0, 12)}`;
}

export async function resolveProviderConnection<Rec extends UserRecord>(
  context: RequestContext,
  provider: ProviderId,
  args: ConnectionArgs,
  filter?: unknown,
): Promise<Connection<Rec>> {
  const session = context.sessionFor(provider);
  const name = connectionName(provider, filter);
  const request = parsePageRequest(args, context.limits, (cursor, argument) =>
    session.validateCursor(context.cursors.decode(cursor, name, argument), argument),
  );
  const page = await inSpan(
    'rollcall.connection',
    {
      'rollcall.provider': provider,
      'rollcall.page.direction': request.direction,
      'rollcall.page.size': request.size,
      'rollcall.page.from_cursor':
        (request.direction === 'forward' ? request.after : request.before) !== null,
    },
    async (span) => {
      const window = await session.page(request, filter);
      span.setAttribute('rollcall.page.edges', window.edges.length);
      return window;
    },
  );
  return toConnection(page, (payload) => context.cursors.encode(name, payload)) as Connection<Rec>;
}
