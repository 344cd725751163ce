/**
 * The one HTTP layer every provider client goes through: a got instance per provider with its base URL,
 * auth and timeout; JSON parsing; error mapping to rollcall's codes; and a metric plus a debug log line
 * for every call.
 *
 * Contract: `request` either resolves with a parsed 2xx JSON body that the provider's `detectError` did
 * not reject, or rejects with an `UpstreamError` (never a got error, never a message carrying the URL,
 * query string or credentials).
 *
 * Every call runs under the provider's `UpstreamPolicy` (when given) and the operation's deadline
 * (`operationScope`): `request` is the logical read with its retries, `send` one attempt.
 */
import got, { type Got, RequestError, TimeoutError } from 'got';
import { codeForStatus, ErrorCode, UpstreamError, type UpstreamErrorDetails } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ProviderId } from '../providers/ids.js';
import { UpstreamPolicy } from './policy.js';
import { retryAfterSeconds } from './retryAfter.js';
import { ttlFor, UpstreamCache } from './cache.js';
import { operationScope, recordFreshness, type OperationScope } from './scope.js';

export type Headers = Record<string, string | string[] | undefined>;

/** What a provider says about a response: undefined when it is a success. */
export type ErrorDetector = (response: {
  status: number;
  body: unknown;
  headers: Headers;
}) => Omit<UpstreamErrorDetails, 'provider'> | undefined;

export interface UpstreamClientOptions {
  provider: ProviderId;
  baseUrl: string;
  /** Auth and other per-call headers; may be async (a signed token). */
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  timeoutMs: number;
  /** Connect timeout in ms (default: only the total timeout applies). */
  connectTimeoutMs?: number;
  /** Retries, breaker and concurrency limit; without it, one attempt and no limits. */
  policy?: UpstreamPolicy;
  /** The shared response cache and this provider's TTL in seconds (0 or no cache: every read goes upstream). */
  cache?: UpstreamCache;
  cacheTtlSeconds?: number;
  /** A fingerprint of the credentials, so that two accounts never share cache entries. */
  credentialsFingerprint?: string;
  metrics: Metrics;
  logger: Logger;
  /** Reads the provider's error bodies (any status, including errors sent with HTTP 200). */
  detectError: ErrorDetector;
}

