/**
 * The one HTTP layer every provider client goes through: a got instance per provider with its base URL,
 * auth and timeout; JSON parsing; error mapping to rollcall's codes; and a metric plus a debug log line
 * for every call.
 *
 * Contract: `request` either resolves with a parsed 2xx JSON body that the provider's `detectError` did
 * not reject and that matches the request's response schema, or rejects with an `UpstreamError` (never a
 * got error, never a message carrying the URL, query string or credentials). A body that fails its schema
 * is never cached, and a cached entry that fails it (written by another replica or release) is dropped.
 *
 * Every call runs under the provider's `UpstreamPolicy` (when given) and the operation's deadline
 * (the `OperationScope` it is bound to): `request` is the logical read with its retries, `send` one attempt.
 */
import got, { type Got, RequestError, TimeoutError } from 'got';
import {
  codeForStatus,
  ErrorCode,
  UpstreamError,
  type UpstreamErrorCode,
  type UpstreamErrorDetails,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { UpstreamPolicy, type BreakerPermit } from './policy.js';
import { retryAfterSeconds } from './retryAfter.js';
import { ttlFor, UpstreamCache } from './cache.js';
import { shapeErrorMessage, type ResponseSchema } from './schema.js';
import { inSpan, SpanKind, SpanStatusCode } from '../telemetry.js';
import type { Span } from '@opentelemetry/api';
import { recordCacheHit, recordFreshness, spendUpstreamCall, type OperationScope } from './scope.js';

type Headers = Record<string, string | string[] | undefined>;

/**
 * A failure as a provider's error detector reads it. The client sees `reason` (rollcall's own words), the
 * provider, the status and the upstream code; the provider's own text only ever goes to the debug log,
 * scrubbed, because upstream messages quote URLs, account identifiers and even credentials. Detectors do
 * not read `Retry-After`: the upstream client does, once, for every rate-limited answer.
 */
interface DetectedError {
  code: UpstreamErrorCode;
  /** The upstream HTTP status. */
  status?: number;
  /** The upstream's own error code (e.g. Twilio 20003, CometChat AUTH_ERR_APIKEY_NOT_FOUND). */
  upstreamCode?: string | number;
  /** rollcall's own sentence for this failure, never upstream text; a sentence per code by default. */
  reason?: string;
  /** The upstream's own error text, for the debug log only. */
  upstreamMessage?: string;
}

/** What a provider says about a response: undefined when it is a success. */
export type ErrorDetector = (response: {
  status: number;
  body: unknown;
  headers: Headers;
}) => DetectedError | undefined;

/** rollcall's words for a failure when the provider's detector has none more precise. */
const REASONS: Record<UpstreamErrorCode, string> = {
  UPSTREAM_UNAUTHORIZED: 'the provider refused the credentials',
  UPSTREAM_FORBIDDEN: 'the credentials lack access to this resource',
  UPSTREAM_NOT_FOUND: 'the provider answered not found',
  UPSTREAM_RATE_LIMITED: 'the provider rate-limited the request',
  UPSTREAM_TIMEOUT: 'the provider did not answer in time',
  UPSTREAM_UNAVAILABLE: 'the provider failed to serve the request',
  UPSTREAM_BAD_RESPONSE: 'the provider answered something rollcall cannot read',
};

/** An upstream error code fit to pass on: a short token, never free text. */
function safeUpstreamCode(code: string | number | undefined): string | number | undefined {
  if (typeof code === 'number') return Number.isFinite(code) ? code : undefined;
  return typeof code === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(code) ? code : undefined;
}

interface UpstreamClientOptions {
  provider: string;
  /** The source (account) this client reads: a metric label beside the provider. */
  source: string;
  /** Where the source's last error code is recorded (the `sources` status). */
  health?: { lastErrorCode: string | null };
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
  /**
   * Account identifiers of this provider (a Twilio account sid, a CometChat app id, an Ada handle, a
   * Voximplant account id): scrubbed, like credentials and URLs, from the upstream text the debug log keeps.
   */
  identifiers?: readonly string[];
}

interface UpstreamRequest<T> {
  method?: 'GET' | 'POST';
  /** Path relative to the base URL, e.g. `v1/Users` (no leading slash). */
  path: string;
  /**
   * The path's template for traces and logs, with ids as placeholders (`v1/Users/{Sid}`): required when
   * the path carries an id, so that no span names a user.
   */
  route?: string;
  searchParams?: Record<string, string | number | boolean | undefined>;
  /** An `application/x-www-form-urlencoded` body. */
  form?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
  /**
   * The JSON Schema of the 2xx body (compiled, from the provider's `wire.ts`): a body that fails it is
   * `UPSTREAM_BAD_RESPONSE` and is not cached.
   */
  schema: ResponseSchema<T>;
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
  readonly provider: string;
  /** Metric labels: the provider and the source. */
  private readonly labels: { provider: string; source: string };
  private readonly http: Got;

  /**
   * `operation`: the operation this client reads for (its deadline, signal and budget); without one (a
   * client not yet bound, scripts), no deadline and no budget apply. `http`: shared with the client this
   * one was bound from.
   */
  constructor(
    private readonly options: UpstreamClientOptions,
    private readonly operation?: OperationScope,
    http?: Got,
  ) {
    this.provider = options.provider;
    this.labels = { provider: options.provider, source: options.source };
    this.http =
      http ??
      got.extend({
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

  /** This client for one operation: same provider, settings, policy and cache; its deadline and budget. */
  forOperation(operation: OperationScope | undefined): UpstreamClient {
    return new UpstreamClient(this.options, operation, this.http);
  }

  /**
   * One logical read: attempts under the provider's policy (concurrency limit, circuit breaker, bounded
   * retries with backoff and Retry-After), never past the operation's deadline.
   */
  async request<T>(request: UpstreamRequest<T>): Promise<UpstreamResponse<T>> {
    if (this.operation) spendUpstreamCall(this.operation, this.labels);
    const method = request.method ?? 'GET';
    const route = request.route ?? request.path;
    return inSpan(
      `${method} ${route}`,
      {
        'rollcall.provider': this.provider,
        'rollcall.source': this.labels.source,
        'http.request.method': method,
        'url.template': route,
      },
      async (span) => {
        const response = await this.read<T>(request, span);
        span.setAttribute('http.response.status_code', response.status);
        return response;
      },
      SpanKind.CLIENT,
    );
  }

  /**
   * The read behind `request`: from the cache when it has an answer that still matches the schema, else
   * upstream (and then cached only once the schema accepted it).
   */
  private async read<T>(request: UpstreamRequest<T>, span: Span): Promise<UpstreamResponse<T>> {
    const { cache, cacheTtlSeconds = 0, credentialsFingerprint = '' } = this.options;
    if (!cache || cacheTtlSeconds <= 0) {
      span.setAttribute('rollcall.cache', 'off');
      const response = this.checked(request.schema, await this.attempts(request));
      if (this.operation) recordFreshness(this.operation, 0);
      return response;
    }
    const key = UpstreamCache.key(this.provider, credentialsFingerprint, {
      base: this.options.baseUrl,
      method: request.method ?? 'GET',
      path: request.path,
      query: definedEntries(request.searchParams),
      form: definedEntries(request.form),
    });
    // An entry that fails the schema (another replica or release wrote it) is dropped: a miss.
    const hit = this.operation?.fresh ? undefined : await cache.get(this.labels, key, request.schema);
    if (hit) {
      span.setAttribute('rollcall.cache', 'hit');
      if (this.operation) {
        recordCacheHit(this.operation, this.labels);
        recordFreshness(this.operation, hit.expiresAt - Date.now());
      }
      return { status: hit.status, body: hit.body, headers: {} };
    }
    span.setAttribute('rollcall.cache', 'miss');
    // Concurrent misses of one key share one upstream call (and its outcome, error included).
    const { response, seconds } = await cache.singleFlight(key, async () => {
      // Checked before it is cached: a body that fails its schema is never written.
      const fresh = this.checked(request.schema, await this.attempts(request));
      const header = fresh.headers['cache-control'];
      const ttl = ttlFor(cacheTtlSeconds, Array.isArray(header) ? header.join(', ') : header);
      if (ttl > 0) {
        const entry = { status: fresh.status, body: fresh.body, expiresAt: Date.now() + ttl * 1000 };
        await cache.set(this.labels, key, entry, ttl * 1000);
      }
      return { response: fresh, seconds: ttl };
    });
    if (this.operation) recordFreshness(this.operation, seconds * 1000);
    return response;
  }

  /**
   * A 2xx response whose body matches `schema`, typed by it; else `UPSTREAM_BAD_RESPONSE` naming the
   * failing JSON path and rule (never the value). The provider did answer, so the breaker already counted
   * the call a success: a body rollcall cannot read is not an outage, and it is not retried.
   */
  private checked<T>(schema: ResponseSchema<T>, response: UpstreamResponse<unknown>): UpstreamResponse<T> {
    const { status, body, headers } = response;
    if (schema(body)) return { status, body, headers };
    throw this.fail({ code: ErrorCode.UPSTREAM_BAD_RESPONSE, message: shapeErrorMessage(schema.errors) });
  }

  private async attempts<T>(request: UpstreamRequest<T>): Promise<UpstreamResponse<unknown>> {
    const policy = this.options.policy;
    const scope = this.operation;
    const signal = request.signal ?? scope?.signal;
    for (let retry = 0; ; retry += 1) {
      const outcome = await this.admitted(request, signal, retry + 1);
      if (!(outcome instanceof UpstreamError)) return outcome;
      const error = outcome;
      if (!policy || retry >= policy.settings.retries || !UpstreamPolicy.retryable(error) || signal?.aborted)
        throw error;
      const delay = policy.delayMs(retry, error.details.retryAfter);
      if (delay === null) throw error;
      if (scope && Date.now() + delay >= scope.deadline) throw error;
      this.options.metrics.upstreamRetries.inc({ ...this.labels, code: error.details.code });
      this.options.logger.debug(
        { provider: this.provider, code: error.details.code, delay, retry: retry + 1 },
        'upstream retry',
      );
      await sleep(delay, signal);
    }
  }

  /**
   * One attempt the circuit breaker admitted: the response, or the UpstreamError it ended with (an open
   * circuit throws). Whatever happens (even a deadline that passed before the call could start, or an
   * error that is not the provider's), the permit is released, so a half-open probe slot never leaks.
   */
  private async admitted<T>(
    request: UpstreamRequest<T>,
    signal: AbortSignal | undefined,
    attempt: number,
  ): Promise<UpstreamResponse<unknown> | UpstreamError> {
    const policy = this.options.policy;
    return inSpan(
      'rollcall.upstream.attempt',
      { 'rollcall.attempt': attempt, 'rollcall.breaker.state': policy?.breaker.state ?? 'NONE' },
      async (span) => {
        const outcome = await this.permitted(request, signal);
        const status = outcome instanceof UpstreamError ? outcome.details.status : outcome.status;
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (outcome instanceof UpstreamError) {
          span.setAttribute('rollcall.error.code', outcome.details.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.details.code });
        }
        return outcome;
      },
    );
  }

  private async permitted<T>(
    request: UpstreamRequest<T>,
    signal: AbortSignal | undefined,
  ): Promise<UpstreamResponse<unknown> | UpstreamError> {
    const policy = this.options.policy;
    let permit: BreakerPermit | null = null;
    if (policy) {
      permit = policy.breaker.admit();
      if (!permit) throw this.count(policy.openCircuitError(this.provider, this.labels.source));
    }
    try {
      if (signal?.aborted) throw this.deadlinePassed();
      try {
        if (policy) await policy.limiter.acquire(signal);
      } catch {
        throw this.deadlinePassed();
      }
      try {
        const response = await this.send(request, signal);
        permit?.success();
        return response;
      } catch (caught) {
        if (!(caught instanceof UpstreamError)) throw caught;
        if (UpstreamPolicy.unhealthy(caught)) permit?.failure();
        return caught;
      } finally {
        policy?.limiter.release();
      }
    } finally {
      permit?.release();
    }
  }

  /** One attempt. */
  private async send<T>(
    request: UpstreamRequest<T>,
    signal: AbortSignal | undefined,
  ): Promise<UpstreamResponse<unknown>> {
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
        ...this.labels,
        status: timedOut ? 'timeout' : signal?.aborted ? 'aborted' : 'network',
      });
      metrics.upstreamDuration.observe(this.labels, elapsed());
      if (signal?.aborted) throw this.deadlinePassed();
      const code = timedOut ? ErrorCode.UPSTREAM_TIMEOUT : ErrorCode.UPSTREAM_UNAVAILABLE;
      const reason = timedOut
        ? `no answer within ${this.options.timeoutMs} ms`
        : `connection failed (${error instanceof RequestError ? (error.code ?? 'network error') : 'network error'})`;
      logger.warn({ provider, route: request.route ?? request.path, code }, 'upstream call failed');
      throw this.fail({ code, message: reason });
    }
    const status = response.statusCode;
    metrics.upstreamRequests.inc({ ...this.labels, status: String(status) });
    metrics.upstreamDuration.observe(this.labels, elapsed());
    logger.debug(
      {
        provider,
        method: request.method ?? 'GET',
        route: request.route ?? request.path,
        status,
        ms: elapsed() * 1000,
      },
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
      if (detected.upstreamMessage)
        logger.debug(
          {
            provider,
            status,
            upstreamCode: safeUpstreamCode(detected.upstreamCode),
            upstreamMessage: this.scrub(detected.upstreamMessage, headers),
          },
          'upstream error text',
        );
      // The one place Retry-After (or a rate-limit reset header) is read for a detected failure.
      const retryAfter =
        detected.code === ErrorCode.UPSTREAM_RATE_LIMITED ? retryAfterSeconds(response.headers) : undefined;
      throw this.fail({
        code: detected.code,
        status: detected.status,
        message: this.scrub(
          detected.reason ??
            `${REASONS[detected.code]}${detected.status === undefined ? '' : ` (HTTP ${detected.status})`}`,
          headers,
        ),
        upstreamCode: safeUpstreamCode(detected.upstreamCode),
        retryAfter,
      });
    }
    if (status < 200 || status >= 300) {
      const retryAfter = status === 429 || status === 503 ? retryAfterSeconds(response.headers) : undefined;
      const code = codeForStatus(status);
      throw this.fail({ code, status, message: `${REASONS[code]} (HTTP ${status})`, retryAfter });
    }
    return { status, body, headers: response.headers };
  }

  /**
   * `text` without what must never leave rollcall: the credentials this call sent, URLs, this provider's
   * account identifiers, and anything shaped like a Twilio sid (two letters and 32 hex digits).
   */
  private scrub(text: string, sent: Record<string, string>): string {
    let out = withoutCredentials(text, sent)
      .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '[url]')
      .replace(/\b[A-Z]{2}[0-9a-fA-F]{32}\b/g, '[id]');
    for (const identifier of this.options.identifiers ?? [])
      if (identifier.length >= 3) out = out.split(identifier).join('[id]');
    return out.length > 500 ? `${out.slice(0, 500)}…` : out;
  }

  private deadlinePassed(): UpstreamError {
    return this.fail({
      code: ErrorCode.UPSTREAM_TIMEOUT,
      message: 'the operation deadline passed before the provider answered',
    });
  }

  private fail(details: Omit<UpstreamErrorDetails, 'provider'>): UpstreamError {
    return this.count(new UpstreamError({ ...details, provider: this.provider, source: this.labels.source }));
  }

  private count(error: UpstreamError): UpstreamError {
    // A miss (a user that does not exist) says nothing about the source's health.
    if (this.options.health && error.details.code !== ErrorCode.UPSTREAM_NOT_FOUND)
      this.options.health.lastErrorCode = error.details.code;
    this.options.metrics.upstreamErrors.inc({ ...this.labels, code: error.details.code });
    return error;
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
