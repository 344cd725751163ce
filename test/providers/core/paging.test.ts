/**
 * The whole-list, token, page-number and offset paging styles, each over the fake provider with exact
 * call logs: windows in both directions, totals, cursor checks, and the page loader sharing identical
 * pages within one operation (keys compared canonically).
 */
import { describe, expect, it } from '@jest/globals';
import { ErrorCode, UpstreamError } from '../../../src/errors.js';
import type { CursorPayload } from '../../../src/relay/cursor.js';
import type { PageToken, Paging } from '../../../src/providers/core/paging.js';
import { session, wire, type Call, type FakeWire } from './kit.js';

const users = wire(23);
const ids = (page: { edges: { node: { providerUserId: string } }[] }) =>
  page.edges.map((e) => e.node.providerUserId);
const range = (from: number, to: number) => users.slice(from, to).map((user) => user.id);

function tokenUpstream(log: Call[]): Paging<FakeWire, string> {
  // Tokens are "P<start>"; page index is start / size.
  const ref = (start: number, size: number): PageToken => ({
    token: `P${start}`,
    page: Math.floor(start / size),
  });
  return {
    style: 'token',
    pageSize: 5,
    maxPageSize: 10,
    tokenPattern: /^P\d+$/,
    async list(query, from, size) {
      log.push({ query, token: from.token, size });
      if (from.token === 'P999')
        throw new UpstreamError({
          provider: 'FAKE',
          code: ErrorCode.UPSTREAM_NOT_FOUND,
          upstreamCode: 1,
          message: 'gone',
        });
      const start = from.token === null ? 0 : Number(from.token.slice(1));
      return {
        items: users.slice(start, start + size),
        next: start + size < users.length ? ref(start + size, size) : null,
        // The page before the second is the first page itself (token null), as the first call asked it.
        previous: start > 0 ? (start - size <= 0 ? { token: null, page: 0 } : ref(start - size, size)) : null,
      };
    },
    refusesToken: (error) => error instanceof UpstreamError && error.details.upstreamCode === 1,
  };
}

describe('whole-list paging', () => {
  const paging = (log: Call[]): Paging<FakeWire, string> => ({
    style: 'whole',
    async list() {
      log.push({ list: true });
      return users;
    },
  });

  it('slices every window from one list call per operation, lookups included', async () => {
    const log: Call[] = [];
    const fake = session(paging(log), { users, log, fetchOne: false });
    const first = await fake.page({ direction: 'forward', size: 5, after: null });
    const last = await fake.page({ direction: 'backward', size: 3, before: null });
    const middle = await fake.page({ direction: 'forward', size: 2, after: 10 });
    expect([ids(first), ids(last), ids(middle)]).toEqual([range(0, 5), range(20, 23), range(11, 13)]);
    expect([first.totalCount, first.hasNextPage, last.hasPreviousPage]).toEqual([23, true, true]);
    expect(await fake.byId('id022')).toMatchObject({ displayName: 'User 22' });
    expect(await fake.byId('nobody')).toBeNull();
    expect(log).toEqual([{ list: true }]);
  });

  it('answers lookups from the list when nothing else read it', async () => {
    const log: Call[] = [];
    const fake = session(paging(log), { users, log, fetchOne: false });
    const found = await Promise.all(['id001', 'id009', 'missing'].map((id) => fake.byId(id)));
    expect(found.map((user) => user?.providerUserId ?? null)).toEqual(['id001', 'id009', null]);
    expect(log).toEqual([{ list: true }]);
  });
});