export interface UpstreamRequest {
  method?: 'GET' | 'POST';
  /** Path relative to the base URL, e.g. `v1/Users` (no leading slash). */
  path: string;
  searchParams?: Record<string, string | number | boolean | undefined>;
  /** An `application/x-www-form-urlencoded` body. */
  form?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export interface UpstreamResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

function definedEntries(values: Record<string, string | number | boolean | undefined> | undefined) {
  return Object.fromEntries(
    Object.entries(values ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
}

export class UpstreamClient {
  readonly provider: ProviderId;
  private readonly http: Got;
  /** The cache keys each operation read or wrote, so that `badShape` can drop the entry it rejects. */
  private readonly cacheKeys = new WeakMap<OperationScope, Set<string>>();

  constructor(private readonly options: UpstreamClientOptions) {
    this.provider = options.provider;
    this.http = got.extend({
      prefixUrl: options.baseUrl.replace(/\/+$/, '') + '/',
      timeout: {
        request: options.timeoutMs,
        ...(options.connectTimeoutMs ? { connect: options.connectTimeoutMs } : {}),
      },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      headers: { accept: 'application/json', 'user-agent': 'rollcall' },
    });
  }

  /**
   * One logical read: attempts under the provider's policy (concurrency limit, circuit breaker, bounded
   * retries with backoff and Retry-After), never past the operation's deadline.
   */
  async request<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const { cache, cacheTtlSeconds = 0, credentialsFingerprint = '' } = this.options;
    if (!cache || cacheTtlSeconds <= 0) {
      const response = await this.attempts<T>(request);
      recordFreshness(0);
      return response;
    }
    const key = UpstreamCache.key(this.provider, credentialsFingerprint, {
      base: this.options.baseUrl,
      method: request.method ?? 'GET',
      path: request.path,
      query: definedEntries(request.searchParams),
      form: definedEntries(request.form),
    });
    const scope = operationScope.getStore();
    if (scope) {
      const keys = this.cacheKeys.get(scope) ?? new Set<string>();
      this.cacheKeys.set(scope, keys.add(key));
    }
    const hit = await cache.get(this.provider, key);
    if (hit) {
      recordFreshness(hit.expiresAt - Date.now());
      return { status: hit.status, body: hit.body as T, headers: {} };
    }
    // Concurrent misses of one key share one upstream call (and its outcome, error included).
    const { response, seconds } = await cache.singleFlight(key, async () => {
      const fresh = await this.attempts<T>(request);
      const header = fresh.headers['cache-control'];
      const ttl = ttlFor(cacheTtlSeconds, Array.isArray(header) ? header.join(', ') : header);
      if (ttl > 0) {
        const entry = { status: fresh.status, body: fresh.body, expiresAt: Date.now() + ttl * 1000 };
        await cache.set(this.provider, key, entry, ttl * 1000);
      }
      return { response: fresh, seconds: ttl };
    });
    recordFreshness(seconds * 1000);
    return response;
  }

  private async attempts<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    const policy = this.options.policy;
    const scope = operationScope.getStore();
    const signal = request.signal ?? scope?.signal;
    for (let retry = 0; ; retry += 1) {
      if (policy && !policy.breaker.admit()) throw this.count(policy.openCircuitError(this.provider));
      if (signal?.aborted) throw this.deadlinePassed();
      try {
        if (policy) await policy.limiter.acquire(signal);
      } catch {
        policy?.breaker.neutral();
        throw this.deadlinePassed();
      }
      let error: UpstreamError;
      try {
        const response = await this.send<T>(request, signal);
        policy?.breaker.success();
        return response;
      } catch (caught) {
        if (!(caught instanceof UpstreamError)) {
          policy?.breaker.neutral();
          throw caught;
        }
        error = caught;
      } finally {
        policy?.limiter.release();
      }
      if (!policy) throw error;
      if (UpstreamPolicy.unhealthy(error)) policy.breaker.failure();
      else policy.breaker.neutral();
      if (retry >= policy.settings.retries || !UpstreamPolicy.retryable(error) || signal?.aborted)
        throw error;
      const delay = policy.delayMs(retry, error.details.retryAfter);
      if (delay === null) throw error;
      if (scope && Date.now() + delay >= scope.deadline) throw error;
      this.options.metrics.upstreamRetries.inc({ provider: this.provider, code: error.details.code });
      this.options.logger.debug(
        { provider: this.provider, code: error.details.code, delay, retry: retry + 1 },
        'upstream retry',
      );
      await sleep(delay, signal);
    }
  }

  /** One attempt. */
  private async send<T>(
    request: UpstreamRequest,
    signal: AbortSignal | undefined,
  ): Promise<UpstreamResponse<T>> {
    const { provider, metrics, logger } = this.options;
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const headers = (await this.options.headers?.()) ?? {};
    const form = request.form ? definedEntries(request.form) : undefined;
    let response;
    try {
      response = await this.http(request.path, {
        method: request.method ?? 'GET',
        searchParams: definedEntries(request.searchParams),
        headers,
        ...(form ? { form } : {}),
        signal,
      });
    } catch (error) {
      const timedOut = error instanceof TimeoutError;
      metrics.upstreamRequests.inc({
        provider,
        status: timedOut ? 'timeout' : signal?.aborted ? 'aborted' : 'network',
      });
      metrics.upstreamDuration.observe({ provider }, elapsed());
      if (signal?.aborted) throw this.deadlinePassed();
      const code = timedOut ? ErrorCode.UPSTREAM_TIMEOUT : ErrorCode.UPSTREAM_UNAVAILABLE;
      const reason = timedOut
        ? `no answer within ${this.options.timeoutMs} ms`
        : `connection failed (${error instanceof RequestError ? (error.code ?? 'network error') : 'network error'})`;
      logger.warn({ provider, path: request.path, code }, 'upstream call failed');
      throw this.fail({ code, message: reason });
    }
    const status = response.statusCode;
    metrics.upstreamRequests.inc({ provider, status: String(status) });
    metrics.upstreamDuration.observe({ provider }, elapsed());
    logger.debug(
      { provider, method: request.method ?? 'GET', path: request.path, status, ms: elapsed() * 1000 },
      'upstream',
    );

    let body: unknown;
    try {
      body = response.body === '' ? undefined : JSON.parse(response.body);
    } catch {
      body = undefined;
      if (status >= 200 && status < 300) {
        throw this.fail({
          code: ErrorCode.UPSTREAM_BAD_RESPONSE,
          status,
          message: 'the response was not valid JSON',
        });
      }
    }
    const detected = this.options.detectError({ status, body, headers: response.headers });
    if (detected) {
      const retryAfter =
        detected.retryAfter ??
        (detected.code === ErrorCode.UPSTREAM_RATE_LIMITED ? retryAfterSeconds(response.headers) : undefined);
      // Some upstreams quote the refused credential in their error text (CometChat does): whatever a
      // provider's detector passes on, the credentials this call sent never reach a client or a log.
      const upstreamCode =
        typeof detected.upstreamCode === 'string'
          ? withoutCredentials(detected.upstreamCode, headers)
          : detected.upstreamCode;
      throw this.fail({
        ...detected,
        message: withoutCredentials(detected.message, headers),
        upstreamCode,
        retryAfter,
      });
    }
    if (status < 200 || status >= 300) {
      const retryAfter = status === 429 || status === 503 ? retryAfterSeconds(response.headers) : undefined;
      throw this.fail({ code: codeForStatus(status), status, message: `HTTP ${status}`, retryAfter });
    }
    return { status, body: body as T, headers: response.headers };
  }

  private deadlinePassed(): UpstreamError {
    return this.fail({
      code: ErrorCode.UPSTREAM_TIMEOUT,
      message: 'the operation deadline passed before the provider answered',
    });
  }

  private fail(details: Omit<UpstreamErrorDetails, 'provider'>): UpstreamError {
    return this.count(new UpstreamError({ ...details, provider: this.provider }));
  }

  private count(error: UpstreamError): UpstreamError {
    this.options.metrics.upstreamErrors.inc({ provider: this.provider, code: error.details.code });
    return error;
  }

  /** An UpstreamError for a 2xx body that does not have the documented shape. */
  badShape(what: string): UpstreamError {
    this.forgetCachedResponses();
    return this.fail({
      code: ErrorCode.UPSTREAM_BAD_RESPONSE,
      message: `unexpected response shape: ${what}`,
    });
  }

  /**
   * A 2xx body is cached before the provider's client reads it; when the client then rejects its shape,
   * the entries this operation used are dropped (overwritten as already expired), so that the next
   * operation asks the provider again instead of getting the same unreadable body for the whole TTL.
   */
  private forgetCachedResponses(): void {
    const { cache } = this.options;
    const scope = operationScope.getStore();
    const keys = scope ? this.cacheKeys.get(scope) : undefined;
    if (!cache || !keys) return;
    for (const key of keys) void cache.set(this.provider, key, { status: 0, body: null, expiresAt: 0 }, 1);
    keys.clear();
  }
}

/**
 * `text` with every credential of `sent` (the auth headers of the call: the whole value, a Bearer or
 * Basic token, and a Basic password) replaced by `[redacted]`.
 */
function withoutCredentials(text: string, sent: Record<string, string>): string {
  const secrets = new Set<string>();
  for (const value of Object.values(sent)) {
    secrets.add(value);
    const scheme = /^(Bearer|Basic)\s+(\S+)$/i.exec(value.trim());
    if (!scheme) continue;
    secrets.add(scheme[2]);
    if (scheme[1].toLowerCase() === 'basic') {
      const decoded = Buffer.from(scheme[2], 'base64').toString('utf8');
      secrets.add(decoded);
      secrets.add(decoded.slice(decoded.indexOf(':') + 1));
    }
  }
  let out = text;
  // Longest first, so a token is not half-replaced by a shorter secret inside it.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length))
    if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
