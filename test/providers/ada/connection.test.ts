import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  ADA_DEMO_API_KEY,
  ADA_SEED_END_USER_ID,
  AdaEmulator,
  type AdaCursorMode,
  type AdaLastPageMode,
} from '../../../src/providers/ada/emulator.js';
import { adaProvider } from '../../../src/providers/ada/index.js';
import type { TwoChatEmulator } from '../../../src/providers/twochat/emulator.js';
import { twoChatProvider } from '../../../src/providers/twochat/index.js';
import { CursorCodec } from '../../../src/relay/cursor.js';
import { encodeGlobalId } from '../../../src/relay/globalId.js';
import { startHarness, type GraphQLResult, type Harness } from '../../support/harness.js';
import { inFlightReaches } from '../../support/safety.js';

interface Page {
  adaEndUsers: {
    totalCount: number | null;
    edges: { cursor: string; node: { id: string; endUserId: string } }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  };
}

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $externalId: String) {
  adaEndUsers(first: $first, after: $after, last: $last, before: $before, externalId: $externalId) {
    totalCount
    edges { cursor node { id endUserId } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/**
 * One attempt per upstream call and no circuit breaking: these tests check how each answer maps and count
 * calls exactly, many failures in a row included. The upstream policy (retries, breaker) has its own tests.
 */
const ONE_ATTEMPT = { ROLLCALL_RETRIES: '0', ROLLCALL_BREAKER_THRESHOLD: '1000' };
const CURSOR_SECRET = 'ada-test-cursor-secret';
const LIST = '/api/v2/end-users/';

let h: Harness;
let emulator: AdaEmulator;

beforeAll(async () => {
  h = await startHarness({
    providers: [adaProvider],
    env: { ...ONE_ATTEMPT, ROLLCALL_CURSOR_SECRET: CURSOR_SECRET },
  });
  emulator = h.emulator<AdaEmulator>('ADA');
});
afterAll(() => h.stop());
beforeEach(() => {
  h.reset();
  emulator.cursorMode = 'inclusive';
  emulator.lastPage = 'null-url';
});

const ids = () => emulator.users.map((u) => u.end_user_id);
/** The Relay cursor rollcall issues for the edge of this end user in the unfiltered connection. */
const cursorOf = (endUserId: string) => new CursorCodec(CURSOR_SECRET).encode('ADA@ada', endUserId);
const calls = () => emulator.calls.map((c) => ({ path: c.path, query: c.query }));
const listCalls = () => emulator.calls.filter((c) => c.path === LIST).map((c) => c.query);

/** Pages forward with `first` until hasNextPage is false; returns the ids seen and each operation's calls. */
async function walk(harness: Harness, first: number): Promise<{ seen: string[]; callsPerPage: number[] }> {
  const upstream = harness.emulator<AdaEmulator>('ADA');
  const seen: string[] = [];
  const callsPerPage: number[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 300; guard += 1) {
    const before = upstream.calls.length;
    const { data, errors }: GraphQLResult<Page> = await harness.query<Page>(PAGE, { first, after });
    expect(errors).toBeUndefined();
    callsPerPage.push(upstream.calls.length - before);
    const connection: Page['adaEndUsers'] = data!.adaEndUsers;
    expect(connection.totalCount).toBeNull();
    expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
    seen.push(...connection.edges.map((e) => e.node.endUserId));
    if (!connection.pageInfo.hasNextPage) break;
    expect(connection.edges).toHaveLength(first);
    after = connection.pageInfo.endCursor;
  }
  return { seen, callsPerPage };
}

describe('adaEndUsers paging', () => {
  const modes: AdaCursorMode[] = ['inclusive', 'exclusive'];
  const sizes = [1, 7, 33, 98, 99, 100];
  describe.each(modes)('against a %s upstream cursor', (mode) => {
    it.each(sizes)(
      'pages forward with first: %i through every end user exactly once, in order, in one call per page',
      async (first) => {
        emulator.cursorMode = mode;
        const { seen, callsPerPage } = await walk(h, first);
        expect(seen).toEqual(ids());
        // The theoretical minimum: one call per window (each window is one upstream page), and none
        // after the last, whose hasNextPage false comes from the upstream's null next cursor.
        expect(callsPerPage).toEqual(Array<number>(Math.ceil(ids().length / first)).fill(1));
      },
    );
  });

  const shapes: AdaLastPageMode[] = ['null-url', 'null-meta', 'no-meta'];
  describe.each(shapes)('when the last page is marked with %s', (lastPage) => {
    it.each(modes.flatMap((mode) => [40, 80, 100].map((first) => [mode, first] as const)))(
      'pages a %s upstream with first: %i through every end user exactly once, in order',
      async (mode, first) => {
        emulator.cursorMode = mode;
        emulator.lastPage = lastPage;
        const { seen } = await walk(h, first);
        expect(seen).toEqual(ids());
      },
    );
  });

  it('returns an empty last page after the last cursor, with hasNextPage false', async () => {
    const last = ids().at(-1)!;
    for (const mode of modes) {
      emulator.cursorMode = mode;
      const { data } = await h.query<Page>(PAGE, { first: 5, after: cursorOf(last) });
      expect(data!.adaEndUsers.edges).toEqual([]);
      expect(data!.adaEndUsers.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    }
  });

  it('defaults to 20 end users when first is not given', async () => {
    const { data } = await h.query<Page>('{ adaEndUsers { edges { cursor } } }');
    expect(data!.adaEndUsers.edges).toHaveLength(20);
    expect(listCalls()).toEqual([{ limit: '20' }]);
  });
});

describe('adaEndUsers upstream calls', () => {
  it('asks for exactly first records from the start; the upstream next cursor tells hasNextPage', async () => {
    const { data } = await h.query<Page>(PAGE, { first: 10 });
    expect(data!.adaEndUsers.edges.map((e) => e.node.endUserId)).toEqual(ids().slice(0, 10));
    expect(data!.adaEndUsers.pageInfo.hasNextPage).toBe(true);
    expect(calls()).toEqual([{ path: LIST, query: { limit: '10' } }]);
    expect(emulator.calls[0].headers.authorization).toBe(`Bearer ${ADA_DEMO_API_KEY}`);
  });

  it('resumes at the cursor id with room for the anchor record, whichever way the upstream counts it', async () => {
    for (const mode of ['inclusive', 'exclusive'] as const) {
      h.reset();
      emulator.cursorMode = mode;
      const { data } = await h.query<Page>(PAGE, { first: 10, after: cursorOf(ids()[9]) });
      expect(data!.adaEndUsers.edges.map((e) => e.node.endUserId)).toEqual(ids().slice(10, 20));
      expect(listCalls()).toEqual([{ cursor: ids()[9], limit: '11' }]);
    }
  });

  it('serves first: 100 from the start in one call of limit 100', async () => {
    const { data } = await h.query<Page>(PAGE, { first: 100 });
    expect(data!.adaEndUsers.edges).toHaveLength(100);
    expect(data!.adaEndUsers.pageInfo.hasNextPage).toBe(true);
    expect(listCalls()).toEqual([{ limit: '100' }]);
  });

  it('serves first: 100 after the endCursor of a window in one call, from an inclusive or an exclusive upstream', async () => {
    for (const mode of ['inclusive', 'exclusive'] as const) {
      h.reset();
      emulator.cursorMode = mode;
      const first = await h.query<Page>(PAGE, { first: 10 });
      const after = first.data!.adaEndUsers.pageInfo.endCursor;
      h.reset();
      const { data } = await h.query<Page>(PAGE, { first: 100, after });
      expect(data!.adaEndUsers.edges.map((e) => e.node.endUserId)).toEqual(ids().slice(10, 110));
      // The endCursor carries the upstream's own next cursor: the next page starts right there.
      const next = mode === 'inclusive' ? ids()[10] : ids()[9];
      expect(listCalls()).toEqual([{ cursor: next, limit: '100' }]);
    }
  });

  it('serves first: 100 after a mid-page cursor in two calls from an inclusive upstream and one from an exclusive one', async () => {
    const after = cursorOf(ids()[9]);
    const { data } = await h.query<Page>(PAGE, { first: 100, after });
    expect(data!.adaEndUsers.edges.map((e) => e.node.endUserId)).toEqual(ids().slice(10, 110));
    expect(listCalls()).toEqual([
      { cursor: ids()[9], limit: '100' },
      { cursor: ids()[109], limit: '1' },
    ]);

    h.reset();
    emulator.cursorMode = 'exclusive';
    const exclusive = await h.query<Page>(PAGE, { first: 100, after });
    expect(exclusive.data!.adaEndUsers.edges.map((e) => e.node.endUserId)).toEqual(ids().slice(10, 110));
    expect(listCalls()).toEqual([{ cursor: ids()[9], limit: '100' }]);
  });

  it('answers first: 0 with one call of limit 1 and an exact hasNextPage', async () => {
    const { data } = await h.query<Page>(PAGE, { first: 0 });
    expect(data!.adaEndUsers).toEqual({
      totalCount: null,
      edges: [],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    expect(listCalls()).toEqual([{ limit: '1' }]);
  });

  it('makes one call for two identical aliased connections', async () => {
    const { errors } = await h.query(`{
      a: adaEndUsers(first: 5) { nodes { endUserId } }
      b: adaEndUsers(first: 5) { edges { cursor } }
    }`);
    expect(errors).toBeUndefined();
    expect(listCalls()).toEqual([{ limit: '5' }]);
  });

  it('walks as many pages as a window above 100 needs, and no more', async () => {
    const big = await startHarness({ providers: [adaProvider], env: { ROLLCALL_MAX_PAGE_SIZE: '300' } });
    try {
      const upstream = big.emulator<AdaEmulator>('ADA');
      for (const mode of ['inclusive', 'exclusive'] as const) {
        big.reset();
        upstream.cursorMode = mode;
        const { data, errors } = await big.query<Page>(PAGE, { first: 240 });
        expect(errors).toBeUndefined();
        expect(data!.adaEndUsers.edges.map((e) => e.node.endUserId)).toEqual(ids());
        expect(data!.adaEndUsers.pageInfo.hasNextPage).toBe(false);
        expect(upstream.calls.map((c) => c.query.limit)).toEqual([
          '100',
          '100',
          // Exclusive: the next cursor names the last record seen, so the call leaves room for it.
          mode === 'inclusive' ? '40' : '41',
        ]);
      }
    } finally {
      await big.stop();
    }
  });
});

describe('adaEndUsers paging direction', () => {
  it.each([
    ['last', { last: 5 }, 'last'],
    ['last with before', { last: 5, before: cursorOf('5f7e0e2c1e7c7e000f0f9c3a') }, 'last'],
    ['a lone before', { before: cursorOf('5f7e0e2c1e7c7e000f0f9c3a') }, 'before'],
  ])(
    'answers %s with BAD_USER_INPUT explaining Ada pages forward only, with no upstream call',
    async (_name, variables, argument) => {
      const { data, errors } = await h.query(PAGE, variables);
      expect(data).toEqual({ adaEndUsers: null });
      expect(errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument } });
      expect(errors?.[0].message).toMatch(/Ada pages forward only/);
      expect(errors?.[0].message).toMatch(/"first" and "after"/);
      expect(emulator.calls).toHaveLength(0);
    },
  );

  it.each([
    ['a garbage cursor', { first: 5, after: 'nope!' }, /malformed/],
    [
      'a signed cursor that is not an id',
      { first: 5, after: new CursorCodec(CURSOR_SECRET).encode('ADA@ada', 12) },
      /bad position/,
    ],
    [
      'a signed cursor holding a URL',
      { first: 5, after: new CursorCodec(CURSOR_SECRET).encode('ADA@ada', 'https://evil.example/?cursor=1') },
      /bad position/,
    ],
    ['first above the cap', { first: 101 }, /at most 100/],
  ])('rejects %s before any upstream call', async (_name, variables, message) => {
    const { errors } = await h.query(PAGE, variables);
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0].message).toMatch(message);
    expect(emulator.calls).toHaveLength(0);
  });
});

describe('adaEndUsers(externalId:)', () => {
  const withExternalId = () =>
    emulator.users.find((u) => typeof u.external_id === 'string' && /[A-Z]/.test(u.external_id))!;

  it('answers a connection of the one matching end user, matched case-insensitively, with one call', async () => {
    const user = withExternalId();
    const { data, errors } = await h.query<{ adaEndUsers: Record<string, unknown> }>(
      `query ($x: String) { adaEndUsers(externalId: $x) { totalCount nodes { endUserId externalId } pageInfo { hasNextPage hasPreviousPage } } }`,
      { x: user.external_id!.toLowerCase() },
    );
    expect(errors).toBeUndefined();
    expect(data!.adaEndUsers).toEqual({
      totalCount: null,
      nodes: [{ endUserId: user.end_user_id, externalId: user.external_id }],
      pageInfo: { hasNextPage: false, hasPreviousPage: false },
    });
    expect(calls()).toEqual([{ path: LIST, query: { external_id: user.external_id!.toLowerCase() } }]);
  });

  it('answers an empty connection when Ada has no such external id (404)', async () => {
    const { data, errors } = await h.query<Page>(PAGE, { externalId: 'no-such-external-id' });
    expect(errors).toBeUndefined();
    expect(data!.adaEndUsers.edges).toEqual([]);
    expect(data!.adaEndUsers.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(emulator.calls.map((c) => c.status)).toEqual([404]);
  });

  it('is empty after the cursor of its one end user, and refuses cursors of the unfiltered list', async () => {
    const user = withExternalId();
    const hit = await h.query<Page>(PAGE, { externalId: user.external_id });
    const cursor = hit.data!.adaEndUsers.edges[0].cursor;
    const next = await h.query<Page>(PAGE, { externalId: user.external_id, first: 5, after: cursor });
    expect(next.data!.adaEndUsers.edges).toEqual([]);
    expect(next.data!.adaEndUsers.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const foreign = await h.query<Page>(PAGE, {
      externalId: user.external_id,
      after: cursorOf(user.end_user_id),
    });
    expect(foreign.errors?.[0].message).toMatch(/issued by another connection or with other arguments/);
  });

  it.each([
    ['empty', ''],
    ['longer than 36 characters', 'x'.repeat(37)],
  ])('rejects an externalId that is %s with BAD_USER_INPUT and no call', async (_name, externalId) => {
    const { errors } = await h.query(PAGE, { externalId });
    expect(errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'externalId' } });
    expect(errors?.[0].message).toMatch(/1 to 36 characters/);
    expect(emulator.calls).toHaveLength(0);
  });

  it('primes the by-id loader: the found end user costs no further call', async () => {
    const user = withExternalId();
    const { data } = await h.query<Record<string, unknown>>(`{
      c: adaEndUsers(externalId: "${user.external_id}") { nodes { endUserId } }
      u: adaEndUser(endUserId: "${user.end_user_id}") { externalId }
    }`);
    expect(data!.u).toEqual({ externalId: user.external_id });
    expect(emulator.calls).toHaveLength(1);
  });
});

describe('Ada lookups', () => {
  it('fetches one end user by id with every field, timestamps parsed with or without a zone', async () => {
    const { data, errors } = await h.query<{ adaEndUser: Record<string, unknown> }>(`{
      adaEndUser(endUserId: "${ADA_SEED_END_USER_ID}") {
        __typename id provider providerUserId endUserId externalId displayName firstName lastName email
        avatarUrl active createdAt updatedAt raw
        profile { firstName lastName displayName avatar email language metadata systemProperties }
      }
    }`);
    expect(errors).toBeUndefined();
    const seed = emulator.users.find((u) => u.end_user_id === ADA_SEED_END_USER_ID)!;
    expect(data!.adaEndUser).toEqual({
      __typename: 'AdaEndUser',
      id: encodeGlobalId('ADA', 'ada', ADA_SEED_END_USER_ID),
      provider: 'ADA',
      providerUserId: ADA_SEED_END_USER_ID,
      endUserId: ADA_SEED_END_USER_ID,
      externalId: null,
      displayName: 'Ada Lovelace',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada.lovelace@ada.cx',
      avatarUrl: 'https://example.com/avatars/ada.png',
      active: null,
      createdAt: '2020-09-20T00:00:00.000Z',
      updatedAt: '2020-09-20T00:00:00.000Z',
      raw: seed,
      profile: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        displayName: 'Ada Lovelace',
        avatar: 'https://example.com/avatars/ada.png',
        email: 'ada.lovelace@ada.cx',
        language: 'en-US',
        metadata: { example_key1: 'example_string_value', example_key2: true, example_key3: 123 },
        systemProperties: { sunshine_user_id: ADA_SEED_END_USER_ID },
      },
    });
    expect(calls()).toEqual([{ path: `${LIST}${ADA_SEED_END_USER_ID}`, query: {} }]);
  });

  it('reads zone-less timestamps as UTC and keeps what Ada did not send null', async () => {
    const zoneless = emulator.users.find((u) => !u.created_at.includes('+'))!;
    const anonymous = emulator.users.find((u) => u.profile.first_name === null)!;
    const namedOnly = emulator.users.find((u) => u.profile.display_name === null && u.profile.first_name)!;
    const { data } = await h.query<Record<string, Record<string, unknown>>>(`{
      z: adaEndUser(endUserId: "${zoneless.end_user_id}") { createdAt }
      a: adaEndUser(endUserId: "${anonymous.end_user_id}") { displayName email avatarUrl profile { displayName } }
      n: adaEndUser(endUserId: "${namedOnly.end_user_id}") { displayName profile { displayName } }
    }`);
    expect(data!.z.createdAt).toBe(`${zoneless.created_at.slice(0, 23)}Z`);
    expect(data!.a).toEqual({
      displayName: null,
      email: null,
      avatarUrl: null,
      profile: { displayName: null },
    });
    expect(data!.n).toEqual({
      displayName: [namedOnly.profile.first_name, namedOnly.profile.last_name].filter(Boolean).join(' '),
      profile: { displayName: null },
    });
  });

  it('answers null for an unknown end user (404) with one call', async () => {
    const { data, errors } = await h.query(
      '{ adaEndUser(endUserId: "000000000000000000000000") { endUserId } }',
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ adaEndUser: null });
    expect(emulator.calls.map((c) => c.status)).toEqual([404]);
  });

  it('makes one call for a lone id, a repeated id costing nothing', async () => {
    const a = ids()[40];
    await h.query(`{
      x: adaEndUser(endUserId: "${a}") { endUserId }
      y: adaEndUser(endUserId: "${a}") { email }
    }`);
    expect(calls().map((c) => c.path)).toEqual([`${LIST}${a}`]);
  });

  it('resolves several ids by walking the list 100 at a time when that is cheaper than one call per id', async () => {
    const wanted = [ids()[40], ids()[41], ids()[150], ids()[151]];
    const { data } = await h.query<Record<string, { endUserId: string } | null>>(
      `{ ${wanted.map((id, i) => `u${i}: adaEndUser(endUserId: "${id}") { endUserId }`).join(' ')} }`,
    );
    expect(Object.values(data!).map((u) => u?.endUserId)).toEqual(wanted);
    // Two pages of 100 instead of four single fetches.
    expect(calls().map((c) => [c.path, c.query.limit])).toEqual([
      [LIST, '100'],
      [LIST, '100'],
    ]);
  });

  it('costs zero calls for users listed in the same operation, and one call each for the others', async () => {
    const unlisted = ids()[150];
    const { data, errors } = await h.query<Record<string, unknown>>(`{
      a: adaEndUsers(first: 10) { nodes { endUserId } }
      u: adaEndUser(endUserId: "${ids()[3]}") { endUserId }
      n: node(id: "${encodeGlobalId('ADA', 'ada', ids()[7])}") { ... on AdaEndUser { endUserId } }
      o: adaEndUser(endUserId: "${unlisted}") { endUserId }
    }`);
    expect(errors).toBeUndefined();
    expect(data!.u).toEqual({ endUserId: ids()[3] });
    expect(data!.n).toEqual({ endUserId: ids()[7] });
    expect(data!.o).toEqual({ endUserId: unlisted });
    expect(calls()).toEqual([
      { path: LIST, query: { limit: '10' } },
      { path: `${LIST}${unlisted}`, query: {} },
    ]);
  });

  it('resolves node(id:) and nodes(ids:) to AdaEndUser', async () => {
    const id = encodeGlobalId('ADA', 'ada', ids()[12]);
    const { data, errors } = await h.query(`{
      node(id: "${id}") { __typename id ... on AdaEndUser { endUserId } }
      nodes(ids: ["${id}", "${encodeGlobalId('ADA', 'ada', '000000000000000000000000')}"]) { id }
    }`);
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      node: { __typename: 'AdaEndUser', id, endUserId: ids()[12] },
      nodes: [{ id }, null],
    });
    // node and nodes share the loader: two distinct ids, two calls.
    expect(emulator.calls).toHaveLength(2);
  });

  it('resolves federation references by id or endUserId, in order, null for misses', async () => {
    const { data, errors } = await h.query(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on AdaEndUser { endUserId } } }`,
      {
        r: [
          { __typename: 'AdaEndUser', endUserId: ids()[1] },
          { __typename: 'AdaEndUser', id: encodeGlobalId('ADA', 'ada', ids()[2]) },
          { __typename: 'User', id: encodeGlobalId('ADA', 'ada', ids()[3]) },
          { __typename: 'AdaEndUser', endUserId: '000000000000000000000000' },
        ],
      },
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({
      _entities: [{ endUserId: ids()[1] }, { endUserId: ids()[2] }, { endUserId: ids()[3] }, null],
    });
  });

  it('never turns a dot segment into another upstream path', async () => {
    const { data } = await h.query(
      '{ a: adaEndUser(endUserId: "..") { endUserId } b: adaEndUser(endUserId: ".") { endUserId } }',
    );
    expect(data).toEqual({ a: null, b: null });
    expect(emulator.calls).toHaveLength(0);
  });

  it('bounds concurrent lookups by ROLLCALL_LOOKUP_CONCURRENCY', async () => {
    const slow = await startHarness({
      providers: [adaProvider],
      env: { ROLLCALL_LOOKUP_CONCURRENCY: '2' },
      latencyMs: 60,
    });
    try {
      const lookup = (list: string[]) =>
        slow.query(
          `{ ${list.map((id, i) => `u${i}: adaEndUser(endUserId: "${id}") { endUserId }`).join('\n')} }`,
        );
      // A batch from the end of the list: its walk finds none on the first page and stops, which teaches
      // the process that the list is long (10 pages at least for 10 ids)...
      await lookup(ids().slice(230, 240));
      const emulator = slow.emulator<AdaEmulator>('ADA');
      emulator.resetCalls();
      // ...so 3 ids go straight to single fetches, made two at a time (held until two are in flight).
      const release = emulator.hold();
      const answer = lookup(ids().slice(0, 3));
      await inFlightReaches(emulator, 2);
      release();
      const { errors } = await answer;
      expect(errors).toBeUndefined();
      expect(emulator.calls.map((c) => c.path)).toEqual(
        ids()
          .slice(0, 3)
          .map((id) => `${LIST}${id}`),
      );
      expect(emulator.maxInFlight).toBe(2);
    } finally {
      await slow.stop();
    }
  });
});

describe('Ada upstream errors', () => {
  const adaBody = (type: string) => ({ errors: [{ type, message: `${type} message`, details: 'more' }] });

  it.each([
    [400, 'bad_request', 'UPSTREAM_BAD_RESPONSE'],
    [401, 'unauthorized', 'UPSTREAM_UNAUTHORIZED'],
    [403, 'forbidden', 'UPSTREAM_FORBIDDEN'],
    [404, 'not_found', 'UPSTREAM_NOT_FOUND'],
    [429, 'too_many_requests', 'UPSTREAM_RATE_LIMITED'],
    [500, 'internal_server_error', 'UPSTREAM_UNAVAILABLE'],
  ])('maps a list answered with HTTP %i (%s) to %s', async (status, type, code) => {
    emulator.injectFault({ status, body: adaBody(type), times: 1 });
    const { data, errors } = await h.query(PAGE, { first: 1 });
    expect(data).toEqual({ adaEndUsers: null });
    expect(errors?.[0]).toMatchObject({
      path: ['adaEndUsers'],
      // rollcall's own words, never Ada's text.
      message: expect.stringMatching(new RegExp(`^ADA: [a-z -]+ \\(HTTP ${status}\\)$`)),
      extensions: { code, status, provider: 'ADA', upstreamCode: type },
    });
  });

  it('fails only the lookup whose call failed, keeping the rest of the data', async () => {
    const broken = ids()[200];
    emulator.injectFault({ status: 500, body: adaBody('internal_server_error'), path: `${LIST}${broken}` });
    const { data, errors } = await h.query<Record<string, unknown>>(`{
      a: adaEndUsers(first: 2) { nodes { endUserId } }
      ok: adaEndUser(endUserId: "${ids()[1]}") { endUserId }
      bad: adaEndUser(endUserId: "${broken}") { endUserId }
    }`);
    expect(data!.a).toEqual({ nodes: [{ endUserId: ids()[0] }, { endUserId: ids()[1] }] });
    expect(data!.ok).toEqual({ endUserId: ids()[1] });
    expect(data!.bad).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors?.[0]).toMatchObject({
      path: ['bad'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'ADA', status: 500 },
    });
  });

  it('maps an error of an externalId lookup other than 404 to its code', async () => {
    emulator.injectFault({ status: 403, body: adaBody('forbidden'), times: 1 });
    const { errors } = await h.query(PAGE, { externalId: 'CRM-1' });
    expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_FORBIDDEN', provider: 'ADA' });
  });

  it('maps malformed JSON, a wrong shape and a next_page_url without cursor to UPSTREAM_BAD_RESPONSE', async () => {
    emulator.injectFault({ status: 200, body: '{"data": [', times: 1 });
    emulator.injectFault({ status: 200, body: { users: [] }, times: 1 });
    emulator.injectFault({
      status: 200,
      body: {
        data: [emulator.users[0]],
        meta: { next_page_url: 'https://x.ada.support/api/v2/end-users/?limit=5' },
      },
      times: 1,
    });
    for (const reason of [
      /not valid JSON/,
      /\(root\) must have required property 'data'/,
      /\/meta\/next_page_url must match pattern/,
    ]) {
      const { errors } = await h.query(PAGE, { first: 3 });
      expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'ADA' });
      expect(errors?.[0].message).toMatch(reason);
    }
  });

  it('stops with UPSTREAM_BAD_RESPONSE when next_page_url does not advance, instead of looping', async () => {
    emulator.injectFault({
      status: 200,
      body: {
        data: [],
        meta: { next_page_url: `https://x.ada.support/api/v2/end-users/?cursor=${ids()[5]}` },
      },
    });
    const { errors } = await h.query(PAGE, { first: 3 });
    expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'ADA' });
    expect(errors?.[0].message).toMatch(/does not advance/);
    expect(emulator.calls).toHaveLength(2);
  });

  it('answers UPSTREAM_UNAUTHORIZED for a wrong key, without echoing it', async () => {
    const wrong = await startHarness({
      providers: [adaProvider],
      env: { ADA_API_KEY: 'wrong-ada-key-value' },
    });
    try {
      const { errors } = await wrong.query(PAGE, { first: 1 });
      expect(errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_UNAUTHORIZED',
        provider: 'ADA',
        status: 401,
        upstreamCode: 'unauthorized',
      });
      expect(JSON.stringify(errors)).not.toContain('wrong-ada-key-value');
    } finally {
      await wrong.stop();
    }
  });

  it('maps the rate-limited emulator 429 to UPSTREAM_RATE_LIMITED, with retryAfter when Ada sends one', async () => {
    const limited = new AdaEmulator({ rateLimit: { perMinute: 2 }, retryAfterHeader: true });
    await limited.start();
    const harness = await startHarness({
      providers: [adaProvider],
      env: { ...ONE_ATTEMPT, ADA_BASE_URL: limited.baseUrl },
    });
    try {
      expect((await harness.query(PAGE, { first: 1 })).errors).toBeUndefined();
      expect((await harness.query(PAGE, { first: 1 })).errors).toBeUndefined();
      const { errors } = await harness.query(PAGE, { first: 1 });
      expect(errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_RATE_LIMITED',
        provider: 'ADA',
        status: 429,
        upstreamCode: 'too_many_requests',
        retryAfter: expect.any(Number),
      });
      expect(errors?.[0].extensions?.retryAfter).toBeGreaterThanOrEqual(1);
      expect(limited.calls.map((c) => c.status)).toEqual([200, 200, 429]);
    } finally {
      await harness.stop();
      await limited.stop();
    }
  });
});

