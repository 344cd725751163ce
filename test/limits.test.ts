import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getOperationAST, parse } from 'graphql';
import { OperationLimitError } from '../src/errors.js';
import { measureOperation, UNLIMITED, type OperationLimits } from '../src/limits.js';
import { twilioProvider } from '../src/providers/twilio/index.js';
import { startHarness, type Harness } from './support/harness.js';
import { subgraphSchema } from './support/schema.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    providers: [twilioProvider],
    env: {
      ROLLCALL_MAX_DEPTH: '6',
      ROLLCALL_MAX_ALIASES: '5',
      ROLLCALL_MAX_ROOT_FIELDS: '8',
      ROLLCALL_MAX_COST: '1500',
    },
  });
});
afterAll(() => h.stop());

describe('operation limits', () => {
  it('accepts ordinary queries within the limits, fragments included', async () => {
    const query = `{ twilioConversationUsers(first: 1) { edges { node { ...F } } } }
      fragment F on TwilioConversationUser { links { userConversations } }`;
    expect((await h.query(query)).errors).toBeUndefined();
  });

  it('rejects an operation over a limit before any upstream call', async () => {
    h.reset();
    const query = `{ twilioConversationUsers(first: 1) { edges { cursor } } ${Array.from({ length: 8 }, () => '__typename').join(' ')} }`;
    expect((await h.query(query)).errors?.[0].extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
    expect(h.emulator('TWILIO_CONVERSATIONS').calls).toHaveLength(0);
  });

  it('rejects depth over the limit', async () => {
    // providers is depth 1; build depth 7 through __type introspection nesting.
    const query = '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }';
    const result = await h.query(query);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({
      message:
        'The operation is at least 7 levels deep; the maximum is 6 (ROLLCALL_MAX_DEPTH). Select less deeply nested data.',
      extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'depth', maximum: 6, measured: 7 },
    });
  });

  it('rejects too many aliases', async () => {
    const query = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: providers { provider }`).join(' ')} }`;
    const result = await h.query(query);
    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'aliases',
      maximum: 5,
      measured: 6,
    });
  });

  it('rejects 300 aliases quickly with a clear error', async () => {
    const query = `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const result = await h.query(query);
    expect(result.status).toBe(400);
    // Counting stops at the first alias over the limit: the message says "at least".
    expect(result.errors?.[0].message).toMatch(
      /uses at least 6 aliases; the maximum is 5 \(ROLLCALL_MAX_ALIASES\)/,
    );
  });

  it('rejects too many root fields', async () => {
    const query = `{ providers { provider } ${Array.from({ length: 8 }, () => '__typename').join(' ')} }`;
    const result = await h.query(query);
    expect(result.errors?.[0].extensions).toMatchObject({ limit: 'rootFields', maximum: 8, measured: 9 });
  });

  it('prices connections by their requested page size, with variables', async () => {
    h.reset();
    const query =
      'query ($n: Int) { twilioConversationUsers(first: $n) { edges { cursor node { id sid identity friendlyName attributes } } } }';
    expect((await h.query(query, { n: 100 })).errors).toBeUndefined();
    // 100 users × 7 fields ≈ 700 passes; 100 users × 15 fields ≈ 1500+ does not.
    const result = await h.query(
      query.replace(
        'attributes',
        'attributes url dateCreated dateUpdated roleSid accountSid chatServiceSid isOnline isNotifiable',
      ),
      { n: 100 },
    );
    expect(result.errors?.[0]).toMatchObject({
      extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost', maximum: 1500 },
    });
    expect(result.errors?.[0].message).toMatch(
      /costs at least \d+ \(fields × requested page sizes\); the maximum is 1500 \(ROLLCALL_MAX_COST\)/,
    );
    expect(h.emulator('TWILIO_CONVERSATIONS').calls.length).toBe(2);
  });

  it('measures the same document again for other variables, and refuses a repeated offender every time', async () => {
    const query =
      'query ($n: Int) { twilioConversationUsers(first: $n) { edges { cursor node { id sid identity friendlyName attributes url dateCreated dateUpdated roleSid accountSid chatServiceSid isOnline } } } }';
    // 10 users pass, and are remembered as passing; 100 users of the same document do not.
    for (let round = 0; round < 2; round += 1)
      expect((await h.query(query, { n: 10 })).errors).toBeUndefined();
    for (let round = 0; round < 2; round += 1)
      expect((await h.query(query, { n: 100 })).errors?.[0].extensions?.code).toBe(
        'OPERATION_LIMIT_EXCEEDED',
      );
    expect((await h.query(query, { n: 10 })).errors).toBeUndefined();
  });
});

/** `fragment F0 on Query { ...F1 ...F1 }` … `fragment Fn on Query { providers { provider } }`. */
function fragmentBomb(n: number): string {
  const fragments = Array.from(
    { length: n },
    (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ ...F0 }\n${fragments.join('\n')}\nfragment F${n} on Query { providers { provider } }`;
}

const UNLIMITED_HERE: OperationLimits = { ...UNLIMITED, defaultPageSize: 20 };

function measure(
  query: string,
  variables: Record<string, unknown> = {},
  limits: Partial<OperationLimits> = {},
) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return measureOperation(subgraphSchema(), document, operation, variables, { ...UNLIMITED_HERE, ...limits });
}

