/**
 * The front door's routes: `/graphql` (Apollo Server: POST, GET, the Sandbox landing page outside
 * production, CORS preflights), `/health` (liveness), `/ready` (readiness), `/metrics` (Prometheus) and `/`
 * (a redirect to /graphql); HEAD mirrors GET. Own HTTP handling instead of an Express integration keeps the
 * dependency list short and gives one place for the body-size and document limits, request ids, the access
 * log and the request span.
 */
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import type http from 'node:http';
import type { Authenticator } from '../auth/authenticate.js';
import type { Config } from '../config.js';
import {
  createContext,
  type AccessRecord,
  type ContextDependencies,
  type RequestContext,
} from '../context.js';
import { ErrorCode } from '../errors.js';
import { checkDocumentSize } from '../limits.js';
import type { Logger } from '../logger.js';
import type { DirectorySync } from '../directory/sync.js';
import type { Metrics } from '../metrics.js';
import type { ProviderStatusSource } from '../providers/core/status.js';
import {
  contextFromHeaders,
  SpanKind,
  SpanStatusCode,
  startSpan,
  trace,
  traceContext,
} from '../telemetry.js';
import { RedisStore, type MemoryStore } from '../upstream/cache.js';
import { withOperationDeadline, type OperationScope } from '../upstream/scope.js';
import {
  ClientGone,
  CORS_REQUEST_HEADERS,
  errorsIn,
  headerText,
  readBody,
  requestIdOf,
  sendGraphQLResponse,
  sendJson,
} from './io.js';

interface RouterDependencies {
  config: Config;
  apollo: ApolloServer<RequestContext>;
  logger: Logger;
  metrics: Metrics;
  store: MemoryStore | RedisStore;
  contextDeps: ContextDependencies;
  statuses(): ProviderStatusSource[];
  /** Who may call /graphql (and /metrics): see auth/. */
  authenticator: Authenticator;
  /** True once a stop began: every answer closes its connection and /ready answers 503. */
  stopping(): boolean;
  /** Provider events for the directory (`POST /webhooks/<source>`); absent when the directory is off. */
  webhooks?: Pick<DirectorySync, 'receive'>;
  /** Whether the directory's database answers (absent when the directory is off). */
  directoryReachable?: () => Promise<boolean>;
}

