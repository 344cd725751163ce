/**
 * Persons in the directory's database: matching kept up to date incrementally, manual corrections, and
 * the reads behind the API.
 *
 * Incremental: a user whose person may change is marked `person_dirty` by the directory's writes (new,
 * another email, deleted, another name or update time). `recomputePeople` takes the marked users batch by
 * batch, loads everything they can touch — the users sharing an address, a manual link group or a former
 * person with them, to closure — matches that set (matcher.ts) and writes the persons it answers. One
 * event touches a handful of rows; a first sync of the whole directory goes through in batches.
 * Batches hold a transaction-level advisory lock, so replicas (and concurrent events) never match the
 * same users at once.
 */
import { randomBytes } from 'node:crypto';
import { LOCK_NAMESPACE, toNumber, type Database, type Queryable } from '../directory/store/database.js';
import {
  collectsMatches,
  SEARCH_COLLECT_BOUND,
  windowSql,
  type WindowSql,
} from '../directory/store/keyset.js';
import { dateKey, likeLiteral, normalizeEmail, reviveRecord, textKey } from '../directory/store/users.js';
import type { UserRecord } from '../providers/core/record.js';
import type { PeopleSettings } from './settings.js';
import {
  blockList,
  match,
  type KnownPerson,
  type LinkReason,
  type MatchSettings,
  type MatchUser,
} from './matcher.js';

/** Users matched in one run past which the planner's statistics are refreshed (recomputePeople). */
const REFRESH_STATISTICS_AFTER = 10_000;

/** The second key of the people lock (the first is rollcall's namespace; 0 is the migrations'). */
const PEOPLE_LOCK = 1;

/** What one recomputation did, for logs and the bench. */
export interface RecomputeStats {
  batches: number;
  /** Users whose person was looked at. */
  users: number;
  /** Persons written. */
  persons: number;
  /** Statements sent to the database. */
  queries: number;
}

/** A new person id: `p` and 20 hex digits (random: an id says nothing about its accounts). */
const newPersonId = () => `p${randomBytes(10).toString('hex')}`;

/** A statement counter around a transaction handle. */
function counted(tx: Queryable, stats: RecomputeStats): Queryable {
  return {
    query: (sql, params) => {
      stats.queries += 1;
      return tx.query(sql, params);
    },
    exec: (sql) => {
      stats.queries += 1;
      return tx.exec(sql);
    },
  };
}

/**
 * Records the matching settings; when they differ from the ones the persons were computed with, marks
 * every user for matching again (a threshold or block list change moves people).
 */
export async function applyPeopleSettings(db: Database, settings: PeopleSettings): Promise<boolean> {
  const fingerprint = JSON.stringify({
    threshold: settings.sharedAddressThreshold,
    blocked: [...settings.blockedAddresses].map((entry) => entry.trim().toLowerCase()).sort(),
  });
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, PEOPLE_LOCK]);
    const [row] = await tx.query<{ fingerprint: string }>(
      'SELECT fingerprint FROM directory_people_settings WHERE id = 1',
    );
    if (row?.fingerprint === fingerprint) return false;
    await tx.query(
      `INSERT INTO directory_people_settings (id, fingerprint) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint`,
      [fingerprint],
    );
    if (row) await tx.query('UPDATE directory_users SET person_dirty = true WHERE NOT person_dirty');
    return row !== undefined;
  });
}

/**
 * Marks for matching again the users of `sources` (this deployment's, as configured now) whose person
 * was made with another set of sources: it holds accounts of a source no longer configured (their
 * addresses and links must not join anyone any more), or it was made while the user's own source was
 * not configured (a source added back). Persons never cross deployments, so a source of such a person
 * that this deployment lacks was one of its own. Returns how many users were marked.
 */
export async function markSourceChanges(db: Queryable, sources: readonly string[]): Promise<number> {
  const rows = await db.query<{ n: unknown }>(
    `WITH marked AS (
       UPDATE directory_users u SET person_dirty = true
       FROM directory_people p
       WHERE u.source = ANY($1::text[]) AND NOT u.person_dirty AND p.id = u.person_id
         AND (p.accounts = 0 OR NOT p.sources <@ $1::text[] OR NOT p.sources @> ARRAY[u.source])
       RETURNING 1
     ) SELECT count(*) AS n FROM marked`,
    [[...sources]],
  );
  return toNumber(rows[0]?.n ?? 0);
}

