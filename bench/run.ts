/**
 * `npm run bench [-- --quick] [--latency 20] [--connections 10] [--seconds 10] [--provider-concurrency 64]`
 *
 * Measures rollcall against its limits and against simpler ways of doing the same job, side by side in
 * one run, and prints one table, then scenario 6's walks one per line (stdout; progress goes to stderr),
 * and writes bench/results/latest.json:
 *
 * 1. overhead   `twilioConversationUsers(first: 50)` vs the same single REST call sent straight to the
 *               Twilio emulator (rollcall's own recorded call, same auth header). Target: p50 ≤ +1.0 ms
 *               at 1 connection; at 10 connections reported (the load, rollcall and the emulators then
 *               share the machine's cores).
 * 2. fan-out    `users(first: 100)` over all five providers vs each provider's own call, also replayed
 *               from rollcall's call log; baseline = the slowest. Target: p50 ratio ≤ 1.2 (at 10
 *               connections and at 1). Also vs a hand-written client sending the five calls at once per
 *               request (informational: the emulators then serve five calls per request, as for rollcall).
 * 3. batching   `_entities` with 100 representations (20 per provider) vs a naive subgraph calling the
 *               provider once per entity. Target: rollcall's upstream calls = the theoretical minimum.
 * 4. ceiling    `twilioConversationUsers(first: 50)` from a warm upstream cache vs a bare Apollo subgraph
 *               answering the same bytes from memory, twice: with whole-answer reuse off
 *               (`ROLLCALL_RESPONSE_CACHE=false`: every request is executed, as the bare subgraph executes
 *               it). Target: ≥ 70% of its throughput. And with whole-answer reuse on (the default):
 *               informational, no target (that measures the response cache, not execution).
 * 5. scaling    latency and upstream calls per request by page size and by number of providers.
 * 6. paging     every provider connection walked to its end at windows of 7, 50 and 100, forward
 *               (`first`/`after`) and, where the provider allows it, backward (`last`/`before`), one
 *               request after the other with the last page's cursor, as a client walks. Per walk: pages,
 *               upstream calls per page (emulators' call counts) vs the theoretical minimum of each
 *               window (bench/lib/paging.ts), and p50 time per page vs the provider's own next-page call
 *               (rollcall's recorded call for a middle page, replayed). Target per provider: calls/page =
 *               minimum (ratio 1.00). Own lists: Twilio 124, Ada 240, CometChat its whole seed.
 * 7. list + lookups  `cometChatUsers(first: 50)` and `nodes` of those 50 ids in one request vs the list
 *               call alone (one upstream call in all: the lookups come from the list's page). Target:
 *               p50 ratio ≤ 1.10 at 10 connections.
 * 8. scaling    1,000 / 10,000 / 100,000-user accounts of Twilio, Ada, CometChat and Voximplant: `first:
 *               50` at the start, middle and end of each list. Target: the same upstream calls at every
 *               size and p50 largest ÷ smallest ≤ 1.2; `nodes` of 50 ids spread over the 100,000 never
 *               walks the list (50 single fetches; on a fresh server at most one probing page before).
 * 9. access control  scenario 4's executed query with `ROLLCALL_AUTH=jwt` and a verified ES256 bearer
 *               token (every field authorized from the SDL's directives) vs `ROLLCALL_AUTH=none`, same
 *               answer bytes. Target: ≥ 90% of its req/s; at 1 connection the p50 added is reported.
 * 10. directory  `users` from the index, on PGlite (in the server's process) and on PostgreSQL (Debian's,
 *               a throwaway cluster), side by side, over five sources of one size declared in a
 *               configuration file (ROLLCALL_CONFIG, a temporary folder): the four scale emulators and a
 *               second CometChat account, 1,000 users each (5,000; full: also 100,000 each, 500,000). The
 *               first sync's time, upstream calls (vs the provider pages of the listed users, the minimum)
 *               and the server's RSS, also per 100,000 indexed users over a server with the directory
 *               off; then `users(first: 50)` searched, by email and in each order (without and with
 *               totalCount), with zero upstream calls (checked), next to a warm-cache provider page of the
 *               same size, at 10 connections and (full) at 1; and the live walk answering the same
 *               question ("ann" by display name, first 50) with the directory off: `users(first: 100)`
 *               walked to its end, filtered and sorted client-side, twice (cold and warm upstream cache;
 *               full: at both sizes), its first 50 names checked against the directory's. Targets: sync
 *               calls = the minimum; 0 calls per query; a searched, sorted page ≥ 50% of the warm
 *               provider page's req/s (at 10 connections); (full) p50 at 500,000 ÷ p50 at 5,000 ≤ 2.0
 *               for every row without totalCount; RSS per 100,000 users reported.
 *
 * Every server runs in its own child process (bench/servers/), the emulators (with injected latency)
 * in one more; autocannon runs here (scenario 6 times its sequential requests itself). Targets are reported as met or missed, never asserted: the exit
 * code is non-zero only when the bench itself could not run or an answer was wrong.
 */
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, startChild, type ChildHandle } from './lib/child.js';
import {
  graphqlTarget,
  latencyStats,
  measure,
  measureLoop,
  type LoadStats,
  type LoadTarget,
} from './lib/load.js';
import { minimumCallsOfWalk, PAGED_CONNECTIONS, type Direction } from './lib/paging.js';
import {
  DIRECTORY_EXTRA_SIZES,
  SCALE_PROVIDERS,
  SCALE_SIZES,
  scaleId,
  SMALL_SET,
  type DirectorySize,
  type DirectorySource,
  type EmulatorId,
  type ScaleProvider,
  type ScaleSize,
  type EmulatorsInfo,
  type ReplayableCall,
  type ServerInfo,
  type SmallSetId,
} from './lib/shared.js';

// ---------------------------------------------------------------------------------------------
// Options.
// ---------------------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    latency: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    seconds: { type: 'string' },
    'provider-concurrency': { type: 'string', default: '64' },
    only: { type: 'string' },
    stores: { type: 'string', default: 'pglite,postgres' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'npm run bench -- [--quick] [--latency 20] [--connections 10] [--seconds 10] [--provider-concurrency 64]\n' +
      '  --quick                 1 s per measurement after 1 s of warm-up, paging walks twice (CI smoke run);\n' +
      '                          full: 10 s after 2 s, paging walks 5 times\n' +
      '  --latency MS            latency every emulator adds to each answer (default 20)\n' +
      '  --connections N         autocannon connections (default 10)\n' +
      '  --seconds S             whole seconds per measurement (overrides the mode)\n' +
      '  --provider-concurrency  ROLLCALL_PROVIDER_CONCURRENCY for the rollcall servers (default 64)\n' +
      '  --only 6,8              run only these scenarios (1 and 5 run together, as do 2, 3 and 5)\n' +
      '  --stores pglite,postgres  the directory stores scenario 10 measures (default both)',
  );
  process.exit(0);
}
function positive(name: string, raw: string, integer = true): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    console.error(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
    process.exit(2);
  }
  return value;
}
const STORES = new Set(args.stores.split(',').map((store) => store.trim().toLowerCase()));
if (STORES.size === 0 || [...STORES].some((store) => store !== 'pglite' && store !== 'postgres')) {
  console.error('--stores takes pglite and/or postgres, comma-separated');
  process.exit(2);
}
const LATENCY_MS = Number(args.latency);
if (!Number.isInteger(LATENCY_MS) || LATENCY_MS < 0 || LATENCY_MS > 10_000) {
  console.error('--latency must be an integer from 0 to 10000');
  process.exit(2);
}
const MODE = args.quick ? 'quick' : 'full';
const SECONDS = args.seconds ? positive('seconds', args.seconds) : args.quick ? 1 : 10;
const LOAD = {
  seconds: SECONDS,
  warmupSeconds: args.quick ? 1 : 2,
  connections: positive('connections', args.connections),
};
const PROVIDER_CONCURRENCY = String(positive('provider-concurrency', args['provider-concurrency']));
const ONLY = args.only ? new Set(args.only.split(',').map((part) => part.trim())) : null;
if (ONLY && [...ONLY].some((part) => !/^([1-9]|10)$/.test(part))) {
  console.error('--only takes scenario numbers from 1 to 10, comma-separated');
  process.exit(2);
}
/** Whether the run includes any of `scenarios`. */
const includes = (...scenarios: number[]) => !ONLY || scenarios.some((n) => ONLY.has(String(n)));
/**
 * Scenario 6: each walk repeated `passes` times (every page is a latency sample); the direct call timed
 * as often as the walk's pages were, within [minDirectSamples, maxDirectSamples].
 */
const PAGING = {
  windows: [7, 50, 100],
  passes: args.quick ? 2 : 5,
  minDirectSamples: args.quick ? 10 : 40,
  maxDirectSamples: args.quick ? 40 : 100,
};

/** Scenario 8: requests timed one after another per provider, position and account size. */
const SCALE = { samples: args.quick ? 15 : 60 };

// ---------------------------------------------------------------------------------------------
// Queries.
// ---------------------------------------------------------------------------------------------

const twilioUsers = (first: number) =>
  `{ twilioConversationUsers(first: ${first}) { edges { cursor node { id sid identity friendlyName attributes dateCreated } } pageInfo { hasNextPage endCursor } } }`;
const users = (first: number, providers?: readonly SmallSetId[]) =>
  `{ users(first: ${first}${providers ? `, providers: [${providers.join(', ')}]` : ''}) { edges { cursor node { id provider providerUserId displayName email createdAt } } pageInfo { hasNextPage endCursor } } }`;
const LIST_KEYS = `{ users(first: 100, providers: [$P]) { nodes { __typename ... on TwoChatUser { uuid } ... on TwilioConversationUser { sid } ... on AdaEndUser { endUserId } ... on CometChatUser { uid } ... on VoximplantUser { userId } } } }`;
const ENTITIES = `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on User { id providerUserId displayName email } } }`;

/** Per provider: the largest page its list API serves (2Chat: the whole list in one call). */
const MAX_PAGE: Record<SmallSetId, number> = {
  TWO_CHAT: Number.POSITIVE_INFINITY,
  TWILIO_CONVERSATIONS: 50,
  ADA: 100,
  COMETCHAT: 1000,
  VOXIMPLANT: 1000,
};
const ENTITIES_PER_PROVIDER = 20;

// ---------------------------------------------------------------------------------------------
// Results.
// ---------------------------------------------------------------------------------------------

type Verdict = 'met' | 'missed';

interface Row {
  scenario: string;
  variant: string;
  connections: number;
  stats: LoadStats;
  /** Upstream calls per completed request, from the emulators' call logs during the measured run. */
  callsPerRequest: number;
  callsByEmulator: Partial<Record<EmulatorId, number>>;
  versus: string;
  target: string;
  verdict?: Verdict;
}

interface TargetResult {
  scenario: string;
  target: string;
  value: string;
  /** `reported`: a number the spec asks for, without a bound to meet. */
  verdict: Verdict | 'reported';
}

const rows: Row[] = [];
/** Scenario 6's walks, one line each in their own table. */
const pagingWalks: Walk[] = [];
const targets: TargetResult[] = [];
const notes: string[] = [];
const details: Record<string, unknown> = {};
let answerProblems = 0;

const T0 = Date.now();
function progress(message: string): void {
  process.stderr.write(`[bench +${((Date.now() - T0) / 1000).toFixed(0)}s] ${message}\n`);
}

