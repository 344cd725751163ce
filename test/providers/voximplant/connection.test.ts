/**
 * voximplantUsers / voximplantUser end to end: rollcall against the Voximplant emulator over HTTP,
 * asserting results against the emulator's data and the exact GetUsers calls from its call log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader, exportPKCS8, generateKeyPair } from 'jose';
import { VoximplantEmulator, type StoredVoximplantUser } from '../../../src/providers/voximplant/emulator.js';
import { voximplantProvider } from '../../../src/providers/voximplant/index.js';
import type { RecordedCall } from '../../../src/emulators/base.js';
import { startHarness, type GraphQLResult, type Harness } from '../../support/harness.js';

interface Connection {
  totalCount: number | null;
  edges: { cursor: string; node: { id: string; userId: number } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}
type Page = { voximplantUsers: Connection };

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: VoximplantUserFilter, $orderBy: VoximplantUserOrder) {
  voximplantUsers(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { id userId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const DEFAULT_APP = 10001;

const RESILIENCE = { ROLLCALL_BREAKER_THRESHOLD: '1000', ROLLCALL_RETRY_BACKOFF_MS: '5' };

let h: Harness;
let emulator: VoximplantEmulator;
beforeAll(async () => {
  // Retries stay on (default 2) with short backoff; the breaker never opens here, since these tests inject
  // many failures in a row (test/upstream covers it).
  h = await startHarness({ providers: [voximplantProvider], env: RESILIENCE });
  emulator = h.emulator<VoximplantEmulator>('VOXIMPLANT');
});
afterAll(() => h.stop());
beforeEach(() => h.reset());

/** The form fields of a recorded GetUsers call. */
const form = (call: RecordedCall) => Object.fromEntries(new URLSearchParams(call.body));
const forms = () => emulator.calls.map(form);
const inApp = (u: StoredVoximplantUser, id = DEFAULT_APP) =>
  (u.applications ?? []).some((a) => a.application_id === id);
/** GetUsers' default order: user_name (case-insensitive), then user_id. */
const byName = (a: StoredVoximplantUser, b: StoredVoximplantUser) => {
  const [x, y] = [a.user_name.toLowerCase(), b.user_name.toLowerCase()];
  return x !== y ? (x < y ? -1 : 1) : a.user_id - b.user_id;
};
const expectedIds = (keep: (u: StoredVoximplantUser) => boolean, order = byName) =>
  emulator.users
    .filter(keep)
    .sort(order)
    .map((u) => u.user_id);
const defaultIds = () => expectedIds((u) => inApp(u));

async function page(variables: Record<string, unknown>): Promise<Connection> {
  const { data, errors } = await h.query<Page>(PAGE, variables);
  expect(errors).toBeUndefined();
  return data!.voximplantUsers;
}

async function walk(direction: 'forward' | 'backward', size: number, extra: Record<string, unknown> = {}) {
  const seen: number[] = [];
  const callsPerQuery: number[] = [];
  const totals = new Set<number | null>();
  let cursor: string | null = null;
  for (let guard = 0; guard < 200; guard += 1) {
    emulator.resetCalls();
    const connection: Connection = await page(
      direction === 'forward'
        ? { ...extra, first: size, after: cursor }
        : { ...extra, last: size, before: cursor },
    );
    callsPerQuery.push(emulator.calls.length);
    totals.add(connection.totalCount);
    const ids = connection.edges.map((e) => e.node.userId);
    if (direction === 'forward') {
      seen.push(...ids);
      expect(connection.pageInfo.hasPreviousPage).toBe(cursor !== null);
      if (!connection.pageInfo.hasNextPage) break;
      cursor = connection.pageInfo.endCursor;
    } else {
      seen.unshift(...ids);
      expect(connection.pageInfo.hasNextPage).toBe(cursor !== null);
      if (!connection.pageInfo.hasPreviousPage) break;
      cursor = connection.pageInfo.startCursor;
    }
  }
  return { seen, callsPerQuery, totals: [...totals] };
}