interface LoadedUser extends MatchUser {
  nativeId: string;
  provider: string;
  displayName: string | null;
  updatedAt: Date | null;
  deleted: boolean;
}

interface LoadedRow {
  source: string;
  native_id: string;
  provider: string;
  email_norm: string | null;
  person_id: string | null;
  display_name: string | null;
  updated_at: Date | string | null;
  deleted: boolean;
  group_id: string | null;
  unlinked: boolean;
}

const keyOf = (source: string, nativeId: string) => `${source}\u0000${nativeId}`;

/**
 * Everything the users `seeds` can touch: sharing an address, a link group or a former person. Each
 * round's keys come from one index each (a UNION) and their rows from the primary key, one lookup per key
 * (the LATERAL … LIMIT 1 keeps the planner from hashing the whole table): the work follows the users
 * touched, not the directory's size. Measured on PGlite at 200,000 users: one user 11 ms (an OR across
 * the joined tables read every row: 180–460 ms), 5,000 users 435 ms whatever the table's size.
 */
async function closure(
  tx: Queryable,
  seeds: readonly { source: string; native_id: string }[],
  sources: readonly string[],
) {
  const users = new Map<string, LoadedUser>();
  const persons = new Set<string>();
  const emails = new Set<string>();
  const groups = new Set<string>();
  let frontier = {
    keys: seeds.map((seed) => [seed.source, seed.native_id] as const),
    persons: [] as string[],
    emails: [] as string[],
    groups: [] as string[],
  };
  for (let round = 0; round < 50; round += 1) {
    const rows = await tx.query<LoadedRow>(
      `SELECT u.source, u.native_id, u.provider, u.email_norm, u.person_id,
              u.record->'r'->>'displayName' AS display_name, u.updated_at, u.deleted_at IS NOT NULL AS deleted,
              l.group_id, x.source IS NOT NULL AS unlinked
       FROM (
         SELECT * FROM unnest($1::text[], $2::text[]) AS k(source, native_id)
         UNION SELECT source, native_id FROM directory_users
           WHERE person_id = ANY($3::text[]) AND source = ANY($6::text[])
         UNION SELECT source, native_id FROM directory_users
           WHERE email_norm = ANY($4::text[]) AND deleted_at IS NULL AND source = ANY($6::text[])
         UNION SELECT source, native_id FROM directory_links
           WHERE group_id = ANY($5::text[]) AND source = ANY($6::text[])
       ) AS k
       CROSS JOIN LATERAL (
         SELECT * FROM directory_users u WHERE u.source = k.source AND u.native_id = k.native_id LIMIT 1
       ) AS u
       LEFT JOIN directory_links l ON l.source = u.source AND l.native_id = u.native_id
       LEFT JOIN directory_unlinks x ON x.source = u.source AND x.native_id = u.native_id`,
      [
        frontier.keys.map(([source]) => source),
        frontier.keys.map(([, id]) => id),
        frontier.persons,
        frontier.emails,
        frontier.groups,
        [...sources],
      ],
    );
    const next = {
      keys: [] as (readonly [string, string])[],
      persons: [] as string[],
      emails: [] as string[],
      groups: [] as string[],
    };
    for (const row of rows) {
      const key = keyOf(row.source, row.native_id);
      if (users.has(key)) continue;
      users.set(key, {
        key,
        source: row.source,
        nativeId: row.native_id,
        provider: row.provider,
        email: row.email_norm,
        group: row.group_id,
        unlinked: row.unlinked,
        person: row.person_id,
        displayName: row.display_name,
        updatedAt: row.updated_at === null ? null : new Date(row.updated_at),
        deleted: row.deleted,
      });
      if (row.person_id !== null && !persons.has(row.person_id)) {
        persons.add(row.person_id);
        next.persons.push(row.person_id);
      }
      if (!row.deleted && row.email_norm !== null && !emails.has(row.email_norm)) {
        emails.add(row.email_norm);
        next.emails.push(row.email_norm);
      }
      if (row.group_id !== null && !groups.has(row.group_id)) {
        groups.add(row.group_id);
        next.groups.push(row.group_id);
      }
    }
    if (next.persons.length + next.emails.length + next.groups.length === 0) break;
    frontier = next;
  }
  return users;
}