/** The request listener of rollcall's HTTP server. */
export function createRouter(deps: RouterDependencies): http.RequestListener {
  const { config, apollo, logger, metrics, store, contextDeps, statuses, authenticator } = deps;

  /** Whether a store the server needs is unreachable: the reasons `/ready` gives, none when ready. */
  async function notReady(): Promise<string[]> {
    const reasons: string[] = [];
    if (deps.stopping()) reasons.push('shutting down');
    if (store instanceof RedisStore && !(await store.ping(config.cache.redisTimeoutMs)))
      reasons.push('the Redis cache (REDIS_URL) is unreachable');
    if (deps.directoryReachable && !(await deps.directoryReachable()))
      reasons.push('the directory database is unreachable');
    return reasons;
  }

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestId: string,
  ): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', 'http://rollcall.local');
    const path = requestUrl.pathname;
    // While stopping, every answer closes its connection, so keep-alive clients move to another replica.
    if (deps.stopping()) res.setHeader('connection', 'close');
    // HEAD mirrors GET everywhere (node sends the headers and drops the body).
    const reading = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/health' && reading) {
      sendJson(res, 200, { status: 'ok', providers: statuses() });
      return;
    }
    if (path === '/ready' && reading) {
      const reasons = await notReady();
      sendJson(res, reasons.length > 0 ? 503 : 200, {
        status: reasons.length > 0 ? 'unavailable' : 'ready',
        reasons,
      });
      return;
    }
    if (path === '/metrics' && reading) {
      if (!authenticator.metricsAllowed(headerValue(req.headers.authorization))) {
        res.setHeader('www-authenticate', 'Bearer realm="rollcall-metrics"');
        sendJson(res, 401, {
          error: 'unauthenticated: /metrics needs its bearer token (ROLLCALL_METRICS_TOKEN)',
        });
        return;
      }
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (path === '/' && reading) {
      res.writeHead(302, { location: '/graphql' });
      res.end();
      return;
    }
    const hook = /^\/webhooks\/([a-z0-9-]{1,32})\/?$/.exec(path);
    if (hook && req.method === 'POST') {
      await logWebhook(req, res, hook[1], requestUrl, requestId);
      return;
    }
    if (path !== '/graphql') {
      sendJson(res, 404, { error: `no route ${req.method} ${path}; GraphQL is at /graphql` });
      return;
    }
    if (cors(req, res)) return;
    await serveGraphQL(req, res, requestUrl, requestId);
  }

  /**
   * A provider event with its span and access-log line: the source, the answer's status, how many users
   * it named and indexed, never its body or headers.
   */
  async function logWebhook(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    source: string,
    requestUrl: URL,
    requestId: string,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const span = startSpan(
      'POST /webhooks/{source}',
      SpanKind.SERVER,
      {
        'http.request.method': 'POST',
        'http.route': '/webhooks/{source}',
        'rollcall.source': source,
        'rollcall.request_id': requestId,
      },
      contextFromHeaders(req.headers),
    );
    let answer: { status: number; body: Record<string, unknown> } = { status: 500, body: {} };
    try {
      answer = await serveWebhook(req, res, source, requestUrl);
    } finally {
      span.setAttributes({ 'http.response.status_code': answer.status });
      if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      if (config.accessLog && logger.isLevelEnabled('info'))
        logger.info(
          {
            requestId,
            method: 'POST',
            webhook: source,
            status: answer.status,
            durationMs: Math.round((Number(process.hrtime.bigint() - started) / 1e6) * 100) / 100,
            users: typeof answer.body.users === 'number' ? answer.body.users : 0,
            indexed: typeof answer.body.indexed === 'number' ? answer.body.indexed : 0,
          },
          'webhook request',
        );
    }
  }

  /**
   * A provider event: the raw body (at most ROLLCALL_MAX_BODY_BYTES) and the URL the provider called
   * (ROLLCALL_PUBLIC_URL + path and query, or this request's Host), which its signature covers.
   */
  async function serveWebhook(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    source: string,
    requestUrl: URL,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const send = (status: number, body: Record<string, unknown>) => {
      sendJson(res, status, body);
      return { status, body };
    };
    if (!deps.webhooks)
      return send(404, { error: 'the directory is off (ROLLCALL_DIRECTORY=off): no webhooks here' });
    // As /graphql reads bodies: refused by the declared length before reading, or as soon as it passes
    // the limit; the connection closes after the answer.
    const declared = Number(req.headers['content-length'] ?? 0);
    const raw = declared > config.maxBodyBytes ? null : await readBody(req, config.maxBodyBytes);
    if (raw === null) {
      res.setHeader('connection', 'close');
      return send(413, { error: `the body is over ${config.maxBodyBytes} bytes (ROLLCALL_MAX_BODY_BYTES)` });
    }
    const base =
      config.publicUrl ?? `http://${headerValue(req.headers.host) ?? `${config.host}:${config.port}`}`;
    const answer = await deps.webhooks.receive(source, {
      url: `${base}${requestUrl.pathname}${requestUrl.search}`,
      headers: req.headers,
      body: raw.toString('utf8'),
      now: Date.now(),
    });
    return send(answer.status, answer.body);
  }

  /**
   * CORS for /graphql, off unless ROLLCALL_CORS_ORIGINS lists origins: an allowed origin gets
   * `Access-Control-Allow-Origin` (never with credentials: rollcall reads no cookies; send tokens in a
   * header), and a preflight is answered here. Returns true when the request was a preflight.
   */
  function cors(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const origin = req.headers.origin;
    const allowed =
      config.corsOrigins.length > 0 &&
      typeof origin === 'string' &&
      (config.corsOrigins.includes('*') || config.corsOrigins.includes(origin));
    if (allowed) {
      res.setHeader('access-control-allow-origin', config.corsOrigins.includes('*') ? '*' : origin);
      res.setHeader('vary', 'Origin');
      res.setHeader('access-control-expose-headers', 'x-request-id');
    }
    if (req.method !== 'OPTIONS') return false;
    if (allowed) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader('access-control-allow-headers', CORS_REQUEST_HEADERS);
      res.setHeader('access-control-max-age', '600');
    }
    res.writeHead(204);
    res.end();
    return true;
  }

  /**
   * One GraphQL request: a span (continuing the caller's `traceparent`), the answer, and one access-log
   * line with what it cost. The line never holds variables, the query text or anything secret.
   */
  async function serveGraphQL(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestUrl: URL,
    requestId: string,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const method = (req.method ?? 'GET').toUpperCase();
    const access: AccessRecord = { operationName: null, operationType: null, errorCodes: [] };
    const parent = contextFromHeaders(req.headers);
    const span = startSpan(
      `${method} /graphql`,
      SpanKind.SERVER,
      { 'http.request.method': method, 'http.route': '/graphql', 'rollcall.request_id': requestId },
      parent,
    );
    let scope: OperationScope | undefined;
    let answer: { status: number; bytes: number } = { status: 500, bytes: 0 };
    try {
      answer = await traceContext.with(trace.setSpan(parent, span), () =>
        answerGraphQL(req, res, requestUrl, requestId, access, (operation) => (scope = operation)),
      );
    } finally {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (access.operationType)
        span.updateName(`${access.operationType} ${access.operationName ?? ''}`.trim());
      span.setAttributes({
        'http.response.status_code': answer.status,
        ...(access.operationType ? { 'graphql.operation.type': access.operationType } : {}),
        ...(access.operationName ? { 'graphql.operation.name': access.operationName } : {}),
        ...(access.errorCodes.length > 0 ? { 'rollcall.error.codes': [...new Set(access.errorCodes)] } : {}),
      });
      if (answer.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      if (config.accessLog && logger.isLevelEnabled('info'))
        logger.info(
          {
            requestId,
            method,
            operation: { name: access.operationName, type: access.operationType },
            client: {
              name: headerText(req.headers['apollographql-client-name']),
              version: headerText(req.headers['apollographql-client-version']),
            },
            status: answer.status,
            durationMs: Math.round(durationMs * 100) / 100,
            upstreamCalls: Object.fromEntries(scope?.upstreamCalls ?? []),
            cacheHits: Object.fromEntries(scope?.cacheHits ?? []),
            errors: [...new Set(access.errorCodes)],
            responseBytes: answer.bytes,
          },
          'graphql request',
        );
    }
  }

  async function answerGraphQL(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestUrl: URL,
    requestId: string,
    access: AccessRecord,
    onScope: (scope: OperationScope) => void,
  ): Promise<{ status: number; bytes: number }> {
    const refuse = (status: number, error: { message: string; extensions: Record<string, unknown> }) => {
      access.errorCodes.push(String(error.extensions.code));
      return { status, bytes: sendJson(res, status, { errors: [error] }) };
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    const raw = declared > config.maxBodyBytes ? null : await readBody(req, config.maxBodyBytes);
    if (raw === null) {
      // Refused by its declared length before reading it, or as soon as it passed the limit: the rest is
      // never read, and the connection closes after the answer.
      res.setHeader('connection', 'close');
      return refuse(413, {
        message: `Request body exceeds the limit of ${config.maxBodyBytes} bytes (ROLLCALL_MAX_BODY_BYTES).`,
        extensions: { code: ErrorCode.BAD_REQUEST, limit: 'bodyBytes', maximum: config.maxBodyBytes },
      });
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const reading = req.method === 'GET' || req.method === 'HEAD';
    let body: unknown = undefined;
    if (raw.length > 0) {
      if ((headers.get('content-type') ?? '').includes('json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return refuse(400, {
            message: 'The request body is not valid JSON.',
            extensions: { code: ErrorCode.BAD_REQUEST },
          });
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    // Who asks, before anything else is done for them: missing or refused credentials are a 401, no data.
    const verified = await authenticator.authenticate({
      header: (name) => headerValue(req.headers[name]),
      params: graphqlParams(body, reading ? requestUrl.searchParams : undefined),
    });
    if (!verified.ok) {
      logger.debug({ requestId, reason: verified.reason }, 'request refused: unauthenticated');
      res.setHeader(
        'www-authenticate',
        req.headers.authorization
          ? 'Bearer realm="rollcall", error="invalid_token"'
          : 'Bearer realm="rollcall"',
      );
      return refuse(401, {
        message: 'Unauthenticated: this request needs valid credentials.',
        extensions: { code: ErrorCode.UNAUTHENTICATED },
      });
    }
    // Bound the document before Apollo parses and validates it (see limits.ts).
    const query =
      body && typeof body === 'object' && !Array.isArray(body)
        ? (body as { query?: unknown }).query
        : reading
          ? requestUrl.searchParams.get('query')
          : undefined;
    if (typeof query === 'string') {
      const tooLarge = checkDocumentSize(query, config.operationLimits);
      if (tooLarge) {
        const { http: _http, ...extensions } = tooLarge.extensions;
        return refuse(400, { message: tooLarge.message, extensions });
      }
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      headers,
      search: requestUrl.search,
      body,
    };
    const response = await withOperationDeadline(
      config.operationTimeoutMs,
      (scope) => {
        onScope(scope);
        return apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest,
          context: async () => createContext(contextDeps, requestId, access, scope, verified.principal),
        });
      },
      { maxUpstreamCalls: config.maxUpstreamCalls },
    );
    const bytes = await sendGraphQLResponse(res, response);
    // Requests Apollo refuses before its plugins run (CSRF, a batch, no query) still name their code.
    if (
      access.errorCodes.length === 0 &&
      (response.status ?? 200) >= 400 &&
      response.body.kind === 'complete'
    )
      for (const error of errorsIn(response.body.string)) access.errorCodes.push(error);
    return { status: response.status ?? 200, bytes };
  }

  return (req, res) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    handle(req, res, requestId).catch((error: unknown) => {
      if (error instanceof ClientGone) {
        // The client went away before its request arrived whole: nothing to answer, nothing broken.
        logger.debug({ method: req.method, url: req.url }, 'client closed the connection mid-request');
        return;
      }
      logger.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [
            { message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } },
          ],
        });
      else res.destroy();
    });
  };
}

/** The GraphQL parameters of a request: its JSON body's, or (GET) its query string's. */
function graphqlParams(
  body: unknown,
  search: URLSearchParams | undefined,
): { query?: unknown; variables?: unknown; extensions?: unknown } | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) return body;
  if (!search) return undefined;
  const json = (name: string): unknown => {
    const text = search.get(name);
    if (text === null) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  return {
    query: search.get('query') ?? undefined,
    variables: json('variables'),
    extensions: json('extensions'),
  };
}

/** A request header whole (headerText cuts at 100 characters, too short for a token). */
function headerValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}
