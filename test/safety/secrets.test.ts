/**
 * The secret scan (issue 8): distinctive credentials for every provider (and a cursor key), the whole
 * fault matrix, normal paging, lookups and error queries, wrong credentials that the upstream quotes back,
 * and every log line at `trace`. Fails if any secret, in clear, base64 or base64url (at any alignment, so
 * also inside a longer encoded string such as Twilio's `Basic base64(sid:token)`), shows up in a response
 * body or header, a log line, or a decoded cursor or id. The bearer tokens rollcall actually sent (read
 * from the emulators' call logs: Voximplant's signed JWTs included) count as secrets too.
 *
 * Also: a ConfigError for secrets put in the wrong variables, or in the wrong places of the configuration
 * file, names the variables (or the file's paths) and quotes none of them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { EmulatorServer } from '../../src/emulators/base.js';
import type { RunningEmulators } from '../../src/emulators/demo.js';
import { AdaEmulator } from '../../src/providers/ada/emulator.js';
import { CometChatEmulator } from '../../src/providers/cometchat/emulator.js';
import type { ProviderId } from '../../src/providers/core/record.js';
import { PROVIDER_IDS, PROVIDERS } from '../../src/providers/registry.js';
import type { DemoEmulator, RunningEmulator } from '../../src/providers/core/definition.js';
import { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { TwoChatEmulator } from '../../src/providers/twochat/emulator.js';
import { VoximplantEmulator } from '../../src/providers/voximplant/emulator.js';
import { startReplica, type Replica } from '../support/harness.js';
import { FAULT_CASES } from '../support/faults.js';
import { CONNECTION, graphql, http, memoryLogger, settle, type RawResponse } from '../support/safety.js';

const pem = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;

const TWILIO_SID = `AC${'5ec7e75'.repeat(5).slice(0, 32)}`;
const SECRETS = {
  twoChat: 'tc-S3CRET-1f9a7c3e5b2d4086',
  twilioToken: 'tw-S3CRET-8d2e6a4c1b3f5097',
  ada: 'ada-S3CRET-4b7d9f1e3a5c6082',
  cometChat: 'cc-S3CRET-6e1a3c5b7d9f2048',
  cometChatAuthOnly: 'cc-SCOPE-S3CRET-2a4c6e8b0d1f3957',
  cursor: 'cursor-S3CRET-9c7e5a3b1d2f4068',
  voxPrivateKey: pem(),
};
/** Credentials the emulators refuse (each quoted back by some upstream error texts). */
const WRONG = {
  twoChat: 'tc-WR0NG-S3CRET-7a5c3e1f9b8d6042',
  twilioToken: 'tw-WR0NG-S3CRET-3e5a7c9b1d2f4086',
  ada: 'ada-WR0NG-S3CRET-9d7b5f3a1c2e4068',
  cometChat: 'cc-WR0NG-S3CRET-1b3d5f7a9c8e6024',
  voxPrivateKey: pem(),
};

const ENV = {
  ROLLCALL_CURSOR_SECRET: SECRETS.cursor,
  ROLLCALL_RETRIES: '2',
  ROLLCALL_RETRY_BACKOFF_MS: '5',
  ROLLCALL_RETRY_MAX_BACKOFF_MS: '200',
  ROLLCALL_UPSTREAM_TIMEOUT_MS: '1000',
  ROLLCALL_BREAKER_THRESHOLD: '1000',
};

// ---------------------------------------------------------------------------------------------
// What counts as a leak.
// ---------------------------------------------------------------------------------------------

/**
 * A secret's clear, base64 and base64url forms. Inside a longer encoded string the secret's bytes can
 * start at any of three offsets, so each offset's encoding is included, minus the characters it shares
 * with its neighbours.
 */
function encodedForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set([secret, bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url')]);
  for (const [offset, skip] of [
    [0, 0],
    [1, 2],
    [2, 3],
  ]) {
    const encoded = Buffer.concat([Buffer.alloc(offset, 0x20), bytes]).toString('base64');
    const core = encoded.slice(skip, encoded.length - 4);
    if (core.length >= 12) {
      forms.add(core);
      forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}

/** The PEM's key material, as a few 48-character runs of its base64 body. */
function pemSecrets(text: string): string[] {
  const body = text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return [0.1, 0.35, 0.6, 0.85].map((at) =>
    body.slice(Math.floor(body.length * at), Math.floor(body.length * at) + 48),
  );
}

interface Needle {
  label: string;
  text: string;
}

function needles(secrets: Record<string, string>): Needle[] {
  const out: Needle[] = [];
  for (const [label, secret] of Object.entries(secrets)) {
    if (/-----BEGIN/.test(secret)) {
      for (const [i, run] of pemSecrets(secret).entries())
        out.push({ label: `${label} (PEM run ${i})`, text: run });
      continue;
    }
    for (const text of encodedForms(secret)) out.push({ label, text });
  }
  return out;
}

/** Every base64/base64url-looking token in `text`, decoded, recursively (cursors in cursors, ids). */
function decoded(text: string, depth = 3): string[] {
  if (depth === 0) return [];
  const out: string[] = [];
  for (const token of text.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []) {
    const plain = Buffer.from(token.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    out.push(plain, ...decoded(plain, depth - 1));
  }
  return out;
}

interface Haystack {
  where: string;
  text: string;
}

function findLeaks(haystacks: Haystack[], list: Needle[]): string[] {
  const leaks: string[] = [];
  for (const { where, text } of haystacks) {
    const variants = [text, ...decoded(text)];
    for (const needle of list) {
      const hit = variants.find((v) => v.includes(needle.text));
      if (hit !== undefined) {
        const at = hit.indexOf(needle.text);
        leaks.push(
          `${needle.label} in ${where}: …${hit.slice(Math.max(0, at - 80), at + needle.text.length + 40)}…`,
        );
      }
    }
  }
  return leaks;
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------

const { logger, lines } = memoryLogger('trace');
const responses: Haystack[] = [];
let emulators: RunningEmulators;
const replicas: Replica[] = [];
let twilio: TwilioEmulator;
let cometChat: CometChatEmulator;
let voximplant: VoximplantEmulator;

function keep(what: string, response: RawResponse): RawResponse {
  const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
  responses.push(
    { where: `${what} (headers)`, text: headers },
    { where: `${what} (body)`, text: response.text },
  );
  return response;
}
const ask = async (replica: Replica, query: string, variables?: Record<string, unknown>) =>
  keep(query.slice(0, 60), await graphql(replica.url, query, variables, 10_000));

beforeAll(async () => {
  twilio = new TwilioEmulator({ accountSid: TWILIO_SID, authToken: SECRETS.twilioToken });
  cometChat = new CometChatEmulator({ apiKey: SECRETS.cometChat, authOnlyKey: SECRETS.cometChatAuthOnly });
  voximplant = await VoximplantEmulator.create({ privateKey: SECRETS.voxPrivateKey });
  const servers = [
    new TwoChatEmulator({ apiKey: SECRETS.twoChat }),
    twilio,
    new AdaEmulator({ apiKey: SECRETS.ada }),
    cometChat,
    voximplant,
  ];
  await Promise.all(servers.map((s) => s.start()));
  const running = (server: DemoEmulator): RunningEmulator => ({
    server,
    env: server.demoEnv(),
    sourceEnv: server.demoSourceEnv?.() ?? server.demoEnv(),
  });
  const byProvider = new Map<ProviderId, RunningEmulator>(
    PROVIDER_IDS.map((id, i) => [id, running(servers[i])]),
  );
  emulators = {
    byProvider,
    env: Object.assign({}, ...[...byProvider.values()].map((e) => e.env)) as Record<string, string>,
    sources: PROVIDERS.map((definition, i) => {
      const emulator = running(servers[i]);
      return { name: definition.source.key, provider: definition.id, env: emulator.sourceEnv, emulator };
    }),
    stop: async () => {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
});
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await emulators?.stop();
});

async function replica(env: Record<string, string> = {}): Promise<Replica> {
  const started = await startReplica(emulators, { ...ENV, ...env }, logger);
  replicas.push(started);
  return started;
}

type Page = Record<
  string,
  {
    edges: { cursor: string; node: { id: string; providerUserId: string } }[];
    pageInfo: { endCursor: string | null; startCursor: string | null };
  }
>;
const PAGE = 'edges { cursor node { id providerUserId } } pageInfo { endCursor startCursor }';

const LOOKUP: Record<ProviderId, (id: string) => string> = {
  TWO_CHAT: (id) => `twoChatUser(uuid: ${JSON.stringify(id)}) { id }`,
  TWILIO_CONVERSATIONS: (id) => `twilioConversationUser(sid: ${JSON.stringify(id)}) { id }`,
  ADA: (id) => `adaEndUser(endUserId: ${JSON.stringify(id)}) { id }`,
  COMETCHAT: (id) => `cometChatUser(uid: ${JSON.stringify(id)}) { id }`,
  VOXIMPLANT: (id) => `voximplantUser(userId: ${Number(id)}) { id }`,
};
const MISSING: Record<ProviderId, string> = {
  TWO_CHAT: 'USR-no-such-user',
  TWILIO_CONVERSATIONS: 'USffffffffffffffffffffffffffffffff',
  ADA: 'ffffffffffffffffffffffff',
  COMETCHAT: 'no-such-uid',
  VOXIMPLANT: '999999999',
};

async function normalTraffic(r: Replica): Promise<void> {
  const ids: string[] = [];
  for (const provider of PROVIDER_IDS) {
    const field = CONNECTION[provider];
    const first = await ask(r, `query ($after: String) { ${field}(first: 7, after: $after) { ${PAGE} } }`);
    const page = (first.json?.data as Page | undefined)?.[field];
    expect(page?.edges).toHaveLength(7);
    ids.push(...page!.edges.map((e) => e.node.id));
    await ask(r, `query ($after: String) { ${field}(first: 7, after: $after) { ${PAGE} } }`, {
      after: page!.pageInfo.endCursor,
    });
    // Backward (Ada answers BAD_USER_INPUT: it pages forward only).
    await ask(r, `query ($before: String) { ${field}(last: 3, before: $before) { ${PAGE} } }`, {
      before: page!.pageInfo.endCursor,
    });
    const native = page!.edges[2].node.providerUserId;
    await ask(r, `{ a: ${LOOKUP[provider](native)} b: ${LOOKUP[provider](MISSING[provider])} }`);
    // Another connection's cursor.
    await ask(r, `query ($after: String) { users(first: 2, after: $after) { ${PAGE} } }`, {
      after: page!.pageInfo.endCursor,
    });
  }
  let after: string | null = null;
  for (let i = 0; i < 3; i += 1) {
    const users = await ask(r, `query ($after: String) { users(first: 40, after: $after) { ${PAGE} } }`, {
      after,
    });
    after = (users.json?.data as Page).users.pageInfo.endCursor;
  }
  await ask(r, 'query ($id: ID!) { node(id: $id) { id ... on User { displayName raw } } }', { id: ids[3] });
  await ask(r, 'query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { provider raw } } }', {
    ids: [...ids, 'VXNlcjox'],
  });
  await ask(r, '{ providers { provider enabled mode circuit } }');
  // Errors of every kind.
  await ask(r, '{ twilioConversationUsers(first: 2, after: "garbage!") { edges { cursor } } }');
  await ask(r, '{ cometChatUsers(first: 5000) { edges { cursor } } }');
  await ask(r, '{ users(first: 1, last: 1) { edges { cursor } } }');
  await ask(r, '{ users(providers: [NOPE]) { edges { cursor } } }');
  await ask(r, `{ node(id: "${Buffer.from('rollcall:v1:NOPE:1').toString('base64url')}") { id } }`);
  await ask(r, '{ noSuchField }');
  const post = (body: string, contentType: string) =>
    http(`${r.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType }, body });
  keep('non-JSON body', await post('{"query": ', 'application/json'));
  keep('text/plain', await post('{"query":"{ providers { provider } }"}', 'text/plain'));
  keep('GET /health', await http(`${r.url}/health`));
  keep('GET /metrics', await http(`${r.url}/metrics`));
  keep('GET /', await http(`${r.url}/`, { redirect: 'manual' }));
  keep('GET /graphql (landing page)', await http(`${r.url}/graphql`, { headers: { accept: 'text/html' } }));
  keep('GET /nowhere', await http(`${r.url}/nowhere`));
}

async function faultTraffic(r: Replica): Promise<void> {
  for (const c of FAULT_CASES) {
    const providers = PROVIDER_IDS.filter((p) => !c.only || c.only === p);
    for (const p of providers) {
      const server = emulators.byProvider.get(p)!.server;
      server.injectFault(c.fault(server));
    }
    await Promise.all([
      ...providers.map((p) => ask(r, `{ ${CONNECTION[p]}(first: 3) { ${PAGE} } }`)),
      ask(r, `{ users(first: 600) { ${PAGE} } }`),
    ]);
    for (const p of providers) {
      const server = emulators.byProvider.get(p)!.server;
      server.clearFaults();
      await settle(server);
    }
  }
}

/** An upstream that quotes the credential it refused, in every text field its error body has. */
function quoting(server: EmulatorServer, quote: string) {
  return server.refusal(`The credential ${quote} is not valid`);
}

async function quotingTraffic(r: Replica): Promise<void> {
  const jwt = String(voximplant.calls.at(-1)?.headers.authorization).replace(/^Bearer /, '');
  const quotes: Record<ProviderId, string> = {
    TWO_CHAT: SECRETS.twoChat,
    TWILIO_CONVERSATIONS: `${SECRETS.twilioToken} (${TWILIO_SID}:${SECRETS.twilioToken})`,
    ADA: SECRETS.ada,
    COMETCHAT: SECRETS.cometChat,
    VOXIMPLANT: jwt,
  };
  for (const provider of PROVIDER_IDS) {
    const server = emulators.byProvider.get(provider)!.server;
    server.injectFault(quoting(server, quotes[provider]));
    const answer = await ask(r, `{ ${CONNECTION[provider]}(first: 3) { ${PAGE} } }`);
    expect(answer.json?.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED', provider });
    // No provider passes the upstream's text on (it goes to the debug log, scrubbed).
    expect(answer.json?.errors?.[0].message).not.toMatch(/The credential/);
    server.clearFaults();
  }
}

/** The ConfigError `load` throws, as every text it could reach a log with (message, stack, inspect, JSON). */
function refusal(load: () => unknown): { message: string; texts: string[] } {
  let thrown: unknown;
  try {
    load();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  return {
    message: error.message,
    texts: [error.message, String(error.stack), inspect(error, { depth: 5 }), JSON.stringify(error.problems)],
  };
}

describe('secret scan', () => {
  it('finds no secret in any response, header, log line or cursor, through normal traffic, every fault and wrong credentials', async () => {
    const good = await replica();
    await normalTraffic(good);
    await faultTraffic(good);
    await quotingTraffic(good);

    // Wrong credentials everywhere: CometChat's 401 quotes the refused key back, its 403 the scoped key.
    const wrong = await replica({
      TWOCHAT_API_KEY: WRONG.twoChat,
      TWILIO_AUTH_TOKEN: WRONG.twilioToken,
      ADA_API_KEY: WRONG.ada,
      COMETCHAT_API_KEY: WRONG.cometChat,
      VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify({
        ...voximplant.credentials,
        private_key: WRONG.voxPrivateKey,
      }),
    });
    const scoped = await replica({ COMETCHAT_API_KEY: SECRETS.cometChatAuthOnly });
    for (const r of [wrong, scoped]) {
      for (const provider of PROVIDER_IDS) await ask(r, `{ ${CONNECTION[provider]}(first: 3) { ${PAGE} } }`);
      await ask(r, `{ users(first: 50) { ${PAGE} } }`);
    }
    const refused = await ask(wrong, `{ cometChatUsers(first: 1) { edges { cursor } } }`);
    expect(refused.json?.errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_UNAUTHORIZED',
      upstreamCode: 'AUTH_ERR_APIKEY_NOT_FOUND',
    });
    expect(cometChat.calls.some((c) => c.headers.apikey === WRONG.cometChat)).toBe(true);

    // The credentials rollcall actually sent are secrets too: JWTs, Basic and Bearer values, API keys.
    const sent = new Set<string>();
    for (const { server } of emulators.byProvider.values())
      for (const call of server.calls)
        for (const name of ['authorization', 'apikey', 'x-user-api-key']) {
          const value = call.headers[name];
          if (typeof value !== 'string') continue;
          sent.add(value);
          sent.add(value.replace(/^(Bearer|Basic)\s+/i, ''));
        }
    expect([...sent].some((v) => v.split('.').length === 3)).toBe(true); // Voximplant's JWTs were seen

    const list = needles({
      ...SECRETS,
      ...Object.fromEntries(Object.entries(WRONG).map(([k, v]) => [`wrong ${k}`, v])),
      'Twilio basic credentials': `${TWILIO_SID}:${SECRETS.twilioToken}`,
      ...Object.fromEntries([...sent].map((v, i) => [`sent credential ${i}`, v])),
    });

    // The scanner itself: it must see a secret hidden in Basic auth and in a cursor-like token.
    const basic = Buffer.from(`${TWILIO_SID}:${SECRETS.twilioToken}`).toString('base64');
    const wrapped = Buffer.from(JSON.stringify([1, 'x', SECRETS.ada])).toString('base64url');
    expect(findLeaks([{ where: 'self-test', text: `Basic ${basic}` }], list)).not.toHaveLength(0);
    expect(findLeaks([{ where: 'self-test', text: `{"c":"${wrapped}"}` }], list)).not.toHaveLength(0);

    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.includes('"msg":"upstream call failed"'))).toBe(true);
    expect(responses.length).toBeGreaterThan(200);
    const leaks = findLeaks(
      [...responses, ...lines.map((text, i) => ({ where: `log line ${i}`, text }))],
      list,
    );
    expect(leaks).toEqual([]);
  }, 60_000);
});

describe('ConfigError', () => {
  const secret = 'cfg-S3CRET-0d2f4b6a8c1e3957';
  const cases: [string, Record<string, string>][] = [
    ['PORT', { PORT: secret }],
    ['ROLLCALL_RETRIES', { ROLLCALL_RETRIES: secret }],
    ['ROLLCALL_UPSTREAM_TIMEOUT_MS', { ROLLCALL_UPSTREAM_TIMEOUT_MS: secret }],
    ['ROLLCALL_MAX_BODY_BYTES', { ROLLCALL_MAX_BODY_BYTES: `9${secret}` }],
    ['LOG_LEVEL', { LOG_LEVEL: secret }],
    ['ROLLCALL_DEMO', { ROLLCALL_DEMO: secret }],
    ['REDIS_URL', { REDIS_URL: `http://:${secret}@localhost:6379` }],
    ['TWOCHAT_BASE_URL', { TWOCHAT_API_KEY: 'k', TWOCHAT_BASE_URL: `https://user:${secret}@api.p.2chat.io` }],
    ['ADA_BASE_URL', { ADA_API_KEY: 'k', ADA_BASE_URL: secret }],
    ['TWILIO_ACCOUNT_SID', { TWILIO_ACCOUNT_SID: secret, TWILIO_AUTH_TOKEN: 't' }],
    [
      'TWILIO_API_KEY_SID',
      { TWILIO_ACCOUNT_SID: TWILIO_SID, TWILIO_API_KEY_SID: secret, TWILIO_API_KEY_SECRET: 's' },
    ],
    ['COMETCHAT_REGION', { COMETCHAT_API_KEY: 'k', COMETCHAT_APP_ID: 'app', COMETCHAT_REGION: secret }],
    ['COMETCHAT_APP_ID', { COMETCHAT_API_KEY: 'k', COMETCHAT_APP_ID: `${secret}!`, COMETCHAT_REGION: 'us' }],
    [
      'VOXIMPLANT_CREDENTIALS_JSON',
      { VOXIMPLANT_CREDENTIALS_JSON: `${secret}{`, VOXIMPLANT_APPLICATION_ID: '1' },
    ],
    [
      'VOXIMPLANT_CREDENTIALS_JSON',
      {
        VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify({
          account_id: 1,
          key_id: 'k',
          private_key: `PRIVATE KEY ${secret}`,
        }),
        VOXIMPLANT_APPLICATION_ID: '1',
      },
    ],
    [
      'VOXIMPLANT_CREDENTIALS',
      { VOXIMPLANT_CREDENTIALS: `/nonexistent/${secret}.json`, VOXIMPLANT_APPLICATION_ID: '1' },
    ],
    [
      'VOXIMPLANT_APPLICATION_ID',
      {
        VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify({
          account_id: 1,
          key_id: 'k',
          private_key: SECRETS.voxPrivateKey,
        }),
        VOXIMPLANT_APPLICATION_ID: secret,
      },
    ],
  ];

  it.each(cases)('names %s and quotes no secret', (variable, env) => {
    const { message, texts } = refusal(() => loadConfig(env));
    expect(message).toContain(variable);
    const list = needles({ secret, 'Voximplant key': SECRETS.voxPrivateKey });
    expect(
      findLeaks(
        texts.map((text, i) => ({ where: `ConfigError ${i}`, text })),
        list,
      ),
    ).toEqual([]);
  });
});

describe('ConfigError from the configuration file', () => {
  const secret = 'file-S3CRET-5b7d9f1e3a2c4086';
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const source = (fields: string) =>
    `sources:\n  - name: twilio-us\n    provider: twilio\n    credentials:\n      accountSid: ${TWILIO_SID}\n      authToken: \${env.TOKEN}\n${fields}`;
  // Each file puts the secret (through a reference, or written in it) where a check fails.
  const cases: [string, string, string][] = [
    [
      'a secret written in the file',
      'sources[0].credentials.authToken',
      source('').replace('${env.TOKEN}', secret),
    ],
    [
      'a secret as the account sid',
      'sources[0].credentials.accountSid',
      source('').replace(TWILIO_SID, '${env.SECRET}'),
    ],
    [
      'a secret as a number',
      'sources[0].settings.timeoutMs',
      source('    settings:\n      timeoutMs: ${env.SECRET}\n'),
    ],
    [
      'a secret as a URL',
      'sources[0].options.baseUrl',
      source('    options:\n      baseUrl: ${env.SECRET}\n'),
    ],
    [
      'a secret as the provider',
      'sources[0].provider',
      source('').replace('provider: twilio', 'provider: ${env.SECRET}'),
    ],
    ['a secret as the name', 'sources[0].name', source('').replace('name: twilio-us', 'name: ${env.SECRET}')],
    ['a secret as an unknown key', 'sources[0].credentials', source('').replace('authToken:', `${secret}:`)],
    ['a secret in broken YAML', 'not valid YAML', `sources:\n  - name: "${secret}\n    provider: [twilio\n`],
    [
      'a secret as a file path',
      'sources[0].credentials.authToken',
      source('').replace('${env.TOKEN}', '${file.' + secret + '.txt}'),
    ],
  ];

  it.each(cases)('%s: names %s and quotes no secret', (_case, path, text) => {
    const file = join(dir, `${_case.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const { message, texts } = refusal(() =>
      loadConfig({ ROLLCALL_CONFIG: file, TOKEN: 'tok', SECRET: secret }),
    );
    expect(message).toContain(path);
    expect(
      findLeaks(
        texts.map((where, i) => ({ where: `ConfigError ${i}`, text: where })),
        needles({ secret }),
      ),
    ).toEqual([]);
  });
});