/** A person's summary, from its members. */
function summary(members: readonly LoadedUser[]) {
  const named = members
    .filter((user) => typeof user.displayName === 'string' && user.displayName.trim() !== '')
    .sort((a, b) => (b.updatedAt?.getTime() ?? -Infinity) - (a.updatedAt?.getTime() ?? -Infinity));
  const displayName = named[0]?.displayName ?? null;
  const updated = members.reduce<Date | null>(
    (latest, user) => (user.updatedAt && (!latest || user.updatedAt > latest) ? user.updatedAt : latest),
    null,
  );
  const distinct = (values: (string | null)[]) =>
    [...new Set(values.filter((value): value is string => value !== null))].sort();
  const emails = distinct(members.map((user) => user.email));
  const names = distinct(members.map((user) => user.displayName?.trim().toLowerCase() || null));
  return {
    displayName,
    nameAsc: textKey(displayName, 'ASC'),
    nameDesc: textKey(displayName, 'DESC'),
    updatedAsc: dateKey(updated, 'ASC'),
    updatedDesc: dateKey(updated, 'DESC'),
    emails,
    providers: distinct(members.map((user) => user.provider)),
    sources: distinct(members.map((user) => user.source)),
    searchText: [...names, ...emails].join('\n'),
    searchPublic: names.join('\n'),
  };
}

/** Arrays travel as one text each (`string_to_array(…, chr(1))`): unnest cannot take arrays of arrays. */
const SEPARATOR = '\u0001';
const packed = (values: readonly string[]) =>
  values.map((value) => value.replaceAll(SEPARATOR, '')).join(SEPARATOR);

/**
 * Takes the people lock for the rest of `tx` and keeps its joins to index lookups: every statement of a
 * match reads or writes rows by key, never by hashing or merging the whole table (at 200,000 users the
 * planner hashed all of it to update 5,000 users).
 */
async function lockPeople(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, PEOPLE_LOCK]);
  await tx.query('SET LOCAL enable_hashjoin = off');
  await tx.query('SET LOCAL enable_mergejoin = off');
}

/** The settings as matching takes them. */
const matchSettingsOf = (settings: PeopleSettings): MatchSettings => ({
  sharedAddressThreshold: settings.sharedAddressThreshold,
  blocked: blockList(settings.blockedAddresses),
});

/**
 * Matches `seeds` and every user they can touch (the closure), and writes the persons that answers; the
 * caller holds the people lock (`lockPeople`). Every loaded user is matched, so none stays marked.
 */
