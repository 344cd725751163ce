/**
 * cometChatUsers / cometChatUser end to end: rollcall against the CometChat emulator over HTTP, asserting
 * results against the emulator's data and the exact upstream calls from its call log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CometChatEmulator,
  COMETCHAT_DEMO_AUTH_ONLY_KEY,
  type StoredCometChatUser,
} from '../../../src/providers/cometchat/emulator.js';
import { planPages } from '../../../src/providers/core/paging/offset.js';
import { cometChatProvider } from '../../../src/providers/cometchat/index.js';
import { encodeGlobalId } from '../../../src/relay/globalId.js';
import { startHarness, type GraphQLResult, type Harness } from '../../support/harness.js';

interface Node {
  id: string;
  uid: string;
}
interface Connection {
  totalCount: number | null;
  edges: { cursor: string; node: Node }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}
type Page = { cometChatUsers: Connection };

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: CometChatUserFilter) {
  cometChatUsers(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    edges { cursor node { id uid } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const RESILIENCE = { ROLLCALL_BREAKER_THRESHOLD: '1000', ROLLCALL_RETRY_BACKOFF_MS: '5' };

let h: Harness;
let emulator: CometChatEmulator;
beforeAll(async () => {
  // Retries stay on (default 2) with short backoff; the breaker never opens here, since these tests inject
  // many failures in a row (test/upstream covers it).
  h = await startHarness({ providers: [cometChatProvider], env: RESILIENCE });
  emulator = h.emulator<CometChatEmulator>('COMETCHAT');
});
afterAll(() => h.stop());
beforeEach(() => h.reset());

const listCalls = () => emulator.calls.filter((c) => c.path === '/v3/users');
const lookupCalls = () => emulator.calls.filter((c) => c.path.startsWith('/v3/users/'));
const visible = () => emulator.users.filter((u) => u.deactivatedAt === undefined);
const uids = (users: StoredCometChatUser[]) => users.map((u) => u.uid);

async function page(variables: Record<string, unknown>): Promise<Connection> {
  const { data, errors } = await h.query<Page>(PAGE, variables);
  expect(errors).toBeUndefined();
  return data!.cometChatUsers;
}

/** Walks a whole list in one direction; returns the uids in list order and the upstream calls per query. */
async function walk(direction: 'forward' | 'backward', size: number, filter?: Record<string, unknown>) {
  const seen: string[] = [];
  const callsPerQuery: number[] = [];
  const totals = new Set<number | null>();
  let cursor: string | null = null;
  for (let guard = 0; guard < 500; guard += 1) {
    emulator.resetCalls();
    const connection: Connection = await page(
      direction === 'forward'
        ? { first: size, after: cursor, filter }
        : { last: size, before: cursor, filter },
    );
    callsPerQuery.push(listCalls().length);
    totals.add(connection.totalCount);
    const pageUids = connection.edges.map((e) => e.node.uid);
    if (direction === 'forward') {
      seen.push(...pageUids);
      expect(connection.pageInfo.hasPreviousPage).toBe(cursor !== null);
      if (!connection.pageInfo.hasNextPage) break;
      cursor = connection.pageInfo.endCursor;
    } else {
      seen.unshift(...pageUids);
      expect(connection.pageInfo.hasNextPage).toBe(cursor !== null);
      if (!connection.pageInfo.hasPreviousPage) break;
      cursor = connection.pageInfo.startCursor;
    }
  }
  return { seen, callsPerQuery, totals: [...totals] };
}

