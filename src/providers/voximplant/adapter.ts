/**
 * Voximplant paging translated to Relay. GetUsers pages natively by `offset`/`count` and reports
 * `total_count`, so a cursor is the user's absolute position in the filtered, ordered list and every
 * window is one upstream call (the shared rules for `last` without `before` and empty windows are in
 * ../offsetPaging.ts).
 *
 * Each (parameters, offset, count) is one page-loader key; every listed user primes the by-id loader.
 * Lookups by id: one id is GetUsers with `user_id`; several walk the default list 100 users a call when
 * that is cheaper (GetUsers takes one `user_id` per call).
 */
import DataLoader from 'dataloader';
import { asOffset, type PageRequest, type ProviderPage } from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';
import { mapBounded } from '../../util/concurrency.js';
import { ByIdLoader, LookupBudget } from '../loaders.js';
import { lookupByWalk } from '../lookup.js';
import { pageByOffset, TotalsMemo } from '../offsetPaging.js';
import type { ProviderAdapter, ProviderRuntime, ProviderSession } from '../provider.js';
import {
  VOXIMPLANT_USER_ID,
  getUsersParams,
  type GetUsersParams,
  type VoximplantClient,
  type VoximplantUserFilter,
  type VoximplantUserOrder,
} from './client.js';
import { toVoximplantRecord } from './map.js';
import type { VoximplantUserRecord } from './types.js';

/** What the `voximplantUsers` resolver passes as the session's filter (both bind the cursors). */
export interface VoximplantListArguments {
  filter?: VoximplantUserFilter | null;
  orderBy?: VoximplantUserOrder | null;
}

interface LoadedWindow {
  offset: number;
  count: number;
  total: number;
  records: VoximplantUserRecord[];
}

/**
 * Users per page when lookups walk the list. Voximplant does not document GetUsers' maximum `count`; 100
 * is what `first: 100` windows already send.
 */
const LIST_PAGE = 100;

export class VoximplantSession implements ProviderSession<VoximplantUserRecord> {
  private readonly windows: DataLoader<string, LoadedWindow>;
  private readonly users: ByIdLoader<VoximplantUserRecord>;
  /**
   * The total of each parameter set (canonical JSON) from the first window this operation asked for, in
   * flight or done: a window that needs the total awaits it instead of probing.
   */
  private readonly totals = new TotalsMemo();

  constructor(
    private readonly client: VoximplantClient,
    runtime: ProviderRuntime,
    /** How many LIST_PAGE-user pages the default list has, learnt by the process from a complete walk. */
    listPages: { value?: number } = {},
  ) {
    this.windows = new DataLoader(
      (keys) =>
        mapBounded(keys, runtime.lookupConcurrency, async (key) => {
          const [query, offset, count] = JSON.parse(key) as [string, number, number];
          const page = await this.client.getUsers(JSON.parse(query) as GetUsersParams, offset, count);
          const records = page.users.map(toVoximplantRecord);
          for (const record of records) this.users.remember(record, [record.providerUserId]);
          return { offset, count, total: page.total, records };
        }),
      { maxBatchSize: 100 },
    );
    // GetUsers takes one `user_id` per call: a batch of ids reads the default application's list
    // instead, LIST_PAGE users a call, when that is cheaper (see ../lookup.ts).
    const budget = new LookupBudget('VOXIMPLANT', runtime.maxLookupCalls);
    const defaultList = this.query(undefined, undefined);
    this.users = new ByIdLoader((ids) =>
      lookupByWalk(ids, {
        first: 0,
        loadPage: budget.wrap(async (offset: number) => {
          const window = await this.load(defaultList, offset, LIST_PAGE);
          return {
            records: window.records,
            next: offset + LIST_PAGE < window.total ? offset + LIST_PAGE : null,
          };
        }),
        keysOf: (record) => [record.providerUserId],
        fetchOne: budget.wrap(async (id: string) => {
          const user = await this.client.fetchUser(Number(id));
          return user ? toVoximplantRecord(user) : null;
        }),
        concurrency: runtime.lookupConcurrency,
        knownPages: listPages.value,
        onComplete: (pages) => (listPages.value = pages),
      }),
    );
  }

  /** The canonical page-loader key of a GetUsers parameter set. */
  private query(
    filter: VoximplantUserFilter | null | undefined,
    orderBy: VoximplantUserOrder | null | undefined,
  ): string {
    const params = getUsersParams(this.client.defaultApplication, filter, orderBy);
    return JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b))));
  }

  /** A user id is a positive integer; anything else cannot exist and costs no call. */
  async byId(userId: string): Promise<VoximplantUserRecord | null> {
    if (VOXIMPLANT_USER_ID.impossible?.(userId)) return null;
    return this.users.load(userId);
  }

  validateCursor(payload: CursorPayload, argument: string): number {
    return asOffset(payload, argument);
  }

  async page(
    request: PageRequest<CursorPayload>,
    list?: unknown,
  ): Promise<ProviderPage<VoximplantUserRecord, number>> {
    const { filter, orderBy } = (list ?? {}) as VoximplantListArguments;
    const query = this.query(filter, orderBy);
    return pageByOffset(request as PageRequest<number>, {
      fetch: async (start, end) => {
        const window = await this.load(query, start, end - start);
        return {
          start: window.offset,
          end: window.offset + window.count,
          total: window.total,
          records: window.records,
        };
      },
      knownTotal: () => this.totals.get(query),
    });
  }

  private load(query: string, offset: number, count: number): Promise<LoadedWindow> {
    const loading = this.users.track(this.windows.load(JSON.stringify([query, offset, count])));
    this.totals.learn(query, loading);
    return loading;
  }
}

export class VoximplantAdapter implements ProviderAdapter<VoximplantSession> {
  private readonly listPages: { value?: number } = {};

  constructor(
    private readonly client: VoximplantClient,
    private readonly runtime: ProviderRuntime,
  ) {}

  session(): VoximplantSession {
    return new VoximplantSession(this.client, this.runtime, this.listPages);
  }
}
