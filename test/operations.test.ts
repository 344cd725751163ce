/**
 * What an operator relies on (issue 14): safe defaults with real credentials, one access-log line per
 * request, trace spans, readiness that follows Redis, CORS only for listed origins, and request ids.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { Writable } from 'node:stream';
import { loadConfig, unsafeDefaults } from '../src/config.js';
import { startEmulators, type RunningEmulators } from '../src/emulators/demo.js';
import { createLogger } from '../src/logger.js';
import { createServer } from '../src/server.js';
import { startTracing, tracesExporter, type Tracing } from '../src/telemetry.js';
import { withBug } from './support/bugs.js';
import { startReplica } from './support/harness.js';
import { redisAvailable, startRedis } from './support/redis.js';
import { memoryLogger } from './support/safety.js';

let emulators: RunningEmulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(() => emulators.stop());

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('safe defaults outside demo mode', () => {
  const live = () => ({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...emulators.env });

  it('behaves as production when real credentials are configured, unless NODE_ENV=development', () => {
    expect(loadConfig(live())).toMatchObject({
      production: true,
      environment: 'production',
      introspection: false,
      landingPage: false,
    });
    expect(loadConfig({ ...live(), NODE_ENV: 'development' })).toMatchObject({
      production: false,
      environment: 'development',
      introspection: true,
    });
    expect(loadConfig(live(), { demo: true })).toMatchObject({ production: false, environment: 'demo' });
    expect(loadConfig({ ...live(), NODE_ENV: 'production' }, { demo: true })).toMatchObject({
      production: true,
    });
    expect(loadConfig({})).toMatchObject({ production: false, environment: 'development' });
  });

  it('answers a forced error without a stack trace or a file path, and refuses introspection', async () => {
    // The 2Chat mapping throws an error whose message holds a file path (a bug), on lists and lookups.
    const broken = withBug('TWO_CHAT', () => {
      throw new Error(`boom at ${process.cwd()}/src/secret-path.ts`);
    });
    const config = loadConfig(live(), { providers: broken });
    const server = await createServer(config, { logger: createLogger('silent'), providers: broken });
    const url = await server.start();
    try {
      const failed = (await (
        await post(url, { query: '{ twoChatUser(uuid: "USR1") { uuid } }' })
      ).json()) as {
        errors: { message: string; extensions: Record<string, unknown> }[];
      };
      expect(failed.errors[0]).toEqual({
        message: 'Internal server error',
        locations: expect.any(Array),
        path: ['twoChatUser'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
      const bad = await (await post(url, { query: '{ users(first: -1) { totalCount } }' })).text();
      expect(bad).toMatch(/BAD_USER_INPUT/);
      for (const answer of [JSON.stringify(failed), bad]) {
        expect(answer).not.toMatch(/stacktrace|secret-path|\/src\/|at /);
      }
      const introspection = await (await post(url, { query: '{ __schema { types { name } } }' })).text();
      expect(introspection).toMatch(/GRAPHQL_VALIDATION_FAILED/);
      expect(introspection).toMatch(/introspection/i);
      const landing = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await landing.text()).not.toMatch(/embeddable-sandbox/);
    } finally {
      await server.stop();
    }
  });

  it('warns at start about every default that is unsafe with real data, and about none in demo mode', () => {
    const warnings = unsafeDefaults(
      loadConfig({
        ...live(),
        HOST: '0.0.0.0',
        NODE_ENV: 'development',
        ROLLCALL_AUTH: 'none',
        ROLLCALL_AUTH_ALLOW_NONE: 'true',
      }),
    );
    expect(warnings.join('\n')).toMatch(/ROLLCALL_CURSOR_SECRET is not set/);
    expect(warnings.join('\n')).toMatch(/introspection is on/);
    expect(warnings.join('\n')).toMatch(/ROLLCALL_AUTH=none .* on HOST=0\.0\.0\.0: access control is OFF/);
    expect(warnings.join('\n')).toMatch(/stack traces/);
    expect(
      unsafeDefaults(
        loadConfig({
          ...live(),
          HOST: '127.0.0.1',
          ROLLCALL_CURSOR_SECRET: 'a-real-secret-value',
        }),
      ),
    ).toEqual([]);
    expect(
      unsafeDefaults(
        loadConfig({ ...live(), ROLLCALL_INTROSPECTION: 'true', ROLLCALL_CURSOR_SECRET: 'x-y-z-w' }),
      ),
    ).toEqual([expect.stringMatching(/ROLLCALL_INTROSPECTION=true/)]);
    expect(unsafeDefaults(loadConfig({ ...live(), HOST: '0.0.0.0' }, { demo: true }))).toEqual([]);
  });
});

describe('the access log', () => {
  it('writes one line per request with what it cost, and no variable or secret', async () => {
    const memory = memoryLogger('info');
    const replica = await startReplica(emulators, { LOG_LEVEL: 'info' }, memory.logger);
    try {
      memory.lines.length = 0;
      const response = await post(
        replica.url,
        {
          query:
            'query Directory($first: Int, $secret: String!) { users(first: $first) { nodes { id } } twilioConversationUser(sid: $secret) { sid } }',
          variables: { first: 100, secret: 'very-private-identity' },
          operationName: 'Directory',
        },
        {
          'apollographql-client-name': 'web-console',
          'apollographql-client-version': '1.4.2',
          'x-request-id': 'req-1234',
        },
      );
      expect(response.headers.get('x-request-id')).toBe('req-1234');
      const text = await response.text();
      const lines = memory.lines.filter((line) => line.includes('"msg":"graphql request"'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toMatch(/very-private-identity|\$secret|query Directory/);
      const entry = JSON.parse(lines[0]) as Record<string, unknown>;
      expect(entry).toMatchObject({
        level: 30,
        requestId: 'req-1234',
        method: 'POST',
        operation: { name: 'Directory', type: 'query' },
        client: { name: 'web-console', version: '1.4.2' },
        status: 200,
        errors: [],
        responseBytes: Buffer.byteLength(text),
      });
      expect(entry.durationMs).toEqual(expect.any(Number));
      // 100 users: all of 2Chat's 72 and Twilio's first 28 (one page), and the lookup (one call).
      expect(entry.upstreamCalls).toEqual({ twochat: 1, twilio: 2 });
      expect(entry.cacheHits).toEqual({});

      // A refused request is logged too, with its code; a request id that is not a token is replaced.
      memory.lines.length = 0;
      const refused = await post(
        replica.url,
        { query: '{ users(first: -1) { totalCount } }' },
        { 'x-request-id': 'bad id!' },
      );
      expect(refused.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const second = JSON.parse(
        memory.lines.find((line) => line.includes('"msg":"graphql request"'))!,
      ) as Record<string, unknown>;
      expect(second).toMatchObject({ errors: ['BAD_USER_INPUT'], operation: { name: null, type: 'query' } });
    } finally {
      await replica.stop();
    }
  });

  it('writes one line per webhook request: the source, the status and the users, never the body', async () => {
    const memory = memoryLogger('info');
    const replica = await startReplica(
      emulators,
      { LOG_LEVEL: 'info', ROLLCALL_DIRECTORY: 'on', ROLLCALL_DATA_DIR: 'memory://' },
      memory.logger,
    );
    try {
      memory.lines.length = 0;
      const forged = await fetch(`${replica.url}/webhooks/twilio`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-request-id': 'hook-1',
          'x-twilio-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        },
        body: 'EventType=onUserUpdated&UserSid=USsecretsid&AccountSid=ACxyz',
      });
      expect(forged.status).toBe(401);
      const lines = memory.lines.filter((line) => line.includes('"msg":"webhook request"'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).not.toMatch(/USsecretsid|ACxyz|AAAAAAAA/);
      expect(JSON.parse(lines[0])).toMatchObject({
        requestId: 'hook-1',
        method: 'POST',
        webhook: 'twilio',
        status: 401,
        users: 0,
        indexed: 0,
        durationMs: expect.any(Number),
      });
      expect(await replica.metrics()).toMatch(
        /rollcall_directory_events_total\{provider="TWILIO_CONVERSATIONS",source="twilio",outcome="refused"\} 1/,
      );
    } finally {
      await replica.stop();
    }
  });

  it('counts cache hits when the upstream cache answers', async () => {
    const memory = memoryLogger('info');
    const replica = await startReplica(
      emulators,
      { LOG_LEVEL: 'info', ROLLCALL_CACHE_TTL_SECONDS: '30', ROLLCALL_RESPONSE_CACHE: 'false' },
      memory.logger,
    );
    try {
      await replica.query('{ twoChatUsers(first: 2) { totalCount } }');
      memory.lines.length = 0;
      await replica.query('{ twoChatUsers(first: 2) { totalCount } }');
      const entry = JSON.parse(
        memory.lines.find((line) => line.includes('"msg":"graphql request"'))!,
      ) as Record<string, unknown>;
      expect(entry).toMatchObject({ upstreamCalls: { twochat: 1 }, cacheHits: { twochat: 1 } });
    } finally {
      await replica.stop();
    }
  });
});

describe('tracing', () => {
  it('is off unless OTEL_* asks for it', () => {
    expect(tracesExporter({})).toBeNull();
    expect(tracesExporter({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('otlp');
    expect(tracesExporter({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe('otlp');
    expect(tracesExporter({ OTEL_TRACES_EXPORTER: 'console' })).toBe('console');
    expect(
      tracesExporter({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }),
    ).toBeNull();
  });

  let tracing: Tracing | null = null;
  const exporter = new InMemorySpanExporter();
  afterAll(async () => {
    await tracing?.shutdown();
  });

  it('records one users query as a span tree continuing the caller’s traceparent', async () => {
    tracing = startTracing({}, createLogger('silent'), exporter);
    const replica = await startReplica(emulators);
    try {
      exporter.reset();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const response = await post(
        replica.url,
        { query: 'query Everyone { users(first: 80) { nodes { id } } }', operationName: 'Everyone' },
        { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      );
      expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
      const spans = exporter.getFinishedSpans();
      const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
      const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? '');
      const root = spans.find((span) => span.name === 'query Everyone');
      expect(root).toBeDefined();
      expect(root!.spanContext().traceId).toBe(traceId);
      expect(root!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
      expect(root!.attributes).toMatchObject({
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'Everyone',
        'http.response.status_code': 200,
      });
      for (const span of spans) expect(span.spanContext().traceId).toBe(traceId);

      const users = spans.filter((span) => span.name === 'rollcall.users');
      expect(users).toHaveLength(1);
      expect(parentOf(users[0])).toBe(root);
      // 80 users: 2Chat's 72 and the first 8 of Twilio's first page, each one upstream read under the window.
      const upstream = spans.filter((span) => span.attributes['rollcall.provider'] && span.kind === 2);
      expect(
        upstream
          .map((span) => [
            span.name,
            span.attributes['rollcall.provider'],
            span.attributes['rollcall.source'],
          ])
          .sort(),
      ).toEqual([
        ['GET open/users', 'TWO_CHAT', 'twochat'],
        ['GET v1/Users', 'TWILIO_CONVERSATIONS', 'twilio'],
      ]);
      for (const span of upstream) {
        expect(parentOf(span)).toBe(users[0]);
        expect(span.attributes).toMatchObject({
          'http.request.method': 'GET',
          'http.response.status_code': 200,
        });
        expect(span.attributes['url.template']).toBe(span.name.slice(4));
        const attempts = spans.filter((child) => parentOf(child) === span);
        expect(attempts.map((attempt) => [attempt.name, attempt.attributes['rollcall.attempt']])).toEqual([
          ['rollcall.upstream.attempt', 1],
        ]);
        expect(attempts[0].attributes['rollcall.breaker.state']).toBe('CLOSED');
      }
      // No attribute anywhere carries a URL or a credential.
      expect(JSON.stringify(spans.map((span) => span.attributes))).not.toMatch(
        /http:\/\/|127\.0\.0\.1|demo-/,
      );
    } finally {
      await replica.stop();
    }
  });
});

describe('operator endpoints', () => {
  const withRedis = redisAvailable || process.env.CI ? it : it.skip;
  withRedis('/ready follows Redis: 200 while it answers, 503 with the reason once it is gone', async () => {
    const redis = await startRedis();
    const replica = await startReplica(emulators, { REDIS_URL: redis.url, ROLLCALL_REDIS_TIMEOUT_MS: '200' });
    try {
      const ready = await fetch(`${replica.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', reasons: [] });
      expect((await fetch(`${replica.url}/ready`, { method: 'HEAD' })).status).toBe(200);
      await redis.stop();
      let status = 200;
      for (let i = 0; i < 50 && status === 200; i += 1) {
        status = (await fetch(`${replica.url}/ready`)).status;
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const down = await fetch(`${replica.url}/ready`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({
        status: 'unavailable',
        reasons: ['the Redis cache (REDIS_URL) is unreachable'],
      });
      // Liveness is another matter: the process is fine and answers from upstream.
      expect((await fetch(`${replica.url}/health`)).status).toBe(200);
      expect((await replica.query('{ twoChatUsers(first: 1) { totalCount } }')).errors).toBeUndefined();
    } finally {
      await replica.stop();
      await redis.stop();
    }
  });

  it('answers CORS only for listed origins, preflight included, never with credentials', async () => {
    const replica = await startReplica(emulators, { ROLLCALL_CORS_ORIGINS: 'https://console.example.com' });
    const bare = await startReplica(emulators);
    try {
      const preflight = await fetch(`${replica.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://console.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
      expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/content-type/);
      expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
      const answer = await post(
        replica.url,
        { query: '{ providers { provider } }' },
        { origin: 'https://console.example.com' },
      );
      expect(answer.headers.get('access-control-allow-origin')).toBe('https://console.example.com');
      expect(answer.headers.get('vary')).toMatch(/Origin/);
      for (const [url, origin] of [
        [replica.url, 'https://evil.example.com'],
        [bare.url, 'https://console.example.com'],
      ]) {
        const refused = await fetch(`${url}/graphql`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST' },
        });
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      }
      expect(() => loadConfig({ ROLLCALL_CORS_ORIGINS: 'https://a.example.com/path' })).toThrow(
        /ROLLCALL_CORS_ORIGINS/,
      );
    } finally {
      await replica.stop();
      await bare.stop();
    }
  });
});

describe('human logs', () => {
  it('writes readable lines, with the banner boxed, in pretty format', () => {
    const written: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('info', 'pretty', sink);
    logger.info({ banner: true }, 'rollcall is ready at http://127.0.0.1:4000/graphql');
    logger.warn('unsafe default: something');
    // eslint-disable-next-line no-control-regex -- colours, when the terminal has them
    const text = written.join('').replace(/\u001b\[[0-9;]*m/g, '');
    expect(text).toMatch(/╔═+╗\n║ {2}rollcall is ready at http:\/\/127\.0\.0\.1:4000\/graphql {2}║\n╚═+╝/);
    expect(text).toMatch(/WARN.*unsafe default: something/);
    expect(text).not.toMatch(/^\{"level"/m);
    expect(loadConfig({}, { tty: true }).logFormat).toBe('pretty');
    expect(loadConfig({}, { tty: false }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, { tty: true }).logFormat).toBe('json');
  });
});
