/**
 * The indexed users: one row per (source, native id), holding the record as the provider connection
 * would serve it (`record`, with its dates tagged so they come back as dates) and the columns the
 * directory filters, sorts and searches on. Every key that orders is computed here, in JavaScript, so
 * PGlite and any PostgreSQL order the same way whatever their locale.
 *
 * Order keys put missing values last in both directions: a present text `k` is stored as `1k` in both
 * keys, a missing one as `2` ascending and `0` descending; a missing date as +infinity ascending and
 * -infinity descending. Ties are broken by the source's rank, then the native id, so every order is total
 * and a cursor is the last row's keys (a keyset), never an offset.
 */
import type { UserRecord } from '../../providers/core/record.js';
import { toNumber, type Database, type Queryable } from './database.js';
import { collectsMatches, SEARCH_COLLECT_BOUND, windowSql, type WindowSql } from './keyset.js';

export type OrderField = 'DISPLAY_NAME' | 'EMAIL' | 'CREATED_AT' | 'UPDATED_AT' | 'SOURCE';
export type OrderDirection = 'ASC' | 'DESC';

/** Trim and lower-case: how emails are compared (no provider-specific rewriting). */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const textKey = (value: string | null | undefined, direction: OrderDirection): string => {
  const present = typeof value === 'string' && value.trim() !== '';
  return present ? `1${value.trim().toLowerCase()}` : direction === 'ASC' ? '2' : '0';
};
export const dateKey = (value: Date | null, direction: OrderDirection): string =>
  value ? value.toISOString() : direction === 'ASC' ? 'infinity' : '-infinity';

/** The sort key of `record` for an order (SOURCE sorts on rank and walk position instead). */
function sortKey(
  record: UserRecord,
  field: Exclude<OrderField, 'SOURCE'>,
  direction: OrderDirection,
): string {
  switch (field) {
    case 'DISPLAY_NAME':
      return textKey(record.displayName, direction);
    case 'EMAIL':
      return textKey(record.email === null ? null : normalizeEmail(record.email), direction);
    case 'CREATED_AT':
      return dateKey(record.createdAt, direction);
    case 'UPDATED_AT':
      return dateKey(record.updatedAt, direction);
  }
}

const ORDER_COLUMN: Record<Exclude<OrderField, 'SOURCE'>, string> = {
  DISPLAY_NAME: 'name',
  EMAIL: 'email',
  CREATED_AT: 'created',
  UPDATED_AT: 'updated',
};

/** The paths of the Date values in `value` (a record's own dates and its provider's nested ones). */
function datePaths(value: unknown, path: (string | number)[] = [], found: (string | number)[][] = []) {
  if (value instanceof Date) found.push(path);
  else if (Array.isArray(value)) value.forEach((item, index) => datePaths(item, [...path, index], found));
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) datePaths(item, [...path, key], found);
  return found;
}

/**
 * The stored form of a record: `{ "r": <the record as JSON>, "d": [<paths of its dates>] }`. Reading it
 * back turns exactly those paths into Date objects again, without walking the record (`raw` can be large).
 */
export function serializeRecord(record: UserRecord): string {
  return JSON.stringify({ r: record, d: datePaths(record) });
}

/** A stored record as the resolvers take it (the jsonb column arrives parsed; its dates revived). */
export function reviveRecord(stored: unknown): UserRecord {
  const parsed = (typeof stored === 'string' ? JSON.parse(stored) : stored) as {
    r: UserRecord;
    d: (string | number)[][];
  };
  for (const path of parsed.d) {
    let target: unknown = parsed.r;
    for (const key of path.slice(0, -1))
      target =
        target && typeof target === 'object' ? (target as Record<string | number, unknown>)[key] : undefined;
    const last = path[path.length - 1];
    if (last === undefined || !target || typeof target !== 'object') continue;
    const holder = target as Record<string | number, unknown>;
    const value = holder[last];
    if (typeof value === 'string') holder[last] = new Date(value);
  }
  return parsed.r;
}