function problem(message: string): void {
  answerProblems += 1;
  notes.push(`PROBLEM: ${message}`);
  progress(`PROBLEM: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Plumbing.
// ---------------------------------------------------------------------------------------------

const children = new Set<ChildHandle<unknown>>();

async function start<Info>(name: string, script: string, env: Record<string, string>) {
  progress(`starting ${name}`);
  const child = await startChild<Info>(name, script, env);
  children.add(child as ChildHandle<unknown>);
  return child;
}

async function stop(child: ChildHandle<unknown>): Promise<void> {
  children.delete(child);
  await child.stop();
  progress(`stopped ${child.name}`);
}

let emulators: ChildHandle<EmulatorsInfo>;

interface GraphQLAnswer {
  text: string;
  data: Record<string, unknown>;
  /** From sending the request to the last byte of the answer. */
  ms: number;
}

/** One request; throws unless it is a 200 with data and without errors. */
async function query(
  url: string,
  source: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLAnswer> {
  const body = JSON.stringify(variables ? { query: source, variables } : { query: source });
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  const answer = JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (response.status !== 200 || !answer.data || answer.errors) {
    throw new Error(`${url}: ${source.slice(0, 60)}… answered ${response.status}: ${text.slice(0, 300)}`);
  }
  return { text, data: answer.data, ms };
}

async function resetCalls(): Promise<void> {
  await emulators.request('reset');
}

async function callCounts(): Promise<Record<EmulatorId, number>> {
  return emulators.request<Record<EmulatorId, number>>('counts');
}

/** The calls one request makes, per emulator (exact: a single request against reset logs). */
async function callsOfOne(send: () => Promise<unknown>, ids: readonly EmulatorId[]) {
  await resetCalls();
  await send();
  const counts = await callCounts();
  return Object.fromEntries(ids.map((id) => [id, counts[id]])) as Record<EmulatorId, number>;
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** Waits (bounded) until no emulator has answered a call for a few polls: stragglers have landed. */
async function settle(): Promise<void> {
  let last = -1;
  let stable = 0;
  for (let poll = 0; poll < 40 && stable < 2; poll += 1) {
    await new Promise((done) => setTimeout(done, 100));
    const total = sum(Object.values(await callCounts()));
    stable = total === last ? stable + 1 : 0;
    last = total;
  }
}

/** The value of an unlabelled series in Prometheus text; undefined when the text has none. */
function metricValue(text: string, name: string): number | undefined {
  const found = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1];
  return found === undefined ? undefined : Number(found);
}

/**
 * Resolves once the rollcall serving `url` executes no GraphQL request (its
 * `rollcall_graphql_operations_in_flight`), at most `timeoutMs` later; at once for other servers. autocannon
 * leaves one request per connection behind when it stops, and rollcall finishes them: a heavy row's
 * leftovers (ten `totalCount` of 434,673 users) would otherwise run into the next row's time.
 */
async function idle(url: string, timeoutMs = 60_000): Promise<void> {
  const metrics = new URL('/metrics', url).toString();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await fetch(metrics)
      .then((response) => response.text())
      .catch(() => '');
    const executing = metricValue(text, 'rollcall_graphql_operations_in_flight');
    if (executing === undefined || executing === 0) return;
    await new Promise((done) => setTimeout(done, 50));
  }
  notes.push(`${url}: still executing requests ${timeoutMs / 1000} s after a row ended.`);
}

/**
 * Measures a target. Upstream calls are counted on `ids` during the measured part only: the warm-up's
 * last requests land before the logs are cleared, and the requests still in flight when autocannon
 * stops (one per connection) land before they are read and count in the denominator.
 */
async function run(
  scenario: string,
  variant: string,
  target: LoadTarget | (() => Promise<void>),
  ids: readonly EmulatorId[],
  connections = LOAD.connections,
): Promise<Row> {
  progress(
    `${scenario}: ${variant} (${LOAD.seconds} s, ${connections} connection${connections > 1 ? 's' : ''})`,
  );
  const server = typeof target === 'function' ? undefined : target.url;
  const hooks = {
    beforeMeasured: async () => {
      if (server) await idle(server);
      await settle();
      await resetCalls();
    },
  };
  if (server) await idle(server);
  const options = { ...LOAD, connections };
  const stats =
    typeof target === 'function'
      ? await measureLoop(target, options, hooks)
      : await measure(target, options, hooks);
  await settle();
  const counts = await callCounts();
  const sent = stats.requests + connections;
  const callsByEmulator = Object.fromEntries(ids.map((id) => [id, counts[id] / sent])) as Partial<
    Record<EmulatorId, number>
  >;
  if (stats.errors > 0)
    problem(`${scenario} / ${variant}: ${stats.errors} failed or wrong answers under load`);
  if (stats.requests === 0)
    notes.push(
      `${scenario} / ${variant}: no request was answered within the ${LOAD.seconds} s measured (the machine was too busy, or the server too slow), so its latency is NaN.`,
    );
  const row: Row = {
    scenario,
    variant,
    connections,
    stats,
    callsPerRequest: sum(ids.map((id) => counts[id])) / sent,
    callsByEmulator,
    versus: '',
    target: '',
  };
  rows.push(row);
  return row;
}

/** rollcall's recorded call as a direct request to the emulator (same method, path, query, headers, body). */
function replay(baseUrl: string, call: ReplayableCall): LoadTarget {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(call.query))
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, one);
  const search = params.toString();
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.headers)) {
    if (value === undefined || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(key))
      continue;
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    url: `${baseUrl}${call.path}${search ? `?${search}` : ''}`,
    method: call.method === 'POST' ? 'POST' : 'GET',
    headers,
    body: call.body.length > 0 ? call.body : undefined,
  };
}

function describeCall(call: ReplayableCall): string {
  const search = new URLSearchParams(call.query as Record<string, string>).toString();
  return `${call.method} ${call.path}${search ? `?${search}` : ''}${call.body ? ` (${call.body.length} B form)` : ''}`;
}

/** The one call `send` makes to emulator `id` (throws if it makes another number of calls there). */
async function captureCall(id: EmulatorId, send: () => Promise<unknown>): Promise<ReplayableCall> {
  await resetCalls();
  await send();
  const calls = await emulators.request<ReplayableCall[]>('recent', { id, n: 2 });
  if (calls.length !== 1) throw new Error(`expected one call to ${id}, saw ${calls.length}`);
  return calls[0];
}

const ms = (value: number) => value.toFixed(2);
const signed = (value: number) => `${value >= 0 ? '+' : ''}${ms(value)}`;
const ratio = (value: number, digits = 2) => `×${value.toFixed(digits)}`;

function verdict(row: Row | undefined, target: string, value: string, met: boolean): void {
  const result: Verdict = met ? 'met' : 'missed';
  if (row) {
    row.target = `${target}: ${met ? 'met' : 'MISSED'}`;
    row.verdict = result;
  }
  targets.push({ scenario: row?.scenario ?? '', target, value, verdict: result });
}

// ---------------------------------------------------------------------------------------------
// Scenarios.
// ---------------------------------------------------------------------------------------------

function rollcallEnv(base: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  return {
    BENCH_CONFIG: JSON.stringify({
      ...base,
      ROLLCALL_PROVIDER_CONCURRENCY: PROVIDER_CONCURRENCY,
      ROLLCALL_MAX_PAGE_SIZE: '100',
      // Scenarios 1–9 measure the live paths; the directory's walks would add upstream calls.
      ROLLCALL_DIRECTORY: 'off',
      ...extra,
    }),
  };
}

/** 1 (overhead) and the Twilio page-size part of 5 (scaling): one Twilio with 124 users, cache off. */
async function overheadAndTwilioScaling(): Promise<void> {
  const rollcall = await start<ServerInfo>(
    'rollcall (Twilio, 124 users, cache off)',
    'servers/rollcall.ts',
    rollcallEnv(emulators.info.largeTwilioEnv, { ROLLCALL_CACHE_TTL_SECONDS: '0' }),
  );
  try {
    const { url } = rollcall.info;
    const first50 = await query(url, twilioUsers(50));
    const edges = (first50.data.twilioConversationUsers as { edges: unknown[] }).edges.length;
    if (edges !== 50) problem(`twilioConversationUsers(first: 50) returned ${edges} edges`);
    const call = await captureCall('TWILIO_LARGE', () => query(url, twilioUsers(50)));

    const direct = await run(
      '1 overhead',
      `direct ${describeCall(call)}`,
      replay(emulators.info.baseUrls.TWILIO_LARGE, call),
      ['TWILIO_LARGE'],
    );
    direct.versus = 'baseline';
    const via = await run(
      '1 overhead',
      'rollcall twilioConversationUsers(first: 50)',
      graphqlTarget(url, twilioUsers(50), undefined, first50.text),
      ['TWILIO_LARGE'],
    );
    const delta = via.stats.p50 - direct.stats.p50;
    via.versus = `p50 ${signed(delta)} ms`;
    via.target = 'none (informational: the target is at 1 connection)';

    // The same pair unloaded: rollcall's own added latency, without CPU contention.
    const directOne = await run(
      '1 overhead',
      `direct ${describeCall(call)}`,
      replay(emulators.info.baseUrls.TWILIO_LARGE, call),
      ['TWILIO_LARGE'],
      1,
    );
    directOne.versus = 'baseline';
    const viaOne = await run(
      '1 overhead',
      'rollcall twilioConversationUsers(first: 50)',
      graphqlTarget(url, twilioUsers(50), undefined, first50.text),
      ['TWILIO_LARGE'],
      1,
    );
    const deltaOne = viaOne.stats.p50 - directOne.stats.p50;
    viaOne.versus = `p50 ${signed(deltaOne)} ms`;
    verdict(viaOne, 'p50 ≤ +1.0 ms', `${signed(deltaOne)} ms at 1 connection`, deltaOne <= 1);

    // 5: page size on one provider (Twilio serves at most 50 per page).
    const bySize: Row[] = [];
    for (const first of [10, 50, 100]) {
      if (first === 50) {
        bySize.push(via);
        continue;
      }
      const answer = await query(url, twilioUsers(first));
      bySize.push(
        await run(
          '5 scaling: page size',
          `rollcall twilioConversationUsers(first: ${first})`,
          graphqlTarget(url, twilioUsers(first), undefined, answer.text),
          ['TWILIO_LARGE'],
        ),
      );
    }
    scalingRows(bySize, '5 scaling: page size', 'twilioConversationUsers(first: 50) (= scenario 1)');
  } finally {
    await stop(rollcall);
  }
}

/**
 * A scaling group: p50 relative to its first row. A row measured by another scenario (same query) is
 * listed again under `scenario` with `reusedLabel`, not measured twice.
 */
function scalingRows(group: Row[], scenario: string, reusedLabel: string): void {
  const base = group[0];
  for (const row of group) if (row.scenario === scenario) rows.splice(rows.indexOf(row), 1);
  for (const [index, row] of group.entries()) {
    const relative = `p50 ${ratio(row.stats.p50 / base.stats.p50)}${index === 0 ? ' (base)' : ''}`;
    if (row.scenario === scenario) {
      row.versus = relative;
      rows.push(row);
    } else {
      rows.push({
        ...row,
        scenario,
        variant: `rollcall ${reusedLabel}`,
        versus: relative,
        target: '',
        verdict: undefined,
      });
    }
  }
}

/** 2 (fan-out), 3 (batching) and the `users` part of 5 (scaling): the five small emulators, cache off. */
async function fanOutBatchingScaling(): Promise<void> {
  const env = emulators.info.smallEnv;
  const rollcall = await start<ServerInfo>(
    'rollcall (five providers, small lists, cache off)',
    'servers/rollcall.ts',
    rollcallEnv(env, { ROLLCALL_CACHE_TTL_SECONDS: '0' }),
  );
  try {
    const { url } = rollcall.info;
    // Each provider's list on its own: the sizes (rollcall learns them too) and the entity keys.
    const lists = {} as Record<SmallSetId, Record<string, unknown>[]>;
    for (const provider of SMALL_SET) {
      const answer = await query(url, LIST_KEYS.replace('$P', provider));
      lists[provider] = (answer.data.users as { nodes: Record<string, unknown>[] }).nodes;
    }
    const sizes = Object.fromEntries(SMALL_SET.map((p) => [p, lists[p].length]));
    details.smallDataSet = sizes;
    notes.push(
      `Small data set (users listed per provider): ${SMALL_SET.map((p) => `${p} ${sizes[p]}`).join(', ')}.`,
    );

    // ---- 2: fan-out ----
    let fanAnswer = await query(url, users(100));
    fanAnswer = await query(url, users(100));
    const seen = new Set(
      (fanAnswer.data.users as { edges: { node: { provider: string } }[] }).edges.map((e) => e.node.provider),
    );
    if (seen.size !== SMALL_SET.length)
      problem(`users(first: 100) spans ${seen.size} providers, not ${SMALL_SET.length}`);
    const perProvider = await callsOfOne(() => query(url, users(100)), SMALL_SET);
    details.fanOutCallsOfOneRequest = perProvider;
    if (SMALL_SET.some((p) => perProvider[p] !== 1))
      problem(`users(first: 100) did not make one call per provider: ${JSON.stringify(perProvider)}`);
    const started = performance.now();
    await query(url, users(100));
    details.fanOutSingleRequestMs = performance.now() - started;

    const direct: Row[] = [];
    for (const provider of SMALL_SET) {
      await resetCalls();
      await query(url, users(100));
      const [call] = await emulators.request<ReplayableCall[]>('recent', { id: provider, n: 1 });
      direct.push(
        await run(
          '2 fan-out',
          `direct ${provider} ${describeCall(call)}`,
          replay(emulators.info.baseUrls[provider], call),
          [provider],
        ),
      );
    }
    const slowest = direct.reduce((a, b) => (b.stats.p50 > a.stats.p50 ? b : a));
    for (const row of direct) row.versus = row === slowest ? 'baseline (slowest)' : '';
    // A hand-written client: the same five calls at once per request (the emulators' load of rollcall's).
    const fiveCalls: ReplayableCall[] = [];
    await resetCalls();
    await query(url, users(100));
    for (const provider of SMALL_SET)
      fiveCalls.push((await emulators.request<ReplayableCall[]>('recent', { id: provider, n: 1 }))[0]);
    const together = await run(
      '2 fan-out',
      'direct: the five calls at once per request (a hand-written client)',
      async () => {
        await Promise.all(
          SMALL_SET.map((provider, index) =>
            timeDirect(emulators.info.baseUrls[provider], [fiveCalls[index]]),
          ),
        );
      },
      SMALL_SET,
    );
    const fan = await run(
      '2 fan-out',
      'rollcall users(first: 100) over 5 providers',
      graphqlTarget(url, users(100), undefined, fanAnswer.text),
      SMALL_SET,
    );
    const fanRatio = fan.stats.p50 / slowest.stats.p50;
    fan.versus = `p50 ${ratio(fanRatio, 3)}; ${ratio(fan.stats.p50 / together.stats.p50, 3)} of five at once`;
    together.versus = `p50 ${ratio(together.stats.p50 / slowest.stats.p50, 3)}`;
    verdict(
      fan,
      'p50 ratio ≤ 1.2',
      `${ratio(fanRatio, 3)} at ${LOAD.connections} connections`,
      fanRatio <= 1.2,
    );

    // The same pair unloaded: the fan-out's own latency (one concurrent round?), without CPU contention.
    const slowestId = SMALL_SET[direct.indexOf(slowest)];
    await resetCalls();
    await query(url, users(100));
    const [slowestCall] = await emulators.request<ReplayableCall[]>('recent', { id: slowestId, n: 1 });
    const slowestOne = await run(
      '2 fan-out',
      `direct ${slowestId} ${describeCall(slowestCall)}`,
      replay(emulators.info.baseUrls[slowestId], slowestCall),
      [slowestId],
      1,
    );
    slowestOne.versus = `baseline (slowest at ${LOAD.connections})`;
    const fanOne = await run(
      '2 fan-out',
      'rollcall users(first: 100) over 5 providers',
      graphqlTarget(url, users(100), undefined, fanAnswer.text),
      SMALL_SET,
      1,
    );
    const fanRatioOne = fanOne.stats.p50 / slowestOne.stats.p50;
    fanOne.versus = `p50 ${ratio(fanRatioOne, 3)}`;
    verdict(fanOne, 'p50 ratio ≤ 1.2', `${ratio(fanRatioOne, 3)} at 1 connection`, fanRatioOne <= 1.2);

    // ---- 5: scaling with page size and with providers (users connection) ----
    const bySize: Row[] = [];
    for (const first of [10, 50]) {
      const answer = await query(url, users(first));
      bySize.push(
        await run(
          '5 scaling: page size',
          `rollcall users(first: ${first})`,
          graphqlTarget(url, users(first), undefined, answer.text),
          SMALL_SET,
        ),
      );
    }
    bySize.push(fan);
    scalingRows(bySize, '5 scaling: page size', 'users(first: 100) (= scenario 2)');
    // A window that ends exactly where a provider's list ends: rollcall then probes the next provider
    // (is there a next page?) after the batch, in a second round.
    const boundary = sizes.TWO_CHAT;
    const boundaryAnswer = await query(url, users(boundary));
    const edge = await run(
      '5 scaling: page size',
      `rollcall users(first: ${boundary}), ends exactly at 2Chat's end`,
      graphqlTarget(url, users(boundary), undefined, boundaryAnswer.text),
      SMALL_SET,
    );
    edge.versus = `p50 ${ratio(edge.stats.p50 / bySize[0].stats.p50)}`;
    const byProviders: Row[] = [];
    for (let count = 1; count < SMALL_SET.length; count += 1) {
      const included = SMALL_SET.slice(0, count);
      await query(url, users(100, included));
      const answer = await query(url, users(100, included));
      byProviders.push(
        await run(
          '5 scaling: providers',
          `rollcall users(first: 100, providers: ${count})`,
          graphqlTarget(url, users(100, included), undefined, answer.text),
          SMALL_SET,
        ),
      );
    }
    byProviders.push(fan);
    scalingRows(byProviders, '5 scaling: providers', 'users(first: 100, providers: 5) (= scenario 2)');

    // ---- 3: batching ----
    const representations: Record<string, unknown>[] = [];
    const minimum: Record<string, number> = {};
    for (const provider of SMALL_SET) {
      const list = lists[provider];
      const picks = Array.from({ length: Math.min(ENTITIES_PER_PROVIDER, list.length) }, (_, i) =>
        Math.floor((i * list.length) / Math.min(ENTITIES_PER_PROVIDER, list.length)),
      );
      for (const index of picks) representations.push(list[index]);
      // Fewest calls any client could make: one call per id, or the list pages up to the last id wanted.
      const pages = Math.max(1, Math.ceil((Math.max(...picks) + 1) / MAX_PAGE[provider]));
      minimum[provider] = Math.min(picks.length, pages);
    }
    const minimal = sum(Object.values(minimum));
    const variables = { representations };
    const entities = await query(url, ENTITIES, variables);
    const resolved = (entities.data._entities as unknown[]).filter((e) => e !== null).length;
    if (resolved !== representations.length)
      problem(`rollcall resolved ${resolved} of ${representations.length} representations`);
    const rollcallCalls = await callsOfOne(() => query(url, ENTITIES, variables), SMALL_SET);

    const naive = await start<ServerInfo>('naive subgraph', 'servers/naive.ts', {
      BENCH_CONFIG: JSON.stringify(env),
    });
    let naiveRow: Row;
    let naiveCalls: Record<string, number>;
    try {
      const naiveAnswer = await query(naive.info.url, ENTITIES, variables);
      if (JSON.stringify(naiveAnswer.data) !== JSON.stringify(entities.data))
        problem('the naive subgraph and rollcall answered _entities differently');
      naiveCalls = await callsOfOne(() => query(naive.info.url, ENTITIES, variables), SMALL_SET);
      naiveRow = await run(
        '3 batching',
        `naive subgraph _entities ×${representations.length} (call per entity)`,
        graphqlTarget(naive.info.url, ENTITIES, variables, naiveAnswer.text),
        SMALL_SET,
      );
    } finally {
      await stop(naive as ChildHandle<unknown>);
    }
    naiveRow.versus = 'baseline';
    const batched = await run(
      '3 batching',
      `rollcall _entities ×${representations.length}`,
      graphqlTarget(url, ENTITIES, variables, entities.text),
      SMALL_SET,
    );
    const exact = sum(Object.values(rollcallCalls));
    batched.versus = `calls ${exact} vs naive ${sum(Object.values(naiveCalls))}, minimum ${minimal}`;
    verdict(batched, `calls = minimum (${minimal})`, `${exact} calls`, exact === minimal);
    details.batching = {
      representations: representations.length,
      perProvider: Object.fromEntries(
        SMALL_SET.map((p) => [p, { rollcall: rollcallCalls[p], naive: naiveCalls[p], minimum: minimum[p] }]),
      ),
    };
    notes.push(
      `Batching, upstream calls of one _entities request per provider (rollcall / naive / minimum): ${SMALL_SET.map(
        (p) => `${p} ${rollcallCalls[p]}/${naiveCalls[p]}/${minimum[p]}`,
      ).join(', ')}.`,
    );
  } finally {
    await stop(rollcall);
  }
}

