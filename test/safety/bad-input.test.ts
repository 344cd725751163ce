/**
 * Hostile and broken input (issue 8): malformed, tampered, foreign and stale cursors and ids, page sizes
 * out of range, unknown enum values, a deep query, 1000 aliases, huge variables, bodies that are not JSON
 * and content types that are not allowed. Each must be a clear 4xx or GraphQL error with the right code,
 * answered within seconds, without an upstream call it should not make, and the server must stay healthy.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { PROVIDER_IDS } from '../../src/providers/registry.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { startHarness, type Harness } from '../support/harness.js';
import { CONNECTION, graphql, http, type RawResponse } from '../support/safety.js';

/** Every request here must be answered within this. */
const FAST_MS = 3000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { ROLLCALL_RETRIES: '0' } });
});
afterAll(() => h.stop());
beforeEach(() => h.reset());

const ask = (query: string, variables?: Record<string, unknown>) => graphql(h.url, query, variables, FAST_MS);
const post = (body: string | Buffer, headers: Record<string, string>) =>
  http(
    `${h.url}/graphql`,
    { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) },
    FAST_MS,
  );
const upstreamCalls = () => PROVIDER_IDS.reduce((sum, p) => sum + h.emulator(p).calls.length, 0);

/** The one error of a rejected request: its HTTP status, code and message. */
function rejected(response: RawResponse, code: string, message?: RegExp, status?: number) {
  expect(response.ms).toBeLessThan(FAST_MS);
  if (status !== undefined) expect(response.status).toBe(status);
  else expect([200, 400]).toContain(response.status);
  const errors = response.json?.errors;
  expect(errors?.length).toBeGreaterThanOrEqual(1);
  expect(errors![0].extensions?.code).toBe(code);
  if (message) expect(errors![0].message).toMatch(message);
  return errors![0];
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

type Page = Record<string, { edges: { cursor: string; node: { id: string } }[] }>;
async function cursorOf(query: string, field: string, index = 1): Promise<string> {
  const { json } = await ask(query);
  expect(json?.errors).toBeUndefined();
  return (json!.data as Page)[field].edges[index].cursor;
}

describe('cursors', () => {
  const twilioPage = (after: string) =>
    ask('query ($after: String) { twilioConversationUsers(first: 2, after: $after) { edges { cursor } } }', {
      after,
    });

  it.each([
    ['not base64url', '!!not a cursor!!'],
    ['base64url of no JSON', 'bm90IGpzb24'],
    ['JSON that is not a cursor', b64({ offset: 3 })],
    ['an array of the wrong length', b64([1, 'twilioConversationUsers', 3])],
    ['another cursor version', b64([2, 'twilioConversationUsers', 3, 'AAAAAAAAAAAAAAAA'])],
    ['an empty string', ''],
    ['a 500 kB string', 'A'.repeat(500_000)],
  ])('rejects a malformed cursor (%s) with BAD_USER_INPUT and no upstream call', async (_what, cursor) => {
    const error = rejected(await twilioPage(cursor), 'BAD_USER_INPUT', /not a valid cursor/);
    expect(error.extensions?.argument).toBe('after');
    expect(error.message.length).toBeLessThan(300);
    expect(upstreamCalls()).toBe(0);
  });

  it('rejects a tampered cursor (payload changed, MAC kept) as modified', async () => {
    const real = await cursorOf(
      '{ twilioConversationUsers(first: 3) { edges { cursor } } }',
      'twilioConversationUsers',
    );
    const [version, connection, payload, mac] = JSON.parse(
      Buffer.from(real, 'base64url').toString(),
    ) as unknown[];
    const changed = JSON.parse(
      JSON.stringify(payload).replace(/\d+/, (n) => String(Number(n) + 40)),
    ) as unknown;
    expect(changed).not.toEqual(payload);
    h.reset();
    rejected(
      await twilioPage(b64([version, connection, changed, mac])),
      'BAD_USER_INPUT',
      /has been modified/,
    );
    rejected(
      await twilioPage(b64([version, connection, payload, 'A'.repeat(16)])),
      'BAD_USER_INPUT',
      /modified/,
    );
    expect(upstreamCalls()).toBe(0);
  });

  it("rejects a foreign cursor (another connection's) on every connection", async () => {
    const twilio = await cursorOf(
      '{ twilioConversationUsers(first: 3) { edges { cursor } } }',
      'twilioConversationUsers',
    );
    const cometChat = await cursorOf('{ cometChatUsers(first: 3) { edges { cursor } } }', 'cometChatUsers');
    h.reset();
    for (const provider of PROVIDER_IDS) {
      const field = CONNECTION[provider];
      const foreign = field === 'twilioConversationUsers' ? cometChat : twilio;
      const response = await ask(
        `query ($after: String) { ${field}(first: 2, after: $after) { edges { cursor } } }`,
        {
          after: foreign,
        },
      );
      rejected(response, 'BAD_USER_INPUT', /issued by another connection/);
    }
    rejected(
      await ask('query ($after: String) { users(first: 2, after: $after) { edges { cursor } } }', {
        after: twilio,
      }),
      'BAD_USER_INPUT',
      /issued by another connection/,
    );
    expect(upstreamCalls()).toBe(0);
  });

  it('rejects a stale cursor: from another filter, order or provider list', async () => {
    const admins = await cursorOf(
      '{ cometChatUsers(first: 3, filter: { role: "admin" }) { edges { cursor } } }',
      'cometChatUsers',
      0,
    );
    const byId = await cursorOf(
      '{ voximplantUsers(first: 3, orderBy: USER_ID) { edges { cursor } } }',
      'voximplantUsers',
    );
    const twoProviders = await cursorOf(
      '{ users(first: 3, providers: [TWO_CHAT, ADA]) { edges { cursor } } }',
      'users',
    );
    h.reset();
    rejected(
      await ask('query ($after: String) { cometChatUsers(first: 2, after: $after) { edges { cursor } } }', {
        after: admins,
      }),
      'BAD_USER_INPUT',
      /another connection or with other arguments/,
    );
    rejected(
      await ask(
        'query ($after: String) { voximplantUsers(first: 2, after: $after, orderBy: USER_NAME) { edges { cursor } } }',
        { after: byId },
      ),
      'BAD_USER_INPUT',
      /another connection or with other arguments/,
    );
    rejected(
      await ask('query ($after: String) { users(first: 2, after: $after) { edges { cursor } } }', {
        after: twoProviders,
      }),
      'BAD_USER_INPUT',
      /another connection or with other arguments/,
    );
    expect(upstreamCalls()).toBe(0);
  });

  it('rejects a forward cursor used backward where the direction matters, and mixed directions', async () => {
    rejected(
      await ask('{ twoChatUsers(first: 2, before: "x") { edges { cursor } } }'),
      'BAD_USER_INPUT',
      /"before" pages backward/,
    );
    rejected(
      await ask('{ twoChatUsers(last: 2, after: "x") { edges { cursor } } }'),
      'BAD_USER_INPUT',
      /"after" pages forward/,
    );
    rejected(await ask('{ adaEndUsers(last: 2) { edges { cursor } } }'), 'BAD_USER_INPUT');
    expect(upstreamCalls()).toBe(0);
  });
});

describe('ids', () => {
  const node = (id: string) => ask('query ($id: ID!) { node(id: $id) { id } }', { id });

  it.each([
    ['an unknown provider', b64('rollcall:v1:SKYPE:42'), /unknown provider/],
    ['another version', b64('rollcall:v9:ADA:42'), /unsupported version/],
    ['no native id', b64('rollcall:v1:ADA:'), /no provider user id/],
  ])('rejects a malformed rollcall id (%s) with BAD_USER_INPUT', async (_what, id, message) => {
    rejected(await node(id), 'BAD_USER_INPUT', message);
    expect(upstreamCalls()).toBe(0);
  });

  it('answers null, without an error, for foreign, garbage and unknown ids', async () => {
    for (const id of ['VXNlcjox', '%%%', '', 'A'.repeat(10_000), b64('rollcall:v1:COMETCHAT:no-such-user')]) {
      const response = await node(id);
      expect(response.ms).toBeLessThan(FAST_MS);
      expect(response.json).toEqual({ data: { node: null } });
    }
  });

  it('keeps tampered ids inside the provider API: dot segments and slashes never reach another path', async () => {
    const hostile = ['..', '.', '../..', '../v1/Users', '%2e%2e', 'a/../../b', '?x=1', '#frag'];
    // Twilio identities and 2Chat uuids are free text: a miss. Ada ids and CometChat uids have a documented
    // alphabet: anything outside it is refused as bad input. Either way, no other path is ever called.
    const lookups: [(id: string) => string, 'miss' | 'refused'][] = [
      [(id) => `twilioConversationUser(sid: ${JSON.stringify(id)}) { id }`, 'miss'],
      [(id) => `adaEndUser(endUserId: ${JSON.stringify(id)}) { id }`, 'refused'],
      [(id) => `cometChatUser(uid: ${JSON.stringify(id)}) { id }`, 'refused'],
      [(id) => `twoChatUser(uuid: ${JSON.stringify(id)}) { id }`, 'miss'],
    ];
    for (const id of hostile)
      for (const [lookup, outcome] of lookups) {
        const response = await ask(`{ user: ${lookup(id)} }`);
        expect(response.ms).toBeLessThan(FAST_MS);
        expect(response.json?.data).toEqual({ user: null });
        if (outcome === 'miss')
          expect({ id, errors: response.json?.errors }).toEqual({ id, errors: undefined });
        else expect(response.json?.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      }
    const prefixes: Record<string, string> = {
      TWILIO_CONVERSATIONS: '/v1/Users/',
      ADA: '/api/v2/end-users/',
      COMETCHAT: '/v3/users',
      TWO_CHAT: '/open/users',
    };
    for (const [provider, prefix] of Object.entries(prefixes))
      for (const call of h.emulator(provider as never).calls) expect(call.path.startsWith(prefix)).toBe(true);
    // Through node(id:) as well.
    for (const provider of ['TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT'])
      for (const id of hostile) {
        const { json } = await node(b64(`rollcall:v1:${provider}:${id}`));
        expect(json?.data).toEqual({ node: null });
        if (provider !== 'TWILIO_CONVERSATIONS')
          expect(json?.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      }
    for (const [provider, prefix] of Object.entries(prefixes))
      for (const call of h.emulator(provider as never).calls) expect(call.path.startsWith(prefix)).toBe(true);
  });

  it('rejects a Voximplant user id beyond Int, and answers null for ids no user has', async () => {
    rejected(await ask('{ voximplantUser(userId: 99999999999) { id } }'), 'GRAPHQL_VALIDATION_FAILED', /Int/);
    for (const userId of [-1, 0]) {
      const response = await ask(`{ voximplantUser(userId: ${userId}) { id } }`);
      expect(response.ms).toBeLessThan(FAST_MS);
      expect(response.json).toEqual({ data: { voximplantUser: null } });
    }
  });
});

describe('page sizes', () => {
  it('rejects first: -1 and last: -1', async () => {
    rejected(await ask('{ users(first: -1) { edges { cursor } } }'), 'BAD_USER_INPUT', /non-negative/);
    rejected(
      await ask('{ twilioConversationUsers(last: -1) { edges { cursor } } }'),
      'BAD_USER_INPUT',
      /non-negative/,
    );
  });

  it('rejects first: 1000000 before any resolver runs (cost limit), and first above the page cap', async () => {
    const huge = rejected(
      await ask('{ users(first: 1000000) { edges { cursor } } }'),
      'OPERATION_LIMIT_EXCEEDED',
      /ROLLCALL_MAX_COST/,
      400,
    );
    expect(huge.extensions).toMatchObject({ limit: 'cost', maximum: 5000 });
    const overCap = rejected(
      await ask('{ adaEndUsers(first: 101) { pageInfo { hasNextPage } } }'),
      'BAD_USER_INPUT',
      /at most 100/,
    );
    expect(overCap.extensions).toMatchObject({ argument: 'first', maximum: 100 });
    rejected(
      await ask('query ($n: Int) { twoChatUsers(first: $n) { edges { cursor } } }', { n: 1_000_000 }),
      'OPERATION_LIMIT_EXCEEDED',
    );
    expect(upstreamCalls()).toBe(0);
  });

  it('rejects first and last together', async () => {
    for (const field of [...Object.values(CONNECTION), 'users'])
      rejected(
        await ask(`{ ${field}(first: 1, last: 1) { edges { cursor } } }`),
        'BAD_USER_INPUT',
        // Ada refuses `last` before anything else: it pages forward only.
        field === 'adaEndUsers' ? /forward only/ : /not both/,
      );
    expect(upstreamCalls()).toBe(0);
  });

  it('rejects sizes that are not Ints', async () => {
    rejected(await ask('{ users(first: 2147483648) { edges { cursor } } }'), 'GRAPHQL_VALIDATION_FAILED');
    rejected(await ask('{ users(first: 1.5) { edges { cursor } } }'), 'GRAPHQL_VALIDATION_FAILED');
    rejected(
      await ask('query ($n: Int) { users(first: $n) { edges { cursor } } }', { n: 'ten' }),
      'BAD_USER_INPUT',
      /\$n/,
    );
  });
});

describe('enums and arguments', () => {
  it('rejects unknown enum values, as literals and as variables', async () => {
    rejected(
      await ask('{ users(providers: [SKYPE]) { edges { cursor } } }'),
      'GRAPHQL_VALIDATION_FAILED',
      /SKYPE/,
    );
    rejected(
      await ask('{ voximplantUsers(orderBy: AGE) { edges { cursor } } }'),
      'GRAPHQL_VALIDATION_FAILED',
      /AGE/,
    );
    rejected(
      await ask('{ cometChatUsers(filter: { status: AWAY }) { edges { cursor } } }'),
      'GRAPHQL_VALIDATION_FAILED',
    );
    rejected(
      await ask('query ($p: [Provider!]) { users(providers: $p) { edges { cursor } } }', { p: ['SKYPE'] }),
      'BAD_USER_INPUT',
      /SKYPE/,
    );
    rejected(await ask('{ users(providers: "ADA") { edges { cursor } } }'), 'GRAPHQL_VALIDATION_FAILED');
    expect(upstreamCalls()).toBe(0);
  });

  it('rejects unknown fields and arguments', async () => {
    rejected(
      await ask('{ users(first: 1, sort: NAME) { edges { cursor } } }'),
      'GRAPHQL_VALIDATION_FAILED',
      /sort/,
    );
    rejected(await ask('{ secrets }'), 'GRAPHQL_VALIDATION_FAILED');
  });
});

describe('operation limits', () => {
  it('rejects a deep query, naming the limit and its value', async () => {
    const deep = `{ __type(name: "Query") { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } }`;
    const error = rejected(await ask(deep), 'OPERATION_LIMIT_EXCEEDED', /ROLLCALL_MAX_DEPTH/, 400);
    expect(error.extensions).toMatchObject({ limit: 'depth', maximum: 15 });
    expect(error.extensions?.measured).toBeGreaterThan(15);
  });

  it('rejects fragment cycles', async () => {
    rejected(
      await ask('{ ...A } fragment A on Query { providers { provider } ...B } fragment B on Query { ...A }'),
      'GRAPHQL_VALIDATION_FAILED',
      /cycle|itself/i,
    );
  });

  it('rejects 150 aliases, naming the limit and the count where it stopped', async () => {
    const query = `{ ${Array.from({ length: 150 }, (_, i) => `a${i}: providers { provider }`).join(' ')} }`;
    const error = rejected(await ask(query), 'OPERATION_LIMIT_EXCEEDED', /ROLLCALL_MAX_ALIASES/, 400);
    expect(error.extensions).toMatchObject({ limit: 'aliases', maximum: 30, measured: 31 });
  });

  it('rejects 1000 aliases by their tokens, before parsing', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: providers { provider }`).join(' ')} }`;
    const error = rejected(await ask(query), 'OPERATION_LIMIT_EXCEEDED', /ROLLCALL_MAX_TOKENS/, 400);
    expect(error.extensions).toMatchObject({ limit: 'tokens', maximum: 1000 });
  });

  it('rejects 100 root fields without aliases, naming the limit; 1000 never get past the token count', async () => {
    const error = rejected(
      await ask(`{ ${'providers { provider } '.repeat(100)}}`),
      'OPERATION_LIMIT_EXCEEDED',
      /ROLLCALL_MAX_ROOT_FIELDS/,
      400,
    );
    expect(error.extensions).toMatchObject({ limit: 'rootFields', maximum: 30, measured: 31 });
    // Validation of repeated fields is quadratic in graphql-js: the token limit keeps it small.
    rejected(
      await ask(`{ ${'providers { provider } '.repeat(1000)}}`),
      'OPERATION_LIMIT_EXCEEDED',
      /ROLLCALL_MAX_TOKENS/,
      400,
    );
  });
});

describe('huge variables', () => {
  it('rejects 100 000 ids with 413, naming the body limit', async () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => b64(`rollcall:v1:ADA:${i}`));
    const body = JSON.stringify({
      query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      variables: { ids },
    });
    expect(body.length).toBeGreaterThan(1_048_576);
    const error = rejected(
      await post(body, { 'content-type': 'application/json' }),
      'BAD_REQUEST',
      /ROLLCALL_MAX_BODY_BYTES/,
      413,
    );
    expect(error.message).toMatch(/1048576/);
    expect(upstreamCalls()).toBe(0);
  });

  it('rejects 50 000 ids under the body limit by cost, before any lookup', async () => {
    const ids = Array.from({ length: 50_000 }, (_, i) => `x${i}`);
    const error = rejected(
      await ask('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }),
      'OPERATION_LIMIT_EXCEEDED',
      /ROLLCALL_MAX_COST/,
      400,
    );
    expect(error.extensions?.measured).toBeGreaterThanOrEqual(50_000);
    expect(upstreamCalls()).toBe(0);
  });

  it('never echoes a huge input back: operation names and variable values are shown by their length', async () => {
    for (const body of [
      { query: '{ providers { provider } }', operationName: 'x'.repeat(500_000) },
      { query: 'query ($n: Int) { users(first: $n) { totalCount } }', variables: { n: 'y'.repeat(300_000) } },
      {
        query: 'query ($p: [Provider!]) { users(first: 1, providers: $p) { totalCount } }',
        variables: { p: ['z"'.repeat(150_000)] },
      },
    ]) {
      const response = await post(JSON.stringify(body), { 'content-type': 'application/json' });
      expect([400, 200]).toContain(response.status);
      // The message and each line of the development stack trace are bounded (1000 characters).
      expect(response.text.length).toBeLessThan(10_000);
      expect(response.json?.errors?.[0].message).toMatch(/a string of \d+ characters|\.\.\.$/);
    }
  });

  it('answers a 900 kB string variable quickly', async () => {
    rejected(
      await ask('query ($after: String) { users(first: 1, after: $after) { edges { cursor } } }', {
        after: 'x'.repeat(900_000),
      }),
      'BAD_USER_INPUT',
      /not a valid cursor/,
    );
  });
});

describe('HTTP bodies and content types', () => {
  const json = { 'content-type': 'application/json' };
  const QUERY = JSON.stringify({ query: '{ providers { provider } }' });

  it.each([
    ['malformed JSON', '{"query": "{ providers ', /not valid JSON/],
    ['a JSON string', '"{ providers { provider } }"', undefined],
    ['a JSON number', '42', undefined],
    ['null', 'null', undefined],
    ['no query', '{"variables": {}}', /query/],
    ['a query that is not a string', '{"query": 5}', /queries must be strings/],
    [
      'variables that are not an object',
      '{"query": "{ providers { provider } }", "variables": [1]}',
      /variables/,
    ],
    ['a batch (batching is off)', `[${QUERY}, ${QUERY}]`, /batch/i],
    ['an empty body', '', undefined],
    ['binary garbage', Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]), /not valid JSON/],
  ])('rejects %s with 400 BAD_REQUEST', async (_what, body, message) => {
    rejected(await post(body, json), 'BAD_REQUEST', message, 400);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['application/x-www-form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart/form-data', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['no content type', {}],
  ])('blocks a POST with %s (CSRF prevention) with 400', async (_what, headers) => {
    const response = await post(QUERY, headers);
    expect(response.ms).toBeLessThan(FAST_MS);
    expect(response.status).toBe(400);
    expect(response.text).toMatch(/Cross-Site Request Forgery|content-type/i);
  });

  it('blocks a simple GET query without a preflight header, and answers it with one', async () => {
    const url = `${h.url}/graphql?query=${encodeURIComponent('{ providers { provider } }')}`;
    const blocked = await http(url, {}, FAST_MS);
    expect(blocked.status).toBe(400);
    expect(blocked.text).toMatch(/Cross-Site Request Forgery/);
    const allowed = await http(url, { headers: { 'apollo-require-preflight': 'true' } }, FAST_MS);
    expect(allowed.status).toBe(200);
    expect(allowed.json?.errors).toBeUndefined();
  });

  it('answers other methods and routes with a 4xx', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await http(`${h.url}/graphql`, { method, headers: json, body: QUERY }, FAST_MS);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect((await http(`${h.url}/admin`, {}, FAST_MS)).status).toBe(404);
    expect((await http(`${h.url}/health`, { method: 'POST' }, FAST_MS)).status).toBe(404);
  });
});