/**
 * What search matches, lower-cased: display name, first and last name, native id, and the email for
 * callers who may read emails (`search_text`); the same without the email for the others
 * (`search_public`), so a search cannot tell them an address they may not read.
 */
function searchText(record: UserRecord, withEmail: boolean): string {
  return [
    record.displayName,
    record.firstName,
    record.lastName,
    withEmail ? record.email : null,
    record.providerUserId,
  ]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join('\n')
    .toLowerCase();
}

/** The row columns, in the order of `rowValues` and of the unnest types. */
const COLUMNS: readonly [string, string][] = [
  ['source', 'text'],
  ['native_id', 'text'],
  ['provider', 'text'],
  ['source_rank', 'int4'],
  ['position', 'int8'],
  ['record', 'jsonb'],
  ['search_text', 'text'],
  ['search_public', 'text'],
  ['email_norm', 'text'],
  ['active', 'bool'],
  ['updated_at', 'timestamptz'],
  ['name_asc', 'text'],
  ['name_desc', 'text'],
  ['email_asc', 'text'],
  ['email_desc', 'text'],
  ['created_asc', 'timestamptz'],
  ['created_desc', 'timestamptz'],
  ['updated_asc', 'timestamptz'],
  ['updated_desc', 'timestamptz'],
  ['walk', 'int8'],
  ['indexed_at', 'timestamptz'],
];
const NAMES = COLUMNS.map(([name]) => name).join(', ');

export interface IndexedUser {
  record: UserRecord;
  rank: number;
  position: number;
}

function rowValues(user: IndexedUser, walk: number, observedAt: string): unknown[] {
  const { record } = user;
  return [
    record.source,
    record.providerUserId,
    record.provider,
    user.rank,
    user.position,
    serializeRecord(record),
    searchText(record, true),
    searchText(record, false),
    record.email === null ? null : normalizeEmail(record.email),
    record.active,
    record.updatedAt?.toISOString() ?? null,
    sortKey(record, 'DISPLAY_NAME', 'ASC'),
    sortKey(record, 'DISPLAY_NAME', 'DESC'),
    sortKey(record, 'EMAIL', 'ASC'),
    sortKey(record, 'EMAIL', 'DESC'),
    sortKey(record, 'CREATED_AT', 'ASC'),
    sortKey(record, 'CREATED_AT', 'DESC'),
    sortKey(record, 'UPDATED_AT', 'ASC'),
    sortKey(record, 'UPDATED_AT', 'DESC'),
    walk,
    observedAt,
  ];
}

/** Columns as arrays, for one INSERT … SELECT FROM unnest(…) per batch (one statement, any size). */
function columnsOf(users: readonly IndexedUser[], walk: number, observedAt: Date): unknown[][] {
  const at = observedAt.toISOString();
  const columns: unknown[][] = COLUMNS.map(() => []);
  for (const user of users) rowValues(user, walk, at).forEach((value, i) => columns[i].push(value));
  return columns;
}

const UNNEST = `SELECT * FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`;
/**
 * The columns a walk always sets (where the user stands in the list, and that this walk saw it); the
 * others describe the user, and come from whichever fetch began last (`indexed_at`).
 */
const PLACE = new Set(['source_rank', 'position', 'walk']);
/**
 * Whether the user's person must be looked at again (people/store.ts): new to it, back from deleted,
 * another email, or another name or update time (its person's summary).
 */
const PERSON_DIRTY = `directory_users.person_dirty OR directory_users.person_id IS NULL
  OR directory_users.deleted_at IS NOT NULL
  OR directory_users.email_norm IS DISTINCT FROM EXCLUDED.email_norm
  OR directory_users.name_asc IS DISTINCT FROM EXCLUDED.name_asc
  OR directory_users.updated_at IS DISTINCT FROM EXCLUDED.updated_at`;
const UPDATE_ALL = COLUMNS.filter(([name]) => name !== 'source' && name !== 'native_id')
  .map(([name]) => `${name} = EXCLUDED.${name}`)
  .concat('deleted_at = NULL', `person_dirty = ${PERSON_DIRTY}`)
  .join(', ');
