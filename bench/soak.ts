/**
 * `npm run soak [-- --seconds 300 --concurrency 8]`: a bounded, self-stopping soak of rollcall in demo mode.
 *
 * Starts the provider emulators (`src/emulators/main.ts`, the demo emulators) and rollcall (`src/main.ts`,
 * pointed at them) as two child processes on loopback (PORT=0), so that the memory figures are
 * rollcall's own; the emulators' resident memory is reported beside them. Then for `--seconds`:
 * - `--concurrency` workers send a mixed load: every provider's connection (first pages and follow-up
 *   pages), `users` pages, `node`/`nodes`, single lookups, `providers`, and bad inputs (malformed and
 *   foreign cursors, out-of-range sizes, unknown enum values, a deep query, 1000 aliases, a body over
 *   the limit, a non-JSON body, a text/plain POST);
 * - a fault injector posts a random fault to a random emulator's `/__emulator/fault` every
 *   `--fault-interval-ms` (429 with and without Retry-After, 401, 403, 500, 502, 503, timeouts,
 *   connection resets, malformed JSON, a wrong shape, slow bodies, Voximplant's HTTP-200 error codes);
 * - rollcall's memory (RSS and heap used, from its `GET /metrics`, right after a full GC that the soak
 *   triggers with SIGUSR2) is sampled every `--sample-ms`.
 *
 * It prints requests, errors by code (and any that are not explained by the injected faults or the bad
 * inputs), latency, memory at start and end, and a growth verdict; the exit code is 1 when something
 * unexpected happened (an unexplained error code, a client timeout, a rollcall error log or process
 * warning, growing memory, an unhealthy server afterwards).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '8' },
    'fault-interval-ms': { type: 'string', default: '1000' },
    'sample-ms': { type: 'string', default: '5000' },
    'request-timeout-ms': { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run soak -- [--seconds 60] [--concurrency 8] [--fault-interval-ms 1000] [--sample-ms 5000] [--request-timeout-ms 10000] [--json]\n' +
      'Extra environment (ROLLCALL_*, LOG_LEVEL …) is passed to the rollcall child process.',
  );
  process.exit(0);
}
const positive = (name: string, raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number`);
    process.exit(2);
  }
  return value;
};
const SECONDS = positive('seconds', args.seconds);
const CONCURRENCY = Math.floor(positive('concurrency', args.concurrency));
const FAULT_INTERVAL_MS = positive('fault-interval-ms', args['fault-interval-ms']);
const SAMPLE_MS = positive('sample-ms', args['sample-ms']);
const REQUEST_TIMEOUT_MS = positive('request-timeout-ms', args['request-timeout-ms']);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROVIDERS = ['TWO_CHAT', 'TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT', 'VOXIMPLANT'] as const;
type Provider = (typeof PROVIDERS)[number];

/** Settings that keep faults cheap and let the breaker recover within the run; the caller's env wins. */
const CHILD_DEFAULTS: Record<string, string> = {
  ROLLCALL_UPSTREAM_TIMEOUT_MS: '1000',
  ROLLCALL_OPERATION_TIMEOUT_MS: '5000',
  ROLLCALL_RETRY_BACKOFF_MS: '50',
  ROLLCALL_RETRY_MAX_BACKOFF_MS: '1000',
  ROLLCALL_BREAKER_COOLDOWN_MS: '2000',
  ROLLCALL_CACHE_TTL_SECONDS: '1',
  // Small enough that the cache is full early in the run (its size is bounded by entries, not bytes).
  ROLLCALL_CACHE_MAX_ENTRIES: '500',
};

// ---------------------------------------------------------------------------------------------
// The child processes: the emulators (`src/emulators/main.ts`) and rollcall (`src/main.ts`) pointed at
// them, so that rollcall's memory is its own.
// ---------------------------------------------------------------------------------------------

interface Child {
  process: ChildProcess;
  exited: Promise<number | null>;
  /** The last few KB of stderr, for start-up failures. */
  stderr: () => string;
  /** Process warnings printed on stderr (e.g. MaxListenersExceededWarning), by text. */
  warnings: Map<string, number>;
}

