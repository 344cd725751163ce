/**
 * A searched page of persons reads its rows one of two ways (src/directory/store/keyset.ts): it collects
 * every match and sorts them, or it walks the order's index testing each row. Both must give the same
 * pages, in every order and direction, with cursors and ties, on PGlite and PostgreSQL, and agree with
 * the exact total.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database, type Queryable } from '../../src/directory/store/database.js';
import { migrate } from '../../src/directory/store/migrations.js';
import { upsertUsers, type IndexedUser } from '../../src/directory/store/users.js';
import type { UserRecord } from '../../src/providers/core/record.js';
import { DEFAULT_PEOPLE_SETTINGS } from '../../src/people/settings.js';
import {
  countPeople,
  historyOf,
  linkUsers,
  matchUsers,
  pendingMatches,
  readPeople,
  recomputePeople,
  type PeoplePage,
  type PeopleQuery,
  type PersonKeyset,
} from '../../src/people/store.js';
import { pageThrough, recording } from '../support/keyset.js';
import { blankRecord, clusteredUsers } from '../support/records.js';
import { STORES, startPostgres, type PostgresProcess } from '../support/postgres.js';

const SOURCES = ['alpha', 'beta', 'gamma'];

/** Every person of `query` paged at `size`, forward or backward, with the read the bound selects. */
const pageAll = (
  db: Queryable,
  query: PeopleQuery,
  order: PeoplePage['order'],
  size: number,
  backward: boolean,
  bound: number,
) =>
  pageThrough<PersonKeyset, Awaited<ReturnType<typeof readPeople>>['rows'][number]>(
    (window) => readPeople(db, query, { order, ...window }, bound),
    (row) => row.person.personId,
    size,
    backward,
  );

describe.each(STORES)('a searched page of persons on $name', ({ postgres }) => {
  let server: PostgresProcess | undefined;
  let db: Database;
  beforeAll(async () => {
    if (postgres) server = await startPostgres();
    db = await openDatabase(server ? { url: await server.createDatabase() } : {});
    await migrate(db);
    await upsertUsers(db, clusteredUsers(SOURCES), 1, new Date());
    await recomputePeople(db, DEFAULT_PEOPLE_SETTINGS, SOURCES);
    await db.exec('ANALYZE directory_people');
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await server?.stop();
  });

  const fields: PeoplePage['order']['field'][] = ['DISPLAY_NAME', 'ACCOUNTS', 'UPDATED_AT'];
  it.each(
    fields.flatMap((field) => (['ASC', 'DESC'] as const).map((direction) => [field, direction] as const)),
  )(
    'in %s %s: the collected matches and the walked order give the same pages, forward and backward',
    async (field, direction) => {
      const order = { field, direction };
      for (const search of ['ann', 'ANNIE L', 'zzz']) {
        const query: PeopleQuery = { sources: SOURCES, search, searchEmail: true };
        const total = await countPeople(db, query);
        if (search === 'ann') expect(total).toBeGreaterThan(30);
        const walked = await pageAll(db, query, order, 7, false, -1);
        expect(walked).toHaveLength(total);
        expect(new Set(walked).size).toBe(total);
        const recorded = recording(db);
        expect({ search, ids: await pageAll(recorded.db, query, order, 7, false, Infinity) }).toEqual({
          search,
          ids: walked,
        });
        expect({ search, ids: await pageAll(recorded.db, query, order, 5, true, Infinity) }).toEqual({
          search,
          ids: walked,
        });
        expect(await pageAll(db, query, order, 5, true, -1)).toEqual(walked);
        if (total > 0) expect(recorded.statements.some((sql) => sql.includes('OFFSET 0'))).toBe(true);
      }
    },
    60_000,
  );
});

/** `n` users over SOURCES in turn, every three in a row sharing one address (persons of three). */
function trios(n: number): IndexedUser[] {
  return Array.from({ length: n }, (_, i) => {
    const source = SOURCES[i % SOURCES.length];
    const record: UserRecord = { ...blankRecord('Fake', 'FAKE', `u${i}`), source };
    record.displayName = `User ${i}`;
    record.email = `trio.${Math.floor(i / 3)}@example.test`;
    record.updatedAt = new Date(Date.UTC(2025, 0, 1 + (i % 300)));
    return { record, rank: SOURCES.indexOf(source), position: Math.floor(i / SOURCES.length) + 1 };
  });
}

const personOf = async (db: Queryable, source: string, nativeId: string) =>
  (
    await db.query<{ person_id: string | null }>(
      'SELECT person_id FROM directory_users WHERE source = $1 AND native_id = $2',
      [source, nativeId],
    )
  )[0]?.person_id ?? null;

