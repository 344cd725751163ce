/**
 * `createServer(config)`: the subgraph behind a small node:http front door.
 *
 * Routes: `/graphql` (Apollo Server: POST, GET, and the Sandbox landing page outside production),
 * `GET /health` (200 JSON), `GET /metrics` (Prometheus text), `GET /` (redirect to /graphql).
 * Own HTTP handling instead of an Express integration keeps the dependency list short and gives one
 * place for the body-size limit, health and metrics.
 */
import {
  ApolloServer,
  HeaderMap,
  type ApolloServerPlugin,
  type HTTPGraphQLRequest,
  type HTTPGraphQLResponse,
} from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { cacheControlFromInfo } from '@apollo/cache-control-types';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Config } from './config.js';
import { createContext, type AccessRecord, type RequestContext } from './context.js';
import { directoryResolvers } from './directory/resolvers.js';
import { ErrorCode } from './errors.js';
import { checkDocumentSize, operationLimitsPlugin } from './limits.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import type { ProviderId } from './providers/ids.js';
import type { AnyProviderDefinition, ProviderAdapter } from './providers/provider.js';
import { PROVIDERS } from './providers/registry.js';
import { CursorCodec } from './relay/cursor.js';
import { rootResolvers, type ProviderStatusSource } from './resolvers.js';
import { buildSchema } from './schema.js';
import { MemoryStore, RedisStore, UpstreamCache } from './upstream/cache.js';
import { UpstreamPolicy } from './upstream/policy.js';
import { operationScope, withOperationDeadline, type OperationScope } from './upstream/scope.js';
import { contextFromHeaders, SpanKind, SpanStatusCode, startSpan, trace, traceContext } from './telemetry.js';
import { SupportedOperationTypesRule } from './validation.js';

export interface ServerOptions {
  logger?: Logger;
  /** Providers whose base URL is an in-process emulator (reported as EMULATED). */
  emulated?: ReadonlySet<ProviderId>;
  /** The provider definitions (default: the registry); tests substitute one to inject a bug. */
  providers?: readonly AnyProviderDefinition[];
}

export interface RollcallServer {
  /** Listens on config.port/host (0 = a free port); resolves with the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
  readonly url: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly apollo: ApolloServer<RequestContext>;
}

export const EXAMPLE_OPERATION = `# Which providers are on, then everyone across every provider, 13 at a time.
# Pass pageInfo.endCursor as $after for the next page.
query Directory($after: String) {
  providers { provider enabled mode circuit }
  users(first: 13, after: $after) {
    totalCount
    edges {
      cursor
      node {
        __typename id provider providerUserId displayName email active createdAt
        ... on TwilioConversationUser { identity attributes }
        ... on CometChatUser { status role tags }
        ... on VoximplantUser { acdStatus skills { skillName } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

/** Every code rollcall answers with (rollcall's own and Apollo Server's request errors). */
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Whether an error reached the client as a bug: a code outside the documented list, or none. */
export function isInternal(formatted: GraphQLFormattedError): boolean {
  const code = formatted.extensions?.code;
  return typeof code !== 'string' || !KNOWN_CODES.has(code) || code === ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * The error normaliser: rollcall's own and Apollo's request errors pass through; anything else is an
 * internal error, whose message is masked in production. Every error of a response goes through it,
 * those reported beside data (`RequestContext.partialErrors`) included.
 */
export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (!isInternal(formatted)) return formatted;
    const original = unwrapResolverError(error);
    return {
      ...formatted,
      message: production
        ? 'Internal server error'
        : original instanceof Error
          ? original.message
          : formatted.message,
      extensions: { ...(production ? {} : formatted.extensions), code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}

/**
 * Appends the errors resolvers reported beside their data (see `RequestContext.partialErrors`), so a
 * field like `users` can answer with some providers' users and an error for the one that failed. They go
 * through the same normaliser as every other error.
 */
function partialErrorsPlugin(normalise: ReturnType<typeof formatError>): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || contextValue.partialErrors.length === 0) return;
          const result = response.body.singleResult;
          result.errors = [
            ...(result.errors ?? []),
            ...contextValue.partialErrors.map((error) => normalise(error.toJSON(), error)),
          ];
        },
      };
    },
  };
}

/**
 * Logs every error that will reach the client as INTERNAL_SERVER_ERROR, with its stack and the request
 * id, once: those are rollcall bugs (an upstream failure, a bad input or a limit has its own code).
 */
const internalErrorLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    const log = (errors: readonly GraphQLError[], context: RequestContext) => {
      for (const error of errors) {
        if (!isInternal(error.toJSON())) continue;
        const original = unwrapResolverError(error);
        context.logger.error(
          { err: original instanceof Error ? original : error, path: error.path },
          'internal error',
        );
      }
    };
    return {
      async didEncounterErrors({ errors, contextValue }) {
        log(errors, contextValue);
      },
      async willSendResponse({ contextValue }) {
        log(contextValue.partialErrors, contextValue);
      },
    };
  },
};