/**
 * A rollcall server for scenario 4 with a warm upstream cache (TTL 3600 s): `reuse` switches whole-answer
 * reuse (`ROLLCALL_RESPONSE_CACHE`) on or off. Checks that the query no longer calls upstream.
 */
async function warmRollcall(
  reuse: boolean,
  access: { label: string; env: Record<string, string>; headers: Record<string, string> } = {
    label: '',
    env: {},
    headers: {},
  },
): Promise<{ child: ChildHandle<ServerInfo>; answer: GraphQLAnswer }> {
  const child = await start<ServerInfo>(
    `rollcall (Twilio, 124 users, upstream cache on, whole-answer reuse ${reuse ? 'on' : 'off'}${access.label})`,
    'servers/rollcall.ts',
    rollcallEnv(emulators.info.largeTwilioEnv, {
      ROLLCALL_CACHE_TTL_SECONDS: '3600',
      ROLLCALL_RESPONSE_CACHE: String(reuse),
      ...access.env,
    }),
  );
  try {
    const { url } = child.info;
    await query(url, twilioUsers(50), undefined, access.headers);
    const warm = await callsOfOne(
      () => query(url, twilioUsers(50), undefined, access.headers),
      ['TWILIO_LARGE'],
    );
    if (warm.TWILIO_LARGE !== 0)
      problem(
        `the warm-cache query (whole-answer reuse ${reuse ? 'on' : 'off'}) still called upstream (${warm.TWILIO_LARGE})`,
      );
    return { child, answer: await query(url, twilioUsers(50), undefined, access.headers) };
  } catch (error) {
    await stop(child);
    throw error;
  }
}

/**
 * 4: rollcall answering from a warm upstream cache vs a bare subgraph serving the same bytes, first with
 * whole-answer reuse off (every request is executed, as the bare subgraph executes it: the target), then
 * on (informational: that measures the response cache, not execution).
 */
async function ceiling(): Promise<void> {
  const executing = await warmRollcall(false);
  let bareRow: Row;
  let executed: Row;
  try {
    const { answer } = executing;
    const bare = await start<ServerInfo>('bare subgraph', 'servers/bare.ts', {
      BENCH_PAYLOAD: JSON.stringify(answer.data),
    });
    try {
      const bareAnswer = await query(bare.info.url, twilioUsers(50));
      if (bareAnswer.text !== answer.text)
        problem('the bare subgraph does not serve the same bytes as rollcall');
      bareRow = await run(
        '4 ceiling',
        'bare Apollo subgraph, same payload from memory',
        graphqlTarget(bare.info.url, twilioUsers(50), undefined, answer.text),
        ['TWILIO_LARGE'],
      );
    } finally {
      await stop(bare as ChildHandle<unknown>);
    }
    bareRow.versus = 'baseline';
    executed = await run(
      '4 ceiling',
      'rollcall twilioConversationUsers(first: 50), warm upstream cache, whole-answer reuse off',
      graphqlTarget(executing.child.info.url, twilioUsers(50), undefined, answer.text),
      ['TWILIO_LARGE'],
    );
  } finally {
    await stop(executing.child);
  }
  const share = executed.stats.rps / bareRow.stats.rps;
  executed.versus = `${(share * 100).toFixed(0)}% of req/s`;
  verdict(executed, 'req/s ≥ 70%', `${(share * 100).toFixed(1)}% (whole-answer reuse off)`, share >= 0.7);

  const reusing = await warmRollcall(true);
  try {
    if (reusing.answer.text !== executing.answer.text)
      problem('rollcall answers differently with whole-answer reuse on and off');
    const reused = await run(
      '4 ceiling',
      'rollcall twilioConversationUsers(first: 50), warm upstream cache, with whole-answer reuse',
      graphqlTarget(reusing.child.info.url, twilioUsers(50), undefined, executing.answer.text),
      ['TWILIO_LARGE'],
    );
    const reusedShare = reused.stats.rps / bareRow.stats.rps;
    reused.versus = `${(reusedShare * 100).toFixed(0)}% of req/s`;
    reused.target = 'none (informational: with whole-answer reuse)';
    details.ceilingWithWholeAnswerReuse = { shareOfBareRps: reusedShare };
  } finally {
    await stop(reusing.child);
  }
}

