/**
 * `users` served from the index (see store/users.ts and sync.ts): filters, orders, exact counts and
 * keyset cursors over every source, with no upstream call. Arguments are checked before any query
 * (BAD_USER_INPUT naming the argument and what is allowed); cursors bind to the order they were made in.
 * While an included source has never completed a walk, the page holds what is indexed and one
 * DIRECTORY_INCOMPLETE error per such source.
 */
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../context.js';
import { BadUserInputError, ErrorCode, ProviderNotConfiguredError } from '../errors.js';
import { allows } from '../auth/principal.js';
import { CONTROL } from '../providers/core/nativeId.js';
import type { ProviderId } from '../providers/core/record.js';
import { parsePageRequest, toConnection, type ConnectionArgs } from '../relay/connection.js';
import type { CursorPayload } from '../relay/cursor.js';
import { toNumber, type Database } from './store/database.js';
import {
  countUsers,
  readPage,
  type Keyset,
  type Order,
  type OrderDirection,
  type OrderField,
  type UserQuery,
} from './store/users.js';
import { checkSourceNames, type UsersConnectionSource } from './users.js';

export interface UserFilterArgs {
  providers?: readonly ProviderId[] | null;
  sources?: readonly string[] | null;
  search?: string | null;
  email?: string | null;
  active?: boolean | null;
  updatedSince?: Date | null;
  includeDeleted?: boolean | null;
}

export interface IndexedUsersArgs extends ConnectionArgs {
  providers?: readonly ProviderId[] | null;
  sources?: readonly string[] | null;
  filter?: UserFilterArgs | null;
  orderBy?: { field: OrderField; direction?: OrderDirection | null } | null;
}

const SYNC_STATES = ['SYNCING', 'READY', 'STALE', 'FAILED'] as const;

/** Longest `search` accepted (a directory search is a name or an address, not a document). */
export const MAX_SEARCH = 100;
const MAX_EMAIL = 320;

/** The configured sources `args` select (top-level arguments and `filter` both apply). */
function selectedSources(context: RequestContext, args: IndexedUsersArgs): string[] {
  let sources = context.sources.map((source) => source.name);
  const providersOf = (asked: readonly ProviderId[]) => {
    const missing = asked.filter((id) => !context.sources.some((source) => source.provider === id));
    if (missing.length > 0) throw new ProviderNotConfiguredError(missing[0]);
    const allowed = new Set(asked);
    sources = sources.filter((name) =>
      context.sources.some((source) => source.name === name && allowed.has(source.provider)),
    );
  };
  const namesOf = (asked: readonly string[], argument: string) => {
    checkSourceNames(context, asked, argument);
    const allowed = new Set(asked);
    sources = sources.filter((name) => allowed.has(name));
  };
  if (args.providers) providersOf(args.providers);
  if (args.sources) namesOf(args.sources, 'sources');
  if (args.filter?.providers) providersOf(args.filter.providers);
  if (args.filter?.sources) namesOf(args.filter.sources, 'filter.sources');
  return sources;
}

/**
 * Refuses what would tell a caller an email it may not read: `filter.email` and `orderBy: EMAIL` need the
 * scope that reads emails (FORBIDDEN, before any query); `search` then leaves emails out.
 */
export function forbidden(argument: string, scope: string): GraphQLError {
  return new GraphQLError(
    `Not allowed: "${argument}" reads email addresses, which need the scope ${scope}.`,
    { extensions: { code: ErrorCode.FORBIDDEN, argument, requires: `the scope ${scope}` } },
  );
}

/** `filter.search`, trimmed and checked (`users` and `people` take the same). */
export function checkedSearch(raw: string): string {
  const search = raw.trim();
  if (CONTROL.test(search))
    throw new BadUserInputError('"filter.search" must not hold control characters.', {
      argument: 'filter.search',
    });
  if (search.length === 0 || search.length > MAX_SEARCH)
    throw new BadUserInputError(
      `"filter.search" must hold 1 to ${MAX_SEARCH} characters (besides surrounding spaces); got ${search.length}.`,
      { argument: 'filter.search', maximum: MAX_SEARCH },
    );
  return search;
}

/** `filter.email`, trimmed and checked (`users` and `people` take the same). */
export function checkedEmail(raw: string): string {
  const email = raw.trim();
  if (CONTROL.test(email))
    throw new BadUserInputError('"filter.email" must not hold control characters.', {
      argument: 'filter.email',
    });
  if (email.length === 0 || email.length > MAX_EMAIL)
    throw new BadUserInputError(
      `"filter.email" must be an email address of 1 to ${MAX_EMAIL} characters; got ${email.length}.`,
      { argument: 'filter.email', maximum: MAX_EMAIL },
    );
  return email;
}

/** The query `args` ask for, checked (BAD_USER_INPUT before any database call). */
function userQuery(context: RequestContext, args: IndexedUsersArgs, piiScope: string): UserQuery {
  const filter = args.filter ?? {};
  const readsEmails = allows(context.principal, { authenticated: false, scopes: [[piiScope]] });
  const query: UserQuery = { sources: selectedSources(context, args), searchEmail: readsEmails };
  if (filter.email !== undefined && filter.email !== null && !readsEmails)
    throw forbidden('filter.email', piiScope);
  if (args.orderBy?.field === 'EMAIL' && !readsEmails) throw forbidden('orderBy', piiScope);
  if (filter.search !== undefined && filter.search !== null) query.search = checkedSearch(filter.search);
  if (filter.email !== undefined && filter.email !== null) query.email = checkedEmail(filter.email);
  if (filter.active !== undefined && filter.active !== null) query.active = filter.active;
  if (filter.updatedSince) query.updatedSince = filter.updatedSince;
  if (filter.includeDeleted) query.includeDeleted = true;
  return query;
}

