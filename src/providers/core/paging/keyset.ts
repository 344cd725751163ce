/**
 * The `keyset` style (Ada): "up to `limit` records from this id on", the next id in the answer, no total
 * and no way back. A Relay cursor is the native id of its edge, so resuming after it is one upstream call
 * starting at that id.
 *
 * - Forward: ask for the records from the cursor, each call's `limit` sized to what the window still
 *   needs (plus one record to tell `hasNextPage` exactly, plus the anchor when it may come back), and
 *   follow the next id until the window is full. Any window of up to `maxLimit` users costs one call,
 *   except `maxLimit` after a cursor from an inclusive upstream (the anchor takes a place): two.
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

export function keysetPager<Wire, Rec, Query>(
  paging: KeysetPaging<Wire, Query>,
  tools: PagerTools<Wire, Rec>,
): TypedPager<Rec, Query, string> {
  const loadPage = tools.loader((key: { query: Query; after: string | null; limit: number }) =>
    paging.list(key.query, key.after, key.limit),
  );
  const exactMatch = paging.exactMatch;
  const loadExact = tools.loader(async (value: string) => {
    const found = exactMatch ? await exactMatch.fetch(value) : null;
    return { items: found === null ? [] : [found] };
  });
  const edge = (record: Rec): ProviderEdge<Rec, string> => ({ cursor: tools.idOf(record), node: record });

  async function forward(
    query: Query,
    size: number,
    after: string | null,
  ): Promise<ProviderPage<Rec, string>> {
    // Whether a page starts at its cursor's record (inclusive) or after it (exclusive) is not always
    // documented. Either works: every id this walk has seen (the `after` anchor included) is dropped if it
    // comes back, and a call whose cursor is such an id asks for one more record, in case it does.
    const seen = new Set<string>(after === null ? [] : [after]);
    const requested = new Set<string | null>();
    const edges: ProviderEdge<Rec, string>[] = [];
    let cursor = after;
    let next: string | null;
    let leftover: number;
    for (;;) {
      const anchor = cursor !== null && seen.has(cursor) ? 1 : 0;
      // What the window still needs, plus one to learn whether more follow without another call.
      const limit = Math.min(paging.maxLimit, size - edges.length + anchor + 1);
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
    return {
      edges,
      hasNextPage: leftover > 0 || next !== null,
      hasPreviousPage: after !== null,
      totalCount: null,
    };
  }

  return {
    cursor(payload, argument) {
      if (typeof payload === 'string' && paging.cursorPattern.test(payload)) return payload;
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
        return { records: page.records, next: next === null ? null : () => step(next) };
      };
      return step(null);
    },
  };
}