/**
 * 9: what access control costs. Scenario 4's executed query (warm upstream cache, whole-answer reuse
 * off) with `ROLLCALL_AUTH=none` (no check: the baseline) and with `ROLLCALL_AUTH=jwt`, a bearer token
 * verified per request (ES256, a static public key) and every field authorized from the SDL's
 * directives; same answer bytes (the token holds both scopes the query needs). Target: ≥ 90% of the
 * baseline's req/s; at 1 connection, the p50 added is reported.
 */
async function accessControl(): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const token = await new SignJWT({ scope: 'users:read users:read:pii' })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer('https://idp.bench')
    .setAudience('rollcall-bench')
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
  const headers = { authorization: `Bearer ${token}` };
  const open = await warmRollcall(false, {
    label: ', ROLLCALL_AUTH=none',
    env: { ROLLCALL_AUTH: 'none' },
    headers: {},
  });
  let openRows: [Row, Row];
  try {
    const target = graphqlTarget(open.child.info.url, twilioUsers(50), undefined, open.answer.text);
    openRows = [
      await run('9 access control', 'ROLLCALL_AUTH=none, no token', target, ['TWILIO_LARGE']),
      await run('9 access control', 'ROLLCALL_AUTH=none, no token', target, ['TWILIO_LARGE'], 1),
    ];
  } finally {
    await stop(open.child);
  }
  const guarded = await warmRollcall(false, {
    label: ', ROLLCALL_AUTH=jwt',
    env: {
      ROLLCALL_AUTH: 'jwt',
      ROLLCALL_JWT_PUBLIC_KEY: await exportSPKI(publicKey),
      ROLLCALL_JWT_ISSUER: 'https://idp.bench',
      ROLLCALL_JWT_AUDIENCE: 'rollcall-bench',
      ROLLCALL_JWT_ALGORITHMS: 'ES256',
    },
    headers,
  });
  try {
    if (guarded.answer.text !== open.answer.text)
      problem('rollcall answers a token with both scopes differently from ROLLCALL_AUTH=none');
    const target = graphqlTarget(
      guarded.child.info.url,
      twilioUsers(50),
      undefined,
      open.answer.text,
      headers,
    );
    const loaded = await run('9 access control', 'ROLLCALL_AUTH=jwt, verified token', target, [
      'TWILIO_LARGE',
    ]);
    const one = await run(
      '9 access control',
      'ROLLCALL_AUTH=jwt, verified token',
      target,
      ['TWILIO_LARGE'],
      1,
    );
    openRows[0].versus = 'baseline';
    openRows[1].versus = 'baseline';
    const share = loaded.stats.rps / openRows[0].stats.rps;
    loaded.versus = `${(share * 100).toFixed(0)}% of req/s`;
    verdict(loaded, 'req/s ≥ 90% of ROLLCALL_AUTH=none', `${(share * 100).toFixed(1)}%`, share >= 0.9);
    const added = one.stats.p50 - openRows[1].stats.p50;
    one.versus = `p50 ${signed(added)} ms`;
    one.target = 'none (informational: the latency a verified token adds)';
    details.accessControl = { shareOfOpenRps: share, p50AddedMsAtOneConnection: added };
  } finally {
    await stop(guarded.child);
  }
}

/** The largest page of each provider's list API, by its key in the configuration file. */
const WALK_PAGE: Record<string, number> = {
  twilio: 50,
  ada: 100,
  cometchat: 1000,
  voximplant: 1000,
};

/**
 * Directory sizes of scenario 10, per source (five sources: the four scale emulators of that size and a
 * second CometChat account), so 5,000 and (full) 500,000 users.
 */
const DIRECTORY_SIZES: readonly DirectorySize[] = MODE === 'quick' ? [1000] : DIRECTORY_EXTRA_SIZES;
/** Scenario 10's query rows: at the default connections, and (full) at 1 as well. */
const DIRECTORY_CONNECTIONS: readonly number[] =
  MODE === 'quick' ? [LOAD.connections] : [...new Set([LOAD.connections, 1])];
/** Query cases measured per size and store: 8 (full) or 3 (quick), plus the warm provider page. */
const DIRECTORY_CASES = MODE === 'quick' ? 3 : 9;

/** What the live walk searches for, client-side, as the directory's `search` does. */
const LIVE_SEARCH = 'ann';
/** The live walk's page: the largest page rollcall serves (ROLLCALL_MAX_PAGE_SIZE, set by rollcallEnv). */
const LIVE_WALK = `query Walk($after: String) { users(first: 100, after: $after) { edges { cursor node { id displayName firstName lastName email providerUserId } } pageInfo { hasNextPage endCursor } } }`;

interface LiveNode {
  id: string;
  displayName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  providerUserId: string;
}

/** One client-side answer from the live `users` connection (scenario 10's comparison). */
interface LiveWalk {
  seconds: number;
  /** GraphQL requests (pages of 100) and the upstream calls they made. */
  requests: number;
  calls: number;
  callsByEmulator: Partial<Record<EmulatorId, number>>;
  /** Which pass: the first (cold upstream cache) or the second (warm). */
  pass: 'cold' | 'warm';
  /** Users walked, users matching the search, and the first 50 matches' display names (see nameKey). */
  listed: number;
  matched: number;
  names: (string | null)[];
  /** Time per page. */
  pages: LoadStats;
}

/** A display name as the directory orders it: trimmed and lower-cased; null when missing or blank. */
const nameKey = (name: string | null | undefined): string | null =>
  typeof name === 'string' && name.trim() !== '' ? name.trim().toLowerCase() : null;

/** The directory's DISPLAY_NAME order on name keys: by code point, missing names last. */
const compareNames = (a: string | null, b: string | null): number =>
  a === null || b === null ? (a === null ? 1 : 0) - (b === null ? 1 : 0) : a < b ? -1 : a > b ? 1 : 0;

/**
 * "Search 'ann', sorted by display name, first 50" without the directory: `users(first: 100)` walked to
 * its end one page after the other, every user whose display name, first or last name, email or native id
 * contains the search kept (case-insensitively, as the directory's search), sorted by display name.
 */
