/**
 * The `token` style (Twilio): pages chained by opaque tokens in both directions, no total. A cursor is
 * the page it was read from (token, page index, page size) plus the index in that page, so resuming
 * costs one page fetch, which the page loader shares with everything else the operation reads.
 *
 * - Forward: start at the cursor's page (or the first), walk next pages until the window is full.
 * - Backward with `before`: walk previous pages. Backward without `before` needs the end of the list,
 *   which token paging only reveals by walking every page forward.
 * - `totalCount` is null: the provider does not say, and counting would mean walking everything.
 * - Lookups walk the list at the configured page size, so their pages are the connection's pages.
 * - A token the provider refuses came from a cursor (only cursors bring tokens): BAD_USER_INPUT on the
 *   cursor's argument, not an upstream failure.
 */
import { BadUserInputError, UpstreamError } from '../../../errors.js';
import {
  badPosition,
  MAX_POSITION,
  type ProviderEdge,
  type ProviderPage,
} from '../../../relay/connection.js';
import type { CursorPayload } from '../../../relay/cursor.js';
import type { Loaded, PagerTools, PageToken, TokenPaging, TypedPager, WalkStep } from '../paging.js';

/** Cursor payload: token (null = first page), page index, page size, index within the page. */
interface TokenCursor {
  t: string | null;
  p: number;
  s: number;
  i: number;
  [key: string]: CursorPayload;
}

type Page<Rec> = Loaded<
  { items: unknown[]; from: PageToken; size: number; next: PageToken | null; previous: PageToken | null },
  Rec
>;

const isIndex = (value: unknown): value is number => Number.isInteger(value) && Number(value) >= 0;

export function tokenPager<Wire, Rec, Query>(
  paging: TokenPaging<Wire, Query>,
  tools: PagerTools<Wire, Rec>,
): TypedPager<Rec, Query, TokenCursor> {
  const loadPage = tools.loader(async (key: { query: Query; from: PageToken; size: number }) => ({
    ...(await paging.list(key.query, key.from, key.size)),
    from: key.from,
    size: key.size,
  }));
  const load = (query: Query, from: PageToken, size: number): Promise<Page<Rec>> =>
    loadPage({ query, from: { token: from.token, page: from.page }, size });
  const FIRST: PageToken = { token: null, page: 0 };

  const edge = (page: Page<Rec>, index: number): ProviderEdge<Rec, TokenCursor> => ({
    cursor: { t: page.from.token, p: page.from.page, s: page.size, i: index },
    node: page.records[index],
  });

  async function forward(
    query: Query,
    size: number,
    after: TokenCursor | null,
  ): Promise<ProviderPage<Rec, TokenCursor>> {
    const pageSize = after?.s ?? paging.pageSize;
    let page = await load(query, after ? { token: after.t, page: after.p } : FIRST, pageSize);
    let index = after ? after.i + 1 : 0;
    const edges: ProviderEdge<Rec, TokenCursor>[] = [];
    for (;;) {
      while (index < page.records.length && edges.length < size) edges.push(edge(page, index++));
      if (edges.length >= size || !page.next) break;
      page = await load(query, page.next, pageSize);
      index = 0;
    }
    return {
      edges,
      hasNextPage: index < page.records.length || page.next !== null,
      hasPreviousPage: after !== null,
      totalCount: null,
    };
  }

  async function backward(
    query: Query,
    size: number,
    before: TokenCursor | null,
  ): Promise<ProviderPage<Rec, TokenCursor>> {
    const pageSize = before?.s ?? paging.pageSize;
    let page: Page<Rec>;
    let index: number;
    if (before) {
      page = await load(query, { token: before.t, page: before.p }, pageSize);
      index = Math.min(before.i, page.records.length);
    } else {
      // The end of a token-paged list is only reachable by walking forward.
      page = await load(query, FIRST, pageSize);
      while (page.next) page = await load(query, page.next, pageSize);
      index = page.records.length;
    }
    const edges: ProviderEdge<Rec, TokenCursor>[] = [];
    for (;;) {
      while (index > 0 && edges.length < size) edges.push(edge(page, --index));
      if (edges.length >= size || !page.previous) break;
      page = await load(query, page.previous, pageSize);
      index = page.records.length;
    }
    edges.reverse();
    return {
      edges,
      hasPreviousPage: index > 0 || page.previous !== null,
      hasNextPage: before !== null,
      totalCount: null,
    };
  }

  return {
    cursor(payload, argument) {
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
        throw badPosition(argument);
      const { t, p, s, i } = payload;
      if (
        (t === null || (typeof t === 'string' && paging.tokenPattern.test(t))) &&
        isIndex(p) &&
        isIndex(s) &&
        isIndex(i) &&
        p <= MAX_POSITION &&
        s >= 1 &&
        s <= paging.maxPageSize &&
        i < s
      )
        return { t, p, s, i };
      throw badPosition(argument);
    },
    async window(request, query) {
      try {
        return request.direction === 'forward'
          ? await forward(query, request.size, request.after)
          : await backward(query, request.size, request.before);
      } catch (error) {
        if (error instanceof UpstreamError && paging.refusesToken(error)) {
          const argument = request.direction === 'forward' ? 'after' : 'before';
          throw new BadUserInputError(
            `Argument "${argument}" is not a valid cursor for this connection: ${tools.displayName} no longer accepts its page token (the list changed or the token expired). Page again from the start.`,
            { argument, provider: tools.provider, upstreamCode: error.details.upstreamCode },
          );
        }
        throw error;
      }
    },
    walk(query) {
      const step = async (from: PageToken): Promise<WalkStep<Rec>> => {
        const page = await load(query, from, paging.pageSize);
        const next = page.next;
        return { records: page.records, next: next ? () => step(next) : null };
      };
      return step(FIRST);
    },
  };
}
