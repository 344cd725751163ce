/**
 * Twilio paging translated to Relay. Twilio pages are chained by tokens (`meta.next_page_url` /
 * `previous_page_url`), at most 50 users each, with no total. A cursor is the page it was read from
 * (token, page index, page size) plus the index in that page, so resuming costs one page fetch, which the
 * page loader shares with everything else the operation reads.
 *
 * - Forward: start at the cursor's page (or the first), walk next pages until the window is full.
 * - Backward with `before`: walk previous pages. Backward without `before` needs the end of the list,
 *   which Twilio only reveals by walking every page forward.
 * - `totalCount` is null: Twilio does not say, and counting would mean walking everything.
 */
import DataLoader from 'dataloader';
import { BadUserInputError, UpstreamError } from '../../errors.js';
import {
  MAX_POSITION,
  type PageRequest,
  type ProviderEdge,
  type ProviderPage,
} from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';
import { mapBounded } from '../../util/concurrency.js';
import { ByIdLoader, LookupBudget } from '../loaders.js';
import { lookupByWalk } from '../lookup.js';
import type { ProviderAdapter, ProviderRuntime, ProviderSession } from '../provider.js';
import type { TwilioClient, TwilioPageRef } from './client.js';
import { toTwilioRecord } from './map.js';
import type { TwilioUserRecord } from './types.js';

/** Twilio's "Invalid PageToken" (https://www.twilio.com/docs/api/errors/21481). */
const INVALID_PAGE_TOKEN = 21481;

/** What a page token may look like: Twilio's are short URL-safe strings (`PA…`, `PT…`). */
const PAGE_TOKEN = /^[A-Za-z0-9._~+/=-]{1,256}$/;

/** Cursor payload: token (null = first page), page index, page size, index within the page. */
export interface TwilioCursor {
  t: string | null;
  p: number;
  s: number;
  i: number;
  [key: string]: CursorPayload;
}

interface LoadedPage {
  ref: TwilioPageRef;
  size: number;
  records: TwilioUserRecord[];
  next: TwilioPageRef | null;
  previous: TwilioPageRef | null;
}

export class TwilioSession implements ProviderSession<TwilioUserRecord> {
  private readonly pages: DataLoader<string, LoadedPage>;
  private readonly users: ByIdLoader<TwilioUserRecord>;

  constructor(
    private readonly client: TwilioClient,
    private readonly pageSize: number,
    runtime: ProviderRuntime,
    /** How many pages the whole list has, learnt by the process from a complete walk. */
    listPages: { value?: number },
  ) {
    this.pages = new DataLoader(
      (keys) =>
        mapBounded(keys, runtime.lookupConcurrency, async (key) => {
          const { ref, size } = JSON.parse(key) as { ref: TwilioPageRef; size: number };
          const page = await this.client.listPage(ref, size);
          const records = page.users.map(toTwilioRecord);
          for (const record of records) this.users.remember(record, [record.sid, record.identity]);
          return { ref, size, records, next: page.next, previous: page.previous };
        }),
      { maxBatchSize: 100 },
    );
    const budget = new LookupBudget('TWILIO_CONVERSATIONS', runtime.maxLookupCalls);
    this.users = new ByIdLoader((ids) =>
      lookupByWalk(ids, {
        first: { token: null, page: 0 } as TwilioPageRef,
        loadPage: budget.wrap(async (ref: TwilioPageRef) => {
          const page = await this.load(ref, this.pageSize);
          return { records: page.records, next: page.next };
        }),
        keysOf: (record) => [record.sid, record.identity],
        fetchOne: budget.wrap(async (id: string) => {
          const user = await this.client.fetchUser(id);
          return user ? toTwilioRecord(user) : null;
        }),
        concurrency: runtime.lookupConcurrency,
        knownPages: listPages.value,
        onComplete: (pages) => (listPages.value = pages),
      }),
    );
  }

  byId(sidOrIdentity: string): Promise<TwilioUserRecord | null> {
    return this.users.load(sidOrIdentity);
  }