async function liveWalk(url: string, ids: readonly EmulatorId[], pass: LiveWalk['pass']): Promise<LiveWalk> {
  await settle();
  await resetCalls();
  const started = performance.now();
  const times: number[] = [];
  const found: (string | null)[] = [];
  let listed = 0;
  let after: string | null = null;
  for (;;) {
    if (times.length >= 20_000) throw new Error('the live walk did not end within 20,000 pages');
    const answer = await query(url, LIVE_WALK, { after });
    times.push(answer.ms);
    const { edges, pageInfo } = answer.data.users as {
      edges: { node: LiveNode }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    listed += edges.length;
    for (const { node } of edges) {
      const fields = [node.displayName, node.firstName, node.lastName, node.email, node.providerUserId];
      if (fields.some((value) => typeof value === 'string' && value.toLowerCase().includes(LIVE_SEARCH)))
        found.push(nameKey(node.displayName));
    }
    if (!pageInfo.hasNextPage) break;
    if (!pageInfo.endCursor) throw new Error('the live walk: hasNextPage is true but endCursor is null');
    after = pageInfo.endCursor;
  }
  const names = found.sort(compareNames).slice(0, 50);
  const seconds = (performance.now() - started) / 1000;
  await settle();
  const counts = await callCounts();
  return {
    seconds,
    requests: times.length,
    calls: sum(ids.map((id) => counts[id])),
    callsByEmulator: Object.fromEntries(ids.map((id) => [id, counts[id]])),
    pass,
    listed,
    matched: found.length,
    names,
    pages: statsOf(times),
  };
}

/**
 * Scenario 10's configuration file for `size`: its five sources, each emulator's variables written as the
 * provider's file keys (from its declaration in src/providers/<provider>/index.ts). Secrets are
 * `${env.NAME}` references, a name of their own per source, whose values go in BENCH_CONFIG (`secrets`).
 */
async function directoryConfig(
  folder: string,
  size: DirectorySize,
): Promise<{ file: string; secrets: Record<string, string> }> {
  const { PROVIDERS } = await import('../src/providers/registry.js');
  const secrets: Record<string, string> = {};
  const lines = [
    '# bench/run.ts, scenario 10: five sources of one size, two of them CometChat accounts.',
    'sources:',
  ];
  for (const source of emulators.info.directorySources[size]) {
    const definition = PROVIDERS.find((candidate) => candidate.source.key === source.provider);
    if (!definition) throw new Error(`scenario 10: no provider ${source.provider}`);
    lines.push(`  - name: ${source.name}`, `    provider: ${source.provider}`);
    const written = new Set<string>();
    for (const group of ['credentials', 'options'] as const) {
      const keys: string[] = [];
      for (const [key, field] of Object.entries(definition.source[group])) {
        const value = source.env[field.env];
        if (value === undefined) continue;
        written.add(field.env);
        if (field.secret) {
          const name = `BENCH_${source.name.toUpperCase().replace(/-/g, '_')}_${field.env}`;
          secrets[name] = value;
          keys.push(`      ${key}: \${env.${name}}`);
        } else if (field.type === 'integer') keys.push(`      ${key}: ${Number(value)}`);
        else if (field.type === 'integerList') keys.push(`      ${key}: [${value}]`);
        else keys.push(`      ${key}: ${JSON.stringify(value)}`);
      }
      if (keys.length > 0) lines.push(`    ${group}:`, ...keys);
    }
    const left = Object.keys(source.env).filter((name) => !written.has(name));
    if (left.length > 0) throw new Error(`scenario 10: no file key for ${left.join(', ')} (${source.name})`);
  }
  const file = join(folder, `sources-${size}.yaml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return { file, secrets };
}

/** The people-matching counters of rollcall's /metrics (scenario 10). */
interface Matching {
  runs: number;
  seconds: number;
  queries: number;
  users: number;
  pending: number;
}

async function matching(url: string): Promise<Matching> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => metricValue(text, name) ?? 0;
  return {
    runs: value('rollcall_people_matching_seconds_count'),
    seconds: value('rollcall_people_matching_seconds_sum'),
    queries: value('rollcall_people_matching_queries_total'),
    users: value('rollcall_people_matched_users_total'),
    pending: value('rollcall_people_pending_users'),
  };
}

/**
 * Polls /metrics until `done` holds and matching is at rest: nothing pending, and its counters the same
 * for two seconds (a run adds its time, statements and users when it ends, after its last batch), for
 * `seconds` at most.
 */
async function matchingUntil(
  url: string,
  done: (now: Matching) => boolean,
  seconds: number,
): Promise<Matching & { doneAt: number }> {
  const deadline = performance.now() + seconds * 1000;
  let last: Matching | undefined;
  let stableSince = performance.now();
  /** When `done` and nothing pending first held (performance.now()): the persons had caught up. */
  let doneAt: number | undefined;
  for (;;) {
    const now = await matching(url);
    if (last === undefined || JSON.stringify(now) !== JSON.stringify(last)) stableSince = performance.now();
    last = now;
    const caughtUp = done(now) && now.pending === 0;
    if (caughtUp) doneAt ??= performance.now();
    else doneAt = undefined;
    if (caughtUp && doneAt !== undefined && performance.now() - stableSince >= 2000)
      return { ...now, doneAt };
    if (performance.now() > deadline) throw new Error(`people matching did not settle in ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * One provider event, as Ada delivers it: an end user renamed in the Ada emulator (its admin endpoint),
 * then `v1.end_user.updated` signed with the source's webhook secret, posted to rollcall's webhook.
 */
async function adaEvent(url: string, source: DirectorySource, endUserId: string): Promise<void> {
  const { ADA_BASE_URL: base, ADA_API_KEY: key, ADA_WEBHOOK_SECRET: secret } = source.env;
  if (!base || !key || !secret) throw new Error('the Ada source has no base URL, API key or webhook secret');
  const renamed = await fetch(`${base}/api/v2/end-users/${endUserId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: { display_name: `Bench Event ${Date.now()}` } }),
  });
  if (!renamed.ok) throw new Error(`the Ada emulator answered ${renamed.status} to the rename`);
  const body = JSON.stringify({
    type: 'v1.end_user.updated',
    timestamp: new Date().toISOString(),
    data: { end_user_id: endUserId },
    tags: [endUserId],
  });
  const id = `msg_bench_${Date.now()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const { signStandardWebhook } = await import('../src/providers/core/webhooks.js');
  const answer = await fetch(`${url}/webhooks/${source.name}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(timestamp),
      'svix-signature': signStandardWebhook(secret, id, timestamp, body),
    },
    body,
  });
  if (answer.status >= 300) throw new Error(`rollcall answered ${answer.status} to the Ada event`);
}

/** `count` users: "5,000 users". */
const usersLabel = (count: number) => `${count.toLocaleString('en')} users`;

async function directory(): Promise<void> {
  const { postgresAvailable, startPostgres } = await import('../src/emulators/postgres.js');
  const folder = await mkdtemp(join(os.tmpdir(), 'rollcall-bench-'));
  let pgliteFolders = 0;
  const stores: { name: string; env: () => Promise<Record<string, string>> }[] = [];
  // Persisted in a folder, as rollcall runs by default outside demo mode (`memory://` would hold the
  // whole database in the process's memory); a new folder per run, removed with the bench's.
  if (STORES.has('pglite'))
    stores.push({
      name: 'PGlite',
      env: async () => ({ ROLLCALL_DATA_DIR: join(folder, `pglite-${(pgliteFolders += 1)}`) }),
    });
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  /** p50 per store, case, connections and size. */
  const p50s = new Map<string, number>();
  try {
    if (!STORES.has('postgres')) notes.push('Scenario 10: PostgreSQL left out (--stores).');
    else if (postgresAvailable) {
      postgres = await startPostgres();
      const cluster = postgres;
      stores.push({
        name: 'PostgreSQL',
        env: async () => ({ ROLLCALL_DATABASE_URL: await cluster.createDatabase() }),
      });
    } else notes.push('Scenario 10: PostgreSQL is not installed here, so the directory ran on PGlite only.');
    notes.push(
      "Scenario 10: RSS per 100,000 users is the rollcall process's growth over a server with the directory off, whatever the size: it holds each store's fixed cost (PGlite runs in that process; PostgreSQL's memory is its own processes', not counted), so the largest size's figure is the one to read.",
    );
    for (const size of DIRECTORY_SIZES) {
      const sources = emulators.info.directorySources[size];
      const ids = sources.map((source) => source.emulator);
      const sizeLabel = usersLabel(sources.length * size);
      const { file, secrets } = await directoryConfig(folder, size);
      // Both children read the same file: the warm upstream cache for the provider page and the live
      // walk's second pass; every request executed (no whole-answer reuse).
      const common = {
        ROLLCALL_CONFIG: file,
        ROLLCALL_CACHE_TTL_SECONDS: '3600',
        ROLLCALL_RESPONSE_CACHE: 'false',
        ROLLCALL_MAX_UPSTREAM_CALLS: '1000',
      };

      // ---- The live walk, and the RSS of a server without the directory (rollcallEnv's default) ----
      const live = await start<ServerInfo>(
        `rollcall (directory off, ${sizeLabel})`,
        'servers/rollcall.ts',
        rollcallEnv(secrets, common),
      );
      let baselineRss: number;
      /** The walk's answer (its last pass) and its time (warm when there is a second pass, else cold). */
      let walked: LiveWalk | undefined;
      try {
        baselineRss = await live.request<number>('rss');
        // 5,000 requests at 500,000 users: full mode only (the quick run has only the smaller size).
        if (MODE === 'full' || size === DIRECTORY_SIZES[0]) {
          try {
            const passes: LiveWalk[] = [];
            for (const pass of ['cold', 'warm'] as const) {
              progress(`10 directory: live walk (${sizeLabel}, ${pass} cache)`);
              const walk = await liveWalk(live.info.url, ids, pass);
              passes.push(walk);
              const row: Row = {
                scenario: '10 directory: live walk',
                variant: `users(first: 100) to the end, search "${LIVE_SEARCH}" + sort by display name client-side, first 50 (${sizeLabel}, ${pass} upstream cache): ${walk.seconds.toFixed(1)} s, ${walk.requests} requests, ${walk.calls} upstream calls`,
                connections: 1,
                stats: {
                  requests: walk.requests,
                  seconds: walk.seconds,
                  rps: walk.requests / walk.seconds,
                  p50: walk.seconds * 1000,
                  p99: walk.seconds * 1000,
                  mean: walk.seconds * 1000,
                  errors: 0,
                },
                callsPerRequest: walk.calls,
                callsByEmulator: walk.callsByEmulator,
                versus: `one answer (calls per answer); page p50 ${ms(walk.pages.p50)} ms, ${walk.matched} of ${walk.listed} users match`,
                target: '',
              };
              rows.push(row);
              details[`directoryLiveWalk:${sizeLabel}:${pass}`] = {
                seconds: walk.seconds,
                requests: walk.requests,
                calls: walk.calls,
                listed: walk.listed,
                matched: walk.matched,
                pageP50Ms: walk.pages.p50,
                pageP99Ms: walk.pages.p99,
              };
            }
            if (JSON.stringify(passes[0].names) !== JSON.stringify(passes[1].names))
              problem(`scenario 10: the live walk's two passes answered differently (${sizeLabel})`);
            walked = passes[passes.length - 1];
          } catch (error) {
            problem(`scenario 10: the live walk failed (${sizeLabel}): ${String(error)}`);
          }
        }
      } finally {
        await stop(live);
      }

      for (const store of stores) {
        await resetCalls();
        const started = performance.now();
        const child = await start<ServerInfo>(
          `rollcall (directory on ${store.name}, ${sizeLabel})`,
          'servers/rollcall.ts',
          rollcallEnv(secrets, { ...common, ROLLCALL_DIRECTORY: 'on', ...(await store.env()) }),
        );
        try {
          const { url } = child.info;
          // The first sync: every source READY.
          let indexed: { name: string; state: string; users: number }[];
          /** When every source was READY (performance.now()): the persons catch up after it. */
          let readyAt = 0;
          for (;;) {
            // While a large source's walk is applied, PGlite's one connection is in that transaction:
            // the state query waits its turn (minutes at 100,000 users a source), so a timeout means wait.
            const state = await query(url, '{ directory { sources { name state users lastError } } }').catch(
              (error: unknown) => {
                if (error instanceof Error && error.name === 'TimeoutError') return null;
                throw error;
              },
            );
            if (state === null) continue;
            indexed = (state.data.directory as { sources: typeof indexed }).sources;
            if (indexed.every((source) => source.state === 'READY')) {
              readyAt = performance.now();
              break;
            }
            if (indexed.some((source) => source.state === 'FAILED'))
              throw new Error(`sync failed: ${state.text}`);
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          // The first sync's time: its longest walk (the sources walk side by side from the start), as
          // rollcall measured it — the process's own start (and PGlite's) is not the sync's.
          // (A walk's duration is observed just after it turns its source READY: wait for every one.)
          let walkSeconds: number[] = [];
          for (let tries = 0; tries < 3000 && walkSeconds.length < indexed.length; tries += 1) {
            if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
            walkSeconds = [
              ...(await (await fetch(`${url}/metrics`)).text()).matchAll(
                /^rollcall_directory_walk_duration_seconds_sum\{[^}]*\} ([0-9.e+-]+)$/gm,
              ),
            ].map((match) => Number(match[1]));
          }
          if (walkSeconds.length !== indexed.length)
            problem(
              `scenario 10: ${walkSeconds.length} walk durations in /metrics for ${indexed.length} sources`,
            );
          const syncSeconds = Math.max(...walkSeconds);
          const startSeconds = (performance.now() - started) / 1000;
          const counts = await callCounts();
          const calls = sum(ids.map((id) => counts[id]));
          const rss = await child.request<number>('rss');
          const total = sum(indexed.map((source) => source.users));
          // The fewest pages that read each source's list (the users it lists: CometChat leaves out its
          // deactivated users, Voximplant lists the configured application's).
          const minimum = sum(
            sources.map((source) => {
              const users = indexed.find((entry) => entry.name === source.name)?.users ?? NaN;
              return Math.max(1, Math.ceil(users / WALK_PAGE[source.provider]));
            }),
          );
          if (walked && walked.listed !== total)
            problem(
              `scenario 10: the directory on ${store.name} indexed ${total} users, the live walk listed ${walked.listed} (${sizeLabel})`,
            );
          const mb = (bytes: number) => bytes / 1048576;
          const per100k = (mb(rss - baselineRss) / total) * 100_000;
          const label = `${store.name}, ${sizeLabel}`;
          const syncRow: Row = {
            scenario: '10 directory: sync',
            variant: `first sync (${label}, ${total.toLocaleString('en')} indexed): ${syncSeconds.toFixed(1)} s (${startSeconds.toFixed(1)} s from process start to READY), RSS ${mb(rss).toFixed(0)} MB (${mb(baselineRss).toFixed(0)} MB with the directory off): ${per100k.toFixed(0)} MB per 100k users`,
            connections: 0,
            stats: {
              requests: 1,
              seconds: syncSeconds,
              rps: 0,
              p50: syncSeconds * 1000,
              p99: syncSeconds * 1000,
              mean: syncSeconds * 1000,
              errors: 0,
            },
            callsPerRequest: calls,
            callsByEmulator: Object.fromEntries(ids.map((id) => [id, counts[id]])),
            versus: `minimum ${minimum} calls`,
            target: '',
          };
          rows.push(syncRow);
          verdict(
            syncRow,
            'sync upstream calls = the minimum pages',
            `${label}: ${calls} / ${minimum}, ratio ${(calls / minimum).toFixed(2)}`,
            calls === minimum,
          );
          targets.push({
            scenario: '10 directory',
            target: `${label}: RSS per 100,000 indexed users`,
            value: `${per100k.toFixed(0)} MB ((${mb(rss).toFixed(0)} MB after the first sync − ${mb(baselineRss).toFixed(0)} MB with the directory off) ÷ ${total.toLocaleString('en')} users × 100,000)`,
            verdict: 'reported',
          });
          details[`directorySync:${label}`] = {
            seconds: syncSeconds,
            secondsFromProcessStart: startSeconds,
            calls,
            minimum,
            rssBytes: rss,
            baselineRssBytes: baselineRss,
            rssMbPer100kUsers: per100k,
            users: total,
            bySource: Object.fromEntries(indexed.map((source) => [source.name, source.users])),
          };

          // People: matching after the first sync (it follows each walk), then after one event.
          try {
            const synced = await matchingUntil(url, (now) => now.pending === 0 && now.runs > 0, 1800);
            const caughtUp = Math.max(0, (synced.doneAt - readyAt) / 1000);
            const matchRow: Row = {
              scenario: '10 people: matching',
              variant: `after the first sync (${label}): ${synced.seconds.toFixed(1)} s in ${synced.runs} runs, ${synced.queries} queries, ${synced.users.toLocaleString('en')} users matched; caught up ${caughtUp.toFixed(1)} s after every source was READY`,
              connections: 0,
              stats: {
                requests: synced.runs,
                seconds: synced.seconds,
                rps: 0,
                p50: synced.seconds * 1000,
                p99: synced.seconds * 1000,
                mean: synced.seconds * 1000,
                errors: 0,
              },
              callsPerRequest: 0,
              callsByEmulator: {},
              versus: 'runs alongside the walks (each walk is matched once applied, one run at a time)',
              target: '',
            };
            rows.push(matchRow);
            const ada = sources.find((source) => source.provider === 'ada');
            const first = ada
              ? (
                  (
                    await query(
                      url,
                      `{ users(first: 1, filter: { sources: [${JSON.stringify(ada.name)}] }) { nodes { providerUserId } } }`,
                    )
                  ).data.users as { nodes: { providerUserId: string }[] }
                ).nodes[0]?.providerUserId
              : undefined;
            if (!ada || !first) throw new Error('no Ada user to send an event for');
            await adaEvent(url, ada, first);
            const evented = await matchingUntil(
              url,
              (now) => now.runs > synced.runs && now.pending === 0,
              120,
            );
            const seconds = evented.seconds - synced.seconds;
            const queries = evented.queries - synced.queries;
            targets.push({
              scenario: '10 people',
              target: `${label}: matching after the first sync, and after a single event`,
              value: `sync: ${synced.seconds.toFixed(1)} s, ${synced.queries} queries (${synced.users.toLocaleString('en')} users matched in ${synced.runs} runs; caught up ${caughtUp.toFixed(1)} s after every source was READY); one Ada event: ${(seconds * 1000).toFixed(0)} ms, ${queries} queries, ${evented.users - synced.users} user(s) matched`,
              verdict: 'reported',
            });
            details[`peopleMatching:${label}`] = { synced, evented, caughtUpSeconds: caughtUp };
          } catch (error) {
            problem(`scenario 10: people matching (${label}): ${String(error)}`);
          }

          const email = (
            (await query(url, '{ users(first: 1, orderBy: { field: EMAIL }) { nodes { email } } }')).data
              .users as {
              nodes: { email: string | null }[];
            }
          ).nodes[0]?.email;
          const page = (args: string, total = false) =>
            `{ users(first: 50, ${args}) { ${total ? 'totalCount ' : ''}edges { cursor node { id displayName email provider } } pageInfo { hasNextPage endCursor } } }`;
          const searched = `search "${LIVE_SEARCH}", DISPLAY_NAME`;
          const searchArgs = `filter: { search: "${LIVE_SEARCH}" }, orderBy: { field: DISPLAY_NAME }`;
          const allCases: [string, string][] = [
            [searched, page(searchArgs)],
            [`${searched}, totalCount`, page(searchArgs, true)],
            [`email`, page(`filter: { email: ${JSON.stringify(email ?? 'nobody@example.com')} }`)],
            ...(['DISPLAY_NAME', 'EMAIL', 'CREATED_AT', 'UPDATED_AT', 'SOURCE'] as const).map(
              (field): [string, string] => [
                `orderBy ${field} DESC`,
                page(`orderBy: { field: ${field}, direction: DESC }`),
              ],
            ),
            ['orderBy DISPLAY_NAME, totalCount', page('orderBy: { field: DISPLAY_NAME }', true)],
          ];
          // The quick run (CI) keeps the rows with targets and one order: it must stay short.
          const cases = allCases.filter(
            ([name]) => MODE === 'full' || name.startsWith('search') || name === 'orderBy DISPLAY_NAME DESC',
          );
          if (cases.length !== DIRECTORY_CASES) throw new Error(`scenario 10: ${cases.length} cases`);
          const answers = new Map<string, GraphQLAnswer>();
          for (const [name, source] of cases) answers.set(name, await query(url, source));

          // The same question as the live walk's: the same first 50 display names (ties may differ).
          const answer = answers.get(searched);
          if (walked && answer) {
            const names = (
              answer.data.users as { edges: { node: { displayName: string | null } }[] }
            ).edges.map((edge) => nameKey(edge.node.displayName));
            if (JSON.stringify(names) !== JSON.stringify(walked.names))
              problem(
                `scenario 10: the directory on ${store.name} and the live walk answer ${searched} with other names (${sizeLabel}): ${JSON.stringify(names.slice(0, 5))}… vs ${JSON.stringify(walked.names.slice(0, 5))}…`,
              );
          }

          const peoplePage = `{ people(first: 50, orderBy: { field: DISPLAY_NAME }) { edges { cursor node { id displayName accounts { id provider } } } pageInfo { hasNextPage endCursor } } }`;
          const peopleAnswer = await query(url, peoplePage);
          const warm = twilioUsers(50);
          const warmAnswer = await query(url, warm);
          await query(url, warm);
          const queryRows: Row[] = [];
          for (const connections of DIRECTORY_CONNECTIONS) {
            const warmRow = await run(
              '10 directory',
              `warm provider page twilioConversationUsers(first: 50) (${label})`,
              graphqlTarget(url, warm, undefined, warmAnswer.text),
              ids,
              connections,
            );
            warmRow.versus = 'baseline';
            for (const [name, source] of cases) {
              const row = await run(
                '10 directory',
                `users(first: 50) ${name} (${label})`,
                graphqlTarget(url, source, undefined, answers.get(name)?.text),
                ids,
                connections,
              );
              queryRows.push(row);
              const share = row.stats.rps / warmRow.stats.rps;
              row.versus = `${(share * 100).toFixed(0)}% of req/s`;
              if (name === searched && walked)
                row.versus += `; p50 ${ms(row.stats.p50)} ms vs live walk ${walked.seconds.toFixed(2)} s ${walked.pass} (×${((walked.seconds * 1000) / row.stats.p50).toFixed(0)})`;
              p50s.set(`${store.name}:${name}:${connections}:${size}`, row.stats.p50);
              if (row.callsPerRequest !== 0) problem(`scenario 10: ${name} made upstream calls`);
              // Like with like: the target is at the default connections, against the warm page there.
              if (name === searched && connections === LOAD.connections)
                verdict(
                  row,
                  'searched, sorted page ≥ 50% of the warm provider page',
                  `${label}: ${row.versus}`,
                  share >= 0.5,
                );
            }
            // People beside users: the same page size, the same order, the same run.
            const peopleRow = await run(
              '10 people',
              `people(first: 50) orderBy DISPLAY_NAME (${label})`,
              graphqlTarget(url, peoplePage, undefined, peopleAnswer.text),
              ids,
              connections,
            );
            queryRows.push(peopleRow);
            const usersRow = queryRows.find(
              (row) =>
                row.variant === `users(first: 50) orderBy DISPLAY_NAME DESC (${label})` &&
                row.connections === connections,
            );
            peopleRow.versus = usersRow
              ? `p50 ${ms(peopleRow.stats.p50)} ms vs users(first: 50) orderBy DISPLAY_NAME DESC ${ms(usersRow.stats.p50)} ms`
              : '';
          }
          const most = Math.max(...queryRows.map((row) => row.callsPerRequest));
          verdict(
            undefined,
            `10 directory ${label}: zero upstream calls per directory query`,
            `at most ${most.toFixed(2)} calls per request over ${queryRows.length} rows`,
            most === 0,
          );
        } finally {
          await stop(child);
        }
      }
    }
    if (DIRECTORY_SIZES.length > 1) {
      const [small, large] = [DIRECTORY_SIZES[0], DIRECTORY_SIZES[DIRECTORY_SIZES.length - 1]];
      const fives = (size: DirectorySize) => emulators.info.directorySources[size].length * size;
      for (const store of stores)
        for (const connections of DIRECTORY_CONNECTIONS) {
          const ratios = [...p50s.keys()]
            .filter(
              (key) =>
                key.startsWith(`${store.name}:`) &&
                key.endsWith(`:${connections}:${small}`) &&
                !key.includes('totalCount'),
            )
            .map((key) => {
              const name = key.slice(store.name.length + 1, -`:${connections}:${small}`.length);
              return {
                name,
                ratio:
                  (p50s.get(`${store.name}:${name}:${connections}:${large}`) ?? NaN) / (p50s.get(key) ?? NaN),
              };
            });
          const worst = ratios.reduce((a, b) => (b.ratio > a.ratio || Number.isNaN(b.ratio) ? b : a), {
            name: '',
            ratio: 0,
          });
          targets.push({
            scenario: '10 directory',
            target: `${store.name}: p50 at ${usersLabel(fives(large))} ÷ p50 at ${usersLabel(fives(small))} ≤ 2.0 (every row without totalCount, ${connections} connection${connections > 1 ? 's' : ''})`,
            value: `worst ×${worst.ratio.toFixed(2)} (${worst.name})`,
            verdict: worst.ratio <= 2 ? 'met' : 'missed',
          });
        }
    }
  } finally {
    await postgres?.stop();
    await rm(folder, { recursive: true, force: true });
  }
}

/** One sequential walk of a provider connection, over every pass. */
interface Walk {
  provider: SmallSetId;
  field: string;
  emulator: EmulatorId;
  direction: Direction;
  window: number;
  /** Users in the list (the walk's edges). */
  users: number;
  /** Requests per walk (pages walked). */
  pages: number;
  passes: number;
  /** Upstream calls and their theoretical minimum, summed over every page of every pass. */
  calls: number;
  minimum: number;
  /** Pages (of every pass) whose calls differ from their own minimum. */
  offPages: number;
  /** The first pass, page by page. */
  callsPerPage: number[];
  minimumPerPage: number[];
  /** rollcall's time per page (every page of every pass) and the direct replay's time. */
  rollcall: LoadStats;
  direct: LoadStats;
  /** The page replayed directly (0-based) and its upstream call(s). */
  directPage: number;
  directCall: string;
}

/** `count` and the cursor argument a walk pages with, and the pageInfo fields it reads. */
function walkArgs(direction: Direction) {
  return direction === 'forward'
    ? { count: 'first', cursor: 'after', more: 'hasNextPage', next: 'endCursor' }
    : { count: 'last', cursor: 'before', more: 'hasPreviousPage', next: 'startCursor' };
}

const walkQuery = (field: string, direction: Direction) => {
  const { count, cursor, more, next } = walkArgs(direction);
  return `query Walk($n: Int!, $c: String) { c: ${field}(${count}: $n, ${cursor}: $c) { edges { cursor node { id providerUserId displayName email createdAt } } pageInfo { ${more} ${next} } } }`;
};

interface WalkPage {
  edges: { node: { id: string } }[];
  pageInfo: Record<string, string | boolean | null>;
}

function statsOf(samples: readonly number[]): LoadStats {
  // Sequential requests: the time measured is the sum of their times.
  return latencyStats(samples, sum(samples) / 1000, 0);
}

/** Sends rollcall's recorded calls straight to the emulator, one after the other; the time of all. */
async function timeDirect(baseUrl: string, calls: readonly ReplayableCall[]): Promise<number> {
  const started = performance.now();
  for (const call of calls) {
    const target = replay(baseUrl, call);
    const response = await fetch(target.url, {
      method: target.method,
      headers: target.headers,
      body: target.body,
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`direct ${describeCall(call)} answered ${response.status}`);
  }
  return performance.now() - started;
}

/**
 * 6: sequential paging. Every provider connection walked to its end with `first`/`after` and (where the
 * provider allows it) `last`/`before`, at windows of 7, 50 and 100, as a client walks it: each request
 * sends the previous page's `endCursor` (`startCursor`). Each page's upstream calls are read from the
 * emulators' call counts and compared with the theoretical minimum of that window (bench/lib/paging.ts);
 * each page's time is compared with the provider's own next-page call (rollcall's recorded call for a
 * middle page, replayed straight to the emulator). Caches off, so every pass pays its upstream calls.
 */
async function paging(): Promise<void> {
  const { pagingEnv, pagingEmulators, baseUrls } = emulators.info;
  const rollcall = await start<ServerInfo>(
    'rollcall (five providers, paging lists, cache off)',
    'servers/rollcall.ts',
    rollcallEnv(pagingEnv, { ROLLCALL_CACHE_TTL_SECONDS: '0' }),
  );
  const walks: Walk[] = [];
  try {
    const { url } = rollcall.info;
    for (const connection of PAGED_CONNECTIONS) {
      const { provider, field, style } = connection;
      const emulator = pagingEmulators[provider];
      const directions: Direction[] = connection.backward ? ['forward', 'backward'] : ['forward'];
      const plan = PAGING.windows.flatMap((window) => directions.map((direction) => ({ window, direction })));
      const mine = plan.map(
        ({ window, direction }): Walk => ({
          provider,
          field,
          emulator,
          direction,
          window,
          users: 0,
          pages: 0,
          passes: 0,
          calls: 0,
          minimum: 0,
          offPages: 0,
          callsPerPage: [],
          minimumPerPage: [],
          rollcall: statsOf([]),
          direct: statsOf([]),
          directPage: -1,
          directCall: '',
        }),
      );
      /** Per walk, the time of every page (every pass) and of every direct replay. */
      const times = mine.map(() => ({ rollcall: [] as number[], direct: [] as number[] }));
      /** Per walk, the first pass's recorded calls of each page (to replay one directly). */
      const recorded: ReplayableCall[][][] = mine.map(() => []);
      let list: string[] | undefined;
      progress(
        `6 paging: ${field}, windows ${PAGING.windows.join('/')}, ${directions.join(' and ')}, ${PAGING.passes} pass${PAGING.passes > 1 ? 'es' : ''}`,
      );

      for (let pass = 0; pass < PAGING.passes; pass += 1) {
        await resetCalls();
        let counted = 0;
        let before = await callCounts();
        for (const [index, walk] of mine.entries()) {
          const { more, next } = walkArgs(walk.direction);
          const source = walkQuery(field, walk.direction);
          const ids: string[] = [];
          const sizes: number[] = [];
          const calls: number[] = [];
          let cursor: string | null = null;
          for (let guard = 0; ; guard += 1) {
            if (guard >= 1000) throw new Error(`${field} did not end within 1000 pages`);
            const answer = await query(url, source, { n: walk.window, c: cursor });
            const after = await callCounts();
            const own = after[emulator] - before[emulator];
            const others = sum(Object.values(after)) - sum(Object.values(before)) - own;
            before = after;
            if (others !== 0)
              problem(`${field} (${walk.direction}, ${walk.window}) called other providers ${others} times`);
            times[index].rollcall.push(answer.ms);
            calls.push(own);
            if (pass === 0)
              recorded[index].push(
                own > 0 ? await emulators.request<ReplayableCall[]>('recent', { id: emulator, n: own }) : [],
              );
            const page = answer.data.c as WalkPage;
            const pageIds = page.edges.map((edge) => edge.node.id);
            sizes.push(pageIds.length);
            if (walk.direction === 'forward') ids.push(...pageIds);
            else ids.unshift(...pageIds);
            if (page.pageInfo[more] !== true) break;
            const nextCursor = page.pageInfo[next];
            if (typeof nextCursor !== 'string')
              throw new Error(`${field}: ${more} is true but ${next} is ${String(nextCursor)}`);
            cursor = nextCursor;
          }
          counted += sum(calls);

          const label = `${field} (${walk.direction}, windows of ${walk.window})`;
          if (new Set(ids).size !== ids.length) problem(`${label} saw a user twice`);
          if (sizes.slice(0, -1).some((edges) => edges !== walk.window))
            problem(`${label}: a page before the last was not full (${sizes.join(', ')})`);
          if (!list) list = ids;
          else if (JSON.stringify(ids) !== JSON.stringify(list))
            problem(`${label} saw another list (${ids.length} users) than the first walk (${list.length})`);
          if (pass > 0 && sizes.length !== walk.pages)
            problem(`${label} walked ${sizes.length} pages, not ${walk.pages} as in its first pass`);
          const minimum = minimumCallsOfWalk(style, walk.direction, walk.window, sizes);
          if (pass === 0) {
            walk.users = ids.length;
            walk.pages = sizes.length;
            walk.callsPerPage = calls;
            walk.minimumPerPage = minimum;
          }
          walk.passes += 1;
          walk.calls += sum(calls);
          walk.minimum += sum(minimum);
          walk.offPages += calls.filter((value, page) => value !== minimum[page]).length;
        }
        // Calls that landed after their answer would have been counted on a later page; any left are
        // counted nowhere: the pass's total must match.
        await settle();
        const total = (await callCounts())[emulator];
        if (total !== counted)
          problem(`${field}: ${total} upstream calls in pass ${pass + 1}, ${counted} counted page by page`);
      }

      // The direct baseline: the provider's next-page call, recorded for a middle page of the walk
      // (one with a single upstream call, the provider's own next-page request, where there is one).
      for (const [index, walk] of mine.entries()) {
        const pages = recorded[index];
        const middle = (pages.length - 1) / 2;
        const single = pages.flatMap((calls, page) => (calls.length === 1 ? [page] : []));
        const candidates =
          single.length > 0 ? single : pages.flatMap((calls, page) => (calls.length ? [page] : []));
        if (candidates.length === 0) {
          problem(`${field} (${walk.direction}, ${walk.window}): no upstream call to replay`);
          continue;
        }
        const page = candidates.reduce((a, b) => (Math.abs(b - middle) < Math.abs(a - middle) ? b : a));
        walk.directPage = page;
        walk.directCall = pages[page].map(describeCall).join(' + ');
        const samples = Math.min(
          PAGING.maxDirectSamples,
          Math.max(PAGING.minDirectSamples, times[index].rollcall.length),
        );
        for (let sample = 0; sample < samples; sample += 1)
          times[index].direct.push(await timeDirect(baseUrls[emulator], pages[page]));
        walk.rollcall = statsOf(times[index].rollcall);
        walk.direct = statsOf(times[index].direct);
      }
      walks.push(...mine);

      // The provider's row and target.
      const pages = sum(mine.map((walk) => walk.pages * walk.passes));
      const calls = sum(mine.map((walk) => walk.calls));
      const minimum = sum(mine.map((walk) => walk.minimum));
      const offPages = sum(mine.map((walk) => walk.offPages));
      const rollcallStats = statsOf(times.flatMap((time) => time.rollcall));
      const directStats = statsOf(times.flatMap((time) => time.direct));
      const row: Row = {
        scenario: '6 paging',
        variant: `rollcall ${field}: ${mine.length} walks (${directions.join(' + ')} × windows ${PAGING.windows.join('/')}, ${list?.length ?? 0} users), ${pages} pages`,
        connections: 1,
        stats: rollcallStats,
        callsPerRequest: calls / Math.max(1, pages),
        callsByEmulator: { [emulator]: calls / Math.max(1, pages) },
        versus: `minimum ${(minimum / Math.max(1, pages)).toFixed(2)}/page, ratio ${(calls / Math.max(1, minimum)).toFixed(2)}; p50 ${signed(rollcallStats.p50 - directStats.p50)} ms vs direct`,
        target: '',
      };
      rows.push(row);
      verdict(
        row,
        'calls/page = minimum (ratio 1.00)',
        `${provider}: ${calls} calls, minimum ${minimum}, ratio ${(calls / Math.max(1, minimum)).toFixed(2)}${offPages ? `, ${offPages} pages off their minimum` : ''}`,
        offPages === 0 && calls === minimum,
      );
      if (offPages > 0)
        notes.push(
          `Paging, ${field}: ${offPages} pages cost another number of upstream calls than their minimum (first pass per walk, calls vs minimum page by page): ${mine
            .filter((walk) => walk.offPages > 0)
            .map(
              (walk) =>
                `${walk.direction} ${walk.window}: [${walk.callsPerPage.join(' ')}] vs [${walk.minimumPerPage.join(' ')}]`,
            )
            .join('; ')}.`,
        );
    }
  } finally {
    await stop(rollcall);
  }
  pagingWalks.push(...walks);
  details.paging = {
    passes: PAGING.passes,
    windows: PAGING.windows,
    emulators: pagingEmulators,
    walks,
  };
}

/**
 * 7: a list and lookups of its own users in one request — `cometChatUsers(first: 50)` and `nodes` of
 * those 50 ids — vs the provider's list call alone (rollcall's recorded call, replayed). The lookups are
 * answered from the page the list read (primed, even while in flight): one upstream call in all.
 */
async function listAndLookups(): Promise<void> {
  const { pagingEnv, pagingEmulators, baseUrls } = emulators.info;
  const emulator = pagingEmulators.COMETCHAT;
  const rollcall = await start<ServerInfo>(
    'rollcall (five providers, paging lists, cache off)',
    'servers/rollcall.ts',
    rollcallEnv(pagingEnv, { ROLLCALL_CACHE_TTL_SECONDS: '0' }),
  );
  try {
    const { url } = rollcall.info;
    const list = await query(url, '{ cometChatUsers(first: 50) { nodes { id } } }');
    const ids = (list.data.cometChatUsers as { nodes: { id: string }[] }).nodes.map((node) => node.id);
    if (ids.length !== 50) problem(`cometChatUsers(first: 50) returned ${ids.length} users`);
    const source =
      'query ListAndLookups($ids: [ID!]!) { cometChatUsers(first: 50) { nodes { id uid name email } } nodes(ids: $ids) { id ... on CometChatUser { uid name email } } }';
    const variables = { ids };
    const answer = await query(url, source, variables);
    const found = (answer.data.nodes as ({ id: string } | null)[]).filter((node) => node !== null).length;
    if (found !== 50) problem(`nodes of the 50 listed ids found ${found}`);
    const calls = await callsOfOne(() => query(url, source, variables), [emulator]);
    details.listAndLookupsCalls = calls[emulator];
    if (calls[emulator] !== 1) problem(`the list with lookups made ${calls[emulator]} upstream calls, not 1`);
    const call = await captureCall(emulator, () =>
      query(url, '{ cometChatUsers(first: 50) { nodes { id } } }'),
    );
    const direct = await run(
      '7 list + lookups',
      `direct ${describeCall(call)}`,
      replay(baseUrls[emulator], call),
      [emulator],
    );
    direct.versus = 'baseline';
    const via = await run(
      '7 list + lookups',
      'rollcall cometChatUsers(first: 50) + nodes(ids: those 50)',
      graphqlTarget(url, source, variables, answer.text),
      [emulator],
    );
    const value = via.stats.p50 / direct.stats.p50;
    via.versus = `p50 ${ratio(value, 3)} (${signed(via.stats.p50 - direct.stats.p50)} ms)`;
    verdict(via, 'p50 ratio ≤ 1.10', `${ratio(value, 3)} at ${LOAD.connections} connections`, value <= 1.1);
  } finally {
    await stop(rollcall);
  }
}

/** One position of scenario 8 for one provider, at every account size. */
interface ScaleRow {
  provider: ScaleProvider;
  field: string;
  position: 'start' | 'middle' | 'end';
  /** Per size: upstream calls of one request, and the time of `samples` requests one after another. */
  bySize: Partial<Record<ScaleSize, { calls: number; stats: LoadStats }>>;
}

interface ScaleLookups {
  provider: ScaleProvider;
  size: ScaleSize;
  /** Upstream calls of `nodes` of 50 ids spread over the list: on a fresh server, then again. */
  firstCalls: number;
  againCalls: number;
}

const scaleRows: ScaleRow[] = [];
const scaleLookups: ScaleLookups[] = [];

/**
 * 8: cost as the account grows. Per size (1,000 / 10,000 / 100,000 users) a rollcall over the four scale
 * emulators of that size; per provider, `first: 50` at the start of the list, in the middle (after the
 * cursor at n/2) and at the end (after the cursor at n − 50). The cursors come from a walk at 1,000 a
 * window with the emulator's latency off (the walk is not measured). Each position: the upstream calls
 * of one request, and the p50 of `SCALE.samples` requests one after another. Target per provider and
 * position: the same calls at every size, and p50 largest ÷ smallest ≤ 1.2. Also `nodes` of 50 ids spread
 * over the list: the calls on a fresh server and again (50 single fetches; at most one probing page on a
 * fresh server, which leaves the estimate that sends the next batch straight to single fetches).
 */
async function scaling(): Promise<void> {
  const rowsByKey = new Map<string, ScaleRow>();
  for (const size of SCALE_SIZES) {
    const rollcall = await start<ServerInfo>(
      `rollcall (four providers, ${size} users each, cache off)`,
      'servers/rollcall.ts',
      rollcallEnv(emulators.info.scaleEnv[size], {
        ROLLCALL_CACHE_TTL_SECONDS: '0',
        ROLLCALL_MAX_PAGE_SIZE: '1000',
        ROLLCALL_MAX_COST: '1000000',
      }),
    );
    try {
      const { url } = rollcall.info;
      for (const provider of SCALE_PROVIDERS) {
        const connection = PAGED_CONNECTIONS.find((candidate) => candidate.provider === provider);
        if (!connection) throw new Error(`no connection for ${provider}`);
        const { field } = connection;
        const id = scaleId(provider, size);
        progress(`8 scaling: ${field} with ${size} users: walking to the middle and the end`);
        // The walk: cursors at n/2 and n − 50, and 50 ids spread over the list.
        await emulators.request('latency', { id, ms: 0 });
        // The listed users: the account's size, less those the list leaves out (CometChat lists no
        // deactivated user, Voximplant only the configured application's), where the provider counts.
        const counted = await query(url, `{ c: ${field}(first: 0) { totalCount } }`);
        const listed = (counted.data.c as { totalCount: number | null }).totalCount ?? size;
        const stops = [Math.floor(listed / 2), listed - 50];
        const cursors: (string | null)[] = [null];
        const spread: string[] = [];
        const picks = new Set(Array.from({ length: 50 }, (_, k) => Math.floor(((k + 0.5) * listed) / 50)));
        let cursor: string | null = null;
        let seen = 0;
        try {
          for (const stop of stops) {
            while (seen < stop) {
              const n = Math.min(1000, stop - seen);
              const page = await query(
                url,
                `query ($n: Int!, $c: String) { c: ${field}(first: $n, after: $c) { nodes { id } pageInfo { endCursor } } }`,
                { n, c: cursor },
              );
              const { nodes, pageInfo } = page.data.c as {
                nodes: { id: string }[];
                pageInfo: { endCursor: string | null };
              };
              nodes.forEach((node, index) => {
                if (picks.has(seen + index)) spread.push(node.id);
              });
              seen += nodes.length;
              cursor = pageInfo.endCursor;
              if (nodes.length < n) throw new Error(`${field} ended at ${seen} of ${listed} users`);
            }
            cursors.push(cursor);
          }
        } finally {
          await emulators.request('latency', { id, ms: LATENCY_MS });
        }
        // The last stretch (n − 50 → n) holds the last spread id.
        const tail = await query(
          url,
          `query ($c: String) { c: ${field}(first: 50, after: $c) { nodes { id } pageInfo { hasNextPage } } }`,
          { c: cursor },
        );
        const tailPage = tail.data.c as { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean } };
        tailPage.nodes.forEach((node, index) => {
          if (picks.has(seen + index)) spread.push(node.id);
        });
        if (tailPage.nodes.length !== 50 || tailPage.pageInfo.hasNextPage)
          problem(`${field} (${size} users): the last 50 were not the end of the list`);

        const source = `query ($c: String) { c: ${field}(first: 50, after: $c) { edges { cursor node { id providerUserId displayName email createdAt } } pageInfo { hasNextPage endCursor } } }`;
        for (const [index, position] of (['start', 'middle', 'end'] as const).entries()) {
          const variables = { c: cursors[index] };
          const calls = (await callsOfOne(() => query(url, source, variables), [id]))[id];
          progress(`8 scaling: ${field}, ${size} users, ${position}: ${SCALE.samples} requests`);
          const times: number[] = [];
          for (let sample = 0; sample < SCALE.samples; sample += 1)
            times.push((await query(url, source, variables)).ms);
          const key = `${provider} ${position}`;
          let row = rowsByKey.get(key);
          if (!row) {
            row = { provider, field, position, bySize: {} };
            rowsByKey.set(key, row);
            scaleRows.push(row);
          }
          row.bySize[size] = { calls, stats: statsOf(times) };
        }

        // Lookups of 50 ids spread over the list.
        if (spread.length !== 50) problem(`${field} (${size} users): ${spread.length} spread ids, not 50`);
        const lookups = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';
        const lookupCalls = async () => {
          const counts = await callsOfOne(async () => {
            const answer = await query(url, lookups, { ids: spread });
            const found = (answer.data.nodes as unknown[]).filter((node) => node !== null).length;
            if (found !== spread.length) problem(`${field} (${size} users): nodes found ${found} of 50`);
          }, [id]);
          return counts[id];
        };
        scaleLookups.push({
          provider,
          size,
          firstCalls: await lookupCalls(),
          againCalls: await lookupCalls(),
        });
      }
    } finally {
      await stop(rollcall);
    }
  }

  const smallest = SCALE_SIZES[0];
  const largest = SCALE_SIZES[SCALE_SIZES.length - 1];
  for (const row of scaleRows) {
    const sizes = SCALE_SIZES.filter((size) => row.bySize[size]);
    const calls = sizes.map((size) => row.bySize[size]?.calls ?? NaN);
    const spread = (row.bySize[largest]?.stats.p50 ?? NaN) / (row.bySize[smallest]?.stats.p50 ?? NaN);
    const sameCalls = calls.every((value) => value === calls[0]);
    verdict(
      undefined,
      `8 scaling ${row.field} ${row.position}: same calls, p50 ${largest}÷${smallest} ≤ 1.2`,
      `calls ${calls.join('/')}, p50 ${ratio(spread)}`,
      sameCalls && spread <= 1.2,
    );
  }
  for (const lookup of scaleLookups.filter((entry) => entry.size === largest))
    verdict(
      undefined,
      `8 scaling nodes of 50 spread ids, ${lookup.provider} ${largest}: single fetches (at most one probing page on a fresh server)`,
      `${lookup.firstCalls} calls on a fresh server, then ${lookup.againCalls}`,
      lookup.firstCalls <= 51 && lookup.againCalls === 50,
    );
  details.scaling = { samples: SCALE.samples, rows: scaleRows, lookups: scaleLookups };
}

// ---------------------------------------------------------------------------------------------
// Output.
// ---------------------------------------------------------------------------------------------

async function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(await readFile('/proc/cpuinfo', 'utf8'));
    if (match) cpu = match[1].trim();
  } catch {
    // Not Linux: os.cpus() it is.
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    /** 1-minute load average before the run: above ~0.5, something else was using the CPUs. */
    loadAverageBefore: Number(os.loadavg()[0].toFixed(2)),
  };
}

/** A Markdown table, the `numeric` columns right-aligned. */
function markdown(header: string[], lines: string[][], numeric: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i].length)));
  const format = (cells: string[]) =>
    `| ${cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [format(header), rule, ...lines.map(format)].join('\n');
}

function table(): string {
  const sorted = [...rows].sort(
    (a, b) => a.scenario[0].localeCompare(b.scenario[0]) || rows.indexOf(a) - rows.indexOf(b),
  );
  const header = [
    'scenario',
    'variant',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'upstream calls/req',
    'vs baseline',
    'target',
  ];
  const lines = sorted.map((row) => [
    row.scenario,
    row.variant,
    String(row.connections),
    row.stats.rps.toFixed(0),
    ms(row.stats.p50),
    ms(row.stats.p99),
    row.callsPerRequest.toFixed(2),
    row.versus,
    row.target,
  ]);
  return markdown(header, lines, new Set([2, 3, 4, 5, 6]));
}

/** Scenario 6, one line per walk: calls per page against the minimum, time per page against direct. */
function pagingTable(): string {
  const header = [
    'connection',
    'direction',
    'window',
    'users',
    'pages',
    'calls/page',
    'minimum/page',
    'ratio',
    'p50 ms/page',
    'p99 ms/page',
    'direct p50 ms',
    'vs direct',
  ];
  const lines = pagingWalks.map((walk) => {
    const pages = walk.pages * walk.passes;
    return [
      walk.field,
      walk.direction,
      String(walk.window),
      String(walk.users),
      String(walk.pages),
      (walk.calls / Math.max(1, pages)).toFixed(2),
      (walk.minimum / Math.max(1, pages)).toFixed(2),
      (walk.calls / Math.max(1, walk.minimum)).toFixed(2),
      ms(walk.rollcall.p50),
      ms(walk.rollcall.p99),
      ms(walk.direct.p50),
      `p50 ${signed(walk.rollcall.p50 - walk.direct.p50)} ms`,
    ];
  });
  return markdown(header, lines, new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]));
}

/** Scenario 8, one line per provider and position: calls and p50 at each account size. */
function scaleTable(): string {
  const header = [
    'connection',
    'position',
    ...SCALE_SIZES.flatMap((size) => [`calls @${size}`, `p50 ms @${size}`]),
    `p50 ${SCALE_SIZES[SCALE_SIZES.length - 1]}÷${SCALE_SIZES[0]}`,
  ];
  const lines = scaleRows.map((row) => [
    row.field,
    row.position,
    ...SCALE_SIZES.flatMap((size) => {
      const cell = row.bySize[size];
      return cell ? [String(cell.calls), ms(cell.stats.p50)] : ['-', '-'];
    }),
    ratio(
      (row.bySize[SCALE_SIZES[SCALE_SIZES.length - 1]]?.stats.p50 ?? NaN) /
        (row.bySize[SCALE_SIZES[0]]?.stats.p50 ?? NaN),
    ),
  ]);
  return markdown(header, lines, new Set(header.map((_, index) => index).filter((index) => index > 1)));
}

// ---------------------------------------------------------------------------------------------
// Main.
// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const started = Date.now();
  const host = await machine();
  emulators = await start<EmulatorsInfo>('emulators', 'servers/emulators.ts', {
    BENCH_LATENCY_MS: String(LATENCY_MS),
  });
  try {
    if (includes(1, 5)) await overheadAndTwilioScaling();
    if (includes(2, 3, 5)) await fanOutBatchingScaling();
    if (includes(4)) await ceiling();
    if (includes(6)) await paging();
    if (includes(7)) await listAndLookups();
    if (includes(8)) await scaling();
    if (includes(9)) await accessControl();
    if (includes(10)) await directory();
  } finally {
    await stop(emulators as ChildHandle<unknown>);
  }
  const elapsed = (Date.now() - started) / 1000;
  if (host.loadAverageBefore > 0.5)
    notes.push(
      `The 1-minute load average was ${host.loadAverageBefore} before the run: other processes were using the CPUs, so these numbers are noisier than usual.`,
    );

  const settings = {
    mode: MODE,
    secondsPerMeasurement: LOAD.seconds,
    warmupSeconds: LOAD.warmupSeconds,
    connections: LOAD.connections,
    emulatorLatencyMs: LATENCY_MS,
    rollcallProviderConcurrency: Number(PROVIDER_CONCURRENCY),
  };
  console.log(
    `rollcall bench (${MODE}): ${LOAD.seconds} s per measurement, ${LOAD.connections} connections, ` +
      `emulator latency ${LATENCY_MS} ms, ROLLCALL_PROVIDER_CONCURRENCY=${PROVIDER_CONCURRENCY}; ` +
      `${host.cores} cores, ${host.cpu}, node ${host.node}; ${elapsed.toFixed(0)} s`,
  );
  console.log('');
  console.log(table());
  console.log('');
  if (pagingWalks.length > 0) {
    console.log(
      `Scenario 6, paging: one line per walk (${PAGING.passes} passes; calls and time per page over every pass; ` +
        "direct = the provider's next-page call that rollcall made for a middle page, replayed):",
    );
    console.log('');
    console.log(pagingTable());
    console.log('');
  }
  if (scaleRows.length > 0) {
    console.log(
      `Scenario 8, scaling: first: 50 at the start, middle and end of 1,000 / 10,000 / 100,000-user accounts (${SCALE.samples} requests one after another each; calls of one request):`,
    );
    console.log('');
    console.log(scaleTable());
    console.log('');
    console.log(
      `Lookups, nodes of 50 ids spread over the list (upstream calls on a fresh server, then again): ${scaleLookups
        .map((entry) => `${entry.provider} @${entry.size} ${entry.firstCalls}/${entry.againCalls}`)
        .join(', ')}.`,
    );
    console.log('');
  }
  console.log('Targets:');
  for (const target of targets)
    console.log(
      `- ${{ met: 'met     ', missed: 'MISSED  ', reported: 'reported' }[target.verdict]} ${target.target}: ${target.value}`,
    );
  console.log('');
  for (const note of notes) console.log(`- ${note}`);

  const results = resolve(BENCH_DIR, 'results');
  await mkdir(results, { recursive: true });
  const file = resolve(results, 'latest.json');
  await writeFile(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), settings, machine: host, elapsedSeconds: elapsed, targets, rows, notes, details }, null, 2)}\n`,
  );
  console.log(`- Written: ${file}`);
  return answerProblems > 0 ? 1 : 0;
}

