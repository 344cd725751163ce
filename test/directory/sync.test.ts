/**
 * What follows the index (the persons) is told after every change: walks ask it to catch up on
 * everything marked, one run at a time however many walks end together; events have their own users
 * matched at once; stopping ends the catch-up between batches.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../src/directory/store/database.js';
import { migrate } from '../../src/directory/store/migrations.js';
import { DirectorySync, type IndexFollower } from '../../src/directory/sync.js';
import { createLogger } from '../../src/logger.js';

/** A follower whose catch-up runs wait until released, counting runs and how many ran at once. */
function heldFollower() {
  const state = { runs: 0, inFlight: 0, most: 0, signals: [] as AbortSignal[] };
  let releases: (() => void)[] = [];
  const follower: IndexFollower = {
    async catchUp(signal) {
      state.runs += 1;
      state.inFlight += 1;
      state.most = Math.max(state.most, state.inFlight);
      state.signals.push(signal);
      await new Promise<void>((resolve) => releases.push(resolve));
      state.inFlight -= 1;
    },
    follow: () => Promise.resolve(),
  };
  const release = () => {
    const waiting = releases;
    releases = [];
    for (const resolve of waiting) resolve();
  };
  const started = async (runs: number) => {
    for (let turn = 0; turn < 1000 && state.runs < runs; turn += 1)
      await new Promise((resolve) => setImmediate(resolve));
    expect(state.runs).toBe(runs);
  };
  return { state, follower, release, started };
}

describe('the directory tells the persons what changed', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
    await migrate(db);
  });
  afterAll(() => db.close());
  const settings = {
    windowSize: 1000,
    operationTimeoutMs: 5000,
    windowTimeoutMs: 5000,
    maxUpstreamCalls: 100,
    retryBaseMs: 5000,
  };

  it('catches up one run at a time: changes during a run get exactly one more run after it', async () => {
    const held = heldFollower();
    const sync = new DirectorySync(db, [], settings, createLogger('silent'), undefined, held.follower);
    let settled = 0;
    const first = sync.catchUp().then(() => (settled += 1));
    await held.started(1);
    // Four walks end while the first run goes on: none starts a run of its own.
    const later = [1, 2, 3, 4].map(() => sync.catchUp().then(() => (settled += 1)));
    held.release();
    await held.started(2);
    expect(settled).toBe(0);
    held.release();
    await Promise.all([first, ...later]);
    expect(held.state).toMatchObject({ runs: 2, most: 1 });
    // At rest, the next change starts a run at once.
    const next = sync.catchUp();
    await held.started(3);
    held.release();
    await next;
    await sync.stop();
  });

  it('stops the catch-up in flight through its signal, and starts no more', async () => {
    const held = heldFollower();
    const sync = new DirectorySync(db, [], settings, createLogger('silent'), undefined, held.follower);
    const running = sync.catchUp();
    await held.started(1);
    void sync.catchUp();
    const stopping = sync.stop();
    expect(held.state.signals[0].aborted).toBe(true);
    held.release();
    await Promise.all([running, stopping]);
    await sync.catchUp();
    expect(held.state.runs).toBe(1);
  });
});
