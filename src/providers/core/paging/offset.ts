/**
 * Relay windows over a provider list addressable by absolute position that reports its total (the
 * `page` style, CometChat's `page`/`perPage`, and the `offset` style, Voximplant's `offset`/`count`).
 * The cursor is the user's position, so a window is one range fetch, with two refinements that save
 * calls:
 *
 * - `last` without `before` needs the total first. The probe asks for the window size from the start:
 *   when the whole list fits, the probe is the answer (1 call); otherwise the tail costs one more (2).
 *   A total this operation already has (a sibling field's window, done or in flight) replaces the probe.
 * - An empty window (`first: 0`, `before` the first user) still needs the total: one 1-user fetch,
 *   unless a window of the same list already tells it.
 */
import {
  asOffset,
  offsetPage,
  offsetWindow,
  type PageRequest,
  type ProviderPage,
} from '../../../relay/connection.js';
import { stableKey } from '../../../util/stableKey.js';
import type { OffsetPaging, PageNumberPaging, PagerTools, TypedPager, WalkStep } from '../paging.js';

/** What a range fetch brought: records from position `start` (fewer than asked at the end of the list). */
interface RangeLoad<Rec> {
  start: number;
  /** The end of the range that was asked for (exclusive). */
  end: number;
  total: number;
  records: Rec[];
  /** Upstream calls this fetch made (0: the operation already had, or was loading, its pages). */
  calls: number;
}

interface OffsetSource<Rec> {
  /** Fetches (through the session's page loader) at least positions [start, end) of the list. */
  fetch(start: number, end: number): Promise<RangeLoad<Rec>>;
  /** The list's total if this operation already has (or is getting) it. */
  knownTotal(): Promise<number> | undefined;
}

async function pageByOffset<Rec>(
  request: PageRequest<number>,
  source: OffsetSource<Rec>,
): Promise<ProviderPage<Rec, number>> {
  let total: number | null = null;
  let probe: RangeLoad<Rec> | undefined;
  if (request.direction === 'backward' && request.before === null) {
    const known = source.knownTotal();
    if (known) total = await known;
    else {
      probe = await source.fetch(0, Math.max(1, request.size));
      total = probe.total;
    }
  }
  const range = offsetWindow(request, total);
  if (range.end <= range.start) {
    const count: number =
      total ?? (await (source.knownTotal() ?? source.fetch(0, 1).then((loaded) => loaded.total)));
    return offsetPage(request, range, [], count);
  }
  const loaded = probe && range.end <= probe.end ? probe : await source.fetch(range.start, range.end);
  const items = loaded.records.slice(range.start - loaded.start, range.end - loaded.start);
  return offsetPage(request, range, items, loaded.total);
}

/**
 * Each list's (filter's) total from the first fetch of it in this operation, in flight or done, so
 * later windows await it instead of probing. A failed fetch teaches nothing and is forgotten.
 */
class TotalsMemo {
  private readonly totals = new Map<string, Promise<number>>();

  get(list: string): Promise<number> | undefined {
    return this.totals.get(list);
  }

  learn(list: string, loading: Promise<{ total: number }>): void {
    if (this.totals.has(list)) return;
    const total = loading.then((loaded) => loaded.total);
    total.catch(() => {
      if (this.totals.get(list) === total) this.totals.delete(list);
    });
    this.totals.set(list, total);
  }
}

/** Which pages of which size cover the positions `[start, end)` (end > start). */
interface PagePlan {
  perPage: number;
  /** 1-based page numbers, ascending. */
  pages: number[];
}

/**
 * The cheapest `page`/`perPage` plan for a window: fewest pages first, then the smallest `perPage`, so
 * nothing is fetched twice and little in vain. Windows up to `maxPerPage` users that end within the
 * first `maxPerPage` positions, or that align with some page size, always take one page; any window of
 * at most `maxPerPage` takes at most two. (No extra item is needed to learn `hasNextPage`: the total
 * says so exactly.)
 */