// A hard stop for the whole run, whatever happens (generous: about three times the expected time).
const watchdog = setTimeout(
  () => {
    progress('the run took far longer than expected: stopping');
    void Promise.all([...children].map((child) => child.stop())).finally(() => process.exit(1));
  },
  (60 +
    33 * (LOAD.seconds + LOAD.warmupSeconds + 1) +
    20 * PAGING.passes +
    60 +
    3 * SCALE.samples +
    // Scenario 10: per size and store, a first sync (minutes at 500,000 users) and its measurements (the
    // warm provider page and each case, at each number of connections); per size, a server without the
    // directory walking `users` twice, pages of 100 (about 0.1 s each: 5,000 pages at 500,000 users).
    DIRECTORY_SIZES.length *
      2 *
      (300 + (DIRECTORY_CASES + 1) * DIRECTORY_CONNECTIONS.length * (LOAD.seconds + LOAD.warmupSeconds + 1)) +
    sum(DIRECTORY_SIZES.map((size) => 30 + 2 * ((5 * size) / 100) * 0.1))) *
    3 *
    1000,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([...children].map((child) => child.stop())).finally(() => process.exit(130));
  });
}

main()
  .then((code) => {
    clearTimeout(watchdog);
    process.exitCode = code;
  })
  .catch(async (error: unknown) => {
    clearTimeout(watchdog);
    console.error(error);
    await Promise.all([...children].map((child) => child.stop()));
    process.exitCode = 1;
  });
