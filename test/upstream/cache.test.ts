/**
 * The upstream response cache: in memory, and shared through a real Redis between replicas.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { twilioProvider } from '../../src/providers/twilio/index.js';
import { startEmulators, type RunningEmulators } from '../../src/emulators/demo.js';
import { MemoryStore, ttlFor, UpstreamCache, type CachedResponse } from '../../src/upstream/cache.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { detectTwilioError } from '../../src/providers/twilio/client.js';
import { validateTwilioList } from '../../src/providers/twilio/wire.js';
import { Metrics } from '../../src/metrics.js';
import { createLogger } from '../../src/logger.js';
import { startReplica, type Replica } from '../support/harness.js';
import { redisAvailable, startRedis, type RedisProcess } from '../support/redis.js';
import { inFlightReaches } from '../support/safety.js';

const QUERY = '{ twilioConversationUsers(first: 5) { edges { node { sid identity } } } }';
/**
 * Without access control (ROLLCALL_AUTH=none on loopback) answers are the same for everyone, so public;
 * with it they are private (test/auth covers that, and the demo-mode check below).
 */
const CACHE_ON = { ROLLCALL_CACHE_TTL_SECONDS: '30', ROLLCALL_AUTH: 'none' };

let emulators: RunningEmulators;
const replicas: Replica[] = [];
const twilio = () => emulators.byProvider.get('TWILIO_CONVERSATIONS')!.server as TwilioEmulator;
async function replica(env: Record<string, string> = {}): Promise<Replica> {
  const started = await startReplica(emulators, { ...CACHE_ON, ...env });
  replicas.push(started);
  return started;
}
const cacheMetric = (text: string, result: string) =>
  Number(
    new RegExp(
      `rollcall_cache_requests_total\\{provider="TWILIO_CONVERSATIONS",source="twilio",result="${result}"\\} (\\d+)`,
    ).exec(text)?.[1] ?? 0,
  );

beforeAll(async () => {
  emulators = await startEmulators({ providers: [twilioProvider] });
});
afterAll(() => emulators.stop());
beforeEach(() => twilio().reset());
afterEach(async () => {
  await Promise.all(replicas.splice(0).map((r) => r.stop()));
});

describe('ttlFor', () => {
  it('keeps the provider TTL, shortened by max-age and refused by no-store/no-cache/private', () => {
    expect(ttlFor(30, undefined)).toBe(30);
    expect(ttlFor(30, 'max-age=5')).toBe(5);
    expect(ttlFor(30, 'public, max-age=600')).toBe(30);
    expect(ttlFor(30, 'no-store')).toBe(0);
    expect(ttlFor(30, 'private, max-age=60')).toBe(0);
    expect(ttlFor(0, 'max-age=60')).toBe(0);
  });
});

describe('MemoryStore', () => {
  it('evicts the least recently used entry past its bound, and expires entries', async () => {
    const store = new MemoryStore(2);
    const entry = (n: number, ttl = 60_000) => ({ status: 200, body: n, expiresAt: Date.now() + ttl });
    await store.set('a', entry(1));
    await store.set('b', entry(2));
    await store.get('a');
    await store.set('c', entry(3));
    expect(await store.get('b')).toBeUndefined();
    expect((await store.get('a'))?.body).toBe(1);
    await store.set('d', entry(4, -1));
    expect(await store.get('d')).toBeUndefined();
  });

  it('bounds the bytes it holds, evicting the oldest entries', async () => {
    const store = new MemoryStore(100, 250);
    const big = (n: number) => ({ status: 200, body: 'x'.repeat(100) + n, expiresAt: Date.now() + 60_000 });
    await store.set('a', big(1));
    await store.set('b', big(2));
    expect(store.size).toBe(2);
    await store.set('c', big(3));
    expect(await store.get('a')).toBeUndefined();
    expect(store.size).toBe(2);
    expect(store.heldBytes).toBeLessThanOrEqual(250);
    await store.set('huge', { status: 200, body: 'x'.repeat(1000), expiresAt: Date.now() + 60_000 });
    expect(await store.get('huge')).toBeUndefined();
  });
});