export function planPages(start: number, end: number, maxPerPage: number): PagePlan {
  if (!(end > start) || start < 0) throw new Error(`planPages: empty or negative window [${start}, ${end})`);
  let best = { perPage: maxPerPage, first: 0, count: Number.POSITIVE_INFINITY };
  for (let perPage = Math.min(end - start, maxPerPage); perPage <= maxPerPage; perPage += 1) {
    const first = Math.floor(start / perPage);
    const count = Math.floor((end - 1) / perPage) - first + 1;
    if (count < best.count) best = { perPage, first, count };
    if (count === 1) break;
  }
  return { perPage: best.perPage, pages: Array.from({ length: best.count }, (_, i) => best.first + i + 1) };
}

/**
 * A position-addressable list as a pager: `fetch` reads positions [start, end) of a query's list (through
 * the session's page loader), `walkSize` is how many users a lookup walk reads at a time. Each list's
 * total is learnt from its first fetch of the operation, in flight or done.
 */
function positionPager<Rec, Query>(
  fetch: (query: Query, start: number, end: number) => Promise<RangeLoad<Rec>>,
  walkSize: number,
): TypedPager<Rec, Query, number> {
  const totals = new TotalsMemo();
  const load = (query: Query, start: number, end: number) => {
    const loading = fetch(query, start, end);
    totals.learn(stableKey(query), loading);
    return loading;
  };
  return {
    cursor: asOffset,
    window: (request, query) =>
      pageByOffset(request, {
        fetch: (start, end) => load(query, start, end),
        knownTotal: () => totals.get(stableKey(query)),
      }),
    walk: (query) => {
      const step = async (start: number): Promise<WalkStep<Rec>> => {
        const range = await load(query, start, start + walkSize);
        const next = start + walkSize;
        return {
          records: range.records,
          cost: range.calls,
          next: next < range.total ? () => step(next) : null,
        };
      };
      return step(0);
    },
  };
}

/**
 * The `page` style. Every (query, page, perPage) is one page-loader key, so identical windows in one
 * operation cost one call; a window is stitched from the pages of its plan. Lookups read the unfiltered
 * list `maxPerPage` users a page.
 */
export function pageNumberPager<Wire, Rec, Query>(
  paging: PageNumberPaging<Wire, Query>,
  tools: PagerTools<Wire, Rec>,
): TypedPager<Rec, Query, number> {
  const loadPage = tools.loader(async (key: { query: Query; page: number; perPage: number }) => ({
    ...(await paging.list(key.query, key.page, key.perPage)),
    page: key.page,
    perPage: key.perPage,
  }));
  return positionPager(async (query, start, end) => {
    const plan = planPages(start, end, paging.maxPerPage);
    const loaded = await Promise.all(
      plan.pages.map((page) => loadPage({ query, page, perPage: plan.perPage })),
    );
    // Stitch the pages into positions [start, end); stop at the first gap (the list ended).
    const records: Rec[] = [];
    for (const page of loaded) {
      const base = (page.page - 1) * page.perPage;
      page.records.forEach((record, index) => {
        const position = base + index;
        if (position >= start && position < end) records[position - start] = record;
      });
    }
    const gap = records.findIndex((record) => record === undefined);
    const last = loaded[loaded.length - 1];
    return {
      start,
      end,
      total: last.total,
      records: gap === -1 ? records : records.slice(0, gap),
      calls: loaded.filter((page) => page.fresh).length,
    };
  }, paging.maxPerPage);
}

/**
 * The `offset` style: every window is one upstream call; each (query, offset, count) is one page-loader
 * key. Lookups read the unfiltered list `walkSize` users a call.
 */
export function offsetPager<Wire, Rec, Query>(
  paging: OffsetPaging<Wire, Query>,
  tools: PagerTools<Wire, Rec>,
): TypedPager<Rec, Query, number> {
  const loadRange = tools.loader((key: { query: Query; offset: number; count: number }) =>
    paging.list(key.query, key.offset, key.count),
  );
  return positionPager(async (query, start, end) => {
    const range = await loadRange({ query, offset: start, count: end - start });
    return { start, end, total: range.total, records: range.records, calls: range.fresh ? 1 : 0 };
  }, paging.walkSize);
}