describe('voximplantUsers paging', () => {
  it('sends GetUsers as a form-encoded POST with the default application, skills and queues', async () => {
    await page({ first: 7 });
    expect(emulator.calls).toHaveLength(1);
    const [call] = emulator.calls;
    expect(call).toMatchObject({ method: 'POST', path: '/platform_api/GetUsers', query: {} });
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(call)).toEqual({
      application_id: String(DEFAULT_APP),
      with_skills: 'true',
      with_queues: 'true',
      offset: '0',
      count: '7',
    });
  });

  it.each([1, 7, 20, 100])(
    'pages forward with first: %i through every user exactly once, in order, one call per window',
    async (size) => {
      const { seen, callsPerQuery, totals } = await walk('forward', size);
      expect(seen).toEqual(defaultIds());
      expect(totals).toEqual([defaultIds().length]);
      expect(callsPerQuery.every((n) => n === 1)).toBe(true);
    },
  );

  it.each([1, 7, 20])(
    'pages backward with last: %i through every user exactly once, in order: 2 calls for the tail, then 1 per window',
    async (size) => {
      const { seen, callsPerQuery, totals } = await walk('backward', size);
      expect(seen).toEqual(defaultIds());
      expect(totals).toEqual([defaultIds().length]);
      expect(callsPerQuery[0]).toBe(2);
      expect(callsPerQuery.slice(1).every((n) => n === 1)).toBe(true);
    },
  );

  it('answers last without before from the probe alone when every user fits in it (1 call)', async () => {
    const total = defaultIds().length;
    expect(total).toBeLessThan(50);
    const connection = await page({ last: 50 });
    expect(connection.edges.map((e) => e.node.userId)).toEqual(defaultIds());
    expect(connection.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
    expect(forms().map((f) => [f.offset, f.count])).toEqual([['0', '50']]);
  });

  it('fetches exactly the window before a cursor, and the tail after a probe', async () => {
    const ids = defaultIds();
    const tail = await page({ last: 5 });
    expect(forms().map((f) => [f.offset, f.count])).toEqual([
      ['0', '5'],
      [String(ids.length - 5), '5'],
    ]);
    emulator.resetCalls();
    const before = await page({ last: 5, before: tail.pageInfo.startCursor });
    expect(before.edges.map((e) => e.node.userId)).toEqual(ids.slice(ids.length - 10, ids.length - 5));
    expect(forms().map((f) => [f.offset, f.count])).toEqual([[String(ids.length - 10), '5']]);
  });

  it('answers first: 0 with the total from a one-user call', async () => {
    const connection = await page({ first: 0 });
    expect(connection).toMatchObject({
      totalCount: defaultIds().length,
      edges: [],
      pageInfo: { hasNextPage: true },
    });
    expect(forms().map((f) => [f.offset, f.count])).toEqual([['0', '1']]);
  });

  it('takes the total from a sibling field of the same operation instead of probing', async () => {
    const ids = defaultIds();
    const { data, errors } = await h.query<{ a: Connection; b: Connection; c: Connection }>(`{
      a: voximplantUsers(first: 10) { totalCount }
      b: voximplantUsers(first: 0) { totalCount }
      c: voximplantUsers(last: 10) { edges { node { userId } } }
    }`);
    expect(errors).toBeUndefined();
    expect(data!.b.totalCount).toBe(ids.length);
    expect(data!.c.edges.map((e) => e.node.userId)).toEqual(ids.slice(ids.length - 10));
    expect(forms().map((f) => [f.offset, f.count])).toEqual([
      ['0', '10'],
      [String(ids.length - 10), '10'],
    ]);
  });

  it('makes one call for identical windows in one operation', async () => {
    const { errors } = await h.query(`{
      a: voximplantUsers(first: 10) { nodes { userId } }
      b: voximplantUsers(first: 10) { totalCount nodes { userName } }
    }`);
    expect(errors).toBeUndefined();
    expect(emulator.calls).toHaveLength(1);
  });

  it('returns an empty page after the last cursor', async () => {
    const last = await page({ last: 1 });
    const connection = await page({ first: 5, after: last.pageInfo.endCursor });
    expect(connection.edges).toEqual([]);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });
});

