/**
 * PGlite runs each statement on the event loop and settles its promise at once: a run of awaited
 * statements must still let the process serve (read its sockets, fire its timers) between them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../../src/directory/store/database.js';
import { DirectoryUnavailableError } from '../../../src/errors.js';
import { describeOnPostgres, startPostgres, type PostgresProcess } from '../../support/postgres.js';

/** Counts the event loop's turns while `work` runs: a callback re-armed with setImmediate on every turn. */
async function turnsDuring(work: () => Promise<void>): Promise<number> {
  let turns = 0;
  let running = true;
  const spin = () => {
    if (!running) return;
    turns += 1;
    setImmediate(spin);
  };
  setImmediate(spin);
  const before = turns;
  await work();
  running = false;
  return turns - before;
}

describe('PGlite database', () => {
  // One in-memory database for both (PGlite takes seconds to start).
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
    await db.exec('CREATE TABLE t (n integer)');
  }, 60_000);
  afterAll(() => db?.close());

  it('turns the event loop between statements, inside and outside transactions', async () => {
    const statements = 50;
    const outside = await turnsDuring(async () => {
      for (let i = 0; i < statements; i += 1) await db.query('INSERT INTO t VALUES ($1)', [i]);
    });
    const inside = await turnsDuring(() =>
      db.transaction(async (tx) => {
        for (let i = 0; i < statements; i += 1) await tx.query('INSERT INTO t VALUES ($1)', [i]);
      }),
    );
    // Without the turns, no setImmediate callback runs until the whole run ends (0 turns).
    expect(outside).toBeGreaterThanOrEqual(statements);
    expect(inside).toBeGreaterThanOrEqual(statements);
    expect(await db.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 * statements }]);
  });

  it('turns the event loop after a statement that fails, and the failure reaches the caller', async () => {
    let turns = 0;
    setImmediate(() => (turns += 1));
    await expect(db.query('SELECT * FROM missing_table')).rejects.toThrow(/missing_table/);
    expect(turns).toBe(1);
  });
});

describeOnPostgres('PostgreSQL database', () => {
  let server: PostgresProcess;
  let url: string;
  beforeAll(async () => {
    server = await startPostgres();
    url = await server.createDatabase();
  }, 60_000);
  afterAll(() => server?.stop());

  it('cancels a statement at its statement timeout, as a coded DIRECTORY_UNAVAILABLE error', async () => {
    const bounded = await openDatabase({ url, statementTimeoutMs: 200 });
    const unbounded = await openDatabase({ url });
    try {
      const failure = await bounded.query('SELECT pg_sleep(5)').then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(DirectoryUnavailableError);
      expect((failure as DirectoryUnavailableError).extensions).toEqual({
        code: 'DIRECTORY_UNAVAILABLE',
        reason: 'timeout',
      });
      expect((failure as Error).message).toMatch(/operation deadline \(200 ms\)/);
      // Nothing is left running on the server.
      expect(
        await unbounded.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(5)%' AND state = 'active'",
        ),
      ).toEqual([{ n: 0 }]);
      // The walks' database has no such bound; a bug stays a bug.
      expect(await unbounded.query('SELECT pg_sleep(0.4), 1 AS one')).toEqual([{ pg_sleep: '', one: 1 }]);
      await expect(bounded.query('SELECT * FROM missing_table')).rejects.not.toBeInstanceOf(
        DirectoryUnavailableError,
      );
    } finally {
      await bounded.close();
      await unbounded.close();
    }
  });

  it('answers DIRECTORY_UNAVAILABLE naming neither server nor port when the server is gone', async () => {
    const other = await startPostgres();
    const db = await openDatabase({ url: await other.createDatabase(), statementTimeoutMs: 1000 });
    const port = new URL(other.url).port;
    try {
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await other.stop();
      for (const attempt of [
        () => db.query('SELECT 1'),
        () => db.transaction((tx) => tx.query('SELECT 1')),
      ]) {
        const failure = await attempt().then(
          () => null,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(DirectoryUnavailableError);
        expect((failure as DirectoryUnavailableError).extensions.reason).toBe('unreachable');
        expect((failure as Error).message).not.toContain(port);
        expect((failure as Error).message).not.toContain('127.0.0.1');
      }
    } finally {
      await db.close().catch(() => undefined);
      await other.stop().catch(() => undefined);
    }
  });
});