describe('cometChatUsers paging', () => {
  it.each([1, 7, 25, 100])(
    'pages forward with first: %i through every user exactly once, in order, one upstream call per window',
    async (size) => {
      const { seen, callsPerQuery, totals } = await walk('forward', size);
      expect(seen).toEqual(uids(visible()));
      expect(totals).toEqual([visible().length]);
      expect(callsPerQuery.every((n) => n === 1)).toBe(true);
    },
  );

  it.each([7, 25, 100])(
    'pages backward with last: %i through every user exactly once, in order: 2 calls for the tail, then 1 per window',
    async (size) => {
      const { seen, callsPerQuery, totals } = await walk('backward', size);
      expect(seen).toEqual(uids(visible()));
      expect(totals).toEqual([visible().length]);
      expect(callsPerQuery[0]).toBe(2);
      expect(callsPerQuery.slice(1).every((n) => n === 1)).toBe(true);
    },
  );

  it('asks for page k of perPage n when forward windows are aligned', async () => {
    const first = await page({ first: 20 });
    await page({ first: 20, after: first.pageInfo.endCursor });
    expect(listCalls().map((c) => [c.query.page, c.query.perPage])).toEqual([
      ['1', '20'],
      ['2', '20'],
    ]);
  });

  it('covers an unaligned window with one page of the smallest fitting perPage', async () => {
    const probe = await page({ first: 5 });
    emulator.resetCalls();
    // Positions 5..14: perPage 10 would split them over pages 1 and 2; perPage 15, page 1 holds them all.
    const connection = await page({ first: 10, after: probe.pageInfo.endCursor });
    expect(connection.edges.map((e) => e.node.uid)).toEqual(uids(visible()).slice(5, 15));
    expect(listCalls().map((c) => [c.query.page, c.query.perPage])).toEqual([['1', '15']]);
  });

  it('learns the total for last without before from a probe of the window size, then fetches the tail', async () => {
    const total = visible().length;
    const connection = await page({ last: 10 });
    expect(connection.edges.map((e) => e.node.uid)).toEqual(uids(visible()).slice(total - 10));
    expect(connection.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    const calls = listCalls().map((c) => [c.query.page, c.query.perPage]);
    expect(calls[0]).toEqual(['1', '10']);
    expect(calls).toHaveLength(2);
  });

  it('answers last without before from the probe alone when the whole list fits in it (1 call)', async () => {
    const admins = visible().filter((u) => u.role === 'admin');
    expect(admins.length).toBeLessThan(50);
    const connection = await page({ last: 50, filter: { role: 'admin' } });
    expect(connection.edges.map((e) => e.node.uid)).toEqual(uids(admins));
    expect(connection).toMatchObject({ totalCount: admins.length, pageInfo: { hasPreviousPage: false } });
    expect(listCalls()).toHaveLength(1);
  });

  it('takes the total from a sibling field of the same operation instead of probing', async () => {
    const total = visible().length;
    const { data, errors } = await h.query<{ a: Connection; b: Connection; c: Connection }>(`{
      a: cometChatUsers(first: 10) { totalCount }
      b: cometChatUsers(first: 0) { totalCount pageInfo { hasNextPage } }
      c: cometChatUsers(last: 10) { totalCount edges { node { uid } } }
    }`);
    expect(errors).toBeUndefined();
    expect(data!.b).toEqual({ totalCount: total, pageInfo: { hasNextPage: true } });
    expect(data!.c.edges.map((e) => e.node.uid)).toEqual(uids(visible()).slice(total - 10));
    // a's page, then c's tail (positions 143..152: page 14 of 11 holds them all); neither b nor c probes.
    expect(listCalls().map((c) => [c.query.page, c.query.perPage])).toEqual([
      ['1', '10'],
      ['14', '11'],
    ]);
    expect(total).toBe(153);
  });

  it('answers first: 0 with the total from a one-user probe', async () => {
    const connection = await page({ first: 0 });
    expect(connection).toMatchObject({
      totalCount: visible().length,
      edges: [],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    expect(listCalls().map((c) => [c.query.page, c.query.perPage])).toEqual([['1', '1']]);
  });

  it('returns an empty last page after the last cursor', async () => {
    const last = await page({ last: 1 });
    const connection = await page({ first: 5, after: last.pageInfo.endCursor });
    expect(connection.edges).toEqual([]);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('makes one upstream call for identical windows in one operation', async () => {
    const { errors } = await h.query(`{
      a: cometChatUsers(first: 10) { edges { node { uid } } }
      b: cometChatUsers(first: 10) { totalCount edges { node { name } } }
    }`);
    expect(errors).toBeUndefined();
    expect(listCalls()).toHaveLength(1);
  });
});

describe('planPages', () => {
  const fits = (start: number, end: number, perPage: number) =>
    Math.floor(start / perPage) === Math.floor((end - 1) / perPage);

  it.each([
    [0, 7, { perPage: 7, pages: [1] }],
    [14, 21, { perPage: 7, pages: [3] }],
    [5, 15, { perPage: 15, pages: [1] }],
    [143, 153, { perPage: 11, pages: [14] }],
    [0, 1000, { perPage: 1000, pages: [1] }],
    [1500, 1600, { perPage: 100, pages: [16] }],
  ])('covers [%i, %i) with one page of the smallest perPage that holds it', (start, end, plan) => {
    expect(planPages(start, end, 1000)).toEqual(plan);
    for (let smaller = end - start; smaller < plan.perPage; smaller += 1)
      expect(fits(start, end, smaller)).toBe(false);
  });

  it('takes two pages when no perPage up to 1000 holds the window in one', () => {
    expect(planPages(999, 1999, 1000)).toEqual({ perPage: 1000, pages: [1, 2] });
  });

  it('never needs more than two pages for windows up to 1000 users', () => {
    for (let start = 0; start < 5000; start += 97)
      for (const size of [1, 13, 100, 999, 1000])
        expect(planPages(start, start + size, 1000).pages.length).toBeLessThanOrEqual(2);
  });
});

describe('cometChatUsers filters', () => {
  const active = (u: StoredCometChatUser) => u.deactivatedAt === undefined;
  const cases: [
    string,
    Record<string, unknown>,
    Record<string, string>,
    (u: StoredCometChatUser) => boolean,
  ][] = [
    [
      'searchKey (name or uid prefix)',
      { searchKey: 'superhero' },
      { searchKey: 'superhero' },
      (u) => active(u) && (u.uid.startsWith('superhero') || u.name.toLowerCase().startsWith('superhero')),
    ],
    [
      'searchKey in names only',
      { searchKey: 'captain', searchIn: ['NAME'] },
      { searchKey: 'captain', searchIn: 'name' },
      (u) => active(u) && u.name.toLowerCase().startsWith('captain'),
    ],
    [
      'searchKey in uids only',
      { searchKey: 'turing', searchIn: ['UID'] },
      { searchKey: 'turing', searchIn: 'uid' },
      (u) => active(u) && u.uid.startsWith('turing'),
    ],
    [
      'searchKey in names and uids',
      { searchKey: 'ada', searchIn: ['NAME', 'UID'] },
      { searchKey: 'ada', searchIn: 'name,uid' },
      (u) => active(u) && (u.uid.startsWith('ada') || u.name.toLowerCase().startsWith('ada')),
    ],
    [
      'status',
      { status: 'AVAILABLE' },
      { status: 'available' },
      (u) => active(u) && u.status === 'available',
    ],
    ['role', { role: 'manager' }, { role: 'manager' }, (u) => active(u) && u.role === 'manager'],
    [
      'roles (any of)',
      { roles: ['moderator', 'support-agent'] },
      { roles: 'moderator,support-agent' },
      (u) => active(u) && ['moderator', 'support-agent'].includes(u.role),
    ],
    [
      'tags (any of)',
      { tags: ['vip', 'x-men'] },
      { tags: 'vip,x-men' },
      (u) => active(u) && (u.tags ?? []).some((t) => ['vip', 'x-men'].includes(t)),
    ],
    ['onlyDeactivated', { onlyDeactivated: true }, { onlyDeactivated: 'true' }, (u) => !active(u)],
    ['withDeactivated', { withDeactivated: true }, { withDeactivated: 'true' }, () => true],
  ];

  it.each(cases)(
    'maps %s onto the upstream parameters and returns what CometChat holds',
    async (_name, filter, params, keep) => {
      const expected = emulator.users.filter(keep);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).not.toBe(visible().length);
      const connection = await page({ first: 100, filter });
      expect(connection.edges.map((e) => e.node.uid)).toEqual(uids(expected).slice(0, 100));
      expect(connection.totalCount).toBe(expected.length);
      expect(listCalls().map((c) => c.query)).toEqual([
        { ...params, withTags: 'true', page: '1', perPage: '100' },
      ]);
    },
  );

  it('asks for tags by default and leaves them out with withTags: false', async () => {
    const query = `query ($filter: CometChatUserFilter) {
      cometChatUsers(first: 4, filter: $filter) { edges { node { uid tags } } }
    }`;
    const tagged = await h.query<{
      cometChatUsers: { edges: { node: { uid: string; tags: string[] | null } }[] };
    }>(query);
    const byUid = new Map(emulator.users.map((u) => [u.uid, u]));
    for (const { node } of tagged.data!.cometChatUsers.edges)
      expect(node.tags).toEqual(byUid.get(node.uid)!.tags ?? null);
    emulator.resetCalls();
    const untagged = await h.query<{ cometChatUsers: { edges: { node: { tags: string[] | null } }[] } }>(
      query,
      {
        filter: { withTags: false },
      },
    );
    expect(untagged.data!.cometChatUsers.edges.every((e) => e.node.tags === null)).toBe(true);
    expect(listCalls()[0].query).toMatchObject({ withTags: 'false' });
  });

  it('pages a filtered list backward and forward with the same users', async () => {
    const filter = { roles: ['default'], withDeactivated: true };
    const expected = uids(emulator.users.filter((u) => u.role === 'default'));
    expect((await walk('forward', 9, filter)).seen).toEqual(expected);
    expect((await walk('backward', 9, filter)).seen).toEqual(expected);
  });

  it('serves deactivated users as inactive with their deactivation time', async () => {
    const { data } = await h.query<{
      cometChatUsers: { nodes: { uid: string; active: boolean; deactivatedAt: string }[] };
    }>(
      '{ cometChatUsers(first: 50, filter: { onlyDeactivated: true }) { nodes { uid active deactivatedAt } } }',
    );
    const superhero5 = data!.cometChatUsers.nodes.find((n) => n.uid === 'superhero5');
    expect(superhero5).toEqual({
      uid: 'superhero5',
      active: false,
      deactivatedAt: '2021-11-15T18:13:20.000Z',
    });
    expect(data!.cometChatUsers.nodes.every((n) => n.active === false)).toBe(true);
  });

  it('refuses a cursor from one filter under another, and under no filter, before any upstream call', async () => {
    const filtered = await page({ first: 2, filter: { role: 'manager' } });
    const unfiltered = await page({ first: 2 });
    emulator.resetCalls();
    for (const variables of [
      { first: 2, after: filtered.pageInfo.endCursor, filter: { role: 'admin' } },
      { first: 2, after: filtered.pageInfo.endCursor },
      { first: 2, after: unfiltered.pageInfo.endCursor, filter: { role: 'manager' } },
    ]) {
      const { errors } = await h.query(PAGE, variables);
      expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors?.[0].message).toMatch(/issued by another connection or with other arguments/);
    }
    expect(emulator.calls).toHaveLength(0);
    // The same filter (in any key order) accepts it.
    const next = await page({ first: 2, after: filtered.pageInfo.endCursor, filter: { role: 'manager' } });
    expect(next.edges).toHaveLength(2);
  });

  it('rejects tags containing commas with BAD_USER_INPUT and no upstream call', async () => {
    const { errors } = await h.query(PAGE, { first: 2, filter: { tags: ['a,b'] } });
    expect(errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.tags' });
    expect(emulator.calls).toHaveLength(0);
  });

  it('rejects an unknown status value at validation time', async () => {
    const { errors } = await h.query(PAGE, { first: 2, filter: { status: 'AWAY' } });
    expect(errors?.[0].message).toMatch(/CometChatUserStatus/);
    expect(emulator.calls).toHaveLength(0);
  });
});

describe('CometChat users and lookups', () => {
  it('maps every field of the seed user superhero6 and superhero3', async () => {
    const { data, errors } = await h.query<Record<string, unknown>>(`{
      six: cometChatUser(uid: "superhero6") {
        __typename id provider providerUserId displayName firstName lastName email avatarUrl active createdAt updatedAt
        uid name link avatar metadata status presence role tags statusMessage conversationId
        blockedByMe hasBlockedMe blockedByMeAt blockedAt lastActiveAt deactivatedAt raw
      }
      three: cometChatUser(uid: "superhero3") { blockedByMe blockedByMeAt blockedAt conversationId }
      four: cometChatUser(uid: "superhero4") { statusMessage tags presence role }
    }`);
    expect(errors).toBeUndefined();
    const raw = emulator.users.find((u) => u.uid === 'superhero6');
    expect(data!.six).toEqual({
      __typename: 'CometChatUser',
      id: expect.any(String),
      provider: 'COMETCHAT',
      providerUserId: 'superhero6',
      displayName: 'Barry Allen',
      firstName: null,
      lastName: null,
      email: 'user@email.com',
      avatarUrl: 'http://placehold.it/120x120&text=image1',
      active: true,
      createdAt: '2021-12-01T10:20:15.000Z',
      updatedAt: '2021-12-01T10:33:19.000Z',
      uid: 'superhero6',
      name: 'Barry Allen',
      link: 'http://placehold.it',
      avatar: 'http://placehold.it/120x120&text=image1',
      metadata: { email: 'user@email.com', contactNumber: '0123456789' },
      status: 'offline',
      presence: 'OFFLINE',
      role: 'manager',
      tags: null,
      statusMessage: null,
      conversationId: 'superhero4_user_superhero6',
      blockedByMe: null,
      hasBlockedMe: null,
      blockedByMeAt: null,
      blockedAt: null,
      lastActiveAt: null,
      deactivatedAt: null,
      raw,
    });
    expect(data!.three).toEqual({
      blockedByMe: true,
      blockedByMeAt: '2021-12-01T08:20:53.000Z',
      blockedAt: '2021-12-01T08:20:53.000Z',
      conversationId: 'superhero3_user_superhero4',
    });
    expect(data!.four).toEqual({
      statusMessage: 'On a mission',
      tags: ['x-men', 'vip'],
      presence: 'AVAILABLE',
      role: 'admin',
    });
    // Three lookups in one batch: one read of the default list, 1000 a page, instead of three fetches.
    expect(emulator.calls.map((c) => [c.path, c.query])).toEqual([
      ['/v3/users', { withTags: 'true', page: '1', perPage: '1000' }],
    ]);
    expect(emulator.calls[0].headers.apikey).toBe(emulator.apiKey);
  });

  it('passes an unexpected status through as a string with presence UNKNOWN', async () => {
    const away = emulator.users.find((u) => u.status === 'away')!;
    const { data, errors } = await h.query<{ cometChatUser: unknown }>(
      `{ cometChatUser(uid: "${away.uid}") { status presence } }`,
    );
    expect(errors).toBeUndefined();
    expect(data!.cometChatUser).toEqual({ status: 'away', presence: 'UNKNOWN' });
    // A lone uid is one single fetch.
    expect(emulator.calls.map((c) => c.path)).toEqual([`/v3/users/${away.uid}`]);
  });

  it('looks uids up case-insensitively', async () => {
    const { data } = await h.query<{ cometChatUser: { uid: string } }>(
      '{ cometChatUser(uid: "SuperHero1") { uid } }',
    );
    expect(data!.cometChatUser).toEqual({ uid: 'superhero1' });
  });

  it('answers null for an unknown uid and for a deactivated one, alone (404) or in a batch (the walk ends)', async () => {
    const batch = await h.query(`{
      missing: cometChatUser(uid: "no-such-user") { uid }
      deactivated: cometChatUser(uid: "superhero5") { uid }
    }`);
    expect(batch.errors).toBeUndefined();
    expect(batch.data).toEqual({ missing: null, deactivated: null });
    expect(listCalls()).toHaveLength(1);
    expect(lookupCalls()).toHaveLength(0);
    emulator.resetCalls();
    for (const uid of ['no-such-user', 'superhero5']) {
      const alone = await h.query(`{ cometChatUser(uid: "${uid}") { uid } }`);
      expect(alone).toMatchObject({ data: { cometChatUser: null } });
      expect(alone.errors).toBeUndefined();
    }
    expect(lookupCalls().map((c) => c.status)).toEqual([404, 404]);
    // A uid outside CometChat's alphabet (a blank one) is refused before any call.
    emulator.resetCalls();
    const blank = await h.query('{ cometChatUser(uid: "  ") { uid } }');
    expect(blank.data).toEqual({ cometChatUser: null });
    expect(blank.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'uid' });
    expect(emulator.calls).toHaveLength(0);
  });

  it('resolves node(id:) and _entities (by id and by uid) to the listed user', async () => {
    const listed = (await page({ first: 3 })).edges[2].node;
    const { data, errors } = await h.query<{
      node: { __typename: string; uid: string };
      _entities: ({ uid: string; name: string } | null)[];
    }>(
      `query ($reps: [_Any!]!) {
        node(id: "${listed.id}") { __typename ... on CometChatUser { uid } }
        _entities(representations: $reps) { ... on CometChatUser { uid name } }
      }`,
      {
        reps: [
          { __typename: 'CometChatUser', id: listed.id },
          { __typename: 'CometChatUser', uid: 'superhero2' },
          { __typename: 'CometChatUser', uid: 'nobody' },
        ],
      },
    );
    expect(errors).toBeUndefined();
    expect(data!.node).toEqual({ __typename: 'CometChatUser', uid: listed.uid });
    expect(data!._entities).toEqual([
      { uid: listed.uid, name: emulator.users.find((u) => u.uid === listed.uid)!.name },
      { uid: 'superhero2', name: 'Captain America' },
      null,
    ]);
  });

  it('costs exactly one upstream call for a list plus node and uid lookups of users it lists', async () => {
    const [first, second] = visible();
    const probe = await page({ first: 2 });
    h.reset();
    const { data, errors } = await h.query<Record<string, unknown>>(`{
      list: cometChatUsers(first: 10) { nodes { uid } }
      byId: node(id: "${probe.edges[1].node.id}") { id }
      byUid: cometChatUser(uid: "${first.uid}") { name }
      byUpperUid: cometChatUser(uid: "${second.uid.toUpperCase()}") { uid }
    }`);
    expect(errors).toBeUndefined();
    expect(data!.byUid).toEqual({ name: first.name });
    expect(data!.byUpperUid).toEqual({ uid: second.uid });
    expect(emulator.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v3/users']);
  });

  it('resolves a batch of 40 unlisted users with one list call instead of 40 fetches', async () => {
    const wanted = visible()
      .slice(60, 100)
      .map((u) => u.uid);
    const { data, errors } = await h.query<{ nodes: ({ uid: string } | null)[] }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { ... on CometChatUser { uid } } }',
      {
        ids: [...wanted, 'nobody'].map((uid) => encodeGlobalId('COMETCHAT', 'cometchat', uid)),
      },
    );
    expect(errors).toBeUndefined();
    expect(data!.nodes).toEqual([...wanted.map((uid) => ({ uid })), null]);
    expect(emulator.calls.map((c) => [c.path, c.query.perPage])).toEqual([['/v3/users', '1000']]);
  });
});

describe('CometChat upstream errors', () => {
  const errorOf = (result: GraphQLResult) => result.errors?.[0];

  it('maps an unknown API key to UPSTREAM_UNAUTHORIZED without echoing the key', async () => {
    const wrong = await startHarness({
      providers: [cometChatProvider],
      env: { COMETCHAT_API_KEY: 'wrong-key-value-123' },
    });
    try {
      const result = await wrong.query(PAGE, { first: 1 });
      expect(result.data).toEqual({ cometChatUsers: null });
      expect(errorOf(result)).toMatchObject({
        path: ['cometChatUsers'],
        extensions: {
          code: 'UPSTREAM_UNAUTHORIZED',
          provider: 'COMETCHAT',
          status: 401,
          upstreamCode: 'AUTH_ERR_APIKEY_NOT_FOUND',
        },
      });
      expect(JSON.stringify(result.errors)).not.toContain('wrong-key-value-123');
    } finally {
      await wrong.stop();
    }
  });

  it('maps an authOnly key to UPSTREAM_FORBIDDEN', async () => {
    const authOnly = await startHarness({
      providers: [cometChatProvider],
      env: { COMETCHAT_API_KEY: COMETCHAT_DEMO_AUTH_ONLY_KEY },
    });
    try {
      const result = await authOnly.query('{ cometChatUser(uid: "superhero1") { uid } }');
      expect(errorOf(result)?.extensions).toMatchObject({
        code: 'UPSTREAM_FORBIDDEN',
        status: 403,
        upstreamCode: 'AUTH_ERR_NO_ACCESS',
      });
      expect(JSON.stringify(result.errors)).not.toContain(COMETCHAT_DEMO_AUTH_ONLY_KEY);
    } finally {
      await authOnly.stop();
    }
  });

  it("maps the emulator's own rate limit to UPSTREAM_RATE_LIMITED with retryAfter", async () => {
    const limited = new CometChatEmulator({ rateLimit: { perMinute: 1 } });
    await limited.start();
    const rl = await startHarness({
      providers: [cometChatProvider],
      env: { ...RESILIENCE, COMETCHAT_BASE_URL: limited.baseUrl },
    });
    try {
      expect((await rl.query(PAGE, { first: 1 })).errors).toBeUndefined();
      const result = await rl.query(PAGE, { first: 1 });
      expect(errorOf(result)?.extensions).toMatchObject({
        code: 'UPSTREAM_RATE_LIMITED',
        status: 429,
        upstreamCode: 'ERR_TOO_MANY_REQUESTS',
        retryAfter: expect.any(Number),
      });
      const retryAfter = errorOf(result)!.extensions!.retryAfter as number;
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    } finally {
      await rl.stop();
      await limited.stop();
    }
  });

  it.each(['X-Rate-Limit-Reset', 'X-RateLimit-Reset'])(
    'reads retryAfter from %s when Retry-After is absent',
    async (header) => {
      const reset = Math.floor(Date.now() / 1000) + 30;
      emulator.injectFault({
        status: 429,
        body: {
          error: { code: 'ERR_TOO_MANY_REQUESTS', message: 'Too many', devMessage: 'x', source: 'chat-api' },
        },
        headers: { [header]: String(reset) },
        times: 1,
      });
      const result = await h.query(PAGE, { first: 1 });
      expect(errorOf(result)?.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 429 });
      expect(errorOf(result)!.extensions!.retryAfter).toBeGreaterThanOrEqual(29);
      expect(errorOf(result)!.extensions!.retryAfter).toBeLessThanOrEqual(31);
    },
  );

  it.each([
    [400, 'ERR_BAD_REQUEST', 'UPSTREAM_BAD_RESPONSE', 1],
    [403, 'ERR_PLAN_RESTRICTION', 'UPSTREAM_FORBIDDEN', 1],
    [500, 'ERR_INTERNAL', 'UPSTREAM_UNAVAILABLE', 1],
    [503, undefined, 'UPSTREAM_UNAVAILABLE', 3],
  ])('maps a persistent HTTP %i %s to %s after %i attempt(s)', async (status, code, expected, attempts) => {
    emulator.injectFault({
      status,
      body: code
        ? { error: { code, message: 'm', devMessage: 'd', source: 'chat-api', details: { perPage: ['x'] } } }
        : '',
    });
    const result = await h.query(PAGE, { first: 1 });
    expect(errorOf(result)?.extensions).toMatchObject({ code: expected, status, provider: 'COMETCHAT' });
    if (code) expect(errorOf(result)?.extensions?.upstreamCode).toBe(code);
    expect(listCalls()).toHaveLength(attempts);
  });

  it('retries a single transient 503 and answers', async () => {
    emulator.injectFault({ status: 503, body: '', times: 1 });
    const connection = await page({ first: 2 });
    expect(connection.edges).toHaveLength(2);
    expect(listCalls().map((c) => c.status)).toEqual([503, 200]);
  });

  it('maps an error body sent with HTTP 200 to an error, not to an empty list', async () => {
    emulator.injectFault({
      status: 200,
      body: {
        error: { code: 'AUTH_ERR_APIKEY_NOT_FOUND', message: 'm', devMessage: 'd', source: 'chat-api' },
      },
      times: 1,
    });
    const result = await h.query(PAGE, { first: 1 });
    expect(errorOf(result)?.extensions).toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED', status: 200 });
  });

  it('maps a list without meta.pagination.total to UPSTREAM_BAD_RESPONSE', async () => {
    emulator.injectFault({ status: 200, body: JSON.stringify({ data: [], meta: {} }), times: 1 });
    const result = await h.query(PAGE, { first: 1 });
    expect(errorOf(result)?.extensions).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'COMETCHAT',
    });
  });

  it('fails a lone lookup, and every lookup of a batch whose list read failed, with the upstream error', async () => {
    emulator.injectFault({ status: 503, path: '/v3/users' });
    const alone = await h.query('{ a: cometChatUser(uid: "superhero1") { uid } }');
    expect(alone.data).toEqual({ a: null });
    expect(errorOf(alone)).toMatchObject({
      path: ['a'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', status: 503 },
    });
    const batch = await h.query(
      '{ a: cometChatUser(uid: "superhero1") { uid } b: cometChatUser(uid: "superhero2") { uid } }',
    );
    expect(batch.data).toEqual({ a: null, b: null });
    expect(batch.errors?.map((e) => e.extensions?.code)).toEqual([
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_UNAVAILABLE',
    ]);
  });

  it('treats a 404 that is not ERR_UID_NOT_FOUND as an error, not as a missing user', async () => {
    emulator.injectFault({
      status: 404,
      body: { error: { code: 'ERR_ROUTE_NOT_FOUND', message: 'm', devMessage: 'd', source: 'chat-api' } },
      times: 1,
    });
    const result = await h.query('{ cometChatUser(uid: "superhero1") { uid } }');
    expect(errorOf(result)?.extensions).toMatchObject({
      code: 'UPSTREAM_NOT_FOUND',
      upstreamCode: 'ERR_ROUTE_NOT_FOUND',
    });
  });
});
