/**
 * CometChat paging translated to Relay. CometChat pages by number (`page`, 1-based, and `perPage` up to
 * 1000) and reports the total (`meta.pagination.total`), so a cursor is simply the user's absolute
 * position in the filtered list, and any window `[start, end)` can be fetched directly:
 *
 * - `planPages` picks the `perPage` that covers the window with the fewest upstream pages (one whenever
 *   some `perPage` <= 1000 puts the whole window in one page), and among those the smallest `perPage`, so
 *   nothing is fetched twice and little is fetched in vain. Fetching one extra item to learn whether a
 *   next page exists is unnecessary: the total says so exactly.
 * - `last` without `before` needs the total first. The probe is page 1 with `perPage` = the window size:
 *   when the whole list fits in it, the probe is the answer (1 call); otherwise the window costs one more
 *   (2 calls). A page of the same filter that this operation already asked for (done or still in flight,
 *   e.g. a sibling `first: 10` field) replaces the probe. An empty window (`first: 0`, `before` the first
 *   user) only needs the total: a `perPage=1` probe, or that same reuse.
 * - Every (filter, page, perPage) is one key of the page loader, so identical windows in one operation
 *   cost one call, and every listed user primes the by-id loader.
 * - Lookups: one `GET /v3/users/{uid}` for a lone uid; a batch reads the default list 1000 a page instead
 *   when that takes fewer calls (`lookupByWalk`): up to 1000 users, any batch costs one call.
 */
import DataLoader from 'dataloader';
import { asOffset, type PageRequest, type ProviderPage } from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';
import { mapBounded } from '../../util/concurrency.js';
import { ByIdLoader, LookupBudget } from '../loaders.js';
import { checkText, checkTextList, FILTER_TEXT, type TextRule } from '../nativeId.js';
import { pageByOffset, TotalsMemo } from '../offsetPaging.js';
import { lookupByWalk } from '../lookup.js';
import type { ProviderAdapter, ProviderRuntime, ProviderSession } from '../provider.js';
import {
  COMETCHAT_MAX_PER_PAGE,
  listParams,
  type CometChatClient,
  type CometChatListParams,
  type CometChatUserFilter,
} from './client.js';
import { toCometChatRecord } from './map.js';
import type { CometChatUserRecord } from './types.js';

/** Which pages of which size cover the positions `[start, end)` (end > start). */
export interface PagePlan {
  perPage: number;
  /** 1-based page numbers, ascending. */
  pages: number[];
}

/**
 * The cheapest `page`/`perPage` plan for a window: fewest pages first, then the smallest `perPage`.
 * Windows up to 1000 users that end within the first 1000 positions, or that align with some page size,
 * always take one page; any window of at most 1000 takes at most two.
 */
export function planPages(start: number, end: number, maxPerPage: number = COMETCHAT_MAX_PER_PAGE): PagePlan {
  if (!(end > start) || start < 0) throw new Error(`planPages: empty or negative window [${start}, ${end})`);
  let best: { perPage: number; first: number; count: number } | undefined;
  for (let perPage = Math.min(end - start, maxPerPage); perPage <= maxPerPage; perPage += 1) {
    const first = Math.floor(start / perPage);
    const count = Math.floor((end - 1) / perPage) - first + 1;
    if (!best || count < best.count) best = { perPage, first, count };
    if (count === 1) break;
  }
  const plan = best as NonNullable<typeof best>;
  return { perPage: plan.perPage, pages: Array.from({ length: plan.count }, (_, i) => plan.first + i + 1) };
}

/** The canonical key of the unfiltered list (what lookups walk). */
const DEFAULT_QUERY = canonicalQuery(listParams(undefined));

function canonicalQuery(params: CometChatListParams): string {
  return JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b))));
}

interface LoadedPage {
  page: number;
  perPage: number;
  total: number;
  records: CometChatUserRecord[];
}

/** A value of a list filter, which CometChat receives comma-separated. */
const LIST_VALUE: TextRule = {
  allowed: '1 to 100 characters without commas (CometChat separates them with commas) or control characters',
  maxLength: 100,
  pattern: /^[^,]+$/,
};
/** Values per list filter (rollcall's bound). */
const MAX_LIST_VALUES = 25;

/**
 * Rejects filter values CometChat cannot take, before any call: over-long or control-character text, and
 * list values its comma-separated lists cannot carry. An empty `searchKey` or `role` filters nothing.
 */
function checkFilter(filter: CometChatUserFilter | null | undefined): void {
  if (filter?.searchKey) checkText(FILTER_TEXT, filter.searchKey, 'filter.searchKey');
  if (filter?.role) checkText(FILTER_TEXT, filter.role, 'filter.role');
  for (const name of ['tags', 'roles'] as const)
    checkTextList(LIST_VALUE, filter?.[name] ?? [], `filter.${name}`, MAX_LIST_VALUES);
}

