/**
 * PGlite runs each statement on the event loop and settles its promise at once: a run of awaited
 * statements must still let the process serve (read its sockets, fire its timers) between them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../../src/directory/store/database.js';

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