describe('token paging', () => {
  it('walks next pages forward and previous pages backward, one call per page', async () => {
    const log: Call[] = [];
    const fake = session(tokenUpstream(log), { users, log });
    const first = await fake.page({ direction: 'forward', size: 7, after: null });
    expect(ids(first)).toEqual(range(0, 7));
    expect([first.hasNextPage, first.hasPreviousPage, first.totalCount]).toEqual([true, false, null]);
    expect(log).toEqual([
      { query: '', token: null, size: 5 },
      { query: '', token: 'P5', size: 5 },
    ]);
    const back = await fake.page({ direction: 'backward', size: 4, before: first.edges[6].cursor });
    expect(ids(back)).toEqual(range(2, 6));
    // Both pages were already loaded in this operation: no call.
    expect(log).toHaveLength(2);
  });

  it('reaches the end of the list by walking forward for `last` without `before`', async () => {
    const log: Call[] = [];
    const fake = session(tokenUpstream(log), { users, log });
    const last = await fake.page({ direction: 'backward', size: 4, before: null });
    expect(ids(last)).toEqual(range(19, 23));
    expect(log.map((call) => call.token)).toEqual([null, 'P5', 'P10', 'P15', 'P20']);
  });

  it('checks cursors against the declared token pattern and page size', () => {
    const fake = session(tokenUpstream([]), { users });
    expect(fake.validateCursor({ t: 'P5', p: 1, s: 5, i: 4 }, 'after')).toEqual({
      t: 'P5',
      p: 1,
      s: 5,
      i: 4,
    });
    expect(fake.validateCursor({ t: 'P5', p: 1, s: 5, i: 4, n: null }, 'after')).toEqual({
      t: 'P5',
      p: 1,
      s: 5,
      i: 4,
      n: null,
    });
    const bad: CursorPayload[] = [
      { t: 'https://evil', p: 1, s: 5, i: 0 },
      { t: 'P5', p: 1, s: 11, i: 0 },
      { t: 'P5', p: 1, s: 5, i: 5 },
      { t: 'P5', p: -1, s: 5, i: 0 },
      // The next and previous page references travel upstream too: bounded like the token.
      { t: 'P5', p: 1, s: 5, i: 4, n: { t: '../../v1/Accounts', p: 2 } },
      { t: 'P5', p: 1, s: 5, i: 4, n: { t: 'P10', p: -2 } },
      { t: 'P5', p: 1, s: 5, i: 0, v: 'P0' },
      { t: 'P5', p: 1, s: 5, i: 0, v: [] },
      'P5',
      null,
    ];
    for (const payload of bad)
      expect(() => fake.validateCursor(payload, 'after')).toThrow(/not a valid cursor for this connection/);
  });

  it('answers a token the provider refuses as a bad cursor, not an upstream failure', async () => {
    const log: Call[] = [];
    const fake = session(tokenUpstream(log), { users, log });
    await expect(
      fake.page({ direction: 'forward', size: 2, after: { t: 'P999', p: 1, s: 5, i: 0 } }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/Fake no longer accepts its page token/),
      extensions: { code: 'BAD_USER_INPUT', argument: 'after', provider: 'FAKE', upstreamCode: 1 },
    });
  });
});

describe('page-number paging', () => {
  const paging = (log: Call[]): Paging<FakeWire, string> => ({
    style: 'page',
    maxPerPage: 10,
    async list(query, page, perPage) {
      log.push({ query, page, perPage });
      return { items: users.slice((page - 1) * perPage, page * perPage), total: users.length };
    },
  });

  it('covers each window with the fewest, smallest pages, and shares identical pages', async () => {
    const log: Call[] = [];
    const fake = session(paging(log), { users, log });
    const window = await fake.page({ direction: 'forward', size: 4, after: 5 });
    expect(ids(window)).toEqual(range(6, 10));
    expect(window.totalCount).toBe(23);
    await fake.page({ direction: 'forward', size: 4, after: 5 });
    expect(log).toEqual([{ query: '', page: 2, perPage: 5 }]);
  });

  it('probes the total for `last` without `before`, unless the operation already knows it', async () => {
    const log: Call[] = [];
    const fake = session(paging(log), { users, log });
    const tail = await fake.page({ direction: 'backward', size: 3, before: null });
    expect(ids(tail)).toEqual(range(20, 23));
    expect(log).toEqual([
      { query: '', page: 1, perPage: 3 },
      // Positions 20–22: one page of 4 (20–23) is the smallest single page that covers them.
      { query: '', page: 6, perPage: 4 },
    ]);
    await fake.page({ direction: 'backward', size: 2, before: null });
    // Positions 21–22: page 8 of 3 (21–23); the total came from the first window.
    expect(log.slice(2)).toEqual([{ query: '', page: 8, perPage: 3 }]);
  });

  it('keys pages by the canonical query: a filter is another list', async () => {
    const log: Call[] = [];
    const fake = session(paging(log), { users, log });
    await fake.connection({ direction: 'forward', size: 2, after: null }, 'role');
    await fake.connection({ direction: 'forward', size: 2, after: null }, undefined);
    expect(log).toEqual([
      { query: 'role', page: 1, perPage: 2 },
      { query: '', page: 1, perPage: 2 },
    ]);
  });
});

describe('offset paging', () => {
  const paging = (log: Call[]): Paging<FakeWire, string> => ({
    style: 'offset',
    walkSize: 10,
    async list(query, offset, count) {
      log.push({ query, offset, count });
      return { items: users.slice(offset, offset + count), total: users.length };
    },
  });

  it('fetches every window in one call from its absolute position', async () => {
    const log: Call[] = [];
    const fake = session(paging(log), { users, log });
    const window = await fake.page({ direction: 'backward', size: 4, before: 10 });
    expect(ids(window)).toEqual(range(6, 10));
    expect([window.hasPreviousPage, window.hasNextPage, window.totalCount]).toEqual([true, true, 23]);
    const empty = await fake.page({ direction: 'forward', size: 0, after: null });
    expect(empty.totalCount).toBe(23);
    // The empty window reused the total the first window brought.
    expect(log).toEqual([{ query: '', offset: 6, count: 4 }]);
  });

  it('refuses cursors that are not positions', () => {
    const fake = session(paging([]), { users });
    for (const bad of [-1, 1.5, 'x', { o: 1 }, 2_000_000_000])
      expect(() => fake.validateCursor(bad, 'before')).toThrow(/bad position/);
  });
});