describe('in-memory cache', () => {
  it('serves a repeated query with no upstream call, counts hits and misses, and sets Cache-Control', async () => {
    // The upstream cache alone (the whole-answer cache above it would answer the repeat first).
    const server = await replica({ ROLLCALL_RESPONSE_CACHE: 'false' });
    const first = await server.query(QUERY);
    expect(first.errors).toBeUndefined();
    expect(first.headers.get('cache-control')).toBe('max-age=30, public');
    const second = await server.query(QUERY);
    expect(second.data).toEqual(first.data);
    expect(Number(/max-age=(\d+)/.exec(second.headers.get('cache-control') ?? '')?.[1])).toBeLessThanOrEqual(
      30,
    );
    expect(twilio().calls).toHaveLength(1);
    const metrics = await server.metrics();
    expect(cacheMetric(metrics, 'miss')).toBe(1);
    expect(cacheMetric(metrics, 'hit')).toBe(1);
  });

  it('marks answers private in demo mode, where a development token gets its own scopes', async () => {
    const demo = await replica({ ROLLCALL_AUTH: '' });
    expect((await demo.query(QUERY)).headers.get('cache-control')).toBe('max-age=30, private');
  });

  it('reuses a whole answer within its hints, without even an upstream-cache lookup', async () => {
    const server = await replica();
    const first = await server.query(QUERY);
    const second = await server.query(QUERY);
    expect(second.data).toEqual(first.data);
    expect(twilio().calls).toHaveLength(1);
    const metrics = await server.metrics();
    expect(cacheMetric(metrics, 'miss')).toBe(1);
    expect(cacheMetric(metrics, 'hit')).toBe(0);
    // Other variables are another answer.
    await server.query(QUERY.replace('first: 5', 'first: 6'));
    expect(cacheMetric(await server.metrics(), 'hit')).toBe(1);
  });

  it('follows a shorter upstream Cache-Control, and does not cache no-store answers', async () => {
    const server = await replica();
    twilio().injectFault({ headers: { 'cache-control': 'max-age=4' }, times: 1 });
    expect((await server.query(QUERY)).headers.get('cache-control')).toBe('max-age=4, public');
    twilio().injectFault({ headers: { 'cache-control': 'no-store' } });
    const fresh = await server.query('{ twilioConversationUser(sid: "agent0034") { sid } }');
    expect(fresh.headers.get('cache-control')).toBe('no-store');
    await server.query('{ twilioConversationUser(sid: "agent0034") { sid } }');
    expect(twilio().calls.filter((c) => c.path.endsWith('/agent0034'))).toHaveLength(2);
  });

  it('never caches the providers status or errors', async () => {
    const server = await replica();
    expect((await server.query('{ providers { provider circuit } }')).headers.get('cache-control')).toBe(
      'no-store',
    );
    twilio().injectFault({ status: 403, body: { code: 20403, message: 'no', status: 403 }, times: 1 });
    const failed = await server.query(QUERY);
    expect(failed.headers.get('cache-control')).toBe('no-store');
    expect((await server.query(QUERY)).errors).toBeUndefined();
    expect(twilio().calls).toHaveLength(2);
  });

  it('decides the hint from the root fields, through fragments, ignoring meta fields', async () => {
    const server = await replica({ ROLLCALL_RESPONSE_CACHE: 'false' });
    const header = async (source: string) => {
      const answer = await server.query(source);
      expect(answer.errors).toBeUndefined();
      return answer.headers.get('cache-control');
    };
    const page = 'twilioConversationUsers(first: 2) { nodes { sid } }';
    // The first read is fresh (30 s); the repeats come from the upstream cache, a little older.
    const cacheable = /^max-age=(2[0-9]|30), public$/;
    expect(await header(`{ __typename ${page} }`)).toBe('max-age=30, public');
    expect(await header(`query { ...Root } fragment Root on Query { ... on Query { ${page} } }`)).toMatch(
      cacheable,
    );
    // One uncacheable root field makes the whole answer uncacheable, even behind a fragment.
    expect(await header(`query { ...Root } fragment Root on Query { ${page} providers { provider } }`)).toBe(
      'no-store',
    );
    expect(await header('{ _service { sdl } }')).toBe('no-store');
    // Read nothing upstream: nothing to base an age on.
    expect(await header('{ __schema { queryType { name } } }')).toBe('no-store');
    expect(await header('{ node(id: "bm90LW91cnM") { id } }')).toBe('no-store');
  });

  it('makes one upstream call for concurrent identical cold requests (single flight)', async () => {
    const server = await replica();
    // The first call is held while the other five arrive: without single flight each would make its own.
    const release = twilio().hold();
    const answers = Promise.all(Array.from({ length: 6 }, () => server.query(QUERY)));
    await inFlightReaches(twilio(), 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const results = await answers;
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(twilio().calls).toHaveLength(1);
  });

  it('expires entries after the TTL', async () => {
    const server = await replica({ ROLLCALL_CACHE_TTL_SECONDS: '1' });
    await server.query(QUERY);
    await server.query(QUERY);
    expect(twilio().calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await server.query(QUERY);
    expect(twilio().calls).toHaveLength(2);
  });

  it('is off with a TTL of 0', async () => {
    const server = await replica({ ROLLCALL_CACHE_TTL_SECONDS: '0' });
    await server.query(QUERY);
    await server.query(QUERY);
    expect(twilio().calls).toHaveLength(2);
  });
});

describe('a 200 body that fails its response schema', () => {
  // `sid` must be a string; the number is distinctive so that the message can be checked for it.
  const BAD_PAGE = { users: [{ sid: 918273645 }], meta: { next_page_url: null } };

  it('is never cached: identical requests all reach the provider, and the fixed answer is cached again', async () => {
    // The upstream cache alone (the whole-answer cache never keeps errors, but would hide the repeat).
    const server = await replica({ ROLLCALL_RESPONSE_CACHE: 'false' });
    twilio().injectFault({ status: 200, body: BAD_PAGE });
    for (const expectedCalls of [1, 2]) {
      const bad = await server.query(QUERY);
      expect(bad.errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_BAD_RESPONSE',
        provider: 'TWILIO_CONVERSATIONS',
      });
      expect(bad.errors?.[0].message).toBe(
        'TWILIO_CONVERSATIONS: unexpected response shape: /users/0/sid must be string',
      );
      expect(bad.headers.get('cache-control')).toBe('no-store');
      expect(twilio().calls).toHaveLength(expectedCalls);
    }
    twilio().clearFaults();
    const fresh = await server.query(QUERY);
    expect(fresh.errors).toBeUndefined();
    expect(twilio().calls).toHaveLength(3);
    const cached = await server.query(QUERY);
    expect(cached.data).toEqual(fresh.data);
    expect(twilio().calls).toHaveLength(3);
    const metrics = await server.metrics();
    expect(cacheMetric(metrics, 'miss')).toBe(3);
    expect(cacheMetric(metrics, 'hit')).toBe(1);
  });

  it('is not cached by a single lookup either', async () => {
    const server = await replica({ ROLLCALL_RESPONSE_CACHE: 'false' });
    const lookup = '{ twilioConversationUser(sid: "agent0034") { sid } }';
    twilio().injectFault({ status: 200, body: { identity: 'agent0034' }, path: '/v1/Users/agent0034' });
    for (const expectedCalls of [1, 2]) {
      const bad = await server.query(lookup);
      expect(bad.errors?.[0].message).toBe(
        "TWILIO_CONVERSATIONS: unexpected response shape: (root) must have required property 'sid'",
      );
      expect(twilio().calls).toHaveLength(expectedCalls);
    }
    twilio().clearFaults();
    expect((await server.query(lookup)).data).toEqual({
      twilioConversationUser: { sid: expect.any(String) },
    });
    expect((await server.query(lookup)).errors).toBeUndefined();
    expect(twilio().calls).toHaveLength(3);
  });
});

describe('a cached entry that fails its response schema', () => {
  /** A MemoryStore that remembers the keys written, so that a test can corrupt an entry. */
  class KeyedStore extends MemoryStore {
    readonly keys: string[] = [];
    override async set(key: string, value: CachedResponse): Promise<void> {
      this.keys.push(key);
      await super.set(key, value);
    }
  }

  it('is dropped (counted as invalid) and the read goes upstream, whose answer is cached again', async () => {
    const upstream = twilio();
    const env = upstream.demoEnv();
    const authorization = `Basic ${Buffer.from(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
    const metrics = new Metrics();
    const store = new KeyedStore(10);
    const client = new UpstreamClient({
      provider: 'TWILIO_CONVERSATIONS',
      source: 'twilio',
      baseUrl: upstream.baseUrl,
      headers: () => ({ authorization }),
      timeoutMs: 2000,
      cache: new UpstreamCache(store, metrics, 'memory'),
      cacheTtlSeconds: 30,
      metrics,
      logger: createLogger('silent'),
      detectError: detectTwilioError,
    });
    const read = () =>
      client.request({ path: 'v1/Users', searchParams: { PageSize: 2 }, schema: validateTwilioList });

    const first = await read();
    expect(first.body.users).toHaveLength(2);
    expect(store.keys).toHaveLength(1);
    // What an older release or a broken replica could have left in a shared cache.
    await store.set(store.keys[0], {
      status: 200,
      body: { users: 'not a list', meta: {} },
      expiresAt: Date.now() + 60_000,
    });
    const second = await read();
    expect(second.body).toEqual(first.body);
    expect(upstream.calls).toHaveLength(2);
    const third = await read();
    expect(third.body).toEqual(first.body);
    expect(upstream.calls).toHaveLength(2);
    const text = await metrics.registry.metrics();
    expect(cacheMetric(text, 'invalid')).toBe(1);
    expect(cacheMetric(text, 'miss')).toBe(1);
    expect(cacheMetric(text, 'hit')).toBe(1);
  });
});

const withRedis = redisAvailable || process.env.CI ? describe : describe.skip;
if (!redisAvailable && !process.env.CI)
  console.warn('redis-server not found: skipping the Redis cache tests (CI runs them)');

withRedis('shared Redis cache', () => {
  let redis: RedisProcess;
  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(() => redis.stop());

  it('lets a second replica answer a warm query with zero upstream calls: one call in total', async () => {
    const a = await replica({ REDIS_URL: redis.url });
    const b = await replica({ REDIS_URL: redis.url });
    const first = await a.query(QUERY);
    const second = await b.query(QUERY);
    expect(second.data).toEqual(first.data);
    expect(twilio().calls).toHaveLength(1);
    expect(cacheMetric(await b.metrics(), 'hit')).toBe(1);
  });

  it('never shares entries between accounts with different credentials', async () => {
    // One upstream that accepts two credential pairs: the auth token and an API key.
    const upstream = new TwilioEmulator({
      apiKeySid: `SK${'1'.repeat(32)}`,
      apiKeySecret: 'second-account-secret',
    });
    await upstream.start();
    const emulator = { server: upstream, env: upstream.demoEnv(), sourceEnv: upstream.demoEnv() };
    const running: RunningEmulators = {
      byProvider: new Map([['TWILIO_CONVERSATIONS', emulator]]),
      env: upstream.demoEnv(),
      sources: [{ name: 'twilio', provider: 'TWILIO_CONVERSATIONS', env: emulator.env, emulator }],
      stop: () => upstream.stop(),
    };
    try {
      const a = await startReplica(running, { ...CACHE_ON, REDIS_URL: redis.url });
      const b = await startReplica(running, {
        ...CACHE_ON,
        REDIS_URL: redis.url,
        TWILIO_API_KEY_SID: `SK${'1'.repeat(32)}`,
        TWILIO_API_KEY_SECRET: 'second-account-secret',
      });
      replicas.push(a, b);
      expect((await a.query(QUERY)).errors).toBeUndefined();
      expect((await b.query(QUERY)).errors).toBeUndefined();
      expect((await a.query(QUERY)).errors).toBeUndefined();
      expect(
        upstream.calls.map(
          (c) => Buffer.from(String(c.headers.authorization).slice(6), 'base64').toString().split(':')[0],
        ),
      ).toEqual([upstream.accountSid, `SK${'1'.repeat(32)}`]);
    } finally {
      await running.stop();
    }
  });

  it('keeps answering from upstream when Redis dies mid-run, and counts the cache errors', async () => {
    const server = await replica({ REDIS_URL: redis.url });
    await server.query(QUERY);
    await redis.stop();
    const started = Date.now();
    const answer = await server.query(QUERY.replace('first: 5', 'first: 6'));
    expect(answer.errors).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(twilio().calls).toHaveLength(2);
    expect(cacheMetric(await server.metrics(), 'error')).toBeGreaterThan(0);
  });

  it('honours the TTL in Redis', async () => {
    const a = await replica({ REDIS_URL: redis.url, ROLLCALL_CACHE_TTL_SECONDS: '1' });
    const b = await replica({ REDIS_URL: redis.url, ROLLCALL_CACHE_TTL_SECONDS: '1' });
    await a.query(QUERY);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await b.query(QUERY);
    expect(twilio().calls).toHaveLength(2);
  });
});