/** The row already indexed was observed after the walk's copy (an event during the walk). */
const NEWER = 'directory_users.indexed_at > EXCLUDED.indexed_at';
const UPDATE_FROM_WALK = COLUMNS.filter(([name]) => name !== 'source' && name !== 'native_id')
  .map(([name]) =>
    PLACE.has(name)
      ? `${name} = EXCLUDED.${name}`
      : `${name} = CASE WHEN ${NEWER} THEN directory_users.${name} ELSE EXCLUDED.${name} END`,
  )
  .concat(
    `deleted_at = CASE WHEN ${NEWER} THEN directory_users.deleted_at END`,
    `person_dirty = CASE WHEN ${NEWER} THEN directory_users.person_dirty ELSE ${PERSON_DIRTY} END`,
  )
  .join(', ');

/**
 * Stages one page of a walk (applied by `applyWalk` once the walk is complete). `observedAt`: when the
 * page's fetch began (the users are at least that fresh).
 */
export async function stageWalkPage(
  db: Queryable,
  users: readonly IndexedUser[],
  walk: number,
  observedAt: Date,
): Promise<void> {
  if (users.length === 0) return;
  await db.query(`INSERT INTO directory_walk_users (${NAMES}) ${UNNEST}`, columnsOf(users, walk, observedAt));
}

/**
 * Upserts users at once (an event's fresh fetch, begun at `observedAt`): they count as seen by `walk`. A
 * row observed later already (a later event's fetch finished first) stays as it is.
 */
export async function upsertUsers(
  db: Queryable,
  users: readonly IndexedUser[],
  walk: number,
  observedAt: Date,
): Promise<void> {
  if (users.length === 0) return;
  await db.query(
    `INSERT INTO directory_users (${NAMES}) ${UNNEST} ON CONFLICT (source, native_id)
     DO UPDATE SET ${UPDATE_ALL} WHERE directory_users.indexed_at <= EXCLUDED.indexed_at`,
    columnsOf(users, walk, observedAt),
  );
}

/**
 * Marks users gone (an event's fresh fetch, begun at `observedAt`, found them no more), unless observed
 * later already.
 */