/**
 * Fills the request's access record (context.access) for the access log and the request span: the
 * operation once resolved, and the codes of every error answered (those appended beside data included,
 * so it runs after partialErrorsPlugin).
 */
const accessPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        contextValue.access.operationType = operation?.operation ?? null;
        contextValue.access.operationName = operation?.name?.value.slice(0, 100) ?? null;
      },
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        for (const error of response.body.singleResult.errors ?? [])
          contextValue.access.errorCodes.push(
            String(error.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR),
          );
      },
    };
  },
};

/**
 * Cache hints: each root field that read upstream gets `maxAge` = the shortest freshness of the upstream
 * responses the operation used (types declare `@cacheControl(inheritMaxAge: true)`, so the whole answer
 * follows). Fields that read nothing upstream (`providers`, misses of foreign ids) stay uncacheable, and
 * so does any answer carrying an error.
 */
const cacheHintsPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async executionDidStart() {
        return {
          willResolveField({ info, contextValue }) {
            if (
              info.path.prev !== undefined ||
              info.fieldName === 'providers' ||
              info.fieldName.startsWith('_')
            )
              return;
            return () => {
              const freshness = operationScope.getStore()?.freshnessMs;
              if (freshness === undefined || contextValue.partialErrors.length > 0) return;
              cacheControlFromInfo(info).setCacheHint({
                maxAge: Math.floor(freshness / 1000),
                scope: 'PUBLIC',
              });
            };
          },
        };
      },
    };
  },
};

const CIRCUIT_GAUGE = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

export async function createServer(config: Config, options: ServerOptions = {}): Promise<RollcallServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics({ defaultMetrics: true });
  const emulated = options.emulated ?? new Set<ProviderId>();

  let store: MemoryStore | RedisStore = new MemoryStore(config.cache.maxEntries, config.cache.maxBytes);
  if (config.cache.redisUrl) {
    const redis = new RedisStore(config.cache.redisUrl, config.cache.redisTimeoutMs, logger);
    // Best effort: a Redis that is down at start only means upstream calls until it comes back.
    if (!(await redis.ready(2000)))
      logger.warn('redis cache not reachable at start; serving from upstream meanwhile');
    store = redis;
  }
  const cache = new UpstreamCache(store, metrics, config.cache.redisUrl ? 'redis' : 'memory');
  const adapters = new Map<ProviderId, ProviderAdapter>();
  const policies = new Map<ProviderId, UpstreamPolicy>();
  const providers = options.providers ?? PROVIDERS;
  for (const definition of providers) {
    const settings = config.providers[definition.id];
    if (settings === undefined) continue;
    const provider = definition.id;
    const policy = new UpstreamPolicy(config.resilience, (state) => {
      metrics.circuitState.set({ provider }, CIRCUIT_GAUGE[state]);
      metrics.circuitTransitions.inc({ provider, state });
      logger.warn({ provider, state }, 'circuit breaker state changed');
    });
    metrics.circuitState.set({ provider }, 0);
    policies.set(provider, policy);
    const timeouts = config.providerTimeouts[provider];
    adapters.set(
      provider,
      definition.createAdapter(settings, {
        metrics,
        logger: logger.child({ provider }),
        upstreamTimeoutMs: timeouts?.timeoutMs ?? config.upstreamTimeoutMs,
        connectTimeoutMs: timeouts?.connectTimeoutMs ?? config.upstreamConnectTimeoutMs,
        policy,
        cache,
        cacheTtlSeconds: config.cache.providerTtlSeconds[provider] ?? config.cache.ttlSeconds,
        lookupConcurrency: config.lookupConcurrency,
        maxLookupCalls: config.maxLookupCalls,
      }),
    );
  }
  const statuses = (): ProviderStatusSource[] =>
    providers.map((definition) => {
      const enabled = adapters.has(definition.id);
      return {
        provider: definition.id,
        enabled,
        mode: enabled ? (emulated.has(definition.id) ? 'EMULATED' : 'LIVE') : null,
        circuit: policies.get(definition.id)?.breaker.state ?? null,
      };
    });

  const schema = buildSchema([
    rootResolvers(statuses, config.limits.maxSize),
    directoryResolvers(providers),
    ...providers.map((d) => d.resolvers),
  ]);
  const cursors = new CursorCodec(config.cursorSecret);
  const caching =
    config.cache.ttlSeconds > 0 ||
    Object.values(config.cache.providerTtlSeconds).some((ttl) => (ttl ?? 0) > 0);
  const normalise = formatError(config.production);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    logger,
    introspection: config.introspection,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM and stops Apollo through `stop()`. Apollo's own handlers would call
    // apollo.stop() first, and a second, concurrent stop() (ours) never returns in @apollo/server 5.5
    // (it awaits a barrier only the failure path resolves): the process would hang instead of exiting.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !config.production,
    formatError: normalise,
    // The front door counts tokens before Apollo parses (checkDocumentSize); this also covers
    // executeOperation, which does not pass through it.
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    validationRules: [SupportedOperationTypesRule],
    plugins: [
      config.landingPage
        ? ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            document: EXAMPLE_OPERATION,
            includeCookies: false,
          })
        : ApolloServerPluginLandingPageDisabled(),
      ...(config.inlineTrace ? [] : [ApolloServerPluginInlineTraceDisabled()]),
      partialErrorsPlugin(normalise),
      accessPlugin,
      internalErrorLogPlugin,
      // Cache hints only mean something when upstream answers are cached; without, skip their per-field work.
      ...(caching ? [cacheHintsPlugin] : [ApolloServerPluginCacheControlDisabled()]),
      // Whole answers, reused for as long as their cache hints allow (the shortest upstream freshness
      // involved); answers with errors and `providers` are never stored.
      ...(caching && config.responseCache ? [responseCachePlugin()] : []),
      operationLimitsPlugin(config.operationLimits),
    ],
  });
  await apollo.start();

  const contextDeps = {
    adapters,
    logger,
    cursors,
    limits: config.limits,
    nativeIds: new Map(providers.map((definition) => [definition.id, definition.nativeId])),
  };
  const sockets = new Set<Socket>();
  let url = '';

  let stopping = false;
  const httpServer = http.createServer((req, res) => {
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
  });
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  /** Whether a store the server needs is unreachable: the reasons `/ready` gives, none when ready. */
  async function notReady(): Promise<string[]> {
    const reasons: string[] = [];
    if (stopping) reasons.push('shutting down');
    if (store instanceof RedisStore && !(await store.ping(config.cache.redisTimeoutMs)))
      reasons.push('the Redis cache (REDIS_URL) is unreachable');
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
    if (stopping) res.setHeader('connection', 'close');
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
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(await metrics.registry.metrics());
      return;
    }
    if (path === '/' && reading) {
      res.writeHead(302, { location: '/graphql' });
      res.end();
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
          context: async () => createContext(contextDeps, requestId, access),
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

  return {
    metrics,
    logger,
    apollo,
    get url() {
      return url;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      url = `http://${host}:${port}`;
      return url;
    },
    /**
     * Stops accepting connections, lets the requests in flight finish (their connections close after
     * the answer) for up to ROLLCALL_SHUTDOWN_GRACE_MS, then closes what is left, Apollo and the cache.
     */
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      // A connection that finishes its request while stopping is idle again: close it then.
      const sweep = setInterval(() => httpServer.closeIdleConnections(), 50);
      const force = setTimeout(() => sockets.forEach((s) => s.destroy()), config.shutdownGraceMs);
      force.unref();
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await apollo.stop();
      await cache.close();
    },
  };
}

