/**
 * The shared upstream response cache, below the DataLoaders: successful upstream reads are kept for a
 * provider's TTL so that repeated operations, and other replicas when Redis is configured, do not spend
 * the provider's (per-account) rate limit again.
 *
 * - Key: provider + a fingerprint of the credentials (a salted SHA-256, never the secret) + the
 *   normalised request (method, path, sorted query and form). Two accounts never share an entry.
 * - TTL: the provider's configured TTL, shortened by an upstream `Cache-Control: max-age`
 *   (`no-store`/`no-cache`/`private` → not cached); 0 disables caching.
 * - Stores: a bounded in-memory LRU by default; Redis (ioredis) when REDIS_URL is set. A cache that is
 *   down or slow never fails a query: every cache error is counted and the call goes upstream.
 * - Single flight: concurrent misses for one key in a replica share one upstream call.
 * - Only bodies that matched their response schema are written, and every entry read is checked against
 *   it again (another replica or release may have written it): one that fails is deleted, a miss.
 *
 * Why ioredis rather than Keyv: it needs no adapter layer, and its `commandTimeout`, disabled offline
 * queue and bounded reconnects give exactly the fail-fast behaviour a best-effort cache wants.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

export interface CachedResponse<Body = unknown> {
  status: number;
  body: Body;
  /** Epoch ms when the entry stops being fresh. */
  expiresAt: number;
}

interface CacheStore {
  get(key: string): Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A bounded LRU (Map insertion order), expiring entries on read. Bounded by entry count and by an
 * estimate of the bytes held (the JSON size of each body, measured once when stored), since one CometChat
 * page can hold 1000 users.
 */
export class MemoryStore implements CacheStore {
  private readonly entries = new Map<string, CachedResponse & { bytes: number }>();
  private bytes = 0;
  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number = Number.POSITIVE_INFINITY,
  ) {}

  async get(key: string): Promise<CachedResponse | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= Date.now()) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry;
  }

  async set(key: string, value: CachedResponse): Promise<void> {
    const bytes = key.length + (JSON.stringify(value.body)?.length ?? 0);
    if (bytes > this.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous) {
      this.entries.delete(key);
      this.bytes -= previous.bytes;
    }
    this.entries.set(key, { ...value, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const [oldest, entry] = this.entries.entries().next().value as [string, { bytes: number }];
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  async delete(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The estimated bytes held. */
  get heldBytes(): number {
    return this.bytes;
  }
}

export class RedisStore implements CacheStore {
  private readonly redis: Redis;
  constructor(url: string, timeoutMs: number, logger: Logger) {
    this.redis = new Redis(url, {
      commandTimeout: timeoutMs,
      connectTimeout: Math.max(timeoutMs, 1000),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // Keep trying to come back, but never faster than every 2 s.
      retryStrategy: (attempt) => Math.min(200 * attempt, 2000),
      lazyConnect: false,
    });
    let lastError = '';
    this.redis.on('error', (error: Error) => {
      // One log line per distinct error, not one per reconnect attempt.
      if (error.message !== lastError)
        logger.warn({ err: error.message }, 'redis cache unavailable; calling upstream');
      lastError = error.message;
    });
    this.redis.on('ready', () => {
      if (lastError) logger.info('redis cache is back');
      lastError = '';
    });
  }

  /** Waits (bounded) for the first connection, so a fresh replica does not start with cache errors. */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      this.redis.once('ready', onReady);
    });
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    const raw = await this.redis.get(key);
    if (raw === null) return undefined;
    const entry = JSON.parse(raw) as CachedResponse;
    return entry.expiresAt > Date.now() ? entry : undefined;
  }

  async set(key: string, value: CachedResponse, ttlMs: number): Promise<void> {
    await this.redis.set(key, JSON.stringify(value), 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(key);
  }

  /** Whether Redis answers a PING within `timeoutMs` (readiness). */
  async ping(timeoutMs: number): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.redis.ping().then((answer) => answer === 'PONG'), late]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** A salted hash of credential material: safe to put in a cache key, useless to recover the secret. */
export function fingerprint(secretMaterial: string): string {
  return createHash('sha256')
    .update('rollcall-cache-v1\0')
    .update(secretMaterial)
    .digest('base64url')
    .slice(0, 22);
}

/** Seconds to keep a response: the provider TTL, shortened (or forbidden) by the upstream Cache-Control. */
export function ttlFor(providerTtlSeconds: number, cacheControl: string | undefined): number {
  if (providerTtlSeconds <= 0) return 0;
  if (!cacheControl) return providerTtlSeconds;
  const directives = cacheControl.toLowerCase();
  if (/\b(no-store|no-cache|private)\b/.test(directives)) return 0;
  const maxAge = /\b(?:s-maxage|max-age)=(\d+)/.exec(directives);
  return maxAge ? Math.min(providerTtlSeconds, Number(maxAge[1])) : providerTtlSeconds;
}

export class UpstreamCache {
  private readonly flights = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: CacheStore,
    private readonly metrics: Metrics,
    readonly kind: 'memory' | 'redis',
  ) {}

  static key(provider: string, credentials: string, request: Record<string, unknown>): string {
    const normalised = JSON.stringify(request, (_key, value: unknown) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
          )
        : value,
    );
    return `rollcall:v1:${provider}:${credentials}:${createHash('sha256').update(normalised).digest('base64url')}`;
  }

  /**
   * The entry for `key` when its body passes `valid` (the response schema). An entry that fails it is
   * deleted and counted as `invalid`: the caller reads upstream as on a miss.
   */
  async get<Body>(
    labels: { provider: string; source: string },
    key: string,
    valid: (body: unknown) => body is Body,
  ): Promise<CachedResponse<Body> | undefined> {
    let entry: CachedResponse | undefined;
    try {
      entry = await this.store.get(key);
    } catch {
      this.metrics.cacheRequests.inc({ ...labels, result: 'error' });
      return undefined;
    }
    if (!entry) {
      this.metrics.cacheRequests.inc({ ...labels, result: 'miss' });
      return undefined;
    }
    const { status, body, expiresAt } = entry;
    if (valid(body)) {
      this.metrics.cacheRequests.inc({ ...labels, result: 'hit' });
      return { status, body, expiresAt };
    }
    this.metrics.cacheRequests.inc({ ...labels, result: 'invalid' });
    try {
      await this.store.delete(key);
    } catch {
      this.metrics.cacheRequests.inc({ ...labels, result: 'error' });
    }
    return undefined;
  }

  async set(
    labels: { provider: string; source: string },
    key: string,
    value: CachedResponse,
    ttlMs: number,
  ): Promise<void> {
    try {
      await this.store.set(key, value, ttlMs);
    } catch {
      this.metrics.cacheRequests.inc({ ...labels, result: 'error' });
    }
  }

  /** Runs `load` once for concurrent callers of the same key in this process. */
  singleFlight<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.flights.get(key);
    if (running) return running as Promise<T>;
    const flight = load().finally(() => this.flights.delete(key));
    this.flights.set(key, flight);
    return flight;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