const membersOf = async (db: Queryable, personId: string | null) =>
  (
    await db.query<{ native_id: string }>(
      'SELECT native_id FROM directory_users WHERE person_id = $1 ORDER BY native_id',
      [personId],
    )
  ).map((row) => row.native_id);

describe.each(STORES)(
  'people matching on $name follows the users changed, not the directory',
  ({ postgres }) => {
    let server: PostgresProcess | undefined;
    beforeAll(async () => {
      if (postgres) server = await startPostgres();
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });
    const fresh = async (n: number) => {
      const db = await openDatabase(server ? { url: await server.createDatabase() } : {});
      await migrate(db);
      await upsertUsers(db, trios(n), 1, new Date());
      const first = await recomputePeople(db, DEFAULT_PEOPLE_SETTINGS, SOURCES);
      expect(first.users).toBe(n);
      expect(await pendingMatches(db, SOURCES)).toBe(0);
      return db;
    };

    it('matches one changed user with the persons it leaves and joins only: the same work at 10 times the users', async () => {
      const work: { users: number; queries: number }[] = [];
      for (const n of [500, 5000]) {
        const db = await fresh(n);
        try {
          // u0 (alpha) moves from trio 0 to trio 1's address, as an event brings it.
          const [moved] = trios(n);
          moved.record.email = ' TRIO.1@example.test ';
          await upsertUsers(db, [moved], 2, new Date());
          expect(await pendingMatches(db, SOURCES)).toBe(1);
          const stats = await matchUsers(db, DEFAULT_PEOPLE_SETTINGS, SOURCES, 'alpha', ['u0']);
          expect(await pendingMatches(db, SOURCES)).toBe(0);
          expect(await membersOf(db, await personOf(db, 'alpha', 'u0'))).toEqual(['u0', 'u3', 'u4', 'u5']);
          expect(await membersOf(db, await personOf(db, 'beta', 'u1'))).toEqual(['u1', 'u2']);
          work.push({ users: stats.users, queries: stats.queries });
        } finally {
          await db.close();
        }
      }
      // u0, its two former partners and trio 1: six users, in as many statements at either size.
      expect(work[0]).toEqual({ users: 6, queries: work[0].queries });
      expect(work[1]).toEqual(work[0]);
    }, 120_000);

    it('answers an event and a manual link at once amid a backlog of a whole source, leaving the backlog to the catch-up', async () => {
      const db = await fresh(3000);
      try {
        // A walk re-marked all of gamma (its users are the third of every trio).
        await db.query("UPDATE directory_users SET person_dirty = true WHERE source = 'gamma'");
        expect(await pendingMatches(db, SOURCES)).toBe(1000);
        const event = await matchUsers(db, DEFAULT_PEOPLE_SETTINGS, SOURCES, 'alpha', ['u9']);
        expect(event.users).toBe(3);
        // Trio 3's gamma user was matched with it; the others wait.
        expect(await pendingMatches(db, SOURCES)).toBe(999);
        const linked = await linkUsers(
          db,
          [
            { source: 'alpha', nativeId: 'u0' },
            { source: 'beta', nativeId: 'u4' },
          ],
          {
            actor: 'tester',
            accounts: ['A', 'B'],
            sources: SOURCES,
            settings: DEFAULT_PEOPLE_SETTINGS,
          },
        );
        // Trios 0 and 1 as one person (u0 and u4 linked by hand), recorded on it.
        expect(await membersOf(db, linked)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
        expect((await historyOf(db, linked!)).map((row) => [row.actor, row.action, row.accounts])).toEqual([
          ['tester', 'LINKED', ['A', 'B']],
        ]);
        expect(await pendingMatches(db, SOURCES)).toBe(997);
        // Stopping: the catch-up does no batch once its signal aborted, and leaves the backlog marked.
        const stopped = new AbortController();
        stopped.abort();
        expect(
          (await recomputePeople(db, DEFAULT_PEOPLE_SETTINGS, SOURCES, { signal: stopped.signal })).batches,
        ).toBe(0);
        expect(await pendingMatches(db, SOURCES)).toBe(997);
        const rest = await recomputePeople(db, DEFAULT_PEOPLE_SETTINGS, SOURCES, { batchSize: 400 });
        expect(rest.batches).toBe(3);
        expect(await pendingMatches(db, SOURCES)).toBe(0);
        expect(await membersOf(db, linked)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
      } finally {
        await db.close();
      }
    }, 120_000);
  },
);