describe('node(id:) across 2Chat and Ada', () => {
  it('resolves ids of both types in one operation, one upstream call per provider', async () => {
    const both = await startHarness({ providers: [twoChatProvider, adaProvider] });
    try {
      const twoChat = both.emulator<TwoChatEmulator>('TWO_CHAT');
      const ada = both.emulator<AdaEmulator>('ADA');
      const uuid = twoChat.activeUsers()[4].uuid;
      const endUserId = ada.users[7].end_user_id;
      const { data, errors } = await both.query(`{
        t: node(id: "${encodeGlobalId('TWO_CHAT', 'twochat', uuid)}") { __typename ... on TwoChatUser { uuid } }
        a: node(id: "${encodeGlobalId('ADA', 'ada', endUserId)}") { __typename ... on AdaEndUser { endUserId } }
        both: nodes(ids: ["${encodeGlobalId('ADA', 'ada', endUserId)}", "${encodeGlobalId('TWO_CHAT', 'twochat', uuid)}"]) {
          __typename ... on User { provider providerUserId }
        }
        providers { provider enabled mode }
      }`);
      expect(errors).toBeUndefined();
      expect(data).toMatchObject({
        t: { __typename: 'TwoChatUser', uuid },
        a: { __typename: 'AdaEndUser', endUserId },
        both: [
          { __typename: 'AdaEndUser', provider: 'ADA', providerUserId: endUserId },
          { __typename: 'TwoChatUser', provider: 'TWO_CHAT', providerUserId: uuid },
        ],
      });
      expect((data as { providers: unknown[] }).providers).toEqual(
        expect.arrayContaining([
          { provider: 'TWO_CHAT', enabled: true, mode: 'EMULATED' },
          { provider: 'ADA', enabled: true, mode: 'EMULATED' },
        ]),
      );
      expect(twoChat.calls).toHaveLength(1);
      expect(ada.calls.map((c) => c.path)).toEqual([`${LIST}${endUserId}`]);
    } finally {
      await both.stop();
    }
  });
});
