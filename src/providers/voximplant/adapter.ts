/**
 * Voximplant paging translated to Relay. GetUsers pages natively by `offset`/`count` and reports
 * `total_count`, so a cursor is the user's absolute position in the filtered, ordered list and every
 * window is one upstream call:
 *
 * - forward (`first`, `after`), and backward with `before`: one call for exactly the window;
 * - `last` without `before` needs the total first. The probe asks for the window size from offset 0:
 *   when the whole list fits, the probe is the answer (1 call); otherwise the tail costs one more (2).
 *   A window of the same parameters this operation already asked for (done or still in flight, e.g. a
 *   sibling `first: 10` field) replaces the probe;
 * - an empty window (`first: 0`, `before` the first user) still needs the total: one `count=1` call,
 *   unless a window of the same parameters already tells it.
 *
 * Each (parameters, offset, count) is one page-loader key; every listed user primes the by-id loader.
 * Lookups by id are GetUsers with `user_id` (one id per call), bounded by the lookup concurrency.
 */
import DataLoader from 'dataloader';
import {
  asOffset,
  offsetPage,
  offsetWindow,
  type PageRequest,
  type ProviderPage,
} from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';
import { mapBounded } from '../../util/concurrency.js';
import { ByIdLoader, LookupBudget } from '../loaders.js';
import type { ProviderAdapter, ProviderRuntime, ProviderSession } from '../provider.js';
import {
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

/** The largest user id GraphQL's Int (and so `voximplantUser(userId:)`) can carry. */
const MAX_USER_ID = 2 ** 31 - 1;

export class VoximplantSession implements ProviderSession<VoximplantUserRecord> {
  private readonly windows: DataLoader<string, LoadedWindow>;
  private readonly users: ByIdLoader<VoximplantUserRecord>;
  /**
   * The total of each parameter set (canonical JSON) from the first window this operation asked for, in
   * flight or done: a window that needs the total awaits it instead of probing.
   */
  private readonly totals = new Map<string, Promise<number>>();

  constructor(
    private readonly client: VoximplantClient,
    runtime: ProviderRuntime,
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
    const budget = new LookupBudget('VOXIMPLANT', runtime.maxLookupCalls);
    this.users = new ByIdLoader((ids) =>
      mapBounded(
        ids,
        runtime.lookupConcurrency,
        budget.wrap(async (id: string) => {
          const user = await this.client.fetchUser(Number(id));
          return user ? toVoximplantRecord(user) : null;
        }),
      ),
    );
  }

  /** A user id is a positive integer; anything else cannot exist and costs no call. */
  async byId(userId: string): Promise<VoximplantUserRecord | null> {
    if (!/^[1-9]\d{0,9}$/.test(userId) || Number(userId) > MAX_USER_ID) return null;
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
    const params = getUsersParams(this.client.defaultApplication, filter, orderBy);
    const query = JSON.stringify(
      Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b))),
    );
    const offsets = request as PageRequest<number>;

    let total: number | null = null;
    let probe: LoadedWindow | undefined;
    if (offsets.direction === 'backward' && offsets.before === null) {
      const known = this.totals.get(query);
      if (known) total = await known;
      else {
        probe = await this.load(query, 0, Math.max(1, offsets.size));
        total = probe.total;
      }
    }
    const range = offsetWindow(offsets, total);
    if (range.end <= range.start) {
      const count: number =
        total ?? (await (this.totals.get(query) ?? this.load(query, 0, 1).then((window) => window.total)));
      return offsetPage(offsets, range, [], count);
    }
    const window =
      probe && range.end <= probe.count
        ? probe
        : await this.load(query, range.start, range.end - range.start);
    const items = window.records.slice(range.start - window.offset, range.end - window.offset);
    return offsetPage(offsets, range, items, window.total);
  }

  private load(query: string, offset: number, count: number): Promise<LoadedWindow> {
    const loading = this.users.track(this.windows.load(JSON.stringify([query, offset, count])));
    if (!this.totals.has(query)) {
      const total = loading.then((loaded) => loaded.total);
      // A failed window teaches nothing: forget it so a later window may try again.
      total.catch(() => {
        if (this.totals.get(query) === total) this.totals.delete(query);
      });
      this.totals.set(query, total);
    }
    return loading;
  }
}

export class VoximplantAdapter implements ProviderAdapter<VoximplantSession> {
  constructor(
    private readonly client: VoximplantClient,
    private readonly runtime: ProviderRuntime,
  ) {}

  session(): VoximplantSession {
    return new VoximplantSession(this.client, this.runtime);
  }
}