describe('text arguments and native ids are checked before any upstream call (issue 13, finding 3)', () => {
  const HUGE = 'x'.repeat(200_000);
  const twilio = () => h.emulator<TwilioEmulator>('TWILIO_CONVERSATIONS');

  it.each([
    [
      'cometChatUsers',
      'filter.searchKey',
      'query ($v: String) { f: cometChatUsers(first: 2, filter: { searchKey: $v }) { totalCount } }',
    ],
    [
      'cometChatUsers',
      'filter.role',
      'query ($v: String) { f: cometChatUsers(first: 2, filter: { role: $v }) { totalCount } }',
    ],
    [
      'cometChatUsers',
      'filter.tags',
      'query ($v: String!) { f: cometChatUsers(first: 2, filter: { tags: [$v] }) { totalCount } }',
    ],
    [
      'cometChatUsers',
      'filter.roles',
      'query ($v: String!) { f: cometChatUsers(first: 2, filter: { roles: ["admin", $v] }) { totalCount } }',
    ],
    [
      'voximplantUsers',
      'filter.userName',
      'query ($v: String) { f: voximplantUsers(first: 2, filter: { userName: $v }) { totalCount } }',
    ],
    [
      'voximplantUsers',
      'filter.userDisplayName',
      'query ($v: String) { f: voximplantUsers(first: 2, filter: { userDisplayName: $v }) { totalCount } }',
    ],
    [
      'voximplantUsers',
      'filter.applicationName',
      'query ($v: String) { f: voximplantUsers(first: 2, filter: { applicationName: $v }) { totalCount } }',
    ],
    [
      'adaEndUsers',
      'externalId',
      'query ($v: String) { f: adaEndUsers(first: 2, externalId: $v) { totalCount } }',
    ],
    ['twilioConversationUser', 'sid', 'query ($v: String!) { f: twilioConversationUser(sid: $v) { sid } }'],
    ['cometChatUser', 'uid', 'query ($v: String!) { f: cometChatUser(uid: $v) { uid } }'],
    ['adaEndUser', 'endUserId', 'query ($v: String!) { f: adaEndUser(endUserId: $v) { endUserId } }'],
    ['twoChatUser', 'uuid', 'query ($v: String!) { f: twoChatUser(uuid: $v) { uuid } }'],
  ])(
    '%s refuses a 200,000-character %s with BAD_USER_INPUT naming it, and keeps the rest',
    async (_field, argument, query) => {
      const withNeighbour = query.replace(/\{ f: /, '{ providers { provider } f: ');
      const response = await ask(withNeighbour, { v: HUGE });
      const error = rejected(
        response,
        'BAD_USER_INPUT',
        new RegExp(`"${argument.replace('.', '\\.')}(\\[\\d+\\])?" must be`),
      );
      expect(error.extensions?.argument).toBe(argument);
      expect(error.path).toEqual(['f']);
      expect(error.message).toMatch(/a string of 200000 characters/);
      expect(error.message.length).toBeLessThan(300);
      expect(response.status).toBe(200);
      expect(response.json?.data).toEqual({ providers: expect.any(Array), f: null });
      expect(upstreamCalls()).toBe(0);
    },
  );

  it('refuses control characters, empty values and out-of-alphabet ids the same way', async () => {
    for (const [query, value] of [
      ['query ($v: String!) { f: twilioConversationUser(sid: $v) { sid } }', 'agent\u0000'],
      ['query ($v: String!) { f: twilioConversationUser(sid: $v) { sid } }', ''],
      ['query ($v: String!) { f: cometChatUser(uid: $v) { uid } }', 'super hero'],
      ['query ($v: String!) { f: adaEndUser(endUserId: $v) { endUserId } }', 'a/b'],
      ['query ($v: String!) { f: cometChatUsers(first: 1, filter: { tags: [$v] }) { totalCount } }', 'a,b'],
    ] as const)
      rejected(await ask(query, { v: value }), 'BAD_USER_INPUT', /must be/);
    rejected(
      await ask('{ f: voximplantUsers(first: 1, filter: { skillId: -3 }) { totalCount } }'),
      'BAD_USER_INPUT',
      /positive integer/,
    );
    const many = Array.from({ length: 26 }, (_, i) => `tag${i}`);
    rejected(
      await ask(
        'query ($v: [String!]) { f: cometChatUsers(first: 1, filter: { tags: $v }) { totalCount } }',
        { v: many },
      ),
      'BAD_USER_INPUT',
      /at most 25 values/,
    );
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses a global id whose provider user id is huge or malformed, and answers null for impossible ones', async () => {
    const node = (id: string) => ask('query ($id: ID!) { node(id: $id) { id } }', { id });
    for (const provider of PROVIDER_IDS) {
      const error = rejected(
        await node(b64(`rollcall:v1:${provider}:${HUGE}`)),
        'BAD_USER_INPUT',
        /its provider user id/,
      );
      expect(error.extensions?.argument).toBe('id (its provider user id)');
    }
    rejected(
      await ask('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
        ids: [b64('rollcall:v1:ADA:fine'), b64(`rollcall:v1:COMETCHAT:${HUGE.slice(0, 300)}`)],
      }),
      'BAD_USER_INPUT',
      /"ids\[1\] \(its provider user id\)" must be/,
    );
    for (const id of [b64('rollcall:v1:VOXIMPLANT:0'), b64('rollcall:v1:TWILIO_CONVERSATIONS:..')])
      expect((await node(id)).json).toEqual({ data: { node: null } });
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses a huge key in a federation representation, for that entity only', async () => {
    const response = await ask(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on TwilioConversationUser { sid } } }',
      {
        r: [
          { __typename: 'TwilioConversationUser', sid: HUGE },
          { __typename: 'TwilioConversationUser', sid: twilio().listed()[0].sid },
        ],
      },
    );
    const error = rejected(response, 'BAD_USER_INPUT', /"representations\.sid" must be/);
    expect(error.path).toEqual(['_entities', 0]);
    expect(response.json?.data).toEqual({ _entities: [null, { sid: twilio().listed()[0].sid }] });
    expect(twilio().calls.every((call) => call.path.length < 200)).toBe(true);
  });
});