describe('voximplantUsers filters and order', () => {
  const skill = (u: StoredVoximplantUser, id: number) => (u.skills ?? []).some((s) => s.skill_id === id);
  const queue = (u: StoredVoximplantUser, id: number) =>
    (u.acd_queues ?? []).some((q) => q.acd_queue_id === id);
  const cases: [
    string,
    Record<string, unknown>,
    Record<string, string>,
    (u: StoredVoximplantUser) => boolean,
  ][] = [
    ['applicationId', { applicationId: 10002 }, { application_id: '10002' }, (u) => inApp(u, 10002)],
    [
      'applicationName',
      { applicationName: 'ivrbots' },
      { application_name: 'ivrbots' },
      (u) => inApp(u, 10003),
    ],
    ['skillId', { skillId: 203 }, { skill_id: '203' }, (u) => inApp(u) && skill(u, 203)],
    [
      'excludedSkillId',
      { excludedSkillId: 203 },
      { excluded_skill_id: '203' },
      (u) => inApp(u) && !skill(u, 203),
    ],
    ['acdQueueId', { acdQueueId: 301 }, { acd_queue_id: '301' }, (u) => inApp(u) && queue(u, 301)],
    [
      'excludedAcdQueueId',
      { excludedAcdQueueId: 301 },
      { excluded_acd_queue_id: '301' },
      (u) => inApp(u) && !queue(u, 301),
    ],
    ['userId', { userId: 102 }, { user_id: '102' }, (u) => u.user_id === 102],
    [
      'userName',
      { userName: 'SMITH' },
      { user_name: 'SMITH' },
      (u) => inApp(u) && u.user_name.includes('smith'),
    ],
    [
      'userDisplayName',
      { userDisplayName: 'john' },
      { user_display_name: 'john' },
      (u) => inApp(u) && u.user_display_name.toLowerCase().includes('john'),
    ],
    ['userActive', { userActive: false }, { user_active: 'false' }, (u) => inApp(u) && !u.user_active],
    [
      'acdStatus',
      { acdStatus: ['READY', 'DND'] },
      { acd_status: 'READY;DND' },
      (u) => inApp(u) && ['READY', 'DND'].includes(u.acd_status!),
    ],
  ];

  it.each(cases)(
    'maps %s onto GetUsers and returns what Voximplant holds',
    async (_name, filter, params, keep) => {
      const expected = expectedIds(keep);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected).not.toEqual(defaultIds());
      const connection = await page({ first: 100, filter });
      expect(connection.edges.map((e) => e.node.userId)).toEqual(expected);
      expect(connection.totalCount).toBe(expected.length);
      const application =
        'applicationId' in filter || 'applicationName' in filter ? {} : { application_id: '10001' };
      expect(forms()).toEqual([
        { ...application, ...params, with_skills: 'true', with_queues: 'true', offset: '0', count: '100' },
      ]);
    },
  );

  it('leaves skills and queues out with withSkills/withQueues false', async () => {
    const { data } = await h.query<{ voximplantUsers: { nodes: { skills: unknown; acdQueues: unknown }[] } }>(
      '{ voximplantUsers(first: 3, filter: { withSkills: false, withQueues: false }) { nodes { skills { skillId } acdQueues { acdQueueId } } } }',
    );
    expect(data!.voximplantUsers.nodes).toEqual([
      { skills: null, acdQueues: null },
      { skills: null, acdQueues: null },
      { skills: null, acdQueues: null },
    ]);
    expect(forms()[0]).toMatchObject({ with_skills: 'false', with_queues: 'false' });
  });

  it('narrows each user’s skills to showingSkillId without filtering users', async () => {
    const { data } = await h.query<{
      voximplantUsers: { nodes: { userId: number; skills: { skillId: number }[] }[] };
    }>(
      '{ voximplantUsers(first: 100, filter: { showingSkillId: 201 }) { nodes { userId skills { skillId } } } }',
    );
    const nodes = data!.voximplantUsers.nodes;
    expect(nodes.map((n) => n.userId)).toEqual(defaultIds());
    const byId = new Map(emulator.users.map((u) => [u.user_id, u]));
    for (const n of nodes)
      expect(n.skills).toEqual(
        byId.get(n.userId)!.skills!.some((s) => s.skill_id === 201) ? [{ skillId: 201 }] : [],
      );
    expect(forms()[0]).toMatchObject({ showing_skill_id: '201' });
  });

  it('serves the fixed balance without a live balance when returnLiveBalance is false', async () => {
    type Balances = { userId: number; liveBalance: number | null; balance: number; fixedBalance: number };
    const query = `query ($filter: VoximplantUserFilter) {
      voximplantUsers(first: 100, filter: $filter) { nodes { userId liveBalance balance fixedBalance } }
    }`;
    const live = await h.query<{ voximplantUsers: { nodes: Balances[] } }>(query);
    const fixed = await h.query<{ voximplantUsers: { nodes: Balances[] } }>(query, {
      filter: { returnLiveBalance: false },
    });
    expect(live.data!.voximplantUsers.nodes.some((n) => n.liveBalance !== n.fixedBalance)).toBe(true);
    for (const n of fixed.data!.voximplantUsers.nodes) {
      expect(n.liveBalance).toBeNull();
      expect(n.balance).toBe(n.fixedBalance);
    }
    expect(form(emulator.calls[1])).toMatchObject({ return_live_balance: 'false' });
  });

  it.each([
    ['USER_ID', 'user_id', (a: StoredVoximplantUser, b: StoredVoximplantUser) => a.user_id - b.user_id],
    [
      'USER_DISPLAY_NAME',
      'user_display_name',
      (a: StoredVoximplantUser, b: StoredVoximplantUser) => {
        const [x, y] = [a.user_display_name.toLowerCase(), b.user_display_name.toLowerCase()];
        return x !== y ? (x < y ? -1 : 1) : a.user_id - b.user_id;
      },
    ],
  ])('orders by %s (order_by=%s) forward and backward', async (orderBy, wire, order) => {
    const expected = expectedIds((u) => inApp(u), order);
    expect(expected).not.toEqual(defaultIds());
    expect((await walk('forward', 8, { orderBy })).seen).toEqual(expected);
    expect(form(emulator.calls[0])).toMatchObject({ order_by: wire });
    expect((await walk('backward', 8, { orderBy })).seen).toEqual(expected);
  });

  it('pages a filtered list forward and backward with the same users', async () => {
    const filter = { applicationId: 10002, userActive: true };
    const expected = expectedIds((u) => inApp(u, 10002) && u.user_active);
    expect((await walk('forward', 6, { filter })).seen).toEqual(expected);
    expect((await walk('backward', 6, { filter })).seen).toEqual(expected);
  });

  it('refuses both applicationId and applicationName with BAD_USER_INPUT and no upstream call', async () => {
    const { data, errors } = await h.query(PAGE, {
      first: 2,
      filter: { applicationId: 10001, applicationName: 'sales' },
    });
    expect(data).toEqual({ voximplantUsers: null });
    expect(errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter' });
    expect(emulator.calls).toHaveLength(0);
  });

  it('refuses a cursor from another filter or another order, before any upstream call', async () => {
    const byId = await page({ first: 2, orderBy: 'USER_ID' });
    const filtered = await page({ first: 2, filter: { userActive: true } });
    emulator.resetCalls();
    for (const variables of [
      { first: 2, after: byId.pageInfo.endCursor },
      { first: 2, after: byId.pageInfo.endCursor, orderBy: 'USER_NAME' },
      { first: 2, after: filtered.pageInfo.endCursor, filter: { userActive: false } },
      { last: 2, before: filtered.pageInfo.endCursor, orderBy: 'USER_ID', filter: { userActive: true } },
    ]) {
      const { errors } = await h.query(PAGE, variables);
      expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(errors?.[0].message).toMatch(/issued by another connection or with other arguments/);
    }
    expect(emulator.calls).toHaveLength(0);
    expect((await page({ first: 2, after: byId.pageInfo.endCursor, orderBy: 'USER_ID' })).edges).toHaveLength(
      2,
    );
  });

  it('treats error 117 (invalid user id) under a userId filter as no users', async () => {
    emulator.injectFault({ status: 200, body: { error: { code: 117, msg: 'Invalid user ID' } }, times: 1 });
    const connection = await page({ first: 5, filter: { userId: 424242 } });
    expect(connection).toMatchObject({ totalCount: 0, edges: [] });
  });
});

