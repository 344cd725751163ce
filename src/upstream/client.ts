/**
 * The one HTTP layer every provider client goes through: a got instance per provider with its base URL,
 * auth and timeout; JSON parsing; error mapping to rollcall's codes; and a metric plus a debug log line
 * for every call.
 *
 * Contract: `request` either resolves with a parsed 2xx JSON body that the provider's `detectError` did
 * not reject, or rejects with an `UpstreamError` (never a got error, never a message carrying the URL,
 * query string or credentials).
 *
 * Retries, circuit breaking and deadlines belong here too (a later issue): `send` is the single place
 * an attempt happens, so a policy can wrap it without touching the provider clients.
 */
import got, { type Got, RequestError, TimeoutError } from 'got';
import { codeForStatus, ErrorCode, UpstreamError, type UpstreamErrorDetails } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ProviderId } from '../providers/ids.js';
import { retryAfterSeconds } from './retryAfter.js';

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

  constructor(private readonly options: UpstreamClientOptions) {
    this.provider = options.provider;
    this.http = got.extend({
      prefixUrl: options.baseUrl.replace(/\/+$/, '') + '/',
      timeout: { request: options.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
      headers: { accept: 'application/json', 'user-agent': 'rollcall' },
    });
  }

  async request<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
    return this.send<T>(request);
  }

  private async send<T>(request: UpstreamRequest): Promise<UpstreamResponse<T>> {
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
        signal: request.signal,
      });
    } catch (error) {
      const timedOut = error instanceof TimeoutError;
      metrics.upstreamRequests.inc({ provider, status: timedOut ? 'timeout' : 'network' });
      metrics.upstreamDuration.observe({ provider }, elapsed());
      const code = timedOut ? ErrorCode.UPSTREAM_TIMEOUT : ErrorCode.UPSTREAM_UNAVAILABLE;
      const reason = timedOut
        ? `no answer within ${this.options.timeoutMs} ms`
        : `connection failed (${error instanceof RequestError ? (error.code ?? 'network error') : 'network error'})`;
      logger.warn({ provider, path: request.path, code }, 'upstream call failed');
      metrics.upstreamErrors.inc({ provider, code });
      throw new UpstreamError({ provider, code, message: reason });
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
    if (detected) throw this.fail(detected);
    if (status < 200 || status >= 300) {
      const retryAfter = status === 429 ? retryAfterSeconds(response.headers) : undefined;
      throw this.fail({ code: codeForStatus(status), status, message: `HTTP ${status}`, retryAfter });
    }
    return { status, body: body as T, headers: response.headers };
  }

  private fail(details: Omit<UpstreamErrorDetails, 'provider'>): UpstreamError {
    this.options.metrics.upstreamErrors.inc({ provider: this.provider, code: details.code });
    return new UpstreamError({ ...details, provider: this.provider });
  }

  /** An UpstreamError for a 2xx body that does not have the documented shape. */
  badShape(what: string): UpstreamError {
    return this.fail({
      code: ErrorCode.UPSTREAM_BAD_RESPONSE,
      message: `unexpected response shape: ${what}`,
    });
  }
}
