/**
 * Ada paging translated to Relay. Ada pages by keyset: `cursor` (an end-user id) + `limit` (1–100),
 * the next cursor in `meta.next_page_url`, no total and no way back. A Relay cursor is the end-user id of
 * its edge, so resuming after it is one upstream call starting at that id.
 *
 * - Forward: ask for the records from the cursor, each call's `limit` sized to what the window still
 *   needs (plus one record to tell `hasNextPage` exactly, plus the anchor when it may come back), and
 *   follow the next cursor until the window is full. Any window of up to 100 users costs one call,
 *   except 100 after a cursor from an inclusive upstream (the anchor takes a place): two.
 * - Backward: Ada cannot page backward, so `last`/`before` are BAD_USER_INPUT (before any call).
 * - `totalCount` is null: Ada does not say, and counting would mean walking everything.
 * - `externalId` filter: one `?external_id=` lookup, a connection of zero or one user.
 * - Lookups by id: `GET /api/v2/end-users/{id}` per id with bounded concurrency, primed by list pages.
 */
import DataLoader from 'dataloader';
import { BadUserInputError, ErrorCode, UpstreamError } from '../../errors.js';
import type { PageRequest, ProviderEdge, ProviderPage } from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';
import { mapBounded } from '../../util/concurrency.js';
import { checkText } from '../nativeId.js';
import { ByIdLoader, LookupBudget } from '../loaders.js';
import { lookupByWalk } from '../lookup.js';
import type { ProviderAdapter, ProviderRuntime, ProviderSession } from '../provider.js';
import type { AdaClient } from './client.js';
import { toAdaRecord } from './map.js';
import type { AdaEndUserRecord } from './types.js';

/** Ada's documented maximum `limit`. */
export const ADA_MAX_LIMIT = 100;
/** Ada's documented maximum `external_id` length. */
export const ADA_MAX_EXTERNAL_ID = 36;
const CURSOR_SHAPE = /^[A-Za-z0-9_-]{1,128}$/;

/** Cursor payload: the end-user id of the edge. */
export type AdaCursor = string;

/** The native filters of `adaEndUsers`. */
export interface AdaFilter {
  externalId?: string | null;
}

interface LoadedPage {
  records: AdaEndUserRecord[];
  next: string | null;
}

/** The BAD_USER_INPUT every backward request gets. */
export function adaForwardOnlyError(argument: 'last' | 'before'): BadUserInputError {
  return new BadUserInputError(
    `Ada pages forward only: its end-users API has no backward paging. Use "first" and "after" instead of "${argument}".`,
    { argument },
  );
}

/** Validates the `adaEndUsers` filter input; throws BAD_USER_INPUT naming the argument. */
export function parseAdaFilter(filter: unknown): string | null {
  const externalId = (filter as AdaFilter | undefined)?.externalId;
  if (externalId === undefined || externalId === null) return null;
  return checkText(
    {
      allowed: `1 to ${ADA_MAX_EXTERNAL_ID} characters (Ada's limit) without control characters`,
      maxLength: ADA_MAX_EXTERNAL_ID,
    },
    String(externalId),
    'externalId',
  );
}

export class AdaSession implements ProviderSession<AdaEndUserRecord> {
  private readonly pages: DataLoader<string, LoadedPage>;
  private readonly byExternalId: DataLoader<string, AdaEndUserRecord | null>;
  private readonly users: ByIdLoader<AdaEndUserRecord>;

  constructor(
    private readonly client: AdaClient,
    runtime: ProviderRuntime,
    /** How many 100-user pages the whole list has, learnt by the process from a complete walk. */
    listPages: { value?: number } = {},
  ) {
    this.pages = new DataLoader(
      (keys) =>
        mapBounded(keys, runtime.lookupConcurrency, async (key) => {
          const { cursor, limit } = JSON.parse(key) as { cursor: string | null; limit: number };
          const page = await this.client.listPage(cursor, limit);
          const records = page.users.map(toAdaRecord);
          for (const record of records) this.users.remember(record, [record.endUserId]);
          return { records, next: page.next };
        }),
      { maxBatchSize: 100 },
    );
    this.byExternalId = new DataLoader(
      (externalIds) =>
        mapBounded(externalIds, runtime.lookupConcurrency, async (externalId) => {
          const user = await this.client.findByExternalId(externalId);
          const record = user ? toAdaRecord(user) : null;
          if (record) this.users.remember(record, [record.endUserId]);
          return record;
        }),
      { maxBatchSize: 100 },
    );
    // Many ids: walk the list 100 at a time when that is cheaper than one call per id (src/providers/lookup.ts).
    const budget = new LookupBudget('ADA', runtime.maxLookupCalls);
    this.users = new ByIdLoader((ids) =>
      lookupByWalk(ids, {
        first: null as string | null,
        loadPage: budget.wrap(async (cursor: string | null) => {
          const page = await this.load(cursor, ADA_MAX_LIMIT);
          return { records: page.records, next: page.next };
        }),
        keysOf: (record) => [record.endUserId],
        fetchOne: budget.wrap(async (id: string) => {
          const user = await this.client.fetchEndUser(id);
          return user ? toAdaRecord(user) : null;
        }),
        concurrency: runtime.lookupConcurrency,
        knownPages: listPages.value,
        onComplete: (pages) => (listPages.value = pages),
      }),
    );
  }