/** A cursor's keyset, checked against the order it must have been made in. */
function keysetOf(payload: CursorPayload, order: Order, argument: string): Keyset {
  const fail = () =>
    new BadUserInputError(
      `Argument "${argument}" is a cursor made with another orderBy: use it with the orderBy it came from (${order.field} ${order.direction} was given).`,
      { argument },
    );
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw fail();
  const { o, k } = payload as { o?: unknown; k?: unknown };
  if (o !== `${order.field}:${order.direction}` || !Array.isArray(k) || k.length !== 3) throw fail();
  const [first, rank, id] = k as unknown[];
  const firstOk = order.field === 'SOURCE' ? Number.isInteger(first) : typeof first === 'string';
  if (!firstOk || !Number.isInteger(rank) || typeof id !== 'string') throw fail();
  return [first, rank, id] as Keyset;
}

/**
 * The sources each database has seen complete a walk. A source never becomes incomplete again, so once
 * every source a query reads is here, its pages cost no second query.
 */
const completedSources = new WeakMap<Database, Set<string>>();

/** The sources of `sources` that never completed a walk (each gets a DIRECTORY_INCOMPLETE error). */
async function incompleteSources(db: Database, sources: readonly string[]): Promise<string[]> {
  let completed = completedSources.get(db);
  if (!completed) completedSources.set(db, (completed = new Set()));
  const unknown = sources.filter((name) => !completed.has(name));
  if (unknown.length === 0) return [];
  const rows = await db.query<{ source: string; completed: boolean }>(
    'SELECT source, completed FROM directory_sources WHERE source = ANY($1::text[])',
    [unknown],
  );
  for (const row of rows) if (row.completed) completed.add(row.source);
  return unknown.filter((name) => !completed.has(name));
}

export async function resolveIndexedUsers(
  context: RequestContext,
  args: IndexedUsersArgs,
  db: Database,
  piiScope: string,
  reportError: (error: GraphQLError) => void,
): Promise<UsersConnectionSource> {
  const order: Order = {
    field: args.orderBy?.field ?? 'SOURCE',
    direction: args.orderBy?.direction ?? 'ASC',
  };
  const query = userQuery(context, args, piiScope);
  const connection = 'users:index';
  const request = parsePageRequest(args, context.limits, (cursor, argument) =>
    keysetOf(context.cursors.decode(cursor, connection, argument), order, argument),
  );
  const [page, incomplete] = await Promise.all([
    readPage(db, query, {
      order,
      direction: request.direction,
      size: request.size,
      cursor: request.direction === 'forward' ? request.after : request.before,
    }),
    incompleteSources(db, query.sources),
  ]);
  for (const source of incomplete) {
    const provider = context.sources.find((candidate) => candidate.name === source)?.provider ?? '';
    reportError(
      new GraphQLError(
        `${source}: the directory has not completed a walk of this source yet; the answer holds what is indexed so far.`,
        { extensions: { code: ErrorCode.DIRECTORY_INCOMPLETE, provider, source } },
      ),
    );
  }
  const made = toConnection(
    {
      edges: page.rows.map((row) => ({
        cursor: { o: `${order.field}:${order.direction}`, k: row.keyset },
        node: row.record,
      })),
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      totalCount: null,
    },
    (payload) => context.cursors.encode(connection, payload),
  );
  let counted: Promise<number> | undefined;
  return {
    edges: made.edges,
    nodes: made.nodes,
    pageInfo: made.pageInfo,
    totalCount: () => (counted ??= countUsers(db, query)),
  };
}

/** One source's sync state as `DirectorySource` resolves it. */
export interface DirectorySourceRow {
  name: string;
  provider: ProviderId;
  state: 'SYNCING' | 'READY' | 'STALE' | 'FAILED';
  users: number;
  lastSyncedAt: Date | null;
  lastError: string | null;
  nextSyncAt: Date | null;
  lastEventAt: Date | null;
}

/** `directory { sources }`: each configured source's sync state, in the configured order. */
export async function directorySources(context: RequestContext, db: Database): Promise<DirectorySourceRow[]> {
  const rows = await db.query<{
    source: string;
    provider: string;
    state: string;
    users: unknown;
    last_synced_at: Date | null;
    last_error: string | null;
    next_sync_at: Date | null;
    last_event_at: Date | null;
  }>(
    'SELECT source, provider, state, users, last_synced_at, last_error, next_sync_at, last_event_at FROM directory_sources WHERE source = ANY($1::text[])',
    [context.sources.map((source) => source.name)],
  );
  return context.sources.map((source) => {
    const row = rows.find((candidate) => candidate.source === source.name);
    return {
      name: source.name,
      provider: source.provider,
      state: SYNC_STATES.find((state) => state === row?.state) ?? 'SYNCING',
      users: toNumber(row?.users ?? 0),
      lastSyncedAt: row?.last_synced_at ?? null,
      lastError: row?.last_error ?? null,
      nextSyncAt: row?.next_sync_at ?? null,
      lastEventAt: row?.last_event_at ?? null,
    };
  });
}
