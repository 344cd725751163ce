/**
 * Paging descriptors: how a provider's list is paged upstream, declared in a few fields (the way
 * unified-API vendors describe a provider's pagination), each with its wire call. The core turns a
 * descriptor into Relay windows, cursors and list walks (./paging/*.ts); the provider writes none of it.
 *
 * | style   | upstream                                   | Relay cursor            | totalCount | backward |
 * |---------|--------------------------------------------|-------------------------|------------|----------|
 * | whole   | one call returns the whole list            | absolute position       | yes        | yes      |
 * | token   | opaque page tokens, next and previous      | page token + index      | no         | yes      |
 * | keyset  | "records after this id", forward only      | the record's native id  | no         | no       |
 * | page    | page number + page size, with a total      | absolute position       | yes        | yes      |
 * | offset  | offset + count, with a total               | absolute position       | yes        | yes      |
 */
import type { PageRequest, ProviderPage } from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';

/** What the unified `users` connection may ask of a provider, known from its paging style. */
export interface ProviderCapabilities {
  /** `last`/`before` work (otherwise the session answers BAD_USER_INPUT for them). */
  backward: boolean;
  /** A page's `totalCount` is a number (a zero-size page tells it, cheaply). */
  countable: boolean;
}

/** 2Chat: `GET /open/users` answers everything at once. */
export interface WholeListPaging<Wire> {
  style: 'whole';
  list(): Promise<Wire[]>;
}

/**
 * Where a token-paged list page starts: the provider's token (null: the first page) and its index. Page 0
 * is the first page, read without a token whatever token a link to it carries.
 */
export interface PageToken {
  token: string | null;
  page: number;
}

/** Twilio: pages chained by opaque tokens in both directions, no total. */
export interface TokenPaging<Wire, Query> {
  style: 'token';
  /** The page size asked for (configurable, at most `maxPageSize`). */
  pageSize: number;
  maxPageSize: number;
  /** What a token may look like: a cursor's token travels upstream, so it is bounded like any input. */
  tokenPattern: RegExp;
  list(
    query: Query,
    from: PageToken,
    size: number,
  ): Promise<{ items: Wire[]; next: PageToken | null; previous: PageToken | null }>;
  /** Whether an upstream error says a token was refused (expired, or from a list that changed). */
  refusesToken(error: unknown): boolean;
}

/** Ada: "up to `limit` records from this id on", the next id in the answer, no total, no way back. */
export interface KeysetPaging<Wire, Query> {
  style: 'keyset';
  maxLimit: number;
  /** What a record id in a cursor may look like (it travels upstream). */
  cursorPattern: RegExp;
  list(query: Query, after: string | null, limit: number): Promise<{ items: Wire[]; next: string | null }>;
  /**
   * A filter that selects at most one user through a dedicated call (Ada's `external_id`): the
   * connection is that user or nothing, fetched once per operation whatever the window.
   */
  exactMatch?: { of(query: Query): string | null; fetch(value: string): Promise<Wire | null> };
}

/** CometChat: `page` (1-based) + `perPage`, with the total. */
export interface PageNumberPaging<Wire, Query> {
  style: 'page';
  maxPerPage: number;
  list(query: Query, page: number, perPage: number): Promise<{ items: Wire[]; total: number }>;
}

/** Voximplant: `offset` + `count`, with the total. */
export interface OffsetPaging<Wire, Query> {
  style: 'offset';
  /** Users per call when lookups read the list. */
  walkSize: number;
  list(query: Query, offset: number, count: number): Promise<{ items: Wire[]; total: number }>;
}

export type PagingStyle = 'whole' | 'token' | 'keyset' | 'page' | 'offset';

/** What each style can answer: backward windows need a way back, a total needs the provider to tell it. */
export const CAPABILITIES: Record<PagingStyle, ProviderCapabilities> = {
  whole: { backward: true, countable: true },
  token: { backward: true, countable: false },
  keyset: { backward: false, countable: false },
  page: { backward: true, countable: true },
  offset: { backward: true, countable: true },
};

export type Paging<Wire, Query> =
  | WholeListPaging<Wire>
  | TokenPaging<Wire, Query>
  | KeysetPaging<Wire, Query>
  | PageNumberPaging<Wire, Query>
  | OffsetPaging<Wire, Query>;

/** One page of a list walk: its records, and how to read the next (null at the end). */
export interface WalkStep<Rec> {
  records: Rec[];
  /** Upstream calls reading this page cost: 0 when the operation already had it (or was loading it). */
  cost: number;
  next: (() => Promise<WalkStep<Rec>>) | null;
}

/** A paging style made into Relay windows for one session. Cursors stay `CursorPayload` at this edge. */
export interface Pager<Rec, Query> {
  /** Checks a decoded cursor payload; BAD_USER_INPUT naming `argument` otherwise. */
  cursor(payload: CursorPayload, argument: string): CursorPayload;
  window(request: PageRequest<CursorPayload>, query: Query): Promise<ProviderPage<Rec>>;
  /** The list from its start, at the largest page the provider allows (list-walk lookups). */
  walk(query: Query): Promise<WalkStep<Rec>>;
}

/** A page as a session's page loader hands it to a pager: the wire page with its items mapped. */
export type Fetched<P, Rec> = Omit<P, 'items'> & { records: Rec[] };

/** A fetched page as one request of it sees it. */
export type Loaded<P, Rec> = Fetched<P, Rec> & {
  /** This request of the page made the upstream call (false: the operation already had or was loading it). */
  fresh: boolean;
};

/** What a pager gets from its session. */
export interface PagerTools<Wire, Rec> {
  provider: string;
  displayName: string;
  /**
   * A page loader of this session: one upstream call per distinct key (compared canonically), shared by
   * everything the operation reads, and every record it brings primes the by-id loader.
   */
  loader<K, P extends { items: Wire[] }>(fetch: (key: K) => Promise<P>): (key: K) => Promise<Loaded<P, Rec>>;
  /** Why `last`/`before` are refused by a style that cannot page backward. */
  forwardOnly: string;
  /** The native id of a record (keyset cursors). */
  idOf(record: Rec): string;
}

/** A pager written against its own cursor type `C`; `erase` checks cursors at the edge instead of casting. */
export interface TypedPager<Rec, Query, C extends CursorPayload> {
  cursor(payload: CursorPayload, argument: string): C;
  window(request: PageRequest<C>, query: Query): Promise<ProviderPage<Rec, C>>;
  walk(query: Query): Promise<WalkStep<Rec>>;
}

export function erase<Rec, Query, C extends CursorPayload>(
  typed: TypedPager<Rec, Query, C>,
): Pager<Rec, Query> {
  return {
    cursor: (payload, argument) => typed.cursor(payload, argument),
    window: (request, query) =>
      typed.window(
        request.direction === 'forward'
          ? {
              direction: 'forward',
              size: request.size,
              after: request.after === null ? null : typed.cursor(request.after, 'after'),
            }
          : {
              direction: 'backward',
              size: request.size,
              before: request.before === null ? null : typed.cursor(request.before, 'before'),
            },
        query,
      ),
    walk: (query) => typed.walk(query),
  };
}
