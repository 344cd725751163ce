import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { DEFAULT_CURSOR_SECRET } from '../../../src/config.js';
import { CursorCodec } from '../../../src/relay/cursor.js';
import type { TwilioEmulator } from '../../../src/providers/twilio/emulator.js';
import { twilioProvider } from '../../../src/providers/twilio/index.js';
import { startHarness, type GraphQLResult, type Harness } from '../../support/harness.js';

interface Page {
  twilioConversationUsers: {
    totalCount: number | null;
    edges: { cursor: string; node: { id: string; sid: string; identity: string } }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  };
}

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String) {
  twilioConversationUsers(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    edges { cursor node { id sid identity } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

let h: Harness;
let emulator: TwilioEmulator;

beforeAll(async () => {
  // A breaker that never opens here: these tests inject many failures in a row (test/upstream covers it).
  h = await startHarness({
    providers: [twilioProvider],
    env: { ROLLCALL_BREAKER_THRESHOLD: '1000', ROLLCALL_RETRY_BACKOFF_MS: '5' },
  });
  emulator = h.emulator<TwilioEmulator>('TWILIO_CONVERSATIONS');
});
afterAll(() => h.stop());
beforeEach(() => h.reset());

const listCalls = () => emulator.calls.filter((c) => c.path === '/v1/Users');

describe('twilioConversationUsers', () => {
  it('serves 60 users from two upstream pages of 50, with attributes parsed and a null total', async () => {
    const { data, errors } = await h.query<Page>(
      '{ twilioConversationUsers(first: 60) { totalCount edges { cursor node { id sid identity attributes } } pageInfo { hasNextPage endCursor } } }',
    );
    expect(errors).toBeUndefined();
    const connection = data!.twilioConversationUsers;
    expect(connection.edges).toHaveLength(60);
    expect(connection.totalCount).toBeNull();
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(connection.edges[0].node).toMatchObject({ identity: 'admin', attributes: { duty: 'tech' } });
    expect(listCalls().map((c) => c.query)).toEqual([
      { PageSize: '50' },
      { PageSize: '50', Page: '1', PageToken: expect.stringMatching(/^PT/) },
    ]);
  });

  it('pages forward with first: 7 through every user exactly once, in order', async () => {
    const expected = emulator.listed().map((u) => u.sid);
    const seen: string[] = [];
    let after: string | null = null;
    let hasPreviousPage = false;
    for (let guard = 0; guard < 100; guard += 1) {
      const { data, errors }: GraphQLResult<Page> = await h.query<Page>(PAGE, { first: 7, after });
      expect(errors).toBeUndefined();
      const connection: Page['twilioConversationUsers'] = data!.twilioConversationUsers;
      seen.push(...connection.edges.map((e) => e.node.sid));
      expect(connection.pageInfo.hasPreviousPage).toBe(hasPreviousPage);
      hasPreviousPage = true;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('pages backward with last: 7 through every user exactly once, in order', async () => {
    const expected = emulator.listed().map((u) => u.sid);
    const seen: string[] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 100; guard += 1) {
      const { data, errors }: GraphQLResult<Page> = await h.query<Page>(PAGE, { last: 7, before });
      expect(errors).toBeUndefined();
      const connection: Page['twilioConversationUsers'] = data!.twilioConversationUsers;
      seen.unshift(...connection.edges.map((e) => e.node.sid));
      if (!connection.pageInfo.hasPreviousPage) break;
      before = connection.pageInfo.startCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('walks previous pages for last/before across an upstream page boundary', async () => {
    const first = await h.query<Page>(PAGE, { first: 52 });
    const cursorOf52nd = first.data!.twilioConversationUsers.edges[51].cursor;
    h.reset();
    const { data } = await h.query<Page>(PAGE, { last: 5, before: cursorOf52nd });
    const sids = emulator.listed().map((u) => u.sid);
    expect(data!.twilioConversationUsers.edges.map((e) => e.node.sid)).toEqual(sids.slice(46, 51));
    expect(data!.twilioConversationUsers.pageInfo).toMatchObject({
      hasPreviousPage: true,
      hasNextPage: true,
    });
    // The cursor's page, then its previous page.
    expect(listCalls()).toHaveLength(2);
  });

  it('answers first: 0 with no edges and a correct pageInfo', async () => {
    const { data } = await h.query<Page>(PAGE, { first: 0 });
    expect(data!.twilioConversationUsers.edges).toEqual([]);
    expect(data!.twilioConversationUsers.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it('returns an empty page after the last cursor', async () => {
    const all = await h.query<Page>(PAGE, { last: 1 });
    const lastCursor = all.data!.twilioConversationUsers.edges[0].cursor;
    const { data } = await h.query<Page>(PAGE, { first: 5, after: lastCursor });
    expect(data!.twilioConversationUsers.edges).toEqual([]);
    expect(data!.twilioConversationUsers.pageInfo).toMatchObject({
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });

  it('defaults to 20 users when neither first nor last is given', async () => {
    const { data } = await h.query<Page>('{ twilioConversationUsers { edges { cursor } } }');
    expect(data!.twilioConversationUsers.edges).toHaveLength(20);
  });
});

describe('twilioConversationUsers bad input', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a garbage cursor', { first: 5, after: 'not-a-cursor!' }, /not a valid cursor.*malformed/],
    [
      'a base64 cursor that is not ours',
      { first: 5, after: Buffer.from('hello').toString('base64url') },
      /malformed/,
    ],
    ['a negative first', { first: -1 }, /non-negative/],
    ['first above the cap', { first: 101 }, /at most 100/],
    ['first and last together', { first: 2, last: 2 }, /not both/],
    ['last with after', { last: 2, after: 'x' }, /combine it with "first"/],
  ];
  it.each(cases)('rejects %s with BAD_USER_INPUT and no upstream call', async (_name, variables, message) => {
    const { data, errors } = await h.query(PAGE, variables);
    expect(data).toEqual({ twilioConversationUsers: null });
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0].message).toMatch(message);
    expect(emulator.calls).toHaveLength(0);
  });

  it('rejects a tampered cursor', async () => {
    const { data } = await h.query<Page>(PAGE, { first: 1 });
    const cursor = data!.twilioConversationUsers.edges[0].cursor;
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    (decoded[2] as { i: number }).i = 40;
    const tampered = Buffer.from(JSON.stringify(decoded)).toString('base64url');
    const { errors } = await h.query(PAGE, { first: 1, after: tampered });
    expect(errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(errors?.[0].message).toMatch(/modified/);
  });

  // Anyone can sign a cursor with the built-in key (it is in the source): its payload is input like any.
  const forged = (payload: unknown) =>
    new CursorCodec(DEFAULT_CURSOR_SECRET).encode('TWILIO_CONVERSATIONS@twilio', payload as never);

  it('refuses a forged cursor whose page token or position is out of shape, before any upstream call', async () => {
    emulator.resetCalls();
    for (const payload of [
      { t: 'x'.repeat(300), p: 1, s: 50, i: 0 },
      { t: 'PT a/b?c', p: 1, s: 50, i: 0 },
      { t: null, p: 1e12, s: 50, i: 0 },
      { t: null, p: 0, s: 50, i: 50 },
    ]) {
      const { data, errors } = await h.query(PAGE, { first: 1, after: forged(payload) });
      expect(data).toEqual({ twilioConversationUsers: null });
      expect(errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    }
    expect(emulator.calls).toHaveLength(0);
  });

  it('answers a page token Twilio refuses (21481) as a bad cursor, not as an upstream failure', async () => {
    emulator.resetCalls();
    const { errors } = await h.query(PAGE, {
      first: 1,
      after: forged({ t: 'PTunknown', p: 3, s: 50, i: 0 }),
    });
    expect(errors?.[0]).toMatchObject({
      path: ['twilioConversationUsers'],
      extensions: {
        code: 'BAD_USER_INPUT',
        argument: 'after',
        provider: 'TWILIO_CONVERSATIONS',
        upstreamCode: 21481,
      },
    });
    expect(errors?.[0].message).toMatch(/Page again from the start/);
    expect(emulator.calls.map((call) => call.status)).toEqual([400]);
  });
});

describe('Twilio lookups', () => {
  it('fetches one user by sid or by identity, with presence filled by the single fetch', async () => {
    const user = emulator.users[5];
    const bySid = await h.query<{ twilioConversationUser: { sid: string; isOnline: boolean | null } }>(
      `{ twilioConversationUser(sid: "${user.wire.sid}") { sid isOnline } }`,
    );
    expect(bySid.data!.twilioConversationUser).toEqual({ sid: user.wire.sid, isOnline: user.online });
    const byIdentity = await h.query<{ twilioConversationUser: { sid: string } }>(
      `{ twilioConversationUser(sid: "${user.wire.identity}") { sid } }`,
    );
    expect(byIdentity.data!.twilioConversationUser.sid).toBe(user.wire.sid);
  });

  it('answers null for an unknown user', async () => {
    const { data, errors } = await h.query('{ twilioConversationUser(sid: "nobody-here") { sid } }');
    expect(errors).toBeUndefined();
    expect(data).toEqual({ twilioConversationUser: null });
  });

  it('resolves node(id:) to the same user as the list', async () => {
    const { data } = await h.query<Page>(PAGE, { first: 3 });
    const listed = data!.twilioConversationUsers.edges[2].node;
    const node = await h.query<{ node: { __typename: string; id: string; sid: string } }>(
      `{ node(id: "${listed.id}") { __typename id ... on TwilioConversationUser { sid } } }`,
    );
    expect(node.data!.node).toEqual({ __typename: 'TwilioConversationUser', id: listed.id, sid: listed.sid });
  });

  it('makes exactly one upstream call for two aliased connections plus node and sid lookups of listed users', async () => {
    const first = emulator.listed()[0];
    const second = emulator.listed()[1];
    const probe = await h.query<Page>(PAGE, { first: 2 });
    const secondId = probe.data!.twilioConversationUsers.edges[1].node.id;
    h.reset();
    const { data, errors } = await h.query<Record<string, unknown>>(`{
      a: twilioConversationUsers(first: 10) { edges { node { sid } } }
      b: twilioConversationUsers(first: 10) { edges { node { identity } } }
      n: node(id: "${secondId}") { id }
      s: twilioConversationUser(sid: "${first.sid}") { identity }
      i: twilioConversationUser(sid: "${second.identity}") { sid }
    }`);
    expect(errors).toBeUndefined();
    expect(data!.s).toEqual({ identity: first.identity });
    expect(data!.i).toEqual({ sid: second.sid });
    expect(emulator.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /v1/Users']);
  });
});

describe('Twilio upstream errors', () => {
  it('maps a 401 to UPSTREAM_UNAUTHORIZED with the provider, status and Twilio code, and no credential', async () => {
    emulator.injectFault({
      status: 401,
      body: { code: 20003, message: 'Authenticate', status: 401 },
      times: 1,
    });
    const { data, errors } = await h.query(PAGE, { first: 1 });
    expect(data).toEqual({ twilioConversationUsers: null });
    expect(errors?.[0]).toMatchObject({
      path: ['twilioConversationUsers'],
      extensions: {
        code: 'UPSTREAM_UNAUTHORIZED',
        provider: 'TWILIO_CONVERSATIONS',
        status: 401,
        upstreamCode: 20003,
      },
    });
    expect(JSON.stringify(errors)).not.toContain(emulator.authToken);
  });

  it.each([
    [403, 'UPSTREAM_FORBIDDEN', 1],
    [429, 'UPSTREAM_RATE_LIMITED', 3],
    [500, 'UPSTREAM_UNAVAILABLE', 1],
    [503, 'UPSTREAM_UNAVAILABLE', 3],
  ])('maps a persistent HTTP %i to %s after %i attempt(s)', async (status, code, attempts) => {
    emulator.injectFault({ status, body: { code: 20000 + status, message: 'x', status } });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({ code, status, provider: 'TWILIO_CONVERSATIONS' });
    expect(listCalls()).toHaveLength(attempts);
  });

  it('retries a single transient 503 and answers', async () => {
    emulator.injectFault({ status: 503, body: { code: 20503, message: 'x', status: 503 }, times: 1 });
    const { data, errors } = await h.query<Page>(PAGE, { first: 1 });
    expect(errors).toBeUndefined();
    expect(data!.twilioConversationUsers.edges).toHaveLength(1);
    expect(listCalls().map((c) => c.status)).toEqual([503, 200]);
  });

  it('maps malformed JSON to UPSTREAM_BAD_RESPONSE', async () => {
    emulator.injectFault({ status: 200, body: '{"users": [', times: 1 });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'TWILIO_CONVERSATIONS',
    });
  });

  it('maps a body of the wrong shape to UPSTREAM_BAD_RESPONSE', async () => {
    emulator.injectFault({ status: 200, body: JSON.stringify({ hello: 'world' }), times: 1 });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('maps a reset connection to UPSTREAM_UNAVAILABLE', async () => {
    emulator.injectFault({ reset: true });
    const { errors } = await h.query(PAGE, { first: 1 });
    expect(errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      provider: 'TWILIO_CONVERSATIONS',
    });
  });

  it('counts every upstream call in /metrics', async () => {
    await h.query(PAGE, { first: 60 });
    const text = await (await fetch(`${h.url}/metrics`)).text();
    const match =
      /rollcall_upstream_requests_total\{provider="TWILIO_CONVERSATIONS",source="twilio",status="200"\} (\d+)/.exec(
        text,
      );
    expect(Number(match?.[1])).toBeGreaterThanOrEqual(2);
    expect(text).toContain(
      'rollcall_upstream_request_duration_seconds_bucket{le="0.005",provider="TWILIO_CONVERSATIONS",source="twilio"}',
    );
  });
});

describe('Twilio with wrong credentials', () => {
  it('answers UPSTREAM_UNAUTHORIZED from the emulator 20003 body', async () => {
    const wrong = await startHarness({
      providers: [twilioProvider],
      env: { TWILIO_AUTH_TOKEN: 'wrong-token-value' },
    });
    try {
      const { errors } = await wrong.query(PAGE, { first: 1 });
      expect(errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_UNAUTHORIZED',
        upstreamCode: 20003,
        status: 401,
      });
      expect(JSON.stringify(errors)).not.toContain('wrong-token-value');
    } finally {
      await wrong.stop();
    }
  });
});