async function matchAround(
  tx: Queryable,
  seeds: readonly { source: string; native_id: string }[],
  sources: readonly string[],
  settings: MatchSettings,
  stats: RecomputeStats,
): Promise<void> {
  const loaded = await closure(tx, seeds, sources);
  // In key order: the same users match the same way whatever order the database answered in.
  const alive = [...loaded.values()]
    .filter((user) => !user.deleted)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const oldIds = [...new Set([...loaded.values()].map((user) => user.person).filter((id) => id !== null))];
  const known = new Map<string, KnownPerson>(
    (
      await tx.query<{ id: string; created_at: Date | string }>(
        'SELECT id, created_at FROM directory_people WHERE id = ANY($1::text[])',
        [oldIds],
      )
    ).map((row) => [row.id, { id: row.id, createdAt: new Date(row.created_at).getTime() }]),
  );
  const result = match(alive, known, settings);
  const ids = result.persons.map((person) => person.id ?? newPersonId());

  // Persons: created or updated with their summary.
  const people = result.persons.map((person, index) => ({
    id: ids[index],
    accounts: person.members.length,
    ...summary(person.members.map((key) => loaded.get(key)!)),
  }));
  await tx.query(
    `INSERT INTO directory_people (id, accounts, display_name, name_asc, name_desc, updated_asc,
       updated_desc, emails, providers, sources, search_text, search_public)
     SELECT id, accounts, display_name, name_asc, name_desc, updated_asc, updated_desc,
       string_to_array(emails, chr(1)), string_to_array(providers, chr(1)),
       string_to_array(sources, chr(1)), search_text, search_public
     FROM unnest($1::text[], $2::int4[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
       $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
       AS p(id, accounts, display_name, name_asc, name_desc, updated_asc, updated_desc, emails,
         providers, sources, search_text, search_public)
     ON CONFLICT (id) DO UPDATE SET accounts = EXCLUDED.accounts, display_name = EXCLUDED.display_name,
       name_asc = EXCLUDED.name_asc, name_desc = EXCLUDED.name_desc,
       updated_asc = EXCLUDED.updated_asc, updated_desc = EXCLUDED.updated_desc,
       emails = EXCLUDED.emails, providers = EXCLUDED.providers, sources = EXCLUDED.sources,
       search_text = EXCLUDED.search_text, search_public = EXCLUDED.search_public, retired_into = NULL`,
    [
      people.map((p) => p.id),
      people.map((p) => p.accounts),
      people.map((p) => p.displayName),
      people.map((p) => p.nameAsc),
      people.map((p) => p.nameDesc),
      people.map((p) => p.updatedAsc),
      people.map((p) => p.updatedDesc),
      people.map((p) => packed(p.emails)),
      people.map((p) => packed(p.providers)),
      people.map((p) => packed(p.sources)),
      people.map((p) => p.searchText),
      people.map((p) => p.searchPublic),
    ],
  );
  // Ids no person keeps: retired into the one that absorbed them (and whatever was retired into them
  // follows), or gone when their accounts all went.
  const kept = new Set(ids);
  const retired = result.retired.map((entry) => ({ id: entry.id, into: ids[entry.into] }));
  const retiredIds = new Set(retired.map((entry) => entry.id));
  if (retired.length > 0)
    await tx.query(
      `UPDATE directory_people p SET retired_into = r.heir, accounts = 0
       FROM unnest($1::text[], $2::text[]) AS r(id, heir)
       WHERE p.id = r.id OR p.retired_into = r.id`,
      [retired.map((entry) => entry.id), retired.map((entry) => entry.into)],
    );
  const gone = oldIds.filter((id) => !kept.has(id) && !retiredIds.has(id));
  if (gone.length > 0)
    await tx.query('UPDATE directory_people SET accounts = 0 WHERE id = ANY($1::text[])', [gone]);

  // Users: their person and why; deleted ones belong to none.
  const assigned = new Map<string, { person: string; reason: LinkReason | null }>();
  result.persons.forEach((person, index) => {
    for (const key of person.members)
      assigned.set(key, { person: ids[index], reason: person.reasons.get(key) ?? null });
  });
  const users = [...loaded.values()];
  await tx.query(
    `UPDATE directory_users u SET person_id = a.person_id, link_reason = a.link_reason, person_dirty = false
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS a(source, native_id, person_id, link_reason)
     WHERE u.source = a.source AND u.native_id = a.native_id`,
    [
      users.map((user) => user.source),
      users.map((user) => user.nativeId),
      users.map((user) => assigned.get(user.key)?.person ?? null),
      users.map((user) => assigned.get(user.key)?.reason ?? null),
    ],
  );
  stats.batches += 1;
  stats.users += users.length;
  stats.persons += people.length;
}

/**
 * Matches every user of `sources` (this deployment's) marked for it, batch by batch, until none is left;
 * returns what it did. Safe to call from several places at once (each batch holds the people lock).
 * Users of other sources are never read nor written: deployments sharing one database (each with its
 * own sources) never merge each other's users into a person.
 */
export async function recomputePeople(
  db: Database,
  settings: PeopleSettings,
  sources: readonly string[],
  { batchSize = 1000, signal }: { batchSize?: number; signal?: AbortSignal } = {},
): Promise<RecomputeStats> {
  const stats: RecomputeStats = { batches: 0, users: 0, persons: 0, queries: 0 };
  const matchSettings = matchSettingsOf(settings);
  for (;;) {
    // Stopping: the batches done stay done, the rest stays marked for the next run.
    if (signal?.aborted) return stats;
    const more = await db.transaction(async (handle) => {
      const tx = counted(handle, stats);
      await lockPeople(tx);
      const dirty = await tx.query<{ source: string; native_id: string }>(
        `SELECT source, native_id FROM directory_users WHERE person_dirty AND source = ANY($1::text[])
         LIMIT ${Math.max(1, Math.floor(batchSize))}`,
        [[...sources]],
      );
      if (dirty.length === 0) return false;
      await matchAround(tx, dirty, sources, matchSettings, stats);
      return true;
    });
    if (!more) {
      // The planner's statistics describe the tables before this run: all those users pending, far
      // fewer persons. Stale, they had the next run look for pending users by reading every row (an
      // event's matching took 1.2 s instead of milliseconds at 434,000 users).
      if (stats.users >= REFRESH_STATISTICS_AFTER) {
        await db.exec('ANALYZE directory_users, directory_people');
        stats.queries += 1;
      }
      return stats;
    }
  }
}