/** Writes Apollo's HTTP answer (status, headers, a complete or streamed body) to a node response. */
export async function sendGraphQLResponse(
  res: http.ServerResponse,
  response: HTTPGraphQLResponse,
): Promise<number> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return Buffer.byteLength(response.body.string);
  }
  let bytes = 0;
  for await (const chunk of response.body.asyncIterator) {
    bytes += Buffer.byteLength(chunk);
    res.write(chunk);
  }
  res.end();
  return bytes;
}

/** Sends a JSON answer; returns its size in bytes. */
function sendJson(res: http.ServerResponse, status: number, value: unknown): number {
  const payload = JSON.stringify(value);
  const bytes = Buffer.byteLength(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes });
  res.end(payload);
  return bytes;
}

/** The request headers a browser may send cross-origin (answered in a CORS preflight). */
const CORS_REQUEST_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
].join(', ');

/** The caller's `x-request-id` when it is a sane token (at most 128 characters), else a new UUID. */
function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}

/** The error codes of a small JSON answer (best effort: none when it is not one). */
function errorsIn(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    return (parsed.errors ?? []).map((error) => String(error.extensions?.code ?? 'UNKNOWN'));
  } catch {
    return [];
  }
}

/** A header value fit for a log line: one string of at most 100 characters, or null. */
function headerText(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? value.slice(0, 100) : null;
}

/** A client that closed its connection before its request body arrived whole. */
class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before the request body arrived whole');
  }
}

/**
 * The body, or null as soon as it passes `limit` bytes: reading stops there (the request is paused, not
 * drained), so a huge body costs at most `limit` bytes of reading. Rejects with ClientGone when the client
 * hangs up mid-body.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      done();
      reject(new ClientGone());
    };
    const onClose = () => {
      if (!req.complete) onGone();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onClose);
  });
}
