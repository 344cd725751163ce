/**
 * A searched page reads its rows one of two ways (src/directory/store/users.ts, readPage): it collects
 * every match and sorts them, or it walks the order's index testing each row. Both must give the same
 * pages, in every order and direction, with cursors, ties and missing values, on PGlite and PostgreSQL.
 * The names cluster in every order as real ones do ("Annie …" all sort together), which is what makes
 * the choice matter for speed; here only the answers are checked.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database, type Queryable } from '../../../src/directory/store/database.js';
import { migrate } from '../../../src/directory/store/migrations.js';
import {
  keysetOf,
  readPage,
  upsertUsers,
  type IndexedRow,
  type IndexedUser,
  type Keyset,
  type Order,
  type OrderField,
  type UserQuery,
} from '../../../src/directory/store/users.js';
import { pageThrough, recording } from '../../support/keyset.js';
import { clusteredUsers } from '../../support/records.js';
import { STORES, startPostgres, type PostgresProcess } from '../../support/postgres.js';

const SOURCES = ['alpha', 'beta', 'gamma'];

const compare = (a: Keyset, b: Keyset): number => {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
};

/** What `search` selects and in what order, computed here from the records. */
function oracle(all: IndexedUser[], search: string, order: Order): string[] {
  const needle = search.toLowerCase();
  const keyed = all
    .filter(({ record }) =>
      [record.displayName, record.firstName, record.lastName, record.email, record.providerUserId].some(
        (value) => value?.toLowerCase().includes(needle),
      ),
    )
    .map((user) => ({ user, key: keysetOf(user.record, order, user.rank, user.position) }));
  // Keysets compare as the store orders them: the whole key ascending, or the whole key descending.
  keyed.sort((a, b) => compare(a.key, b.key) * (order.direction === 'ASC' ? 1 : -1));
  return keyed.map(({ user }) => `${user.record.source}/${user.record.providerUserId}`);
}

/** Every row of `query` paged at `size`, forward or backward, with the read the bound selects. */
const pageAll = (
  db: Queryable,
  query: UserQuery,
  order: Order,
  size: number,
  backward: boolean,
  bound: number,
) =>
  pageThrough<Keyset, IndexedRow>(
    (window) => readPage(db, query, { order, ...window }, bound),
    (row) => `${row.record.source}/${row.record.providerUserId}`,
    size,
    backward,
  );

describe.each(STORES)('a searched page on $name', ({ postgres }) => {
  let server: PostgresProcess | undefined;
  let db: Database;
  const all = clusteredUsers(SOURCES);
  beforeAll(async () => {
    if (postgres) server = await startPostgres();
    db = await openDatabase(server ? { url: await server.createDatabase() } : {});
    await migrate(db);
    await upsertUsers(db, all, 1, new Date());
    await db.exec('ANALYZE directory_users');
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await server?.stop();
  });

  const fields: OrderField[] = ['DISPLAY_NAME', 'EMAIL', 'CREATED_AT', 'UPDATED_AT', 'SOURCE'];
  it.each(
    fields.flatMap((field) => (['ASC', 'DESC'] as const).map((direction) => [field, direction] as const)),
  )(
    'in %s %s: the collected matches and the walked order give the oracle, forward and backward',
    async (field, direction) => {
      const order: Order = { field, direction };
      for (const search of ['ann', 'ANNIE L', 'zzz']) {
        const query: UserQuery = { sources: SOURCES, search, searchEmail: true };
        const expected = oracle(all, search, order);
        if (search === 'ann') expect(expected.length).toBeGreaterThan(100);
        for (const [bound, read] of [
          [Number.POSITIVE_INFINITY, 'collected'],
          [-1, 'walked'],
        ] as const) {
          const recorded = recording(db);
          expect({ search, read, ids: await pageAll(recorded.db, query, order, 7, false, bound) }).toEqual({
            search,
            read,
            ids: expected,
          });
          expect({ search, read, ids: await pageAll(recorded.db, query, order, 5, true, bound) }).toEqual({
            search,
            read,
            ids: expected,
          });
          // Each read was the one asked for.
          const collected = recorded.statements.filter((sql) => sql.includes('OFFSET 0')).length;
          if (read === 'collected') expect(collected).toBeGreaterThan(0);
          else expect(collected).toBe(0);
        }
      }
    },
    60_000,
  );
});
