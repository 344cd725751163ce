/**
 * A property-based test of the public API (issue 13): generated operations against the running server,
 * over HTTP, with every provider's emulator behind it. Each case is one operation with one provider
 * field (a connection with paging arguments and native filters, a lookup, `node`, `nodes`, `users` or
 * `_entities`) beside `providers`, whose arguments are generated: strings of any length and alphabet,
 * numbers at and past every bound, nulls, wrong types, real and mutated cursors and ids, cursors signed
 * with the right key around payloads of the wrong shape, each given inline, as a variable, or as a
 * variable's default that the request may omit.
 *
 * Properties of every answer:
 * 1. HTTP 200, 400 or 413, with `data` or `errors`;
 * 2. every error code is one rollcall documents, never INTERNAL_SERVER_ERROR, and never an UPSTREAM_*
 *    code (the emulators are healthy: an upstream error means input reached a provider that refused it);
 * 3. nothing in the answer is a credential, an upstream URL or an account identifier;
 * 4. input refused as bad costs no upstream call: a request refused whole (HTTP 400), or a field refused
 *    whole with BAD_USER_INPUT, made none (unless the refusal is the provider's own verdict on a
 *    well-formed cursor, which only it can give); and no upstream call ever carried an overlong value;
 * and, while the cases run, `/health` keeps answering.
 *
 * Seeded and reproducible: ROLLCALL_PROPERTY_SEED (default 20261201) and ROLLCALL_PROPERTY_RUNS (default
 * 300 in `npm test`; a long run sets thousands, e.g. `ROLLCALL_PROPERTY_RUNS=20000 npx jest properties`).
 * A failure prints the seed and the shrunk counterexample; replay it with the same seed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ErrorCode } from '../../src/errors.js';
import { PROVIDER_IDS } from '../../src/providers/registry.js';
import { CursorCodec, type CursorPayload } from '../../src/relay/cursor.js';
import { encodeGlobalId } from '../../src/relay/globalId.js';
import { startHarness, type Harness } from '../support/harness.js';
import { CONNECTION, http, type RawResponse } from '../support/safety.js';

const SEED = Number(process.env.ROLLCALL_PROPERTY_SEED ?? 20261201);
const RUNS = Number(process.env.ROLLCALL_PROPERTY_RUNS ?? 300);
const CURSOR_SECRET = 'property-test-cursor-secret';
/** Hang detector per request (not a performance assertion). */
const HANG_MS = 10_000;

let h: Harness;
/** Real cursors and ids read from the running server, to mutate; cursors by the field that issued them. */
const cursors: string[] = [];
const cursorsOf = new Map<string, string[]>();
const ids: string[] = [];
const nativeIds: string[] = [];
/** What must never appear in an answer. */
let forbidden: string[] = [];

const codec = new CursorCodec(CURSOR_SECRET);

beforeAll(async () => {
  h = await startHarness({
    env: { ROLLCALL_RETRIES: '0', ROLLCALL_CURSOR_SECRET: CURSOR_SECRET, ROLLCALL_MAX_PAGE_SIZE: '100' },
  });
  for (const provider of PROVIDER_IDS) {
    const field = CONNECTION[provider];
    const { data } = await h.query<
      Record<string, { edges: { cursor: string; node: { id: string; providerUserId: string } }[] }>
    >(`{ ${field}(first: 3) { edges { cursor node { id providerUserId } } } }`);
    cursorsOf.set(
      field,
      data![field].edges.map((edge) => edge.cursor),
    );
    for (const edge of data![field].edges) {
      cursors.push(edge.cursor);
      ids.push(edge.node.id);
      nativeIds.push(edge.node.providerUserId);
    }
  }
  const users = await h.query<{ users: { edges: { cursor: string }[] } }>(
    '{ users(first: 3) { edges { cursor } } }',
  );
  cursors.push(...users.data!.users.edges.map((e) => e.cursor));
  cursorsOf.set(
    'users',
    users.data!.users.edges.map((e) => e.cursor),
  );
  const env = h.emulators.env;
  const voximplant = JSON.parse(env.VOXIMPLANT_CREDENTIALS_JSON) as { key_id: string; private_key: string };
  forbidden = [
    env.TWOCHAT_API_KEY,
    env.TWILIO_AUTH_TOKEN,
    env.TWILIO_ACCOUNT_SID,
    env.ADA_API_KEY,
    env.COMETCHAT_API_KEY,
    env.COMETCHAT_APP_ID,
    voximplant.key_id,
    voximplant.private_key.split('\n')[1],
    CURSOR_SECRET,
    'http://127.0.0.1',
    ...[...h.emulators.byProvider.values()].map((e) => e.server.baseUrl.replace('http://', '')),
  ].filter((value): value is string => typeof value === 'string' && value.length >= 8);
});
afterAll(() => h.stop());