describe('measuring an operation costs work linear in the document', () => {
  it('prices a fragment that spreads the next one twice, 26 deep, by arithmetic: 2^26 copies, 56 visits', () => {
    const document = fragmentBomb(26);
    expect(document.length).toBeLessThan(1100); // the 1,031-byte document of the report
    const measured = measure(document);
    // 2^26 expansions of `providers { provider }` (2 fields each), without expanding anything.
    expect(measured.cost).toBe(2 ** 27);
    expect(measured.rootFields).toBe(2 ** 26);
    // One visit per selection in the document: the root spread, two spreads per fragment, two fields.
    expect(measured.visits).toBe(1 + 2 * 26 + 2);
  });

  it('visits grow with the document, not with what it expands to', () => {
    const visits = [10, 20, 40].map((n) => measure(fragmentBomb(n)).visits);
    expect(visits).toEqual([1 + 2 * 10 + 2, 1 + 2 * 20 + 2, 1 + 2 * 40 + 2]);
  });

  it('stops at the first limit passed, with a lower bound as the measure', () => {
    let error: unknown;
    try {
      measure(fragmentBomb(26), {}, { maxCost: 5000 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OperationLimitError);
    const extensions = (error as OperationLimitError).extensions;
    expect(extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost', maximum: 5000 });
    expect(extensions.measured).toBeGreaterThan(5000);
  });

  it('measures a fragment once per parent type, wherever it is spread', () => {
    const query = `{ a: users(first: 2) { nodes { ...U } } b: node(id: "x") { ...U } }
      fragment U on User { id displayName ... on TwilioConversationUser { sid } }`;
    const measured = measure(query);
    // users: 1 + 2 × (nodes 1 + U 3) = 9; node: 1 + U 3 = 4.
    expect(measured.cost).toBe(13);
    expect(measured.aliases).toBe(2);
    expect(measured.depth).toBe(3);
  });
});

describe('the cost is priced on the values the executor will see', () => {
  const USERS = '{ nodes { id displayName providerUserId } }';
  it('uses variable defaults when the variable is not sent', () => {
    const query = `query ($n: Int = 100) { a: users(first: $n) ${USERS} b: users(first: $n) ${USERS} }`;
    const priced = (variables: Record<string, unknown>) => measure(query, variables).cost;
    expect(priced({})).toBe(2 * (1 + 100 * 4));
    expect(priced({ n: 100 })).toBe(priced({}));
    expect(priced({ n: 3 })).toBe(2 * (1 + 3 * 4));
    // An explicit null is no size: the default page size applies, as in the resolver.
    expect(priced({ n: null })).toBe(2 * (1 + 20 * 4));
  });

  it('uses list defaults for nodes(ids:)', () => {
    const ids = Array.from({ length: 90 }, (_, i) => `id${i}`);
    const query = `query ($ids: [ID!]! = ${JSON.stringify(ids)}) { nodes(ids: $ids) { id } }`;
    expect(measure(query).cost).toBe(1 + 90);
    expect(measure(query, { ids: ['a'] }).cost).toBe(2);
  });

  it('prices what @skip and @include leave in', () => {
    const query = `query ($on: Boolean = false) { users(first: 50) @include(if: $on) ${USERS} providers { provider } }`;
    expect(measure(query).cost).toBe(2);
    expect(measure(query, { on: true }).cost).toBe(2 + 1 + 50 * 4);
  });
});

describe('operation limits on variable defaults, over HTTP', () => {
  it('refuses an operation whose variable defaults ask for too much, without the variables too', async () => {
    h.reset();
    const USERS = '{ nodes { id displayName providerUserId } }';
    const aliases = ['a', 'b', 'c', 'd', 'e'].map((alias) => `${alias}: users(first: $n) ${USERS}`).join(' ');
    const query = `query ($n: Int = 100) { ${aliases} }`;
    for (const variables of [undefined, { n: 100 }]) {
      const result = await h.query(query, variables);
      expect(result.status).toBe(400);
      expect(result.errors?.[0].extensions).toMatchObject({
        code: 'OPERATION_LIMIT_EXCEEDED',
        limit: 'cost',
      });
    }
    expect(h.emulator('TWILIO_CONVERSATIONS').calls).toHaveLength(0);
    expect((await h.query(query, { n: 10 })).errors).toBeUndefined();
  });
});

describe('arguments that only execution would refuse', () => {
  it.each([
    [
      'a non-null argument sent null through a variable with a default',
      'query ($u: String = "x") { twoChatUser(uuid: $u) { uuid } }',
      { u: null },
      /Argument "uuid" of non-null type "String!" must not be null/,
    ],
    [
      'an @include condition sent null',
      'query ($x: Boolean = true) { providers @include(if: $x) { provider } }',
      { x: null },
      /Argument "if" of non-null type "Boolean!" must not be null/,
    ],
  ])(
    'refuses %s as BAD_USER_INPUT before anything runs, not as an internal error',
    async (_what, query, variables, message) => {
      h.reset();
      const result = await h.query(query, variables);
      expect(result.status).toBe(400);
      expect(result.errors?.[0]).toMatchObject({
        message: expect.stringMatching(message),
        extensions: { code: 'BAD_USER_INPUT' },
      });
      expect(h.emulator('TWILIO_CONVERSATIONS').calls).toHaveLength(0);
    },
  );
});
