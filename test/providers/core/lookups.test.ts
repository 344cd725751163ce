/**
 * Lookups by id through the core: single fetches for a lone id, list walks when cheaper, priming from
 * list pages (including pages still in flight), id normalisation and impossible ids, and the
 * per-operation lookup budget — each with the exact wire calls.
 */
import { describe, expect, it } from '@jest/globals';
import type { Paging } from '../../../src/providers/core/paging.js';
import { session, shared, toRecord, wire, type Call, type FakeWire } from './kit.js';

const users = wire(40);

const offsets = (log: Call[]): Paging<FakeWire, string> => ({
  style: 'offset',
  walkSize: 10,
  async list(query, offset, count) {
    log.push({ offset, count });
    return { items: users.slice(offset, offset + count), total: users.length };
  },
});

describe('lookups by id', () => {
  it('fetches a lone id with one single call', async () => {
    const log: Call[] = [];
    const fake = session(offsets(log), { users, log });
    expect(await fake.byId('id017')).toMatchObject({ providerUserId: 'id017' });
    expect(log).toEqual([{ byId: 'id017' }]);
  });

  it('walks the list for a batch, and fetches the last missing id alone', async () => {
    const log: Call[] = [];
    const fake = session(offsets(log), { users, log });
    const found = await Promise.all(['id002', 'id007', 'id015', 'id031'].map((id) => fake.byId(id)));
    expect(found.map((user) => user?.providerUserId)).toEqual(['id002', 'id007', 'id015', 'id031']);
    expect(log).toEqual([{ offset: 0, count: 10 }, { offset: 10, count: 10 }, { byId: 'id031' }]);
  });

  it('stops a walk that does not pay its way, and sends batches as large straight to single fetches', async () => {
    const log: Call[] = [];
    const state = shared();
    const fake = session(offsets(log), { users, log, shared: state });
    const found = await Promise.all(['id035', 'id036', 'x3'].map((id) => fake.byId(id)));
    expect(found.map((user) => user?.providerUserId ?? null)).toEqual(['id035', 'id036', null]);
    // The first page found none of the three: singles from there (one call above singles at most).
    expect(log).toEqual([{ offset: 0, count: 10 }, { byId: 'id035' }, { byId: 'id036' }, { byId: 'x3' }]);
    log.length = 0;
    const again = session(offsets(log), { users, log, shared: state });
    await Promise.all(['id030', 'id031'].map((id) => again.byId(id)));
    expect(log).toEqual([{ byId: 'id030' }, { byId: 'id031' }]);
  });

  it('counts only the pages that cost a call: one the operation already read is free to the walk', async () => {
    const log: Call[] = [];
    const fake = session(offsets(log), { users, log });
    await fake.page({ direction: 'forward', size: 10, after: null });
    await Promise.all(['id035', 'id036', 'x3'].map((id) => fake.byId(id)));
    // Page 1 was the window's (free, found none); page 2 cost a call and found none: singles from there.
    expect(log).toEqual([
      { offset: 0, count: 10 },
      { offset: 10, count: 10 },
      { byId: 'id035' },
      { byId: 'id036' },
      { byId: 'x3' },
    ]);
  });

  it('proves misses by a walk to the end when its pages keep paying', async () => {
    const log: Call[] = [];
    const fake = session(offsets(log), { users, log });
    const found = await Promise.all(['id001', 'id012', 'id025', 'x1', 'x2'].map((id) => fake.byId(id)));
    expect(found.map((user) => user?.providerUserId ?? null)).toEqual([
      'id001',
      'id012',
      'id025',
      null,
      null,
    ]);
    expect(log).toEqual([0, 10, 20, 30].map((offset) => ({ offset, count: 10 })));
  });

  it('answers ids a list page brought, even one still in flight, without a call', async () => {
    const log: Call[] = [];
    const fake = session(offsets(log), { users, log });
    const [page, user] = await Promise.all([
      fake.page({ direction: 'forward', size: 5, after: null }),
      fake.byId('id003'),
    ]);
    expect(page.edges).toHaveLength(5);
    expect(user).toMatchObject({ providerUserId: 'id003' });
    expect(log).toEqual([{ offset: 0, count: 5 }]);
  });

  it('answers impossible ids null with no call', async () => {
    const log: Call[] = [];
    const fake = session(offsets(log), { users, log });
    expect(await fake.byId('.')).toBeNull();
    expect(await fake.byId('')).toBeNull();
    expect(log).toEqual([]);
  });

  it('stops at the operation budget: the ids past it fail with BAD_USER_INPUT, the others answer', async () => {
    const log: Call[] = [];
    const fake = session(
      {
        ...offsets(log),
        async list() {
          throw new Error('lists are not read in this test');
        },
      },
      { users, log, runtime: { maxLookupCalls: 2, lookupConcurrency: 1 } },
    );
    // One id per tick: three single fetches, the third over the budget.
    const first = await fake.byId('id001');
    const second = await fake.byId('id002');
    await expect(fake.byId('id003')).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', limit: 'lookupCalls', maximum: 2, provider: 'FAKE' },
    });
    expect([first?.providerUserId, second?.providerUserId]).toEqual(['id001', 'id002']);
    expect(log).toEqual([{ byId: 'id001' }, { byId: 'id002' }]);
  });
});