// ---------------------------------------------------------------------------------------------
// Values.
// ---------------------------------------------------------------------------------------------

/** An enum value: written bare in GraphQL, as a string in JSON variables. */
class Enum {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

/** A GraphQL literal for a JS value. */
function literal(value: unknown): string {
  if (value instanceof Enum) return value.name;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([key]) => /^[_A-Za-z][_0-9A-Za-z]*$/.test(key))
      .map(([key, v]) => `${key}: ${literal(v)}`)
      .join(', ')}}`;
  return 'null';
}

const huge = fc.integer({ min: 257, max: 250_000 }).map((n) => 'x'.repeat(n));
const tricky = fc.constantFrom(
  '',
  ' ',
  '.',
  '..',
  '../v1/Users',
  '%2e%2e',
  '?x=1&y=2',
  '#frag',
  'a,b',
  'x;y',
  'superhero1',
  'SuperHero6',
  'admin',
  'US' + 'a'.repeat(32),
  '\u0000',
  'line\nbreak',
  '😀',
);
const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z0-9_-]{1,12}$/) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 3, arbitrary: tricky },
  { weight: 1, arbitrary: huge },
  { weight: 4, arbitrary: fc.constant(null).chain(() => fc.constantFrom(...nativeIds)) },
);
const integer = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 100 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(-2147483648, -1, 0, 1, 2, 7, 49, 50, 51, 99, 100, 101, 124, 1000, 2147483647),
  },
  { weight: 1, arbitrary: fc.integer({ min: -5, max: 130 }) },
);
/** A value of the wrong type, or none. */
const wrong = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 5 }),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
);
const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 12, arbitrary }, { weight: 1, arbitrary: wrong });

/** A valid string mutated at one position. */
const mutated = (base: fc.Arbitrary<string>) =>
  fc.tuple(base, fc.nat(), fc.constantFrom(...'AZaz09-_=+/!~'.split(''))).map(([value, at, char]) => {
    if (value.length === 0) return char;
    const index = at % value.length;
    return value.slice(0, index) + char + value.slice(index + 1);
  });

const cursorNames = [...PROVIDER_IDS, `users:${PROVIDER_IDS.join(',')}`];
const cursorPayload = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<CursorPayload>,
  integer,
  fc.record({ t: fc.oneof(fc.string(), fc.constant(null), integer), p: integer, s: integer, i: integer }),
  fc.record({
    p: fc.constantFrom(...PROVIDER_IDS, 'SKYPE'),
    c: fc.jsonValue({ maxDepth: 1 }),
    d: fc.constantFrom('f', 'b', 'x'),
  }),
) as fc.Arbitrary<CursorPayload>;
/** A cursor: mostly one the field itself issued, else any other kind. */
const cursorFor = (field: string): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constant(null).chain(() => fc.constantFrom(...(cursorsOf.get(field) ?? cursors))),
    },
    { weight: 2, arbitrary: cursor },
  );
const cursor: fc.Arbitrary<string> = fc.oneof(
  fc.constant(null).chain(() => fc.constantFrom(...cursors)),
  mutated(fc.constant(null).chain(() => fc.constantFrom(...cursors))),
  fc
    .tuple(fc.constantFrom(...cursorNames), cursorPayload)
    .map(([name, payload]) => codec.encode(name, payload)),
  text,
);
const globalId: fc.Arbitrary<string> = fc.oneof(
  fc.constant(null).chain(() => fc.constantFrom(...ids)),
  mutated(fc.constant(null).chain(() => fc.constantFrom(...ids))),
  fc
    .tuple(fc.constantFrom(...PROVIDER_IDS), text)
    .map(([provider, native]) => encodeGlobalId(provider, 'any-source', native)),
  fc.string({ maxLength: 20 }).map((tail) => Buffer.from(`rollcall:v9:${tail}`).toString('base64url')),
  text,
);

// ---------------------------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------------------------

interface Arg {
  name: string;
  /** The GraphQL type a variable for it is declared with. */
  type: string;
  value: fc.Arbitrary<unknown>;
  /** How much likelier it is left out than given (default 1). */
  rare?: number;
}

interface Template {
  field: string;
  args: Arg[];
  selection: string;
}

const CONNECTION_SELECTION =
  '{ totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id providerUserId } } }';
const paging = (field: string): Arg[] => [
  { name: 'first', type: 'Int', value: maybe(integer) },
  { name: 'after', type: 'String', value: maybe(cursorFor(field)) },
  { name: 'last', type: 'Int', value: maybe(integer), rare: 4 },
  { name: 'before', type: 'String', value: maybe(cursorFor(field)), rare: 4 },
];
const option = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
const enums = (...names: string[]) => fc.constantFrom(...names.map((name) => new Enum(name)));

/** A lookup by one native id argument. */
const lookup = (field: string, name: string, type: string, value: fc.Arbitrary<unknown>): Template => ({
  field,
  args: [{ name, type, value: maybe(value) }],
  selection: `{ id ${name} }`,
});

const TEMPLATES: Template[] = [
  { field: 'twoChatUsers', args: paging('twoChatUsers'), selection: CONNECTION_SELECTION },
  {
    field: 'twilioConversationUsers',
    args: paging('twilioConversationUsers'),
    selection: CONNECTION_SELECTION,
  },
  {
    field: 'adaEndUsers',
    args: [...paging('adaEndUsers'), { name: 'externalId', type: 'String', value: maybe(text) }],
    selection: CONNECTION_SELECTION,
  },
  {
    field: 'cometChatUsers',
    args: [
      ...paging('cometChatUsers'),
      {
        name: 'filter',
        type: 'CometChatUserFilter',
        value: maybe(
          fc.record(
            {
              searchKey: option(text),
              searchIn: option(fc.array(enums('NAME', 'UID'), { maxLength: 3 })),
              status: option(enums('AVAILABLE', 'OFFLINE')),
              role: option(text),
              roles: option(fc.array(text, { maxLength: 30 })),
              tags: option(fc.array(text, { maxLength: 30 })),
              withTags: option(fc.boolean()),
              onlyDeactivated: option(fc.boolean()),
              withDeactivated: option(fc.boolean()),
            },
            { requiredKeys: [] },
          ),
        ),
      },
    ],
    selection: CONNECTION_SELECTION,
  },
  {
    field: 'voximplantUsers',
    args: [
      ...paging('voximplantUsers'),
      {
        name: 'filter',
        type: 'VoximplantUserFilter',
        value: maybe(
          fc.record(
            {
              applicationId: option(integer),
              applicationName: option(text),
              skillId: option(integer),
              excludedSkillId: option(integer),
              acdQueueId: option(integer),
              userId: option(integer),
              userName: option(text),
              userDisplayName: option(text),
              userActive: option(fc.boolean()),
              acdStatus: option(fc.array(enums('READY', 'ONLINE', 'DND', 'BANNED'), { maxLength: 10 })),
              withSkills: option(fc.boolean()),
              withQueues: option(fc.boolean()),
              showingSkillId: option(integer),
              returnLiveBalance: option(fc.boolean()),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      {
        name: 'orderBy',
        type: 'VoximplantUserOrder',
        value: maybe(enums('USER_ID', 'USER_NAME', 'USER_DISPLAY_NAME')),
      },
    ],
    selection: CONNECTION_SELECTION,
  },
  {
    field: 'users',
    args: [
      ...paging('users'),
      {
        name: 'providers',
        type: '[Provider!]',
        value: maybe(fc.array(enums(...PROVIDER_IDS), { maxLength: 6 })),
      },
    ],
    selection:
      '{ totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id provider providerUserId } } }',
  },
  lookup('twoChatUser', 'uuid', 'String!', text),
  lookup('twilioConversationUser', 'sid', 'String!', text),
  lookup('adaEndUser', 'endUserId', 'String!', text),
  lookup('cometChatUser', 'uid', 'String!', text),
  lookup('voximplantUser', 'userId', 'Int!', integer),
  {
    field: 'node',
    args: [{ name: 'id', type: 'ID!', value: maybe(globalId) }],
    selection: '{ id ... on User { providerUserId } }',
  },
  {
    field: 'nodes',
    args: [{ name: 'ids', type: '[ID!]!', value: maybe(fc.array(globalId, { maxLength: 120 })) }],
    selection: '{ id ... on User { providerUserId } }',
  },
  {
    field: '_entities',
    args: [
      {
        name: 'representations',
        type: '[_Any!]!',
        value: fc.array(
          fc.oneof(
            fc.record(
              {
                __typename: fc.constantFrom(
                  'User',
                  'TwoChatUser',
                  'TwilioConversationUser',
                  'AdaEndUser',
                  'CometChatUser',
                  'VoximplantUser',
                  'Node',
                  'Nope',
                ),
                id: option(fc.oneof(globalId, wrong)),
                uuid: option(text),
                sid: option(text),
                endUserId: option(text),
                uid: option(fc.oneof(text, wrong)),
                userId: option(fc.oneof(integer, text)),
              },
              { requiredKeys: ['__typename'] },
            ),
            fc.anything({ maxDepth: 1 }),
          ),
          { maxLength: 20 },
        ),
      },
    ],
    selection: '{ __typename ... on User { id providerUserId } }',
  },
];

type Mode = 'omitted' | 'literal' | 'variable' | 'default' | 'defaultOverridden';

/** One generated case: plain data only, so that a failure prints a readable counterexample. */
interface Case {
  field: string;
  args: { name: string; mode: Mode; value: unknown; override: unknown }[];
  withProviders: boolean;
}

const caseArbitrary: fc.Arbitrary<Case> = fc.integer({ min: 0, max: TEMPLATES.length - 1 }).chain((index) => {
  const template = TEMPLATES[index];
  return fc.record({
    field: fc.constant(template.field),
    args: fc.tuple(
      ...template.args.map((arg) =>
        fc.record({
          name: fc.constant(arg.name),
          mode: fc.oneof(
            { weight: 3 * (arg.rare ?? 1), arbitrary: fc.constant<Mode>('omitted') },
            {
              weight: 1,
              arbitrary: fc.constantFrom<Mode>('literal', 'variable', 'default', 'defaultOverridden'),
            },
          ),
          value: arg.value,
          override: arg.value,
        }),
      ),
    ),
    withProviders: fc.boolean(),
  });
});

/** The request a case stands for. */
function requestOf(c: Case): { query: string; variables: Record<string, unknown> } {
  const definitions: string[] = [];
  const args: string[] = [];
  const variables: Record<string, unknown> = {};
  const template = TEMPLATES.find((t) => t.field === c.field) as Template;
  for (const { name, mode, value, override } of c.args) {
    const arg = template.args.find((a) => a.name === name) as Arg;
    if (mode === 'omitted') continue;
    if (mode === 'literal') {
      args.push(`${arg.name}: ${literal(value)}`);
      continue;
    }
    // A variable. One with a default is declared nullable (GraphQL allows it where the argument is
    // non-null), so a request can still send an explicit null that only execution would notice.
    const declared = mode === 'variable' ? arg.type : `${arg.type.replace(/!$/, '')} = ${literal(value)}`;
    definitions.push(`$${arg.name}: ${declared}`);
    args.push(`${arg.name}: $${arg.name}`);
    if (mode === 'variable') variables[arg.name] = JSON.parse(JSON.stringify(value ?? null)) as unknown;
    if (mode === 'defaultOverridden')
      variables[arg.name] = JSON.parse(JSON.stringify(override ?? null)) as unknown;
  }
  const head = definitions.length > 0 ? `query Case(${definitions.join(', ')})` : 'query Case';
  const call = args.length > 0 ? `${template.field}(${args.join(', ')})` : template.field;
  const providers = c.withProviders ? 'providers { provider enabled } ' : '';
  return { query: `${head} { ${providers}f: ${call} ${template.selection} }`, variables };
}

// ---------------------------------------------------------------------------------------------
// The property.
// ---------------------------------------------------------------------------------------------

const DOCUMENTED = new Set<string>(Object.values(ErrorCode));
const upstreamCalls = () => [...h.emulators.byProvider.values()].flatMap((e) => e.server.calls);

async function send(request: { query: string; variables: Record<string, unknown> }): Promise<RawResponse> {
  return http(
    `${h.url}/graphql`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) },
    HANG_MS,
  );
}

function check(request: { query: string; variables: Record<string, unknown> }, answer: RawResponse): void {
  const calls = upstreamCalls();
  const context = `query: ${request.query.slice(0, 500)}\nvariables: ${JSON.stringify(request.variables).slice(0, 500)}\nanswer: ${answer.status} ${answer.text.slice(0, 800)}`;
  const fail = (why: string) => {
    throw new Error(`${why}\n${context}`);
  };
  // 1. Status and shape.
  if (![200, 400, 413].includes(answer.status)) fail(`HTTP ${answer.status}`);
  const body = answer.json;
  if (!body || (body.data === undefined && body.errors === undefined)) fail('neither data nor errors');
  // 2. Codes.
  for (const error of body!.errors ?? []) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !DOCUMENTED.has(code)) fail(`undocumented code ${String(code)}`);
    if (code === ErrorCode.INTERNAL_SERVER_ERROR) fail('INTERNAL_SERVER_ERROR');
    if (String(code).startsWith('UPSTREAM_')) fail(`${String(code)} from a healthy emulator`);
  }
  // 3. Nothing secret.
  for (const secret of forbidden)
    if (answer.text.includes(secret)) fail(`the answer contains "${secret.slice(0, 12)}…"`);
  // 4. Refused input costs no upstream call, and nothing overlong travels.
  // (A refusal that carries an `upstreamCode` is the provider's verdict on a well-formed cursor, e.g. a
  // Twilio page token it no longer accepts: only the provider can tell, so it was asked.)
  const refusedWhole =
    answer.status !== 200 ||
    (body!.errors ?? []).some(
      (e) =>
        e.extensions?.code === 'BAD_USER_INPUT' &&
        e.extensions.upstreamCode === undefined &&
        e.path?.length === 1 &&
        e.path[0] === 'f',
    );
  if (refusedWhole && calls.length > 0) fail(`${calls.length} upstream call(s) for refused input`);
  for (const call of calls) {
    const values = [call.path, ...Object.values(call.query).flat(), call.body];
    if (values.some((value) => value.length > 600))
      fail(`an upstream call carried ${values.map((v) => v.length)} characters`);
  }
}

/** What the cases exercised, printed at the end: a generator that only produced refusals proves little. */
const seen = {
  status: new Map<number, number>(),
  codes: new Map<string, number>(),
  withUpstreamCalls: 0,
  withData: 0,
};
function tally(answer: RawResponse, calls: number): void {
  seen.status.set(answer.status, (seen.status.get(answer.status) ?? 0) + 1);
  for (const error of answer.json?.errors ?? []) {
    const code = String(error.extensions?.code);
    seen.codes.set(code, (seen.codes.get(code) ?? 0) + 1);
  }
  if (calls > 0) seen.withUpstreamCalls += 1;
  const field = (answer.json?.data as Record<string, unknown> | null | undefined)?.f;
  if (field !== null && field !== undefined) seen.withData += 1;
}

describe('the public API under generated input', () => {
  it(`answers every generated request within the contract (${RUNS} cases, seed ${SEED})`, async () => {
    let done = false;
    const health: { ok: number; failed: string[] } = { ok: 0, failed: [] };
    const poller = (async () => {
      while (!done) {
        try {
          const answer = await http(`${h.url}/health`, {}, HANG_MS);
          if (answer.status === 200) health.ok += 1;
          else health.failed.push(`HTTP ${answer.status}`);
        } catch (error) {
          health.failed.push(String(error));
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    let cases = 0;
    try {
      await fc.assert(
        fc.asyncProperty(caseArbitrary, async (c) => {
          cases += 1;
          for (const { server } of h.emulators.byProvider.values()) server.resetCalls();
          const request = requestOf(c);
          const answer = await send(request);
          tally(answer, upstreamCalls().length);
          check(request, answer);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    } finally {
      done = true;
      await poller;
    }
    console.info(
      `properties: ${cases} cases; HTTP ${JSON.stringify(Object.fromEntries(seen.status))}; codes ${JSON.stringify(Object.fromEntries(seen.codes))}; ${seen.withData} answered with data, ${seen.withUpstreamCalls} reached an upstream; /health answered ${health.ok} times`,
    );
    expect(cases).toBeGreaterThanOrEqual(RUNS);
    // The generators reach every outcome: answers with data, upstream calls, and refusals.
    expect(seen.withData).toBeGreaterThan(RUNS / 10);
    expect(seen.withUpstreamCalls).toBeGreaterThan(RUNS / 10);
    expect(health.failed).toEqual([]);
    expect(health.ok).toBeGreaterThan(0);
  }, 600_000);
});