/**
 * Matches `users` of `source` (an event's: changed or gone) and every user they touch, in one
 * transaction, whatever else awaits matching: an event costs its own users, not a walk's backlog.
 */
export async function matchUsers(
  db: Database,
  settings: PeopleSettings,
  sources: readonly string[],
  source: string,
  nativeIds: readonly string[],
): Promise<RecomputeStats> {
  const stats: RecomputeStats = { batches: 0, users: 0, persons: 0, queries: 0 };
  if (!sources.includes(source) || nativeIds.length === 0) return stats;
  await db.transaction(async (handle) => {
    const tx = counted(handle, stats);
    await lockPeople(tx);
    const seeds = nativeIds.map((nativeId) => ({ source, native_id: nativeId }));
    await matchAround(tx, seeds, sources, matchSettingsOf(settings), stats);
  });
  return stats;
}

/** How many users of `sources` await matching (marked by the index, not matched yet). */
export async function pendingMatches(db: Queryable, sources: readonly string[]): Promise<number> {
  const [row] = await db.query<{ n: unknown }>(
    'SELECT count(*) AS n FROM directory_users WHERE person_dirty AND source = ANY($1::text[])',
    [[...sources]],
  );
  return toNumber(row?.n ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Manual corrections.
// ---------------------------------------------------------------------------------------------

/** A user as the people API names it. */
export interface UserKey {
  source: string;
  nativeId: string;
}

/** Which of `users` are indexed and not deleted (the others cannot be linked). */
export async function indexedUsers(db: Queryable, users: readonly UserKey[]): Promise<Set<string>> {
  const rows = await db.query<{ source: string; native_id: string }>(
    `SELECT source, native_id FROM directory_users
     WHERE (source, native_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND deleted_at IS NULL`,
    [users.map((user) => user.source), users.map((user) => user.nativeId)],
  );
  return new Set(rows.map((row) => keyOf(row.source, row.native_id)));
}

/** A manual correction: who made it, what it names, and the deployment it is made in. */
export interface Correction {
  /** The token's subject (null: no authentication). */
  actor: string | null;
  /** The global ids of the accounts it names, as `Person.history` shows them. */
  accounts: readonly string[];
  /** The deployment's sources: only their users are matched. */
  sources: readonly string[];
  settings: PeopleSettings;
}

/** The person `user` belongs to now (null: not matched). */
async function personOf(tx: Queryable, user: UserKey): Promise<string | null> {
  const [row] = await tx.query<{ person_id: string | null }>(
    'SELECT person_id FROM directory_users WHERE source = $1 AND native_id = $2',
    [user.source, user.nativeId],
  );
  return row?.person_id ?? null;
}

/**
 * Matches, in the correction's own transaction, the users it names and everything they touch (their
 * persons, addresses and link groups), not the whole backlog a first sync may have left: a correction
 * costs the same whatever else awaits matching, and is recorded with the person it made, or not at all.
 */
async function matchCorrection(
  tx: Queryable,
  users: readonly UserKey[],
  correction: Correction,
): Promise<void> {
  await matchAround(
    tx,
    users.map((user) => ({ source: user.source, native_id: user.nativeId })),
    correction.sources,
    matchSettingsOf(correction.settings),
    { batches: 0, users: 0, persons: 0, queries: 0 },
  );
}

/**
 * Links `users` into one person by hand (their link groups, if any, merged into one), undoing any
 * unlink of theirs, matches them and records the change on the person they now form; returns its id.
 */
export async function linkUsers(
  db: Database,
  users: readonly UserKey[],
  correction: Correction,
): Promise<string | null> {
  return db.transaction(async (tx) => {
    await lockPeople(tx);
    const sources = users.map((user) => user.source);
    const ids = users.map((user) => user.nativeId);
    const existing = await tx.query<{ group_id: string }>(
      `SELECT DISTINCT group_id FROM directory_links
       WHERE (source, native_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY group_id`,
      [sources, ids],
    );
    const group = existing[0]?.group_id ?? `g${randomBytes(10).toString('hex')}`;
    const merged = existing.map((row) => row.group_id);
    // Every member of a merged group moves (and must be matched again).
    await tx.query(
      `UPDATE directory_users u SET person_dirty = true FROM directory_links l
       WHERE l.group_id = ANY($1::text[]) AND u.source = l.source AND u.native_id = l.native_id`,
      [merged],
    );
    await tx.query('UPDATE directory_links SET group_id = $1 WHERE group_id = ANY($2::text[])', [
      group,
      merged,
    ]);
    await tx.query(
      `INSERT INTO directory_links (source, native_id, group_id, linked_by)
       SELECT source, native_id, $3, $4 FROM unnest($1::text[], $2::text[]) AS n(source, native_id)
       ON CONFLICT (source, native_id) DO UPDATE SET group_id = EXCLUDED.group_id,
         linked_at = now(), linked_by = EXCLUDED.linked_by`,
      [sources, ids, group, correction.actor],
    );
    await tx.query(
      'DELETE FROM directory_unlinks WHERE (source, native_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))',
      [sources, ids],
    );
    await markForMatching(tx, users);
    await matchCorrection(tx, users, correction);
    const person = await personOf(tx, users[0]);
    if (person) await recordChange(tx, person, correction.actor, 'LINKED', correction.accounts);
    return person;
  });
}

/**
 * Takes `user` out of its person by hand: out of its link group, and kept apart from every automatic
 * match until it is linked again. Its former person's other accounts are matched again (they may split).
 * Recorded on the former person and on the user's own; returns the latter's id.
 */
export async function unlinkUser(
  db: Database,
  user: UserKey,
  correction: Correction,
): Promise<string | null> {
  return db.transaction(async (tx) => {
    await lockPeople(tx);
    const before = await personOf(tx, user);
    await tx.query('DELETE FROM directory_links WHERE source = $1 AND native_id = $2', [
      user.source,
      user.nativeId,
    ]);
    await tx.query(
      `INSERT INTO directory_unlinks (source, native_id, unlinked_by) VALUES ($1, $2, $3)
       ON CONFLICT (source, native_id) DO UPDATE SET unlinked_at = now(), unlinked_by = EXCLUDED.unlinked_by`,
      [user.source, user.nativeId, correction.actor],
    );
    await markForMatching(tx, [user]);
    await matchCorrection(tx, [user], correction);
    const person = await personOf(tx, user);
    if (before && before !== person)
      await recordChange(tx, before, correction.actor, 'UNLINKED', correction.accounts);
    if (person) await recordChange(tx, person, correction.actor, 'UNLINKED', correction.accounts);
    return person;
  });
}

/** Marks `users` and every account of their persons for matching again. */
async function markForMatching(tx: Queryable, users: readonly UserKey[]): Promise<void> {
  await tx.query(
    `UPDATE directory_users SET person_dirty = true
     WHERE (source, native_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        OR person_id IN (SELECT person_id FROM directory_users
                         WHERE (source, native_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
                           AND person_id IS NOT NULL)`,
    [users.map((user) => user.source), users.map((user) => user.nativeId)],
  );
}

/** One manual change, as `Person.history` shows it. */
export interface HistoryRow {
  at: Date;
  actor: string | null;
  action: 'LINKED' | 'UNLINKED';
  /** The global ids of the accounts the change named. */
  accounts: string[];
  /** The person it was recorded on (this one, or one it absorbed). */
  personId: string;
}

async function recordChange(
  db: Queryable,
  personId: string,
  actor: string | null,
  action: HistoryRow['action'],
  accounts: readonly string[],
): Promise<void> {
  await db.query(
    'INSERT INTO directory_people_history (person_id, actor, action, accounts) VALUES ($1, $2, $3, $4::text[])',
    [personId, actor, action, [...accounts]],
  );
}

/** The manual changes of a person and of the persons it absorbed, oldest first. */
export async function historyOf(db: Queryable, personId: string): Promise<HistoryRow[]> {
  const rows = await db.query<{
    at: Date | string;
    actor: string | null;
    action: string;
    accounts: string[];
    person_id: string;
  }>(
    `SELECT at, actor, action, accounts, person_id FROM directory_people_history
     WHERE person_id = $1 OR person_id IN (SELECT id FROM directory_people WHERE retired_into = $1)
     ORDER BY seq`,
    [personId],
  );
  return rows.map((row) => ({
    at: new Date(row.at),
    actor: row.actor,
    action: row.action === 'UNLINKED' ? 'UNLINKED' : 'LINKED',
    accounts: row.accounts,
    personId: row.person_id,
  }));
}

// ---------------------------------------------------------------------------------------------
// Reading.
// ---------------------------------------------------------------------------------------------

/** A person as the resolvers take it. */
export interface PersonRow {
  /** The stored id (`p…`); the API's id is its global form. */
  personId: string;
  accounts: number;
  displayName: string | null;
  emails: string[];
  providers: string[];
  sources: string[];
  updatedAt: Date | null;
}

interface StoredPerson {
  id: string;
  accounts: number;
  display_name: string | null;
  emails: string[];
  providers: string[];
  sources: string[];
  updated_asc: Date | string;
}

const PERSON_COLUMNS = 'id, accounts, display_name, emails, providers, sources, updated_asc';

function toPerson(row: StoredPerson): PersonRow {
  const updated = new Date(row.updated_asc);
  return {
    personId: row.id,
    accounts: toNumber(row.accounts),
    displayName: row.display_name,
    emails: row.emails,
    providers: row.providers,
    sources: row.sources,
    updatedAt: Number.isFinite(updated.getTime()) ? updated : null,
  };
}

/**
 * Persons by stored id, in input order: a retired id answers the person that absorbed it (through any
 * chain), a gone or unknown one null.
 */
export async function personsById(
  db: Queryable,
  ids: readonly string[],
  sources: readonly string[],
): Promise<(PersonRow | null)[]> {
  const rows = await db.query<StoredPerson & { asked: string }>(
    `SELECT a.asked, ${PERSON_COLUMNS.split(', ')
      .map((column) => `p.${column}`)
      .join(', ')}
     FROM unnest($1::text[]) AS a(asked)
     JOIN directory_people q ON q.id = a.asked
     JOIN directory_people p ON p.id = COALESCE(q.retired_into, q.id)
     WHERE p.accounts > 0 AND p.sources && $2::text[]`,
    [[...ids], [...sources]],
  );
  const byId = new Map(rows.map((row) => [row.asked, toPerson(row)]));
  return ids.map((id) => byId.get(id) ?? null);
}

/** Each user's person id and link reason (null: not matched yet, deleted, or not indexed). */
export async function personsOfUsers(
  db: Queryable,
  users: readonly UserKey[],
): Promise<Map<string, { personId: string; reason: LinkReason | null }>> {
  const rows = await db.query<{
    source: string;
    native_id: string;
    person_id: string;
    link_reason: string | null;
  }>(
    `SELECT source, native_id, person_id, link_reason FROM directory_users
     WHERE (source, native_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND person_id IS NOT NULL`,
    [users.map((user) => user.source), users.map((user) => user.nativeId)],
  );
  return new Map(
    rows.map((row) => [
      keyOf(row.source, row.native_id),
      {
        personId: row.person_id,
        reason: row.link_reason === 'MANUAL' || row.link_reason === 'EMAIL' ? row.link_reason : null,
      },
    ]),
  );
}

/** The accounts of persons (not deleted, of `sources`), in the configured source order, by person. */
export async function accountsOf(
  db: Queryable,
  personIds: readonly string[],
  sources: readonly string[],
): Promise<Map<string, UserRecord[]>> {
  const rows = await db.query<{ person_id: string; record: unknown; link_reason: string | null }>(
    `SELECT person_id, record, link_reason FROM directory_users
     WHERE person_id = ANY($1::text[]) AND source = ANY($2::text[]) AND deleted_at IS NULL
     ORDER BY source_rank, position, native_id`,
    [[...personIds], [...sources]],
  );
  const byPerson = new Map<string, UserRecord[]>();
  for (const row of rows) {
    const record = reviveRecord(row.record);
    record.deletedAt = null;
    record.personId = row.person_id;
    record.linkReason = row.link_reason === 'MANUAL' || row.link_reason === 'EMAIL' ? row.link_reason : null;
    const list = byPerson.get(row.person_id);
    if (list) list.push(record);
    else byPerson.set(row.person_id, [record]);
  }
  return byPerson;
}

export type PersonOrderField = 'DISPLAY_NAME' | 'ACCOUNTS' | 'UPDATED_AT';

export interface PeopleQuery {
  /** The configured sources: a person shows when one of its accounts is of one of them. */
  sources: readonly string[];
  /** Only persons with an account of one of these sources / providers. */
  inSources?: readonly string[];
  providers?: readonly string[];
  search?: string;
  /** Search the emails too (the caller may read them). */
  searchEmail?: boolean;
  email?: string;
  minAccounts?: number;
}

/** A position in a people order: the row's key and id. */
export type PersonKeyset = [string, string];

export interface PeoplePage {
  order: { field: PersonOrderField; direction: 'ASC' | 'DESC' };
  direction: 'forward' | 'backward';
  size: number;
  cursor: PersonKeyset | null;
}

function peopleWhere(query: PeopleQuery, params: unknown[]): string {
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses = ['accounts > 0', `sources && ${add([...query.sources])}::text[]`];
  if (query.inSources) clauses.push(`sources && ${add([...query.inSources])}::text[]`);
  if (query.providers) clauses.push(`providers && ${add([...query.providers])}::text[]`);
  if (query.search !== undefined)
    clauses.push(
      `${query.searchEmail ? 'search_text' : 'search_public'} LIKE ${add(`%${likeLiteral(query.search.toLowerCase())}%`)} ESCAPE '\\'`,
    );
  if (query.email !== undefined) clauses.push(`emails @> ARRAY[${add(normalizeEmail(query.email))}]::text[]`);
  if (query.minAccounts !== undefined) clauses.push(`accounts >= ${add(query.minAccounts)}`);
  return clauses.join(' AND ');
}

const KEY_TYPE: Record<string, string> = {
  name_asc: 'text',
  name_desc: 'text',
  updated_asc: 'timestamptz',
  updated_desc: 'timestamptz',
  accounts: 'int4',
};

function keyColumn(order: PeoplePage['order']): string {
  switch (order.field) {
    case 'DISPLAY_NAME':
      return order.direction === 'ASC' ? 'name_asc' : 'name_desc';
    case 'UPDATED_AT':
      return order.direction === 'ASC' ? 'updated_asc' : 'updated_desc';
    case 'ACCOUNTS':
      return 'accounts';
  }
}

/**
 * One window of persons in an order, and whether more lie beyond each end. A search reads its matches
 * as directory/store/keyset.ts explains (`searchCollectBound`: tests read both ways).
 */
export async function readPeople(
  db: Queryable,
  query: PeopleQuery,
  page: PeoplePage,
  searchCollectBound = SEARCH_COLLECT_BOUND,
): Promise<{
  rows: { person: PersonRow; keyset: PersonKeyset }[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}> {
  const key = keyColumn(page.order);
  const filter = (params: unknown[]) => `directory_people WHERE ${peopleWhere(query, params)}`;
  const collect = query.search !== undefined && (await collectsMatches(db, filter, searchCollectBound));
  const ascending = (page.order.direction === 'ASC') === (page.direction === 'forward');
  const read = async (cursor: PersonKeyset | null, forwardRead: boolean, limit: number, sorted = true) => {
    const params: unknown[] = [];
    // The key travels as text (cursors hold it as is, `infinity` included) and is cast back to compare.
    const keyed = PERSON_COLUMNS.split(', ').includes(key) ? '' : `, ${key}`;
    const selected = `SELECT ${PERSON_COLUMNS}${keyed}, ${key}::text AS order_key FROM ${filter(params)}`;
    let bound: WindowSql['cursor'] = null;
    if (cursor) {
      params.push(String(cursor[0]), cursor[1]);
      bound = {
        values: `$${params.length - 1}::${KEY_TYPE[key]}, $${params.length}`,
        side: forwardRead === ascending ? '>' : '<',
      };
    }
    const direction = !sorted ? null : forwardRead === ascending ? 'ASC' : 'DESC';
    return db.query<StoredPerson & { order_key: string }>(
      windowSql({ selected, columns: [key, 'id'], cursor: bound, direction, limit, collect }),
      params,
    );
  };
  const keysetOf = (row: StoredPerson & { order_key: string }): PersonKeyset => [row.order_key, row.id];
  const rows = await read(page.cursor, true, page.size + 1);
  const more = rows.length > page.size;
  const kept = rows.slice(0, page.size).map((row) => ({ person: toPerson(row), keyset: keysetOf(row) }));
  const behind = page.cursor ? (await read(page.cursor, false, 1, !collect)).length > 0 : false;
  if (page.direction === 'forward') return { rows: kept, hasNextPage: more, hasPreviousPage: behind };
  return { rows: kept.reverse(), hasNextPage: behind, hasPreviousPage: more };
}

/** The exact number of persons `query` selects. */
export async function countPeople(db: Queryable, query: PeopleQuery): Promise<number> {
  const params: unknown[] = [];
  const [row] = await db.query<{ n: unknown }>(
    `SELECT count(*) AS n FROM directory_people WHERE ${peopleWhere(query, params)}`,
    params,
  );
  return toNumber(row?.n ?? 0);
}

export { keyOf as userKeyOf };