describe('bad input is never reported as a rollcall bug (issue 13, finding 4)', () => {
  const entities = (representations: unknown[]) =>
    ask('query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { id } } }', {
      r: representations,
    });

  it.each([
    ['no id', [{ __typename: 'User' }], /"id" must be a string/],
    ['a number id', [{ __typename: 'User', id: 123 }], /"id" must be a string/],
    ['a null id', [{ __typename: 'User', id: null }], /"id" must be a string/],
    ['no key at all', [{ __typename: 'CometChatUser' }], /needs "id" \(a global id\) or "uid"/],
    [
      'a key of the wrong type',
      [{ __typename: 'CometChatUser', uid: { nested: true } }],
      /"uid" must be a string/,
    ],
    [
      'an unknown type',
      [{ __typename: 'Nope', id: 'x' }],
      /representations\[0\] must be an object whose "__typename" is one of/,
    ],
    ['no __typename', [{ id: 'x' }], /representations\[0\] must be an object/],
    ['a number', [3], /representations\[0\] must be an object/],
    ['a list', [[1, 2]], /representations\[0\] must be an object/],
  ])('answers _entities with %s as BAD_USER_INPUT', async (_what, representations, message) => {
    const response = await entities(representations);
    rejected(response, 'BAD_USER_INPUT', message);
    expect(JSON.stringify(response.json)).not.toMatch(/INTERNAL_SERVER_ERROR|first argument must be/);
    expect(upstreamCalls()).toBe(0);
  });

  it('fails each bad representation alone, whatever the mix, without an unhandled rejection', async () => {
    const response = await entities([
      { __typename: 'CometChatUser', uid: 'not a uid' },
      { __typename: 'User', id: 123 },
      { __typename: 'TwilioConversationUser' },
    ]);
    expect(response.json?.data).toEqual({ _entities: [null, null, null] });
    const errors = [...(response.json?.errors ?? [])].sort(
      (a, b) => Number(a.path?.[1]) - Number(b.path?.[1]),
    );
    expect(errors.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 0], 'BAD_USER_INPUT'],
      [['_entities', 1], 'BAD_USER_INPUT'],
      [['_entities', 2], 'BAD_USER_INPUT'],
    ]);
    // Give a stray rejection the chance to surface (jest fails the test on one).
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it.each([
    ['mutation { x }', /Cannot query field "x" on type "Mutation"/],
    ['subscription { x }', /no subscription type\. Supported operation types: query, mutation/],
    ['mutation Named { users { totalCount } }', /Cannot query field "users" on type "Mutation"/],
  ])('refuses %s as GRAPHQL_VALIDATION_FAILED, saying what is supported', async (query, message) => {
    rejected(await ask(query), 'GRAPHQL_VALIDATION_FAILED', message, 400);
  });
});