describe('lookups within the budget', () => {
  it('skips the probing page when single fetches of the batch use the whole budget, so every id is answered', async () => {
    const log: Call[] = [];
    const many = wire(400);
    const list: Paging<FakeWire, string> = {
      style: 'offset',
      walkSize: 10,
      async list(_query, offset, count) {
        log.push({ offset, count });
        return { items: many.slice(offset, offset + count), total: many.length };
      },
    };
    const ids = Array.from({ length: 20 }, (_, k) => many[k * 20 + 10].id);
    const fake = session(list, { users: many, log, runtime: { maxLookupCalls: 20 } });
    const found = await Promise.all(ids.map((id) => fake.byId(id)));
    expect(found.map((user) => user?.providerUserId)).toEqual(ids);
    expect(log).toEqual(ids.map((id) => ({ byId: id })));
    // With room for a probe, the walk still tries its first page.
    log.length = 0;
    const roomy = session(list, { users: many, log, runtime: { maxLookupCalls: 21 } });
    await Promise.all(ids.map((id) => roomy.byId(id)));
    expect(log[0]).toEqual({ offset: 0, count: 10 });
    expect(log).toHaveLength(21);
  });
});

describe('records across operations', () => {
  it('maps a wire user once while the same (cached) wire object comes back, and again for a new one', async () => {
    const mapped: string[] = [];
    const counting = (user: FakeWire) => {
      mapped.push(user.id);
      return toRecord(user);
    };
    const state = shared();
    const log: Call[] = [];
    const window = { direction: 'forward', size: 3, after: null } as const;
    // Two operations over the same wire objects, as two requests over one in-memory cache entry.
    const first = await session(offsets(log), { users, log, shared: state, toRecord: counting }).page(window);
    const second = await session(offsets(log), { users, log, shared: state, toRecord: counting }).page(
      window,
    );
    expect(second.edges.map((edge) => edge.node)).toEqual(first.edges.map((edge) => edge.node));
    expect(mapped).toEqual(['id000', 'id001', 'id002']);
    // A page parsed anew (a Redis hit, a fresh upstream answer): new objects, mapped again.
    const copies = users.map((user) => ({ ...user }));
    const fresh: Paging<FakeWire, string> = {
      style: 'offset',
      walkSize: 10,
      async list(_query, offset, count) {
        return { items: copies.slice(offset, offset + count), total: copies.length };
      },
    };
    await session(fresh, { users, log, shared: state, toRecord: counting }).page(window);
    expect(mapped).toEqual(['id000', 'id001', 'id002', 'id000', 'id001', 'id002']);
  });
});
