/**
 * The `token` style (Twilio): pages chained by opaque tokens in both directions, no total. A cursor is
 * the page it was read from (token, page index, page size) plus the index in that page; the last edge of
 * a page also carries the next page's token (`n`, null at the end of the list) and the first edge the
 * previous page's (`v`), so paging on from a page boundary reads the page it needs, not the one the
 * cursor came from. Sequential paging therefore costs the distinct upstream pages that hold the
 * requested edges, and nothing at the end of the list.
 *
 * - Forward: start at the cursor's page (or its next page), walk next pages until the window is full.
 * - Backward with `before`: the same with previous pages. Backward without `before` needs the end of the
 *   list, which token paging only reveals by walking every page forward.
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

/** A page reference in a cursor: its token (null = the first page) and its index. */
interface CursorRef {
  t: string | null;
  p: number;
  [key: string]: CursorPayload;
}

/**
 * Cursor payload: token (null = first page), page index, page size, index within the page; on a page's
 * last edge `n`, the next page (null: none), and on its first edge `v`, the previous page (null: none).
 */
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

const isIndex = (value: unknown): value is number =>
  Number.isInteger(value) && Number(value) >= 0 && Number(value) <= MAX_POSITION;

export function tokenPager<Wire, Rec, Query>(
  paging: TokenPaging<Wire, Query>,
  tools: PagerTools<Wire, Rec>,
): TypedPager<Rec, Query, TokenCursor> {
  const loadPage = tools.loader(async (key: { query: Query; from: PageToken; size: number }) => ({
    ...(await paging.list(key.query, key.from, key.size)),
    from: key.from,
    size: key.size,
  }));
  // Page 0 is the first page whatever token led there (a previous-page link to it carries one): one key.
  const load = (query: Query, from: PageToken, size: number): Promise<Page<Rec>> =>
    loadPage({ query, from: from.page === 0 ? FIRST : { token: from.token, page: from.page }, size });
  const FIRST: PageToken = { token: null, page: 0 };

  const ref = (from: PageToken | null): CursorRef | null => (from ? { t: from.token, p: from.page } : null);
  /** A checked cursor's `n` or `v`: the page, null (none), or undefined (the edge is not at that end). */
  const refAt = (cursor: TokenCursor, key: 'n' | 'v'): CursorRef | null | undefined => {
    if (!(key in cursor)) return undefined;
    const found = asRef(cursor[key]);
    return found === false ? undefined : found;
  };
  const edge = (page: Page<Rec>, index: number): ProviderEdge<Rec, TokenCursor> => {
    const cursor: TokenCursor = { t: page.from.token, p: page.from.page, s: page.size, i: index };
    if (index === page.records.length - 1) cursor.n = ref(page.next);
    if (index === 0) cursor.v = ref(page.previous);
    return { cursor, node: page.records[index] };
  };
  const tokenOf = (from: CursorRef): PageToken => ({ token: from.t, page: from.p });
  // A cursor's tokens travel upstream: bounded like any input (a cursor signed with the built-in key can
  // be forged).
  const isToken = (value: CursorPayload | undefined): value is string | null =>
    value === null || (typeof value === 'string' && paging.tokenPattern.test(value));
  /** A page reference read from a cursor: null (none), the reference, or false when malformed. */
  const asRef = (value: CursorPayload): CursorRef | null | false => {
    if (value === null) return null;
    if (typeof value !== 'object' || Array.isArray(value)) return false;
    return isToken(value.t) && isIndex(value.p) ? { t: value.t, p: value.p } : false;
  };

  async function forward(
    query: Query,
    size: number,
    after: TokenCursor | null,
  ): Promise<ProviderPage<Rec, TokenCursor>> {
    const pageSize = after?.s ?? paging.pageSize;
    // After a page's last edge, what follows starts on the next page: read that one, or nothing at the end.
    const next = after ? refAt(after, 'n') : undefined;
    if (next === null || (next !== undefined && size === 0))
      return { edges: [], hasNextPage: next !== null, hasPreviousPage: true, totalCount: null };
    let page = await load(
      query,
      next ? tokenOf(next) : after ? { token: after.t, page: after.p } : FIRST,
      pageSize,
    );
    let index = next ? 0 : after ? after.i + 1 : 0;
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
    // Before a page's first edge, what precedes ends on the previous page: read that one, or nothing.
    const previous = before ? refAt(before, 'v') : undefined;
    if (previous === null || (previous !== undefined && size === 0))
      return { edges: [], hasPreviousPage: previous !== null, hasNextPage: true, totalCount: null };
    if (previous) {
      page = await load(query, tokenOf(previous), pageSize);
      index = page.records.length;
    } else if (before) {
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
      const { t, p, s, i, n, v } = payload;
      const cursor =
        isToken(t) && isIndex(p) && isIndex(s) && isIndex(i) && s >= 1 && s <= paging.maxPageSize && i < s
          ? { t, p, s, i }
          : null;
      const next = n === undefined ? undefined : asRef(n);
      const previous = v === undefined ? undefined : asRef(v);
      if (cursor === null || next === false || previous === false) throw badPosition(argument);
      const checked: TokenCursor = cursor;
      if (next !== undefined) checked.n = next;
      if (previous !== undefined) checked.v = previous;
      return checked;
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
        return { records: page.records, cost: page.fresh ? 1 : 0, next: next ? () => step(next) : null };
      };
      return step(FIRST);
    },
  };
}
