/**
 * The `keyset` style (Ada): "up to `limit` records from this id on", the next cursor in the answer, no
 * total and no way back. A Relay cursor is the native id of its edge; the last edge of a window that ends
 * where an upstream page ends also carries the upstream's own next cursor (`n`, null at the end), so the
 * next window starts exactly there: sequential paging costs one call per window of up to `maxLimit`, and
 * nothing after the last window.
 *
 * - Forward: ask for the records from the cursor, each call's `limit` sized to what the window still
 *   needs (plus the anchor when it may come back), and follow the next cursor until the window is full.
 *   `hasNextPage` is the upstream's: a next cursor means more (the one case that costs a probe is an
 *   upstream that names a next page it then answers empty). Resuming from a cursor in the middle of a
 *   page (any edge but a window's last) costs the same one call, except `maxLimit` after an inclusive
 *   upstream's anchor (it takes a place): two.
 * - Backward: refused with BAD_USER_INPUT, before any call.
 * - `totalCount` is null: the provider does not say, and counting would mean walking everything.
 * - An exact-match filter (Ada's `external_id`) is one dedicated call per operation: a connection of
 *   zero or one user.
 */
import { BadUserInputError, ErrorCode, UpstreamError } from '../../../errors.js';
import { badPosition, type ProviderEdge, type ProviderPage } from '../../../relay/connection.js';
import type { KeysetPaging, PagerTools, TypedPager, WalkStep } from '../paging.js';

/** The BAD_USER_INPUT every backward request to a forward-only provider gets. */
export function forwardOnlyError(
  displayName: string,
  reason: string,
  argument: 'last' | 'before',
): BadUserInputError {
  return new BadUserInputError(
    `${displayName} pages forward only: ${reason}. Use "first" and "after" instead of "${argument}".`,
    { argument },
  );
}

/** A record id, or at the end of a window that ends with an upstream page, also the upstream's next cursor. */
type KeysetCursor = string | { i: string; n: string | null };

export function keysetPager<Wire, Rec, Query>(
  paging: KeysetPaging<Wire, Query>,
  tools: PagerTools<Wire, Rec>,
): TypedPager<Rec, Query, KeysetCursor> {
  const loadPage = tools.loader((key: { query: Query; after: string | null; limit: number }) =>
    paging.list(key.query, key.after, key.limit),
  );
  const exactMatch = paging.exactMatch;
  const loadExact = tools.loader(async (value: string) => {
    const found = exactMatch ? await exactMatch.fetch(value) : null;
    return { items: found === null ? [] : [found] };
  });
  const edge = (record: Rec): ProviderEdge<Rec, KeysetCursor> => ({
    cursor: tools.idOf(record),
    node: record,
  });

  async function forward(
    query: Query,
    size: number,
    after: KeysetCursor | null,
  ): Promise<ProviderPage<Rec, KeysetCursor>> {
    const afterId = after === null ? null : typeof after === 'string' ? after : after.i;
    // After a window that ended with an upstream page: its next cursor, or the end of the list.
    const upstreamNext = after === null || typeof after === 'string' ? undefined : after.n;
    if (upstreamNext === null || (upstreamNext !== undefined && size === 0))
      return { edges: [], hasNextPage: upstreamNext !== null, hasPreviousPage: true, totalCount: null };
    // Whether a page starts at its cursor's record (inclusive) or after it (exclusive) is not always
    // documented. Either works: every id this walk has seen (the `after` anchor included) is dropped if it
    // comes back, and a call whose cursor is such an id asks for one more record, in case it does.
    const seen = new Set<string>(afterId === null ? [] : [afterId]);
    const requested = new Set<string | null>();
    const edges: ProviderEdge<Rec, KeysetCursor>[] = [];
    let cursor = upstreamNext ?? afterId;
    let next: string | null;
    let leftover: number;
    for (;;) {
      const anchor = cursor !== null && seen.has(cursor) ? 1 : 0;
      // What the window still needs (at least one: an empty window still learns whether users follow).
      const limit = Math.min(paging.maxLimit, Math.max(1, size - edges.length + anchor));
      requested.add(cursor);
      const page = await loadPage({ query, after: cursor, limit });
      next = page.next;
      const fresh = page.records.filter((record) => !seen.has(tools.idOf(record)));
      for (const record of fresh) seen.add(tools.idOf(record));
      const room = size - edges.length;
      edges.push(...fresh.slice(0, room).map(edge));
      leftover = Math.max(0, fresh.length - room);
      if (edges.length >= size || next === null) break;
      if (requested.has(next) && fresh.length === 0) {
        throw new UpstreamError({
          provider: tools.provider,
          code: ErrorCode.UPSTREAM_BAD_RESPONSE,
          message: 'unexpected response shape: the next-page cursor does not advance',
        });
      }
      cursor = next;
    }
    // The window ends where the upstream page does: its last edge carries the upstream's next cursor.
    const last = edges.at(-1);
    if (last && leftover === 0) last.cursor = { i: tools.idOf(last.node), n: next };
    return {
      edges,
      hasNextPage: leftover > 0 || next !== null,
      hasPreviousPage: after !== null,
      totalCount: null,
    };
  }

  return {
    cursor(payload, argument) {
      const id = (value: unknown): value is string =>
        typeof value === 'string' && paging.cursorPattern.test(value);
      if (id(payload)) return payload;
      if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
        const { i, n } = payload;
        if (id(i) && (n === null || id(n))) return { i, n };
      }
      throw badPosition(argument);
    },
    async window(request, query) {
      if (request.direction === 'backward')
        throw forwardOnlyError(tools.displayName, tools.forwardOnly, request.before ? 'before' : 'last');
      const value = exactMatch?.of(query) ?? null;
      if (value === null) return forward(query, request.size, request.after);
      const { records } = await loadExact(value);
      // The connection holds zero or one user: after its cursor, nothing is left.
      const rest = request.after !== null ? [] : records;
      return {
        edges: rest.slice(0, request.size).map(edge),
        hasNextPage: rest.length > request.size,
        hasPreviousPage: request.after !== null,
        totalCount: null,
      };
    },
    walk(query) {
      const step = async (after: string | null): Promise<WalkStep<Rec>> => {
        const page = await loadPage({ query, after, limit: paging.maxLimit });
        const next = page.next;
        return {
          records: page.records,
          cost: page.fresh ? 1 : 0,
          next: next === null ? null : () => step(next),
        };
      };
      return step(null);
    },
  };
}
