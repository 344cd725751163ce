import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TWOCHAT_DEMO_API_KEY, TwoChatEmulator } from '../../../src/providers/twochat/emulator.js';
import { twoChatProvider } from '../../../src/providers/twochat/index.js';
import { CursorCodec } from '../../../src/relay/cursor.js';
import { encodeGlobalId } from '../../../src/relay/globalId.js';
import { startHarness, type GraphQLResult, type Harness } from '../../support/harness.js';

interface Page {
  twoChatUsers: {
    totalCount: number | null;
    edges: { cursor: string; node: { id: string; uuid: string } }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  };
}

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String) {
  twoChatUsers(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id uuid } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/**
 * One attempt per upstream call and no circuit breaking: these tests check how each answer maps and count
 * calls exactly, many failures in a row included. The upstream policy (retries, breaker) has its own tests.
 */
const ONE_ATTEMPT = { ROLLCALL_RETRIES: '0', ROLLCALL_BREAKER_THRESHOLD: '1000' };
const CURSOR_SECRET = 'twochat-test-cursor-secret';

let h: Harness;
let emulator: TwoChatEmulator;

beforeAll(async () => {
  h = await startHarness({
    providers: [twoChatProvider],
    env: { ...ONE_ATTEMPT, ROLLCALL_CURSOR_SECRET: CURSOR_SECRET },
  });
  emulator = h.emulator<TwoChatEmulator>('TWO_CHAT');
});
afterAll(() => h.stop());
beforeEach(() => {
  h.reset();
  emulator.paymentRequired = false;
  emulator.okFalseBody = false;
});

const calls = () => emulator.calls.map((c) => `${c.method} ${c.path}`);
const activeUuids = () => emulator.activeUsers().map((u) => u.uuid);
const hiddenUser = () => emulator.users.find((u) => u.status !== 'ACTIVE')!;

describe('twoChatUsers', () => {
  it('serves the ACTIVE users with their names, the total and one upstream call', async () => {
    const { data, errors } = await h.query<{ twoChatUsers: Record<string, unknown> }>(`{
      twoChatUsers(first: 2) {
        totalCount
        nodes {
          __typename id provider providerUserId uuid firstName lastName email displayName
          avatarUrl active createdAt updatedAt raw
        }
      }
    }`);
    expect(errors).toBeUndefined();
    const [ada, grace] = emulator.activeUsers();
    expect(data!.twoChatUsers.totalCount).toBe(emulator.activeUsers().length);
    expect(data!.twoChatUsers.nodes).toEqual([
      {
        __typename: 'TwoChatUser',
        id: encodeGlobalId('TWO_CHAT', 'twochat', ada.uuid),
        provider: 'TWO_CHAT',
        providerUserId: 'USR4f1c8a73-2e91-4d6b-9c44-1a72bfe0d521',
        uuid: 'USR4f1c8a73-2e91-4d6b-9c44-1a72bfe0d521',
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'ada@example.com',
        displayName: 'Ada Lovelace',
        avatarUrl: null,
        active: true,
        createdAt: null,
        updatedAt: null,
        raw: ada,
      },
      expect.objectContaining({ uuid: grace.uuid, displayName: 'Grace Hopper' }),
    ]);
    expect(calls()).toEqual(['GET /open/users']);
    expect(emulator.calls[0].headers['x-user-api-key']).toBe(TWOCHAT_DEMO_API_KEY);
  });

  it.each([1, 7, 29, 30, 100])(
    'pages forward with first: %i through every user exactly once, in order, one call per page',
    async (first) => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (let guard = 0; guard < 100; guard += 1) {
        h.reset();
        const { data, errors }: GraphQLResult<Page> = await h.query<Page>(PAGE, { first, after });
        expect(errors).toBeUndefined();
        expect(calls()).toEqual(['GET /open/users']);
        const connection: Page['twoChatUsers'] = data!.twoChatUsers;
        pages += 1;
        seen.push(...connection.edges.map((e) => e.node.uuid));
        expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(connection.totalCount).toBe(activeUuids().length);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(activeUuids());
      expect(pages).toBe(Math.ceil(activeUuids().length / first));
    },
  );

  it.each([1, 7, 30, 100])(
    'pages backward with last: %i through every user exactly once, in order, one call per page',
    async (last) => {
      const seen: string[] = [];
      let before: string | null = null;
      for (let guard = 0; guard < 100; guard += 1) {
        h.reset();
        const { data, errors }: GraphQLResult<Page> = await h.query<Page>(PAGE, { last, before });
        expect(errors).toBeUndefined();
        expect(calls()).toEqual(['GET /open/users']);
        const connection: Page['twoChatUsers'] = data!.twoChatUsers;
        seen.unshift(...connection.edges.map((e) => e.node.uuid));
        expect(connection.pageInfo.hasNextPage).toBe(before !== null);
        if (!connection.pageInfo.hasPreviousPage) break;
        before = connection.pageInfo.startCursor;
      }
      expect(seen).toEqual(activeUuids());
    },
  );

  it('pages back from a forward cursor and forward from a backward one', async () => {
    const all = activeUuids();
    const forward = await h.query<Page>(PAGE, { first: 10 });
    const tenth = forward.data!.twoChatUsers.edges[9].cursor;
    const back = await h.query<Page>(PAGE, { last: 3, before: tenth });
    expect(back.data!.twoChatUsers.edges.map((e) => e.node.uuid)).toEqual(all.slice(6, 9));
    expect(back.data!.twoChatUsers.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const on = await h.query<Page>(PAGE, { first: 2, after: back.data!.twoChatUsers.pageInfo.startCursor });
    expect(on.data!.twoChatUsers.edges.map((e) => e.node.uuid)).toEqual(all.slice(7, 9));
  });

  it('answers first: 0 with no edges, a total and an exact pageInfo', async () => {
    const { data } = await h.query<Page>(PAGE, { first: 0 });
    expect(data!.twoChatUsers).toEqual({
      totalCount: activeUuids().length,
      edges: [],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('returns an empty page after the last cursor', async () => {
    const end = await h.query<Page>(PAGE, { last: 1 });
    const { data } = await h.query<Page>(PAGE, {
      first: 5,
      after: end.data!.twoChatUsers.pageInfo.endCursor,
    });
    expect(data!.twoChatUsers.edges).toEqual([]);
    expect(data!.twoChatUsers.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('defaults to 20 users when neither first nor last is given', async () => {
    const { data } = await h.query<Page>('{ twoChatUsers { edges { cursor } } }');
    expect(data!.twoChatUsers.edges).toHaveLength(20);
  });
});

describe('twoChatUsers bad input', () => {
  it.each([
    ['a garbage cursor', { first: 5, after: 'not-a-cursor!' }, /not a valid cursor.*malformed/],
    ['a negative first', { first: -1 }, /non-negative/],
    ['first above the cap', { first: 101 }, /at most 100/],
    ['first and last together', { first: 2, last: 2 }, /not both/],
  ])('rejects %s with BAD_USER_INPUT and no upstream call', async (_name, variables, message) => {
    const { data, errors } = await h.query(PAGE, variables);
    expect(data).toEqual({ twoChatUsers: null });
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0].message).toMatch(message);
    expect(emulator.calls).toHaveLength(0);
  });

  it.each([
    ['a string position', 'abc'],
    ['a negative position', -1],
    ['a fractional position', 1.5],
  ])('rejects a signed cursor holding %s before any upstream call', async (_name, payload) => {
    const cursor = new CursorCodec(CURSOR_SECRET).encode('TWO_CHAT@twochat', payload);
    const { errors } = await h.query(PAGE, { first: 1, after: cursor });
    expect(errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    expect(errors?.[0].message).toMatch(/bad position/);
    expect(emulator.calls).toHaveLength(0);
  });

  it('rejects a cursor issued by another connection', async () => {
    const cursor = new CursorCodec(CURSOR_SECRET).encode('ADA', 3);
    const { errors } = await h.query(PAGE, { first: 1, after: cursor });
    expect(errors?.[0].message).toMatch(/issued by another connection/);
  });
});

describe('2Chat lookups', () => {
  it('finds a user by uuid with one list call, and answers null for an unknown or non-ACTIVE uuid', async () => {
    const grace = emulator.activeUsers()[1];
    const found = await h.query(`{ twoChatUser(uuid: "${grace.uuid}") { uuid firstName active } }`);
    expect(found.data).toEqual({ twoChatUser: { uuid: grace.uuid, firstName: 'Grace', active: true } });
    expect(calls()).toEqual(['GET /open/users']);

    h.reset();
    const missing = await h.query(`{
      hidden: twoChatUser(uuid: "${hiddenUser().uuid}") { uuid }
      unknown: twoChatUser(uuid: "USR-nobody") { uuid }
    }`);
    expect(missing.errors).toBeUndefined();
    expect(missing.data).toEqual({ hidden: null, unknown: null });
    expect(calls()).toEqual(['GET /open/users']);
  });

  it('resolves node(id:) and nodes(ids:) to TwoChatUser, null for users not listed', async () => {
    const [ada, grace] = emulator.activeUsers();
    const { data, errors } = await h.query(`{
      node(id: "${encodeGlobalId('TWO_CHAT', 'twochat', grace.uuid)}") { __typename id ... on TwoChatUser { uuid } }
      nodes(ids: ["${encodeGlobalId('TWO_CHAT', 'twochat', ada.uuid)}", "${encodeGlobalId('TWO_CHAT', 'twochat', hiddenUser().uuid)}"]) {
        ... on User { displayName }
      }
    }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      node: {
        __typename: 'TwoChatUser',
        id: encodeGlobalId('TWO_CHAT', 'twochat', grace.uuid),
        uuid: grace.uuid,
      },
      nodes: [{ displayName: 'Ada Lovelace' }, null],
    });
    expect(calls()).toEqual(['GET /open/users']);
  });

  it('resolves federation references by id or uuid in order, null for misses, with one call', async () => {
    const users = emulator.activeUsers();
    const { data, errors } = await h.query(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on TwoChatUser { uuid email } } }`,
      {
        r: [
          { __typename: 'TwoChatUser', uuid: users[3].uuid },
          { __typename: 'TwoChatUser', id: encodeGlobalId('TWO_CHAT', 'twochat', users[4].uuid) },
          { __typename: 'User', id: encodeGlobalId('TWO_CHAT', 'twochat', users[5].uuid) },
          { __typename: 'TwoChatUser', uuid: 'USR-nobody' },
        ],
      },
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      _entities: [
        { uuid: users[3].uuid, email: users[3].email },
        { uuid: users[4].uuid, email: users[4].email },
        { uuid: users[5].uuid, email: users[5].email },
        null,
      ],
    });
    expect(calls()).toEqual(['GET /open/users']);
  });

  it('makes exactly one upstream call for two aliased connections, uuid lookups and node ids of listed and unlisted users', async () => {
    const users = emulator.activeUsers();
    const { data, errors } = await h.query<Record<string, unknown>>(`{
      a: twoChatUsers(first: 5) { edges { node { uuid } } }
      b: twoChatUsers(last: 3) { totalCount nodes { email } }
      listed: twoChatUser(uuid: "${users[2].uuid}") { firstName }
      beyondFirstPage: twoChatUser(uuid: "${users[20].uuid}") { firstName }
      hidden: twoChatUser(uuid: "${hiddenUser().uuid}") { uuid }
      n1: node(id: "${encodeGlobalId('TWO_CHAT', 'twochat', users[1].uuid)}") { id }
      n2: node(id: "${encodeGlobalId('TWO_CHAT', 'twochat', users[25].uuid)}") { id }
      n3: node(id: "${encodeGlobalId('TWO_CHAT', 'twochat', 'USR-nobody')}") { id }
    }`);
    expect(errors).toBeUndefined();
    expect(data!.listed).toEqual({ firstName: users[2].first_name });
    expect(data!.beyondFirstPage).toEqual({ firstName: users[20].first_name });
    expect(data!.hidden).toBeNull();
    expect(data!.n2).toEqual({ id: encodeGlobalId('TWO_CHAT', 'twochat', users[25].uuid) });
    expect(data!.n3).toBeNull();
    expect(calls()).toEqual(['GET /open/users']);
  });

  it('makes one call when the lookups come without any connection', async () => {
    const users = emulator.activeUsers();
    await h.query(`{
      x: twoChatUser(uuid: "${users[0].uuid}") { uuid }
      y: twoChatUser(uuid: "${users[9].uuid}") { uuid }
      z: node(id: "${encodeGlobalId('TWO_CHAT', 'twochat', users[19].uuid)}") { id }
    }`);
    expect(calls()).toEqual(['GET /open/users']);
  });
});

describe('2Chat upstream errors', () => {
  it('maps a 402 to UPSTREAM_FORBIDDEN with the reason in the message', async () => {
    emulator.paymentRequired = true;
    const { data, errors } = await h.query(PAGE, { first: 1 });
    expect(data).toEqual({ twoChatUsers: null });
    expect(errors?.[0]).toMatchObject({
      path: ['twoChatUsers'],
      extensions: { code: 'UPSTREAM_FORBIDDEN', provider: 'TWO_CHAT', status: 402 },
    });
    expect(errors?.[0].message).toMatch(/payment required/i);
    expect(errors?.[0].message).toMatch(/trial expired or the account is out of API credits/);
    // rollcall's own words: 2Chat's text stays in the debug log.
    expect(errors?.[0].message).not.toMatch(/trial has expired or you have run out of API credits/);
  });

  it("maps a success:false body sent with HTTP 200 to UPSTREAM_UNAVAILABLE in rollcall's words", async () => {
    emulator.okFalseBody = true;
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      provider: 'TWO_CHAT',
      status: 200,
    });
    expect(errors?.[0].message).toBe('TWO_CHAT: reported a failure with HTTP 200 (success: false)');
  });

  it.each([
    ['error_message', { success: false, error: true, error_message: 'from error_message' }],
    ['message', { success: false, error: true, message: 'from message' }],
  ])('keeps the error text of %s out of the answer', async (_field, body) => {
    emulator.injectFault({ status: 401, body, times: 1 });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED', status: 401 });
    expect(errors?.[0].message).toBe('TWO_CHAT: the provider refused the credentials (HTTP 401)');
  });

  it.each([
    [400, 'UPSTREAM_BAD_RESPONSE'],
    [401, 'UPSTREAM_UNAUTHORIZED'],
    [402, 'UPSTREAM_FORBIDDEN'],
    [403, 'UPSTREAM_FORBIDDEN'],
    [429, 'UPSTREAM_RATE_LIMITED'],
    [500, 'UPSTREAM_UNAVAILABLE'],
    [503, 'UPSTREAM_UNAVAILABLE'],
  ])('maps HTTP %i to %s with the provider and status', async (status, code) => {
    emulator.injectFault({ status, body: { success: false, error: true, error_message: 'x' }, times: 1 });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({ code, status, provider: 'TWO_CHAT' });
  });

  it('passes Retry-After on as retryAfter', async () => {
    emulator.injectFault({
      status: 429,
      body: { success: false, error: true, error_message: 'Too many requests' },
      headers: { 'retry-after': '17' },
      times: 1,
    });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 17 });
  });

  it('fails every field that needs the list with the one failed call, without calling again', async () => {
    emulator.injectFault({ status: 500, body: { success: false, error: true, error_message: 'down' } });
    const users = emulator.activeUsers();
    const lookups = await h.query(`{
      u: twoChatUser(uuid: "${users[0].uuid}") { uuid }
      n: node(id: "${encodeGlobalId('TWO_CHAT', 'twochat', users[1].uuid)}") { id }
    }`);
    expect(lookups.data).toEqual({ u: null, n: null });
    expect(lookups.errors?.map((e) => [e.path?.[0], e.extensions?.code, e.extensions?.provider])).toEqual([
      ['u', 'UPSTREAM_UNAVAILABLE', 'TWO_CHAT'],
      ['n', 'UPSTREAM_UNAVAILABLE', 'TWO_CHAT'],
    ]);
    expect(calls()).toEqual(['GET /open/users']);

    h.reset();
    emulator.injectFault({ status: 500, body: { success: false, error: true, error_message: 'down' } });
    const everything = await h.query(`{
      a: twoChatUsers(first: 2) { totalCount }
      b: twoChatUsers(last: 2) { totalCount }
      u: twoChatUser(uuid: "${users[0].uuid}") { uuid }
    }`);
    expect(everything.data).toEqual({ a: null, b: null, u: null });
    expect(everything.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(calls()).toEqual(['GET /open/users']);
  });

  it('maps malformed JSON and a body of the wrong shape to UPSTREAM_BAD_RESPONSE', async () => {
    emulator.injectFault({ status: 200, body: '{"success": true, "data": {', times: 1 });
    const malformed = await h.query(PAGE, { first: 1 });
    expect(malformed.errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'TWO_CHAT',
    });
    emulator.injectFault({
      status: 200,
      body: { success: true, data: { users: [{ name: 'x' }] } },
      times: 1,
    });
    const shapeless = await h.query(PAGE, { first: 1 });
    expect(shapeless.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect(shapeless.errors?.[0].message).toMatch(/\/data\/users\/0 must have required property 'uuid'/);
  });

  it('maps a reset connection to UPSTREAM_UNAVAILABLE', async () => {
    emulator.injectFault({ reset: true, times: 1 });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', provider: 'TWO_CHAT' });
  });
});

describe('2Chat against a stricter upstream', () => {
  it('answers UPSTREAM_UNAUTHORIZED for a wrong key, without echoing it', async () => {
    const wrong = await startHarness({
      providers: [twoChatProvider],
      env: { TWOCHAT_API_KEY: 'wrong-2chat-key-value' },
    });
    try {
      const { errors } = await wrong.query(PAGE, { first: 1 });
      expect(errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_UNAUTHORIZED',
        provider: 'TWO_CHAT',
        status: 401,
      });
      expect(errors?.[0].message).toBe('TWO_CHAT: the provider refused the credentials (HTTP 401)');
      expect(JSON.stringify(errors)).not.toContain('wrong-2chat-key-value');
    } finally {
      await wrong.stop();
    }
  });

  it('maps the rate-limited emulator 429 to UPSTREAM_RATE_LIMITED with retryAfter, one call per operation', async () => {
    const limited = new TwoChatEmulator({ rateLimit: { perMinute: 2 } });
    await limited.start();
    const harness = await startHarness({
      providers: [twoChatProvider],
      env: { ...ONE_ATTEMPT, TWOCHAT_BASE_URL: limited.baseUrl },
    });
    try {
      const twice = `{ a: twoChatUsers(first: 3) { totalCount } b: twoChatUser(uuid: "x") { uuid } }`;
      expect((await harness.query(twice)).errors).toBeUndefined();
      expect((await harness.query(twice)).errors).toBeUndefined();
      const { errors } = await harness.query(twice);
      expect(errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_RATE_LIMITED',
        provider: 'TWO_CHAT',
        status: 429,
        retryAfter: expect.any(Number),
      });
      expect(limited.calls.map((c) => c.status)).toEqual([200, 200, 429]);
    } finally {
      await harness.stop();
      await limited.stop();
    }
  });

  it('reports the provider as emulated', async () => {
    const { data } = await h.query<{ providers: { provider: string; enabled: boolean; mode: string }[] }>(
      '{ providers { provider enabled mode } }',
    );
    expect(data!.providers.find((p) => p.provider === 'TWO_CHAT')).toEqual({
      provider: 'TWO_CHAT',
      enabled: true,
      mode: 'EMULATED',
    });
  });
});