  /**
   * A cursor's page token travels to Twilio, so it is bounded like any input (a cursor signed with the
   * built-in key can be forged): a token of at most 256 URL-safe characters, a page index and an index
   * within a page of at most 50.
   */
  validateCursor(payload: CursorPayload, argument: string): TwilioCursor {
    const c = payload as Partial<TwilioCursor> | null;
    const ok =
      c !== null &&
      typeof c === 'object' &&
      (c.t === null || (typeof c.t === 'string' && PAGE_TOKEN.test(c.t))) &&
      [c.p, c.s, c.i].every((n) => Number.isInteger(n) && (n as number) >= 0) &&
      (c.p as number) <= MAX_POSITION &&
      (c.s as number) >= 1 &&
      (c.s as number) <= 50 &&
      (c.i as number) < (c.s as number);
    if (!ok)
      throw new BadUserInputError(
        `Argument "${argument}" is not a valid cursor for this connection: bad position.`,
        { argument },
      );
    return c as TwilioCursor;
  }

  async page(request: PageRequest<CursorPayload>): Promise<ProviderPage<TwilioUserRecord, TwilioCursor>> {
    try {
      return request.direction === 'forward'
        ? await this.forward(request.size, request.after as TwilioCursor | null)
        : await this.backward(request.size, request.before as TwilioCursor | null);
    } catch (error) {
      // Only a cursor brings a page token: when Twilio refuses it, the cursor is what was wrong (it
      // expired, the list changed, or it was forged), not Twilio.
      if (error instanceof UpstreamError && error.details.upstreamCode === INVALID_PAGE_TOKEN) {
        const argument = request.direction === 'forward' ? 'after' : 'before';
        throw new BadUserInputError(
          `Argument "${argument}" is not a valid cursor for this connection: Twilio no longer accepts its page token (the list changed or the token expired). Page again from the start.`,
          { argument, provider: 'TWILIO_CONVERSATIONS', upstreamCode: INVALID_PAGE_TOKEN },
        );
      }
      throw error;
    }
  }

  private load(ref: TwilioPageRef, size: number): Promise<LoadedPage> {
    return this.users.track(
      this.pages.load(JSON.stringify({ ref: { token: ref.token, page: ref.page }, size })),
    );
  }

  private edge(page: LoadedPage, index: number): ProviderEdge<TwilioUserRecord, TwilioCursor> {
    return {
      cursor: { t: page.ref.token, p: page.ref.page, s: page.size, i: index },
      node: page.records[index],
    };
  }

  private async forward(
    size: number,
    after: TwilioCursor | null,
  ): Promise<ProviderPage<TwilioUserRecord, TwilioCursor>> {
    const pageSize = after?.s ?? this.pageSize;
    let page = await this.load(
      after ? { token: after.t, page: after.p } : { token: null, page: 0 },
      pageSize,
    );
    let index = after ? after.i + 1 : 0;
    const edges: ProviderEdge<TwilioUserRecord, TwilioCursor>[] = [];
    for (;;) {
      while (index < page.records.length && edges.length < size) edges.push(this.edge(page, index++));
      if (edges.length >= size || !page.next) break;
      page = await this.load(page.next, pageSize);
      index = 0;
    }
    return {
      edges,
      hasNextPage: index < page.records.length || page.next !== null,
      hasPreviousPage: after !== null,
      totalCount: null,
    };
  }

  private async backward(
    size: number,
    before: TwilioCursor | null,
  ): Promise<ProviderPage<TwilioUserRecord, TwilioCursor>> {
    const pageSize = before?.s ?? this.pageSize;
    let page: LoadedPage;
    let index: number;
    if (before) {
      page = await this.load({ token: before.t, page: before.p }, pageSize);
      index = Math.min(before.i, page.records.length);
    } else {
      // The end of a Twilio list is only reachable by walking forward.
      page = await this.load({ token: null, page: 0 }, pageSize);
      while (page.next) page = await this.load(page.next, pageSize);
      index = page.records.length;
    }
    const edges: ProviderEdge<TwilioUserRecord, TwilioCursor>[] = [];
    for (;;) {
      while (index > 0 && edges.length < size) edges.push(this.edge(page, --index));
      if (edges.length >= size || !page.previous) break;
      page = await this.load(page.previous, pageSize);
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
}

export class TwilioAdapter implements ProviderAdapter<TwilioSession> {
  private readonly listPages: { value?: number } = {};

  constructor(
    private readonly client: TwilioClient,
    private readonly pageSize: number,
    private readonly runtime: ProviderRuntime,
  ) {}

  session(): TwilioSession {
    return new TwilioSession(this.client, this.pageSize, this.runtime, this.listPages);
  }
}