  /** "", "." and ".." cannot be end-user ids (and would be normalised into another path): null, no call. */
  async byId(endUserId: string): Promise<AdaEndUserRecord | null> {
    if (endUserId === '' || endUserId === '.' || endUserId === '..') return null;
    return this.users.load(endUserId);
  }

  validateCursor(payload: CursorPayload, argument: string): AdaCursor {
    if (typeof payload === 'string' && CURSOR_SHAPE.test(payload)) return payload;
    throw new BadUserInputError(
      `Argument "${argument}" is not a valid cursor for this connection: bad position.`,
      { argument },
    );
  }

  async page(
    request: PageRequest<CursorPayload>,
    filter?: unknown,
  ): Promise<ProviderPage<AdaEndUserRecord, AdaCursor>> {
    if (request.direction === 'backward') throw adaForwardOnlyError(request.before ? 'before' : 'last');
    const externalId = parseAdaFilter(filter);
    const after = request.after as AdaCursor | null;
    return externalId === null
      ? this.forward(request.size, after)
      : this.external(request.size, after, externalId);
  }

  private load(cursor: string | null, limit: number): Promise<LoadedPage> {
    return this.users.track(this.pages.load(JSON.stringify({ cursor, limit })));
  }

  private edge(record: AdaEndUserRecord): ProviderEdge<AdaEndUserRecord, AdaCursor> {
    return { cursor: record.endUserId, node: record };
  }

  private async forward(
    size: number,
    after: AdaCursor | null,
  ): Promise<ProviderPage<AdaEndUserRecord, AdaCursor>> {
    // Ada does not say whether a page starts at its cursor's record (inclusive) or after it (exclusive).
    // Either works: every id this walk has seen (the `after` anchor included) is dropped if it comes back,
    // and a call whose cursor is such an id asks for one more record, in case it does come back.
    const seen = new Set<string>(after === null ? [] : [after]);
    const requested = new Set<string | null>();
    const edges: ProviderEdge<AdaEndUserRecord, AdaCursor>[] = [];
    let cursor = after;
    let page: LoadedPage;
    let leftover: number;
    for (;;) {
      const anchor = cursor !== null && seen.has(cursor) ? 1 : 0;
      // What the window still needs, plus one to learn whether more follow without another call.
      const limit = Math.min(ADA_MAX_LIMIT, size - edges.length + anchor + 1);
      requested.add(cursor);
      page = await this.load(cursor, limit);
      const fresh = page.records.filter((record) => !seen.has(record.endUserId));
      for (const record of fresh) seen.add(record.endUserId);
      const room = size - edges.length;
      edges.push(...fresh.slice(0, room).map((record) => this.edge(record)));
      leftover = Math.max(0, fresh.length - room);
      if (edges.length >= size || page.next === null) break;
      if (requested.has(page.next) && fresh.length === 0) {
        throw new UpstreamError({
          provider: 'ADA',
          code: ErrorCode.UPSTREAM_BAD_RESPONSE,
          message: 'unexpected response shape: "meta.next_page_url" does not advance',
        });
      }
      cursor = page.next;
    }
    return {
      edges,
      hasNextPage: leftover > 0 || page.next !== null,
      hasPreviousPage: after !== null,
      totalCount: null,
    };
  }

  private async external(
    size: number,
    after: AdaCursor | null,
    externalId: string,
  ): Promise<ProviderPage<AdaEndUserRecord, AdaCursor>> {
    const found = await this.users.track(this.byExternalId.load(externalId));
    // The connection holds zero or one user: after its cursor, nothing is left.
    const rest = found === null || after !== null ? [] : [found];
    return {
      edges: rest.slice(0, size).map((record) => this.edge(record)),
      hasNextPage: rest.length > size,
      hasPreviousPage: after !== null,
      totalCount: null,
    };
  }
}

export class AdaAdapter implements ProviderAdapter<AdaSession> {
  private readonly listPages: { value?: number } = {};

  constructor(
    private readonly client: AdaClient,
    private readonly runtime: ProviderRuntime,
  ) {}

  session(): AdaSession {
    return new AdaSession(this.client, this.runtime, this.listPages);
  }
}
