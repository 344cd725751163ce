/**
 * A searched page of persons reads its rows one of two ways (src/directory/store/keyset.ts): it collects
 * every match and sorts them, or it walks the order's index testing each row. Both must give the same
 * pages, in every order and direction, with cursors and ties, on PGlite and PostgreSQL, and agree with
 * the exact total.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database, type Queryable } from '../../src/directory/store/database.js';
import { migrate } from '../../src/directory/store/migrations.js';
import { upsertUsers } from '../../src/directory/store/users.js';
import { DEFAULT_PEOPLE_SETTINGS } from '../../src/people/settings.js';
import {
  countPeople,
  readPeople,
  recomputePeople,
  type PeoplePage,
  type PeopleQuery,
  type PersonKeyset,
} from '../../src/people/store.js';
import { pageThrough, recording } from '../support/keyset.js';
import { clusteredUsers } from '../support/records.js';
import { postgresAvailable, startPostgres, type PostgresProcess } from '../support/postgres.js';

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

const engines: { name: string; postgres: boolean }[] = [{ name: 'PGlite', postgres: false }];
if (postgresAvailable || process.env.CI) engines.push({ name: 'PostgreSQL', postgres: true });

describe.each(engines)('a searched page of persons on $name', ({ postgres }) => {
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