export async function markDeleted(
  db: Queryable,
  source: string,
  ids: readonly string[],
  observedAt: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE directory_users SET deleted_at = now(), indexed_at = $3, person_dirty = true
     WHERE source = $1 AND native_id = ANY($2::text[]) AND deleted_at IS NULL AND indexed_at <= $3`,
    [source, [...ids], observedAt.toISOString()],
  );
}

/** Staged users applied per statement (see applyWalk). */
const APPLY_SLICE = 500;

/**
 * Applies a complete walk of `source`, in the caller's transaction: its users upserted (a user listed
 * twice keeps its last place), every user of the source it did not see marked deleted, the staging rows
 * dropped. A user an event indexed after the walk read its page keeps the event's copy (and whether it
 * is deleted); the walk still places it. Returns the source's users that are not deleted.
 */
export async function applyWalk(tx: Queryable, source: string, walk: number): Promise<number> {
  const [range] = await tx.query<{ last: unknown }>(
    'SELECT COALESCE(max(position), 0) AS last FROM directory_walk_users WHERE source = $1 AND walk = $2',
    [source, walk],
  );
  // In slices of the walk order: PGlite runs each statement on the event loop, so one statement for a
  // whole large source would stall every request of the process (and time its upstream calls out);
  // between slices the process serves. Later slices win, so a user listed twice keeps its last place.
  const last = toNumber(range?.last ?? 0);
  for (let from = 0; from < last; from += APPLY_SLICE)
    await tx.query(
      `INSERT INTO directory_users (${NAMES})
       SELECT DISTINCT ON (native_id) ${NAMES} FROM directory_walk_users
       WHERE source = $1 AND walk = $2 AND position > $3 AND position <= $4 ORDER BY native_id, position DESC
       ON CONFLICT (source, native_id) DO UPDATE SET ${UPDATE_FROM_WALK}`,
      [source, walk, from, from + APPLY_SLICE],
    );
  // Not seen by this walk, nor by an event during it (events count their users as the walk's).
  await tx.query(
    `UPDATE directory_users SET deleted_at = now(), person_dirty = true
     WHERE source = $1 AND walk <> $2 AND deleted_at IS NULL`,
    [source, walk],
  );
  await discardWalk(tx, source, walk);
  const [row] = await tx.query<{ n: unknown }>(
    'SELECT count(*) AS n FROM directory_users WHERE source = $1 AND deleted_at IS NULL',
    [source],
  );
  return toNumber(row?.n ?? 0);
}

/**
 * Drops what walks of `source` staged: `walk`'s own rows (a walk that failed or stopped), or with
 * `older`, every walk's before it (leftovers of a replica that died mid-walk). Never a later walk's: a
 * walker that lost its lock must not erase the rows of the walk that took over.
 */
export async function discardWalk(db: Queryable, source: string, walk: number, older = false): Promise<void> {
  await db.query(`DELETE FROM directory_walk_users WHERE source = $1 AND walk ${older ? '<' : '='} $2`, [
    source,
    walk,
  ]);
}

/**
 * Whether `walk` is still the source's latest, locking its row until the caller's transaction ends: a
 * walk superseded by another (its replica lost its lock, say its connection died) must not be applied.
 */
export async function isLatestWalk(tx: Queryable, source: string, walk: number): Promise<boolean> {
  const [row] = await tx.query<{ walks: unknown }>(
    'SELECT walks FROM directory_sources WHERE source = $1 FOR UPDATE',
    [source],
  );
  return row !== undefined && toNumber(row.walks) === walk;
}

/** The sources' current ranks (the configured order), so SOURCE order and ties follow the configuration. */
export async function rankSources(db: Queryable, ranks: ReadonlyMap<string, number>): Promise<void> {
  for (const [source, rank] of ranks)
    await db.query('UPDATE directory_users SET source_rank = $2 WHERE source = $1 AND source_rank <> $2', [
      source,
      rank,
    ]);
}

// ---------------------------------------------------------------------------------------------
// Reading.
// ---------------------------------------------------------------------------------------------

export interface UserQuery {
  /** The sources the caller may read (the configured ones a query selects). */
  sources: readonly string[];
  providers?: readonly string[];
  search?: string;
  /** Search the email too (the caller may read emails). */
  searchEmail?: boolean;
  email?: string;
  active?: boolean;
  updatedSince?: Date;
  includeDeleted?: boolean;
}

export interface Order {
  field: OrderField;
  direction: OrderDirection;
}

/** A position in an order: the keys of the row a cursor was made at. */
export type Keyset = [string, number, string] | [number, number, string];

export interface PageQuery {
  order: Order;
  /** Forward: rows after `after`; backward: rows before `before` (null: from the start / the end). */
  direction: 'forward' | 'backward';
  size: number;
  cursor: Keyset | null;
}

export interface IndexedRow {
  record: UserRecord;
  keyset: Keyset;
}

/** `%`, `_` and `\` literal in a LIKE pattern. */
export const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function where(query: UserQuery, params: unknown[]): string {
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses = [`source = ANY(${add([...query.sources])}::text[])`];
  if (query.providers) clauses.push(`provider = ANY(${add([...query.providers])}::text[])`);
  if (query.search !== undefined)
    clauses.push(
      `${query.searchEmail ? 'search_text' : 'search_public'} LIKE ${add(`%${likeLiteral(query.search.toLowerCase())}%`)} ESCAPE '\\'`,
    );
  if (query.email !== undefined) clauses.push(`email_norm = ${add(normalizeEmail(query.email))}`);
  if (query.active !== undefined) clauses.push(`active = ${add(query.active)}`);
  if (query.updatedSince !== undefined) {
    // The same bound on updated_asc (updated_at, or +infinity where missing, which updated_at >= excludes
    // anyway): its index finds the few users changed lately instead of reading every row.
    const since = add(query.updatedSince.toISOString());
    clauses.push(`updated_at >= ${since}`, `updated_asc >= ${since}`);
  }
  if (!query.includeDeleted) clauses.push('deleted_at IS NULL');
  return clauses.join(' AND ');
}

function orderColumns(order: Order): [string, string, string] {
  if (order.field === 'SOURCE') return ['source_rank', 'position', 'native_id'];
  const base = ORDER_COLUMN[order.field];
  return [`${base}_${order.direction.toLowerCase()}`, 'source_rank', 'native_id'];
}

/** The keyset of `record` in `order` (its rank and walk position as stored). */
export function keysetOf(record: UserRecord, order: Order, rank: number, position: number): Keyset {
  return order.field === 'SOURCE'
    ? [rank, position, record.providerUserId]
    : [sortKey(record, order.field, order.direction), rank, record.providerUserId];
}

interface Selected {
  record: unknown;
  source_rank: unknown;
  position: unknown;
  deleted_at: Date | string | null;
}

function toRow(row: Selected, order: Order): IndexedRow {
  const record = reviveRecord(row.record);
  record.deletedAt = row.deleted_at === null ? null : new Date(row.deleted_at);
  return { record, keyset: keysetOf(record, order, toNumber(row.source_rank), toNumber(row.position)) };
}

/**
 * Rows of one window, in the order's direction, and whether more rows lie beyond each end. A search
 * reads its matches as keyset.ts explains (`searchCollectBound`: tests read both ways).
 */
export async function readPage(
  db: Queryable,
  query: UserQuery,
  page: PageQuery,
  searchCollectBound = SEARCH_COLLECT_BOUND,
): Promise<{ rows: IndexedRow[]; hasNextPage: boolean; hasPreviousPage: boolean }> {
  const columns = orderColumns(page.order);
  const filter = (params: unknown[]) => `directory_users WHERE ${where(query, params)}`;
  const collect = query.search !== undefined && (await collectsMatches(db, filter, searchCollectBound));
  // Walking backward reads the order reversed, then puts the rows back in order.
  const ascending = (page.order.direction === 'ASC') === (page.direction === 'forward');
  const read = async (cursor: Keyset | null, forwardRead: boolean, limit: number, sorted = true) => {
    const params: unknown[] = [];
    const selected = `SELECT ${[...new Set(['record', 'source_rank', 'position', 'deleted_at', ...columns])].join(', ')} FROM ${filter(params)}`;
    let bound: WindowSql['cursor'] = null;
    if (cursor) {
      params.push(...cursor);
      const n = params.length;
      bound = { values: `$${n - 2}, $${n - 1}, $${n}`, side: forwardRead === ascending ? '>' : '<' };
    }
    const direction = !sorted ? null : forwardRead === ascending ? 'ASC' : 'DESC';
    return db.query<Selected>(
      windowSql({ selected, columns, cursor: bound, direction, limit, collect }),
      params,
    );
  };
  const rows = await read(page.cursor, true, page.size + 1);
  const more = rows.length > page.size;
  const kept = rows.slice(0, page.size).map((row) => toRow(row, page.order));
  // Whether anything lies on the other side of the cursor (exact; collected matches are only tested
  // until one is there, not sorted).
  const behind = page.cursor ? (await read(page.cursor, false, 1, !collect)).length > 0 : false;
  if (page.direction === 'forward') return { rows: kept, hasNextPage: more, hasPreviousPage: behind };
  return { rows: kept.reverse(), hasNextPage: behind, hasPreviousPage: more };
}

/** The exact number of rows `query` selects. */
export async function countUsers(db: Queryable, query: UserQuery): Promise<number> {
  const params: unknown[] = [];
  const [row] = await db.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM directory_users WHERE ${where(query, params)}`,
    params,
  );
  return toNumber(row?.n ?? 0);
}

export type { Database };