function spawnTsx(entry: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Child {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let stderr = '';
  const warnings = new Map<string, number>();
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    const warning = /^\(node:\d+\) (\w*Warning: .{0,120})/.exec(line)?.[1];
    if (warning) warnings.set(warning, (warnings.get(warning) ?? 0) + 1);
  });
  return { process: child, exited, stderr: () => stderr, warnings };
}

/** Resolves with what `onLine` returns first (not undefined); fails when the child exits or is slow. */
function waitFor<T>(child: Child, what: string, onLine: (line: string) => T | undefined): Promise<T> {
  return new Promise<T>((ready, fail) => {
    const timer = setTimeout(() => {
      child.process.kill('SIGKILL');
      fail(new Error(`${what} did not start within 30 s\n${child.stderr()}`));
    }, 30_000);
    void child.exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited with ${code} before it was ready\n${child.stderr()}`));
    });
    createInterface({ input: child.process.stdout! }).on('line', (line) => {
      const found = onLine(line);
      if (found !== undefined) {
        clearTimeout(timer);
        ready(found);
      }
    });
  });
}

interface Emulators {
  child: Child;
  env: Record<string, string>;
  urls: Record<Provider, string>;
}

const BASE_URL_VARIABLES: Record<Provider, string> = {
  TWO_CHAT: 'TWOCHAT_BASE_URL',
  TWILIO_CONVERSATIONS: 'TWILIO_CONVERSATIONS_BASE_URL',
  ADA: 'ADA_BASE_URL',
  COMETCHAT: 'COMETCHAT_BASE_URL',
  VOXIMPLANT: 'VOXIMPLANT_BASE_URL',
};

/** `npm run emulators` prints `NAME="json string"` lines, then a `# Controls` line. */
async function startEmulators(): Promise<Emulators> {
  const child = spawnTsx('src/emulators/main.ts', {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EMULATOR_LATENCY_MS: process.env.EMULATOR_LATENCY_MS,
  });
  const env: Record<string, string> = {};
  await waitFor(child, 'the emulators', (line) => {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) env[match[1]] = JSON.parse(match[2]) as string;
    return line.startsWith('# Controls') ? true : undefined;
  });
  const urls = Object.fromEntries(PROVIDERS.map((p) => [p, env[BASE_URL_VARIABLES[p]]])) as Record<
    Provider,
    string
  >;
  for (const provider of PROVIDERS)
    if (!urls[provider]) throw new Error(`the emulators printed no ${BASE_URL_VARIABLES[provider]}`);
  return { child, env, urls };
}

interface Rollcall {
  child: Child;
  url: string;
  logLevels: Map<number, number>;
  errorLogs: Map<string, number>;
}

const GC_ON_SIGNAL = 'process.on("SIGUSR2", () => globalThis.gc?.())';

async function startRollcall(emulatorEnv: Record<string, string>): Promise<Rollcall> {
  // Never a live provider: the caller's provider variables are dropped, the emulators' put in.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(TWOCHAT|TWILIO|ADA|COMETCHAT|VOXIMPLANT)_/.test(key)),
  );
  const child = spawnTsx(
    'src/main.ts',
    {
      ...CHILD_DEFAULTS,
      ...inherited,
      ...emulatorEnv,
      // The ready banner is an info line: a quieter level would hide it.
      LOG_LEVEL: ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL : 'info',
      ROLLCALL_DEMO: 'false',
      PORT: '0',
      HOST: '127.0.0.1',
    },
    // SIGUSR2 runs a full GC, so that each memory sample reads the live heap, not the garbage.
    ['--expose-gc', '--import', `data:text/javascript,${encodeURIComponent(GC_ON_SIGNAL)}`],
  );
  const logLevels = new Map<number, number>();
  const errorLogs = new Map<string, number>();
  const url = await waitFor(child, 'rollcall', (line) => {
    let entry: { level?: number; msg?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return undefined;
    }
    const level = entry.level ?? 0;
    logLevels.set(level, (logLevels.get(level) ?? 0) + 1);
    if (level >= 50) errorLogs.set(entry.msg ?? '?', (errorLogs.get(entry.msg ?? '?') ?? 0) + 1);
    const found = /(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(entry.msg ?? '');
    return found && /ready/.test(entry.msg ?? '') ? found[1] : undefined;
  });
  return { child, url, logLevels, errorLogs };
}

async function stop(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const killer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(killer);
}

/** A process's resident memory from /proc (Linux); undefined elsewhere. */
function residentBytes(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Memory.
// ---------------------------------------------------------------------------------------------

interface MemorySample {
  at: number;
  rss: number;
  heapUsed: number;
}

/** Rollcall's memory after a full GC (SIGUSR2, see startRollcall), from its /metrics. */
async function sampleMemory(url: string, pid: number | undefined): Promise<MemorySample> {
  if (pid !== undefined) {
    process.kill(pid, 'SIGUSR2');
    await sleep(200);
  }
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
  const gauge = (name: string) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
    if (!match) throw new Error(`${name} is missing from /metrics`);
    return Number(match[1]);
  };
  return {
    at: Date.now(),
    rss: gauge('rollcall_process_resident_memory_bytes'),
    heapUsed: gauge('rollcall_nodejs_heap_size_used_bytes'),
  };
}

/** Waits `ms`, or less when `signal` aborts first. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

/**
 * Compares the live heap (sampled after a full GC) of the first and last thirds of the loaded run, by
 * their medians: growth above both 16 MB and 20 % is GROWING. The in-memory cache fills up to
 * ROLLCALL_CACHE_MAX_ENTRIES and then stays there: a run shorter than that fill looks like growth.
 */
function verdict(samples: MemorySample[]): { growing: boolean; text: string } {
  if (samples.length < 6) return { growing: false, text: 'too few samples for a verdict (run longer)' };
  const third = Math.floor(samples.length / 3);
  const median = (part: MemorySample[], key: 'heapUsed' | 'rss') => {
    const sorted = part.map((s) => s[key]).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const first = samples.slice(0, third);
  const last = samples.slice(-third);
  const heapGrowth = median(last, 'heapUsed') - median(first, 'heapUsed');
  const rssGrowth = median(last, 'rss') - median(first, 'rss');
  const sign = (n: number) => (n >= 0 ? '+' : '');
  const growing = heapGrowth > 16 * 1048576 && heapGrowth > 0.2 * median(first, 'heapUsed');
  return {
    growing,
    text: `${growing ? 'GROWING' : 'flat'}: live heap (median, after GC) ${mb(median(first, 'heapUsed'))} in the first third → ${mb(median(last, 'heapUsed'))} in the last third (${sign(heapGrowth)}${mb(heapGrowth)}); RSS ${sign(rssGrowth)}${mb(rssGrowth)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// The load.
// ---------------------------------------------------------------------------------------------

const CONNECTIONS: Record<Provider, string> = {
  TWO_CHAT: 'twoChatUsers',
  TWILIO_CONVERSATIONS: 'twilioConversationUsers',
  ADA: 'adaEndUsers',
  COMETCHAT: 'cometChatUsers',
  VOXIMPLANT: 'voximplantUsers',
};
const LOOKUPS: Record<Provider, (nativeId: string) => string> = {
  TWO_CHAT: (id) => `twoChatUser(uuid: ${JSON.stringify(id)}) { id }`,
  TWILIO_CONVERSATIONS: (id) => `twilioConversationUser(sid: ${JSON.stringify(id)}) { id }`,
  ADA: (id) => `adaEndUser(endUserId: ${JSON.stringify(id)}) { id }`,
  COMETCHAT: (id) => `cometChatUser(uid: ${JSON.stringify(id)}) { id }`,
  VOXIMPLANT: (id) => `voximplantUser(userId: ${Number(id) || 1}) { id }`,
};

const random = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(list: readonly T[]): T => list[random(list.length)];

/** Bounded pools of what earlier answers returned, for follow-up pages and lookups. */
class Pool<T> {
  private readonly items: T[] = [];
  constructor(private readonly max: number) {}
  add(item: T): void {
    if (this.items.length < this.max) this.items.push(item);
    else this.items[random(this.max)] = item;
  }
  any(): T | undefined {
    return this.items.length ? pick(this.items) : undefined;
  }
  some(n: number): T[] {
    return Array.from({ length: Math.min(n, this.items.length) }, () => pick(this.items));
  }
}
const users = new Pool<{ id: string; provider: Provider; nativeId: string }>(500);
const cursors = new Map<string, Pool<string>>(
  [...Object.values(CONNECTIONS), 'users'].map((k) => [k, new Pool(50)]),
);

interface Operation {
  kind: string;
  /** A GraphQL request, or a raw HTTP request for the transport-level bad inputs. */
  body?: { query: string; variables?: Record<string, unknown> };
  raw?: { body: string | Buffer; contentType: string };
  /** For bad inputs: the codes that count as the right answer. */
  expect?: string[];
}

const EDGE = 'edges { cursor node { id provider providerUserId } } pageInfo { hasNextPage endCursor }';

function connectionOp(): Operation {
  const provider = pick(PROVIDERS);
  const field = CONNECTIONS[provider];
  const after = Math.random() < 0.4 ? cursors.get(field)!.any() : undefined;
  return {
    kind: `connection:${provider}`,
    body: {
      query: `query ($first: Int, $after: String) { ${field}(first: $first, after: $after) { ${EDGE} } }`,
      variables: { first: 1 + random(50), after },
    },
  };
}

function usersOp(): Operation {
  const after = Math.random() < 0.5 ? cursors.get('users')!.any() : undefined;
  return {
    kind: 'users',
    body: {
      query: `query ($first: Int, $after: String) { users(first: $first, after: $after) { ${EDGE} } }`,
      variables: { first: 1 + random(60), after },
    },
  };
}

function nodeOp(): Operation {
  const user = users.any();
  if (!user) return connectionOp();
  if (Math.random() < 0.5)
    return {
      kind: 'node',
      body: {
        query: 'query ($id: ID!) { node(id: $id) { id ... on User { displayName } } }',
        variables: { id: user.id },
      },
    };
  const ids = [...users.some(2 + random(15)).map((u) => u.id), 'VXNlcjox'];
  return {
    kind: 'nodes',
    body: {
      query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { provider } } }',
      variables: { ids },
    },
  };
}

function lookupOp(): Operation {
  const user = users.any();
  if (!user) return connectionOp();
  return { kind: `lookup:${user.provider}`, body: { query: `{ ${LOOKUPS[user.provider](user.nativeId)} }` } };
}

// `ofType` chains are the one way to nest deeper than the depth limit in this schema (graphql-js's own
// MaxIntrospectionDepthRule only counts fields/interfaces/possibleTypes/inputFields).
const DEEP = `{ __type(name: "Query") { ${'ofType { '.repeat(20)}name${' }'.repeat(20)} } }`;
const ALIASES = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: providers { provider }`).join(' ')} }`;
const HUGE = JSON.stringify({
  query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
  variables: { ids: Array.from({ length: 100_000 }, (_, i) => `id-${i}`) },
});

function badInputOp(): Operation {
  const twilioCursor = cursors.get('twilioConversationUsers')!.any();
  const cases: Operation[] = [
    {
      kind: 'bad:malformed-cursor',
      body: {
        query: '{ twilioConversationUsers(first: 2, after: "!!not-a-cursor!!") { edges { cursor } } }',
      },
      expect: ['BAD_USER_INPUT'],
    },
    {
      kind: 'bad:foreign-cursor',
      body: {
        query: 'query ($after: String) { cometChatUsers(first: 2, after: $after) { edges { cursor } } }',
        variables: { after: twilioCursor ?? Buffer.from('[1,"x",0,"y"]').toString('base64url') },
      },
      expect: ['BAD_USER_INPUT'],
    },
    {
      kind: 'bad:tampered-cursor',
      body: {
        query:
          'query ($after: String) { twilioConversationUsers(first: 2, after: $after) { edges { cursor } } }',
        variables: {
          after: Buffer.from(
            JSON.stringify([1, 'twilioConversationUsers', 999, 'AAAAAAAAAAAAAAAA']),
          ).toString('base64url'),
        },
      },
      expect: ['BAD_USER_INPUT'],
    },
    {
      kind: 'bad:first-negative',
      body: { query: '{ users(first: -1) { edges { cursor } } }' },
      expect: ['BAD_USER_INPUT'],
    },
    {
      kind: 'bad:first-huge',
      body: { query: '{ adaEndUsers(first: 1000000) { edges { cursor } } }' },
      expect: ['BAD_USER_INPUT', 'OPERATION_LIMIT_EXCEEDED'],
    },
    {
      kind: 'bad:first-and-last',
      body: { query: '{ twoChatUsers(first: 1, last: 1) { edges { cursor } } }' },
      expect: ['BAD_USER_INPUT'],
    },
    {
      kind: 'bad:unknown-enum',
      body: { query: '{ users(first: 1, providers: [SKYPE]) { edges { cursor } } }' },
      expect: ['GRAPHQL_VALIDATION_FAILED'],
    },
    {
      kind: 'bad:malformed-id',
      body: { query: `{ node(id: "${Buffer.from('rollcall:v1:NOPE:1').toString('base64url')}") { id } }` },
      expect: ['BAD_USER_INPUT'],
    },
    { kind: 'bad:deep', body: { query: DEEP }, expect: ['OPERATION_LIMIT_EXCEEDED'] },
    { kind: 'bad:aliases', body: { query: ALIASES }, expect: ['OPERATION_LIMIT_EXCEEDED'] },
    {
      kind: 'bad:not-json',
      raw: { body: '{"query": "{ providers', contentType: 'application/json' },
      expect: ['BAD_REQUEST'],
    },
    {
      kind: 'bad:text-plain',
      raw: { body: '{"query":"{ providers { provider } }"}', contentType: 'text/plain' },
      expect: ['BAD_REQUEST'],
    },
  ];
  // The 1.1 MB body only now and then: it is about the limit, not about bandwidth.
  if (Math.random() < 0.05)
    return {
      kind: 'bad:huge-variables',
      raw: { body: HUGE, contentType: 'application/json' },
      expect: ['BAD_REQUEST'],
    };
  return pick(cases);
}

function nextOperation(): Operation {
  const roll = Math.random() * 100;
  if (roll < 35) return connectionOp();
  if (roll < 55) return usersOp();
  if (roll < 67) return nodeOp();
  if (roll < 77) return lookupOp();
  if (roll < 80) return { kind: 'providers', body: { query: '{ providers { provider enabled circuit } }' } };
  return badInputOp();
}

interface Stats {
  requests: number;
  failedRequests: number;
  byKind: Map<string, number>;
  codes: Map<string, number>;
  /** Requests (not errors) per operation kind and error code. */
  requestsByKindAndCode: Map<string, number>;
  unexpected: Map<string, number>;
  latencies: number[];
  maxLatencyMs: number;
}
const stats: Stats = {
  requests: 0,
  failedRequests: 0,
  byKind: new Map(),
  codes: new Map(),
  requestsByKindAndCode: new Map(),
  unexpected: new Map(),
  latencies: [],
  maxLatencyMs: 0,
};
const bump = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

/** Codes an injected fault can explain on a normal request. */
const FAULT_CODES = new Set([
  'UPSTREAM_UNAUTHORIZED',
  'UPSTREAM_FORBIDDEN',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
]);

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: string } }[];
}

function harvest(data: Record<string, unknown> | null | undefined): void {
  for (const [field, value] of Object.entries(data ?? {})) {
    const connection = value as {
      edges?: { node: { id: string; provider: Provider; providerUserId: string } }[];
      pageInfo?: { hasNextPage: boolean; endCursor: string | null };
    } | null;
    if (!connection?.edges) continue;
    for (const edge of connection.edges)
      if (edge.node?.providerUserId)
        users.add({ id: edge.node.id, provider: edge.node.provider, nativeId: edge.node.providerUserId });
    if (connection.pageInfo?.hasNextPage && connection.pageInfo.endCursor)
      cursors.get(field)?.add(connection.pageInfo.endCursor);
  }
}

async function send(url: string, op: Operation): Promise<void> {
  const started = performance.now();
  let codes: string[] = [];
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': op.raw?.contentType ?? 'application/json' },
      body: op.raw
        ? typeof op.raw.body === 'string'
          ? op.raw.body
          : new Uint8Array(op.raw.body)
        : JSON.stringify(op.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: GraphQLBody | undefined;
    try {
      body = JSON.parse(text) as GraphQLBody;
    } catch {
      body = undefined;
    }
    if (!body) codes = [`HTTP_${response.status}_NOT_JSON`];
    else {
      codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');
      if (response.status >= 500) codes.push(`HTTP_${response.status}`);
      harvest(body.data);
    }
  } catch (error) {
    codes = [
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        ? 'CLIENT_TIMEOUT'
        : 'CLIENT_CONNECTION_ERROR',
    ];
  }
  const ms = performance.now() - started;
  stats.requests += 1;
  bump(stats.byKind, op.kind.split(':')[0]);
  if (stats.latencies.length < 200_000) stats.latencies.push(ms);
  stats.maxLatencyMs = Math.max(stats.maxLatencyMs, ms);
  if (codes.length > 0) stats.failedRequests += 1;
  for (const code of new Set(codes)) bump(stats.requestsByKindAndCode, `${op.kind} → ${code}`);
  for (const code of codes) {
    bump(stats.codes, code);
    const explained = op.expect ? op.expect.includes(code) : FAULT_CODES.has(code);
    if (!explained) bump(stats.unexpected, `${op.kind} → ${code}`);
  }
  if (op.expect && codes.length === 0) bump(stats.unexpected, `${op.kind} → accepted`);
}

// ---------------------------------------------------------------------------------------------
// Faults.
// ---------------------------------------------------------------------------------------------

const FAULTS: { name: string; fault: Record<string, unknown>; only?: Provider }[] = [
  { name: '401', fault: { status: 401, body: { error: 'unauthorized' } } },
  { name: '403', fault: { status: 403, body: { error: 'forbidden' } } },
  { name: '429', fault: { status: 429, body: { error: 'slow down' } } },
  { name: '429+Retry-After', fault: { status: 429, body: '', headers: { 'retry-after': '1' } } },
  { name: '500', fault: { status: 500, body: 'oops' } },
  { name: '502', fault: { status: 502, body: '<html>bad gateway</html>' } },
  { name: '503', fault: { status: 503, body: '' } },
  { name: 'timeout', fault: { delayMs: 1500 } },
  { name: 'reset', fault: { reset: true } },
  { name: 'malformed-json', fault: { status: 200, body: '{"data": [{"id": ' } },
  { name: 'wrong-shape', fault: { status: 200, body: { unexpected: [1, 2, 3] } } },
  { name: 'slow-body', fault: { slowBodyMs: 1500 } },
  {
    name: 'vox-100',
    only: 'VOXIMPLANT',
    fault: { status: 200, body: { error: { code: 100, msg: 'Authorization failed' } } },
  },
  {
    name: 'vox-340',
    only: 'VOXIMPLANT',
    fault: { status: 200, body: { error: { code: 340, msg: 'Rate limit' } } },
  },
];
const injected = new Map<string, number>();

async function injectFault(emulators: Record<Provider, string>): Promise<void> {
  const { name, fault, only } = pick(FAULTS);
  const provider = only ?? pick(PROVIDERS);
  try {
    await fetch(`${emulators[provider]}/__emulator/fault`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...fault, times: 1 + random(4) }),
      signal: AbortSignal.timeout(5000),
    });
    bump(injected, name);
  } catch {
    bump(injected, `${name} (injection failed)`);
  }
}

// ---------------------------------------------------------------------------------------------
// The run.
// ---------------------------------------------------------------------------------------------

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;

async function main(): Promise<void> {
  const emulators = await startEmulators();
  let rollcall: Rollcall | undefined;
  // Aborted when the run's time is up or on SIGINT/SIGTERM: every loop and wait of the run ends then.
  const stopRun = new AbortController();
  const onSignal = () => stopRun.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    rollcall = await startRollcall(emulators.env);
    const { url } = rollcall;
    const alive = () =>
      rollcall!.child.process.exitCode === null && emulators.child.process.exitCode === null;
    const emulatorRss = () => residentBytes(emulators.child.process.pid);
    console.error(
      `soak: rollcall at ${url}, emulators in another process; ${SECONDS} s, ${CONCURRENCY} workers, a fault every ${FAULT_INTERVAL_MS} ms`,
    );
    const idle = await sampleMemory(url, rollcall!.child.process.pid);
    const idleEmulators = emulatorRss();
    const started = Date.now();
    const timer = setTimeout(() => stopRun.abort(), SECONDS * 1000);
    const running = () => !stopRun.signal.aborted && alive();

    const samples: MemorySample[] = [];
    const emulatorSamples: number[] = [];
    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (running()) await send(url, nextOperation());
    });
    const faults = (async () => {
      while (running()) {
        await sleep(FAULT_INTERVAL_MS, stopRun.signal);
        if (running()) await injectFault(emulators.urls);
      }
    })();
    const sampler = (async () => {
      // The first 10 % of the run (at least one interval) warms up caches, pools and the JIT.
      await sleep(Math.max(SAMPLE_MS, SECONDS * 100), stopRun.signal);
      let reported = 0;
      while (running()) {
        samples.push(await sampleMemory(url, rollcall!.child.process.pid));
        const other = emulatorRss();
        if (other !== undefined) emulatorSamples.push(other);
        const elapsed = Math.round((Date.now() - started) / 1000);
        if (elapsed - reported >= 10) {
          reported = elapsed;
          const last = samples.at(-1)!;
          console.error(
            `  ${elapsed}s: ${stats.requests} requests; rollcall rss ${mb(last.rss)}, heap used ${mb(last.heapUsed)}${other === undefined ? '' : `; emulators rss ${mb(other)}`}`,
          );
        }
        await sleep(SAMPLE_MS, stopRun.signal);
      }
    })();
    await Promise.all([...workers, faults, sampler]);
    clearTimeout(timer);
    const seconds = (Date.now() - started) / 1000;

    // Clear the remaining faults, then check the server still answers normally.
    await Promise.all(
      PROVIDERS.map((p) =>
        fetch(`${emulators.urls[p]}/__emulator/reset`, { method: 'POST' }).catch(() => undefined),
      ),
    );
    const finalMemory = await sampleMemory(url, rollcall!.child.process.pid);
    const health = await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    );
    const check = (await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ users(first: 5) { edges { cursor } } }' }),
    })
      .then((r) => r.json())
      .catch(() => ({ errors: [{}] }))) as GraphQLBody;
    const metricsText = await (await fetch(`${url}/metrics`)).text();
    const total = (name: string) =>
      metricsText
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);

    const growth = verdict(samples);
    const sorted = [...stats.latencies].sort((a, b) => a - b);
    const healthy = health === 200 && !check.errors;
    const errorLogs = [
      ...[...rollcall.errorLogs].map(([msg, n]) => `${msg} ×${n}`),
      ...[...rollcall.child.warnings].map(([warning, n]) => `${warning} ×${n}`),
    ];
    const ok = healthy && stats.unexpected.size === 0 && errorLogs.length === 0 && !growth.growing && alive();
    const first = samples[0];
    const last = samples.at(-1);
    const pair = (s: MemorySample) => ({ rss: mb(s.rss), heapUsed: mb(s.heapUsed) });
    const summary = {
      seconds: Math.round(seconds),
      concurrency: CONCURRENCY,
      requests: stats.requests,
      requestsPerSecond: Math.round(stats.requests / seconds),
      requestsWithErrors: stats.failedRequests,
      requestsByKind: Object.fromEntries(stats.byKind),
      errorsByCode: Object.fromEntries([...stats.codes].sort((a, b) => b[1] - a[1])),
      upstreamErrorRequests: Object.fromEntries(
        [...stats.requestsByKindAndCode]
          .filter(([key]) => key.includes('UPSTREAM_'))
          .sort((a, b) => b[1] - a[1]),
      ),
      unexpected: Object.fromEntries(stats.unexpected),
      faultsInjected: Object.fromEntries([...injected].sort((a, b) => b[1] - a[1])),
      upstream: {
        calls: total('rollcall_upstream_requests_total'),
        retries: total('rollcall_upstream_retries_total'),
        circuitTransitions: total('rollcall_circuit_transitions_total'),
      },
      latencyMs: {
        p50: Math.round(percentile(sorted, 50)),
        p99: Math.round(percentile(sorted, 99)),
        max: Math.round(stats.maxLatencyMs),
      },
      memory: {
        idleBeforeLoad: pair(idle),
        start: first ? pair(first) : null,
        end: last ? pair(last) : null,
        afterLoad: pair(finalMemory),
        peak: {
          rss: mb(Math.max(...samples.map((s) => s.rss), finalMemory.rss)),
          heapUsed: mb(Math.max(...samples.map((s) => s.heapUsed), finalMemory.heapUsed)),
        },
        samples: samples.length,
        verdict: growth.text,
        emulatorsRss:
          idleEmulators === undefined
            ? null
            : {
                idleBeforeLoad: mb(idleEmulators),
                start: emulatorSamples[0] === undefined ? null : mb(emulatorSamples[0]),
                end: emulatorSamples.at(-1) === undefined ? null : mb(emulatorSamples.at(-1)!),
              },
      },
      logs: Object.fromEntries([...rollcall.logLevels].map(([level, n]) => [`level${level}`, n])),
      errorLogs,
      healthyAfter: healthy,
      ok,
    };
    if (args.json) console.log(JSON.stringify(summary, null, 2));
    else {
      const table = (title: string, entries: Record<string, unknown>) => {
        console.log(title);
        const rows = Object.entries(entries);
        if (rows.length === 0) console.log('  (none)');
        for (const [key, value] of rows) console.log(`  ${key.padEnd(44)} ${String(value)}`);
      };
      console.log(
        `\nsoak: ${summary.seconds} s, ${CONCURRENCY} workers: ${summary.requests} requests (${summary.requestsPerSecond}/s), ${summary.requestsWithErrors} with errors`,
      );
      table('requests by kind:', summary.requestsByKind);
      table('errors by code (every error of every response):', summary.errorsByCode);
      table('requests with upstream errors, by operation:', summary.upstreamErrorRequests);
      table('faults injected:', summary.faultsInjected);
      table('unexpected (not explained by an injected fault or a bad input):', summary.unexpected);
      console.log(
        `upstream: ${summary.upstream.calls} calls, ${summary.upstream.retries} retries, ${summary.upstream.circuitTransitions} circuit transitions`,
      );
      console.log(
        `latency: p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms, max ${summary.latencyMs.max} ms`,
      );
      const m = summary.memory;
      console.log(`rollcall memory (from its /metrics), ${m.samples} samples:`);
      console.log(`  idle before load   rss ${m.idleBeforeLoad.rss}, heap used ${m.idleBeforeLoad.heapUsed}`);
      if (m.start) console.log(`  start (warmed up)  rss ${m.start.rss}, heap used ${m.start.heapUsed}`);
      if (m.end) console.log(`  end                rss ${m.end.rss}, heap used ${m.end.heapUsed}`);
      console.log(`  after load         rss ${m.afterLoad.rss}, heap used ${m.afterLoad.heapUsed}`);
      console.log(`  peak               rss ${m.peak.rss}, heap used ${m.peak.heapUsed}`);
      console.log(`  verdict: ${m.verdict}`);
      if (m.emulatorsRss)
        console.log(
          `emulators process rss: idle ${m.emulatorsRss.idleBeforeLoad}, start ${m.emulatorsRss.start}, end ${m.emulatorsRss.end}`,
        );
      console.log(
        `rollcall error logs and process warnings: ${errorLogs.length ? errorLogs.join('; ') : 'none'}`,
      );
      console.log(`healthy after the run: ${healthy ? 'yes' : 'NO'}`);
      console.log(ok ? 'soak: OK' : 'soak: FAILED');
    }
    process.exitCode = ok ? 0 : 1;
  } finally {
    if (rollcall) await stop(rollcall.child);
    await stop(emulators.child);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