describe('Voximplant users and lookups', () => {
  it('maps every field of the seed user jdoe', async () => {
    const { data, errors } = await h.query<{ voximplantUser: Record<string, unknown> }>(`{
      voximplantUser(userId: 101) {
        __typename id provider providerUserId displayName firstName lastName email avatarUrl active createdAt updatedAt
        userId userName userDisplayName userActive frozen parentAccounting liveBalance balance fixedBalance userCustomData
        skills { skillId skillName } acdQueues { acdQueueId acdQueueName autoLink }
        applications { applicationId applicationName modified secureRecordStorage }
        acdStatus acdStatusChangeTime created modified raw
      }
    }`);
    expect(errors).toBeUndefined();
    const jdoe = emulator.users.find((u) => u.user_id === 101)!;
    expect(data!.voximplantUser).toEqual({
      __typename: 'VoximplantUser',
      id: expect.any(String),
      provider: 'VOXIMPLANT',
      providerUserId: '101',
      displayName: 'John Doe',
      firstName: null,
      lastName: null,
      email: null,
      avatarUrl: null,
      active: true,
      createdAt: '2023-05-16T05:52:48.000Z',
      updatedAt: '2024-04-20T09:15:42.000Z',
      userId: 101,
      userName: 'jdoe',
      userDisplayName: 'John Doe',
      userActive: true,
      frozen: false,
      parentAccounting: false,
      liveBalance: 15.75,
      balance: 15.75,
      fixedBalance: 15.75,
      userCustomData: '{"crm_id":"C-1042"}',
      skills: [{ skillId: 204, skillName: 'Technical support' }],
      acdQueues: [
        { acdQueueId: 301, acdQueueName: 'support-l1', autoLink: false },
        { acdQueueId: 302, acdQueueName: 'support-l2', autoLink: false },
      ],
      applications: [
        {
          applicationId: 10001,
          applicationName: 'customersupportapp.rollcall-demo.n2.voximplant.com',
          modified: '2023-03-01T10:00:00.000Z',
          secureRecordStorage: false,
        },
      ],
      acdStatus: 'TIMEOUT',
      acdStatusChangeTime: '2023-10-28T08:07:38.000Z',
      created: '2023-05-16T05:52:48.000Z',
      modified: '2024-04-20T09:15:42.000Z',
      raw: jdoe,
    });
    expect(forms()).toEqual([
      {
        application_id: '10001',
        user_id: '101',
        with_skills: 'true',
        with_queues: 'true',
        offset: '0',
        count: '1',
      },
    ]);
  });

  it('answers null for an unknown id and for a user outside the default application', async () => {
    const outsider = emulator.users.find((u) => !inApp(u))!;
    const { data, errors } = await h.query(
      `{ a: voximplantUser(userId: 999999) { userId } b: voximplantUser(userId: ${outsider.user_id}) { userId } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ a: null, b: null });
    // Two ids: one read of the default application's whole list (it fits in a page) proves both misses.
    expect(forms().map((f) => [f.offset, f.count, f.user_id])).toEqual([['0', '100', undefined]]);
    const alone = await h.query(`{ a: voximplantUser(userId: 999999) { userId } }`);
    expect(alone.data).toEqual({ a: null });
    expect(forms().at(-1)).toMatchObject({ user_id: '999999' });
  });

  it('answers null without an upstream call for ids that cannot exist, and BAD_USER_INPUT for malformed ones', async () => {
    const impossible = Buffer.from('rollcall:v1:VOXIMPLANT:0').toString('base64url');
    const { data, errors } = await h.query(
      `{ a: voximplantUser(userId: -4) { userId } b: voximplantUser(userId: 0) { userId } c: node(id: "${impossible}") { id } }`,
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ a: null, b: null, c: null });
    const bogus = Buffer.from('rollcall:v1:VOXIMPLANT:not-a-number').toString('base64url');
    const malformed = await h.query(
      `{ ok: voximplantUser(userId: -4) { userId } c: node(id: "${bogus}") { id } }`,
    );
    expect(malformed.data).toEqual({ ok: null, c: null });
    expect(malformed.errors?.[0]).toMatchObject({
      path: ['c'],
      message: expect.stringMatching(/must be a decimal integer/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(emulator.calls).toHaveLength(0);
  });

  it('resolves node(id:) and _entities (by id and by userId)', async () => {
    const listed = (await page({ first: 4 })).edges.find((e) => e.node.userId !== 102)!.node;
    h.reset();
    const { data, errors } = await h.query<{
      node: { __typename: string; userId: number };
      _entities: ({ userId: number; userName: string } | null)[];
    }>(
      `query ($reps: [_Any!]!) {
        node(id: "${listed.id}") { __typename ... on VoximplantUser { userId } }
        _entities(representations: $reps) { ... on VoximplantUser { userId userName } }
      }`,
      {
        reps: [
          { __typename: 'VoximplantUser', id: listed.id },
          { __typename: 'VoximplantUser', userId: 102 },
          { __typename: 'VoximplantUser', userId: 999999 },
        ],
      },
    );
    expect(errors).toBeUndefined();
    expect(data!.node).toEqual({ __typename: 'VoximplantUser', userId: listed.userId });
    expect(data!._entities).toEqual([
      { userId: listed.userId, userName: emulator.users.find((u) => u.user_id === listed.userId)!.user_name },
      { userId: 102, userName: 'asmith' },
      null,
    ]);
    // Three distinct ids (node and _entities share the loader): one read of the default list answers all.
    expect(forms().map((f) => [f.offset, f.count, f.user_id])).toEqual([['0', '100', undefined]]);
  });

  it('costs exactly one upstream call for a list plus node and userId lookups of users it lists', async () => {
    const probe = await page({ first: 3 });
    const [a, b] = probe.edges.map((e) => e.node);
    h.reset();
    const { data, errors } = await h.query<Record<string, unknown>>(`{
      list: voximplantUsers(first: 10) { nodes { userId } }
      byNode: node(id: "${a.id}") { id }
      byUserId: voximplantUser(userId: ${b.userId}) { userId userName }
    }`);
    expect(errors).toBeUndefined();
    expect(data!.byUserId).toMatchObject({ userId: b.userId });
    expect(emulator.calls).toHaveLength(1);
    expect(form(emulator.calls[0])).not.toHaveProperty('user_id');
  });

  it('looks up users with one GetUsers call each when that is cheaper than the list, bounded by the lookup concurrency', async () => {
    const bounded = await startHarness({
      providers: [voximplantProvider],
      env: { ...RESILIENCE, ROLLCALL_LOOKUP_CONCURRENCY: '2' },
      latencyMs: 40,
    });
    try {
      const lookup = (list: number[]) =>
        bounded.query<Record<string, { userId: number } | null>>(
          `{ ${list.map((id, i) => `u${i}: voximplantUser(userId: ${id}) { userId }`).join(' ')} }`,
        );
      // A first batch walks the list to its end: the process learns it is one page long...
      await lookup([999_998, 999_999]);
      bounded.emulator('VOXIMPLANT').resetCalls();
      // ...so a later lone id is a single GetUsers call, and so is each id of a batch no larger than that.
      const ids = defaultIds().slice(10, 11);
      const { data, errors } = await lookup(ids);
      expect(errors).toBeUndefined();
      expect(Object.values(data!).map((u) => u!.userId)).toEqual(ids);
      const calls = bounded.emulator('VOXIMPLANT').calls;
      expect(calls.map((c) => form(c).user_id)).toEqual(ids.map(String));
    } finally {
      await bounded.stop();
    }
  });

  it('turns error 117 on a lookup into null', async () => {
    emulator.injectFault({ status: 200, body: { error: { code: 117, msg: 'Invalid user ID' } }, times: 1 });
    const { data, errors } = await h.query('{ voximplantUser(userId: 101) { userId } }');
    expect(errors).toBeUndefined();
    expect(data).toEqual({ voximplantUser: null });
  });
});

describe('Voximplant service-account token', () => {
  it('signs RS256 with kid = key_id, iss = account_id and a 300 s lifetime, reused across calls and operations', async () => {
    await h.query(
      `{ a: voximplantUsers(first: 2) { totalCount } b: voximplantUser(userId: 150) { userId } }`,
    );
    await page({ first: 3 });
    await page({ last: 3 });
    const headers = emulator.calls.map((c) => c.headers.authorization);
    expect(headers.length).toBeGreaterThanOrEqual(5);
    expect(new Set(headers).size).toBe(1);
    const token = headers[0]!.replace(/^Bearer /, '');
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: emulator.credentials.key_id,
    });
    const claims = decodeJwt(token);
    expect(claims.iss).toBe(emulator.credentials.account_id);
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(120);
  });

  it('maps a token signed with the wrong key to UPSTREAM_UNAUTHORIZED (code 100) without leaking the key', async () => {
    const other = await generateKeyPair('RS256', { extractable: true });
    const wrongKey = await exportPKCS8(other.privateKey);
    const wrong = await startHarness({
      providers: [voximplantProvider],
      env: {
        VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify({ ...emulator.credentials, private_key: wrongKey }),
      },
    });
    try {
      const result = await wrong.query(PAGE, { first: 1 });
      expect(result.data).toEqual({ voximplantUsers: null });
      expect(result.errors?.[0]).toMatchObject({
        path: ['voximplantUsers'],
        extensions: { code: 'UPSTREAM_UNAUTHORIZED', provider: 'VOXIMPLANT', status: 200, upstreamCode: 100 },
      });
      const text = JSON.stringify(result.errors);
      expect(text).not.toContain('PRIVATE KEY');
      expect(text).not.toContain(wrong.emulator('VOXIMPLANT').calls[0].headers.authorization!.slice(7, 40));
    } finally {
      await wrong.stop();
    }
  });
});

describe('Voximplant upstream errors', () => {
  const errorOf = (result: GraphQLResult) => result.errors?.[0];

  it.each([
    [100, 'UPSTREAM_UNAUTHORIZED', 1],
    [447, 'UPSTREAM_UNAUTHORIZED', 1],
    [454, 'UPSTREAM_UNAUTHORIZED', 1],
    [455, 'UPSTREAM_UNAUTHORIZED', 1],
    [456, 'UPSTREAM_UNAUTHORIZED', 1],
    [104, 'UPSTREAM_FORBIDDEN', 1],
    [340, 'UPSTREAM_RATE_LIMITED', 3],
    [101, 'UPSTREAM_BAD_RESPONSE', 1],
    [103, 'UPSTREAM_BAD_RESPONSE', 1],
    [117, 'UPSTREAM_NOT_FOUND', 1],
    [999, 'UPSTREAM_BAD_RESPONSE', 1],
  ])(
    'maps a persistent error %i sent with HTTP 200 to %s after %i attempt(s)',
    async (upstreamCode, code, attempts) => {
      emulator.injectFault({
        status: 200,
        body: { error: { code: upstreamCode, msg: 'secret-ish upstream text' } },
      });
      const result = await h.query(PAGE, { first: 1 });
      expect(result.data).toEqual({ voximplantUsers: null });
      expect(errorOf(result)?.extensions).toMatchObject({
        code,
        provider: 'VOXIMPLANT',
        status: 200,
        upstreamCode,
      });
      expect(errorOf(result)?.extensions).not.toHaveProperty('retryAfter');
      expect(errorOf(result)?.message).not.toContain('secret-ish');
      expect(emulator.calls).toHaveLength(attempts);
    },
  );

  it('retries a single 340 and answers', async () => {
    emulator.injectFault({
      status: 200,
      body: { error: { code: 340, msg: 'Rate limit exceeded' } },
      times: 1,
    });
    const connection = await page({ first: 2 });
    expect(connection.edges).toHaveLength(2);
    expect(emulator.calls).toHaveLength(2);
  });

  it('reads the array form {errors: [{code, msg}]} too', async () => {
    emulator.injectFault({ status: 200, body: { errors: [{ code: 104, msg: 'Forbidden' }] }, times: 1 });
    const result = await h.query(PAGE, { first: 1 });
    expect(errorOf(result)?.extensions).toMatchObject({ code: 'UPSTREAM_FORBIDDEN', upstreamCode: 104 });
  });

  it.each([
    [503, 'UPSTREAM_UNAVAILABLE', 3],
    [500, 'UPSTREAM_UNAVAILABLE', 1],
    [401, 'UPSTREAM_UNAUTHORIZED', 1],
    [404, 'UPSTREAM_NOT_FOUND', 1],
  ])(
    'maps a persistent non-2xx HTTP %i without an error body to %s after %i attempt(s)',
    async (status, code, attempts) => {
      emulator.injectFault({ status, body: 'Service Unavailable' });
      const result = await h.query(PAGE, { first: 1 });
      expect(errorOf(result)?.extensions).toMatchObject({ code, provider: 'VOXIMPLANT', status });
      expect(errorOf(result)?.extensions).not.toHaveProperty('upstreamCode');
      expect(emulator.calls).toHaveLength(attempts);
    },
  );

  it('maps HTTP 429 with Retry-After to UPSTREAM_RATE_LIMITED with retryAfter', async () => {
    emulator.injectFault({ status: 429, body: '', headers: { 'Retry-After': '12' }, times: 1 });
    const result = await h.query(PAGE, { first: 1 });
    expect(errorOf(result)?.extensions).toMatchObject({
      code: 'UPSTREAM_RATE_LIMITED',
      status: 429,
      retryAfter: 12,
    });
  });

  it("maps the emulator's own rate limit (340 on HTTP 200) to UPSTREAM_RATE_LIMITED", async () => {
    const limited = await VoximplantEmulator.create({ rateLimit: { perMinute: 1 } });
    await limited.start();
    const rl = await startHarness({
      providers: [voximplantProvider],
      env: { ...RESILIENCE, ...limited.demoEnv() },
    });
    try {
      expect((await rl.query(PAGE, { first: 1 })).errors).toBeUndefined();
      const result = await rl.query(PAGE, { first: 1 });
      expect(errorOf(result)?.extensions).toMatchObject({
        code: 'UPSTREAM_RATE_LIMITED',
        status: 200,
        upstreamCode: 340,
      });
      // 340 carries no wait, so the policy retried twice with backoff before giving up.
      expect(limited.calls.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await rl.stop();
      await limited.stop();
    }
  });

  it('maps a 200 body without result/total_count to UPSTREAM_BAD_RESPONSE', async () => {
    emulator.injectFault({ status: 200, body: JSON.stringify({ result: 'nope' }), times: 1 });
    const result = await h.query(PAGE, { first: 1 });
    expect(errorOf(result)?.extensions).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'VOXIMPLANT',
    });
  });

  it('fails only the lookup that failed, and does not remember the failure', async () => {
    emulator.injectFault({ status: 200, body: { error: { code: 104, msg: 'Forbidden' } }, times: 1 });
    const result = await h.query<Record<string, unknown>>(`{
      a: voximplantUser(userId: 101) { userId }
      p: providers { provider }
    }`);
    expect(result.errors).toHaveLength(1);
    expect(errorOf(result)!.path).toEqual(['a']);
    expect(result.data).toMatchObject({ a: null, p: expect.arrayContaining([{ provider: 'VOXIMPLANT' }]) });
    const again = await h.query('{ a: voximplantUser(userId: 101) { userId } }');
    expect(again.data).toEqual({ a: { userId: 101 } });
  });
});
