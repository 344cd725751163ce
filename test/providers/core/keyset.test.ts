/**
 * The keyset paging style (Ada's), against a fake upstream of another shape than the Ada emulator's:
 * inclusive cursors, but its next cursor names the LAST record of the page, so every page after the
 * first starts with a record already seen. (Moved from the Ada adapter's tests: this is core behaviour.)
 */
import { describe, expect, it } from '@jest/globals';
import type { KeysetPaging } from '../../../src/providers/core/paging.js';
import type { CursorPayload } from '../../../src/relay/cursor.js';
import { session, wire, type Call, type FakeWire } from './kit.js';

const users = wire(30);
const ids = users.map((user) => user.id);

function repeatingUpstream(maxPage = 100): { paging: KeysetPaging<FakeWire, string>; log: Call[] } {
  const log: Call[] = [];
  return {
    log,
    paging: {
      style: 'keyset',
      maxLimit: 100,
      cursorPattern: /^[a-z0-9]{1,20}$/,
      async list(_query, after, limit) {
        log.push({ cursor: after, limit });
        const start = after === null ? 0 : ids.indexOf(after);
        const size = Math.min(limit, maxPage);
        const page = users.slice(start, start + size);
        const more = start + size < users.length;
        return { items: page, next: more ? page[page.length - 1].id : null };
      },
    },
  };
}

describe('keyset paging', () => {
  it('refuses backward windows before any upstream call', async () => {
    const { paging, log } = repeatingUpstream();
    const fake = session(paging, { users, log });
    await expect(fake.page({ direction: 'backward', size: 5, before: null })).rejects.toMatchObject({
      message: expect.stringMatching(/Fake pages forward only: its fake API has no backward paging/),
      extensions: { code: 'BAD_USER_INPUT', argument: 'last' },
    });
    await expect(fake.page({ direction: 'backward', size: 5, before: 'id010' })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'before' },
    });
    expect(log).toEqual([]);
  });

  it('yields every record once in order from an upstream whose next cursor repeats the last record', async () => {
    const { paging, log } = repeatingUpstream();
    const seen: string[] = [];
    let after: CursorPayload = null;
    for (let guard = 0; guard < 20; guard += 1) {
      const page = await session(paging, { users, log }).page({ direction: 'forward', size: 4, after });
      seen.push(...page.edges.map((e) => e.node.providerUserId));
      if (!page.hasNextPage) break;
      after = page.edges.at(-1)!.cursor;
    }
    expect(seen).toEqual(ids);
    expect(log.every((call) => Number(call.limit) <= 100)).toBe(true);
  });

  it('walks pages that start with a repeated record within one window, asking room for it', async () => {
    const { paging, log } = repeatingUpstream(10);
    const fake = session(paging, { users, log });
    const page = await fake.page({ direction: 'forward', size: 25, after: null });
    expect(page.edges.map((e) => e.node.providerUserId)).toEqual(ids.slice(0, 25));
    expect(page.hasNextPage).toBe(true);
    expect(log).toEqual([
      // 25 asked; each later page repeats its cursor's record, so it asks one more for it.
      { cursor: null, limit: 25 },
      { cursor: 'id009', limit: 16 },
      { cursor: 'id018', limit: 7 },
    ]);
    // Listed users answer lookups without a call; others cost one.
    await fake.byId('id007');
    await fake.byId('id029');
    expect(log.slice(3)).toEqual([{ byId: 'id029' }]);
  });

  it('stops with UPSTREAM_BAD_RESPONSE when the next cursor does not advance, instead of looping', async () => {
    const log: Call[] = [];
    const fake = session(
      {
        style: 'keyset',
        maxLimit: 100,
        cursorPattern: /^[a-z0-9]{1,20}$/,
        async list(_query, after, limit) {
          log.push({ cursor: after, limit });
          return { items: after === null ? users.slice(0, 2) : [], next: 'id001' };
        },
      },
      { users, log },
    );
    await expect(fake.page({ direction: 'forward', size: 5, after: null })).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', provider: 'FAKE' },
    });
    expect(log).toEqual([
      { cursor: null, limit: 5 },
      { cursor: 'id001', limit: 4 },
    ]);
  });

  it('answers an exact-match filter with one dedicated call per operation, whatever the windows', async () => {
    const log: Call[] = [];
    const { paging } = repeatingUpstream();
    const fake = session(
      {
        ...paging,
        exactMatch: {
          of: (query) => (query === '' ? null : query),
          async fetch(value) {
            log.push({ exact: value });
            return users.find((user) => user.name === value) ?? null;
          },
        },
      },
      { users, log },
    );
    const first = await fake.connection({ direction: 'forward', size: 1, after: null }, 'User 3');
    const again = await fake.connection({ direction: 'forward', size: 10, after: 'id003' }, 'User 3');
    const miss = await fake.connection({ direction: 'forward', size: 10, after: null }, 'nobody');
    expect(first.edges.map((e) => e.node.providerUserId)).toEqual(['id003']);
    expect(first.hasNextPage).toBe(false);
    expect(again.edges).toEqual([]);
    expect(miss.edges).toEqual([]);
    // The user it found answers a lookup with no call.
    await fake.byId('id003');
    expect(log).toEqual([{ exact: 'User 3' }, { exact: 'nobody' }]);
  });

  it('refuses cursors outside the declared pattern', async () => {
    const { paging, log } = repeatingUpstream();
    const fake = session(paging, { users, log });
    expect(() => fake.validateCursor('../etc', 'after')).toThrow(/not a valid cursor for this connection/);
    expect(() => fake.validateCursor(12, 'after')).toThrow(/bad position/);
    expect(fake.validateCursor('id004', 'after')).toBe('id004');
    expect(fake.validateCursor({ i: 'id004', n: 'id005' }, 'after')).toEqual({ i: 'id004', n: 'id005' });
    // The upstream next cursor travels upstream: bounded by the same pattern.
    expect(() => fake.validateCursor({ i: 'id004', n: '../x' }, 'after')).toThrow(/bad position/);
    expect(() => fake.validateCursor({ i: 'id004' }, 'after')).toThrow(/bad position/);
    expect(log).toEqual([]);
  });
});