export class CometChatSession implements ProviderSession<CometChatUserRecord> {
  private readonly pages: DataLoader<string, LoadedPage>;
  private readonly users: ByIdLoader<CometChatUserRecord>;
  /**
   * The total of each filter (its parameters as a canonical string) from the first page this operation
   * asked for, in flight or done: a window that needs the total awaits it instead of probing.
   */
  private readonly totals = new TotalsMemo();

  constructor(
    private readonly client: CometChatClient,
    runtime: ProviderRuntime,
    /** How many 1000-user pages the default list has, learnt by the process from a complete walk. */
    listPages: { value?: number },
  ) {
    this.pages = new DataLoader(
      (keys) =>
        mapBounded(keys, runtime.lookupConcurrency, async (key) => {
          const [query, page, perPage] = JSON.parse(key) as [string, number, number];
          const result = await this.client.listPage(JSON.parse(query) as CometChatListParams, page, perPage);
          const records = result.users.map(toCometChatRecord);
          for (const record of records) this.users.remember(record, [record.uid]);
          return { page, perPage, total: result.total, records };
        }),
      { maxBatchSize: 100 },
    );
    // A batch of uids (node, nodes, _entities) reads the default list 1000 users a page when that is
    // cheaper than one `GET /v3/users/{uid}` each (see ../lookup.ts); a lone uid is one single fetch.
    // The default list hides deactivated users exactly as the single fetch does, so both agree on misses.
    const budget = new LookupBudget('COMETCHAT', runtime.maxLookupCalls);
    this.users = new ByIdLoader((uids) =>
      lookupByWalk(uids, {
        first: 1,
        loadPage: budget.wrap(async (page: number) => {
          const loaded = await this.load(DEFAULT_QUERY, page, COMETCHAT_MAX_PER_PAGE);
          return { records: loaded.records, next: page * loaded.perPage < loaded.total ? page + 1 : null };
        }),
        keysOf: (record) => [record.uid],
        fetchOne: budget.wrap(async (uid: string) => {
          const user = await this.client.fetchUser(uid);
          return user ? toCometChatRecord(user) : null;
        }),
        concurrency: runtime.lookupConcurrency,
        knownPages: listPages.value,
        onComplete: (pages) => (listPages.value = pages),
      }),
    );
  }

  /** CometChat lower-cases uids on create, so lookups do too (and hit users listed under any spelling). */
  async byId(uid: string): Promise<CometChatUserRecord | null> {
    const key = uid.trim().toLowerCase();
    if (key === '') return null;
    return this.users.load(key);
  }

  validateCursor(payload: CursorPayload, argument: string): number {
    return asOffset(payload, argument);
  }

  async page(
    request: PageRequest<CursorPayload>,
    filter?: unknown,
  ): Promise<ProviderPage<CometChatUserRecord, number>> {
    const typedFilter = filter as CometChatUserFilter | null | undefined;
    checkFilter(typedFilter);
    const params = listParams(typedFilter);
    const query = canonicalQuery(params);
    return pageByOffset(request as PageRequest<number>, {
      fetch: async (start, end) => {
        const plan = planPages(start, end);
        const loaded = await Promise.all(plan.pages.map((page) => this.load(query, page, plan.perPage)));
        // Stitch the pages into positions [start, end); stop at the first gap (the list ended).
        const records: CometChatUserRecord[] = [];
        for (const page of loaded) {
          const base = (page.page - 1) * page.perPage;
          page.records.forEach((record, index) => {
            const position = base + index;
            if (position >= start && position < end) records[position - start] = record;
          });
        }
        const gap = records.findIndex((record) => record === undefined);
        return {
          start,
          end,
          total: (loaded.at(-1) as LoadedPage).total,
          records: gap === -1 ? records : records.slice(0, gap),
        };
      },
      knownTotal: () => this.totals.get(query),
    });
  }

  private load(query: string, page: number, perPage: number): Promise<LoadedPage> {
    const loading = this.users.track(this.pages.load(JSON.stringify([query, page, perPage])));
    this.totals.learn(query, loading);
    return loading;
  }
}

export class CometChatAdapter implements ProviderAdapter<CometChatSession> {
  private readonly listPages: { value?: number } = {};

  constructor(
    private readonly client: CometChatClient,
    private readonly runtime: ProviderRuntime,
  ) {}

  session(): CometChatSession {
    return new CometChatSession(this.client, this.runtime, this.listPages);
  }
}