describe('one failure nulls only its own field (issue 13, finding 6)', () => {
  it('keeps users and the other fields when 2Chat fails', async () => {
    h.emulator('TWO_CHAT').injectFault({ status: 500, body: { success: false, error: true } });
    const response = await ask(
      '{ twoChatUsers(first: 7) { totalCount } users(first: 3) { nodes { id provider } } providers { provider } }',
    );
    h.emulator('TWO_CHAT').clearFaults();
    const data = response.json?.data as {
      twoChatUsers: null;
      users: { nodes: { provider: string }[] };
      providers: unknown[];
    };
    expect(data.twoChatUsers).toBeNull();
    expect(data.users.nodes.map((n) => n.provider)).toEqual([
      'TWILIO_CONVERSATIONS',
      'TWILIO_CONVERSATIONS',
      'TWILIO_CONVERSATIONS',
    ]);
    expect(data.providers).toHaveLength(PROVIDER_IDS.length);
    const paths = response.json?.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.provider]);
    expect(paths).toEqual(
      expect.arrayContaining([
        [['twoChatUsers'], 'UPSTREAM_UNAVAILABLE', 'TWO_CHAT'],
        [['users'], 'UPSTREAM_UNAVAILABLE', 'TWO_CHAT'],
      ]),
    );
  });

  it('keeps node when nodes holds a malformed id', async () => {
    const valid = b64('rollcall:v1:TWO_CHAT:nobody');
    const broken = b64('rollcall:v9:ADA:42');
    const response = await ask('query ($a: ID!, $b: [ID!]!) { node(id: $a) { id } nodes(ids: $b) { id } }', {
      a: valid,
      b: [valid, broken],
    });
    expect(response.json?.data).toEqual({ node: null, nodes: null });
    rejected(response, 'BAD_USER_INPUT', /unsupported version/);
    expect(response.json?.errors?.[0].path).toEqual(['nodes']);
  });

  it('keeps providers when no provider is configured', async () => {
    const bare = await startHarness({ providers: [] });
    try {
      const response = await graphql(
        bare.url,
        '{ providers { provider enabled } twoChatUsers(first: 1) { totalCount } users(first: 1) { totalCount } }',
      );
      expect(response.json?.data).toEqual({
        providers: PROVIDER_IDS.map((provider) => ({ provider, enabled: false })),
        twoChatUsers: null,
        users: { totalCount: 0 },
      });
      expect(response.json?.errors?.map((e) => e.extensions?.code)).toEqual(['PROVIDER_NOT_CONFIGURED']);
    } finally {
      await bare.stop();
    }
  });
});

describe('afterwards', () => {
  it('is still healthy and answers a normal query', async () => {
    const health = await http(`${h.url}/health`, {}, FAST_MS);
    expect(health.status).toBe(200);
    const { json } = await ask('{ users(first: 30) { edges { node { id provider } } } }');
    expect(json?.errors).toBeUndefined();
    expect((json!.data as Page).users.edges).toHaveLength(30);
    const metrics = await http(`${h.url}/metrics`, {}, FAST_MS);
    expect(metrics.status).toBe(200);
  });
});
