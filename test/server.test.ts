import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import net from 'node:net';
import { twilioProvider } from '../src/providers/twilio/index.js';
import { formatError } from '../src/graphql/formatError.js';
import { startHarness, startReplica, type Harness, type Replica } from './support/harness.js';
import { inFlightReaches, memoryLogger } from './support/safety.js';
import type { TwilioEmulator } from '../src/providers/twilio/emulator.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ providers: [twilioProvider], env: { ROLLCALL_MAX_BODY_BYTES: '2048' } });
});
afterAll(() => h.stop());

describe('HTTP routes', () => {
  it('answers GET /health with 200 JSON naming the providers', async () => {
    const response = await fetch(`${h.url}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; providers: { provider: string }[] };
    expect(body.status).toBe('ok');
    expect(body.providers.map((p) => p.provider)).toContain('TWILIO_CONVERSATIONS');
  });

  it('serves Prometheus text at GET /metrics', async () => {
    const response = await fetch(`${h.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE rollcall_upstream_requests_total counter');
    expect(text).toContain('# TYPE rollcall_upstream_request_duration_seconds histogram');
  });

  it('counts the GraphQL requests being executed in rollcall_graphql_operations_in_flight', async () => {
    const inFlight = async () =>
      (await (await fetch(`${h.url}/metrics`)).text())
        .split('\n')
        .find((line) => line.startsWith('rollcall_graphql_operations_in_flight '));
    const twilio = h.emulator<TwilioEmulator>('TWILIO_CONVERSATIONS');
    expect(await inFlight()).toBe('rollcall_graphql_operations_in_flight 0');
    const release = twilio.hold();
    const answer = h.query('{ twilioConversationUsers(first: 1) { edges { cursor } } }');
    try {
      await inFlightReaches(twilio, 1);
      expect(await inFlight()).toBe('rollcall_graphql_operations_in_flight 1');
    } finally {
      release();
    }
    expect((await answer).errors).toBeUndefined();
    // Refused documents and answered ones alike leave nothing counted.
    expect((await h.query('{ nope }')).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await inFlight()).toBe('rollcall_graphql_operations_in_flight 0');
  });

  it('serves the Sandbox landing page with the example operation to browsers', async () => {
    const response = await fetch(`${h.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('embeddable-sandbox');
    expect(html).toContain('users(first: 13');
  });

  it('redirects / to /graphql and 404s other paths', async () => {
    const root = await fetch(`${h.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/graphql');
    expect((await fetch(`${h.url}/nope`)).status).toBe(404);
  });

  it('rejects a body over the configured limit with 413 naming the limit', async () => {
    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ providers { provider } } # ${'x'.repeat(4000)}` }),
    });
    expect(response.status).toBe(413);
    expect(JSON.stringify(await response.json())).toMatch(/2048 bytes.*ROLLCALL_MAX_BODY_BYTES/);
  });

  it('rejects a body that is not JSON with 400', async () => {
    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(response.status).toBe(400);
  });

  it('keeps CSRF prevention on for simple GET requests', async () => {
    const response = await fetch(
      `${h.url}/graphql?query=${encodeURIComponent('{ providers { provider } }')}`,
    );
    expect(response.status).toBe(400);
    const allowed = await fetch(
      `${h.url}/graphql?query=${encodeURIComponent('{ providers { provider } }')}`,
      {
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    expect(allowed.status).toBe(200);
  });

  it('refuses batched HTTP requests', async () => {
    const response = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { query: '{ providers { provider } }' },
        { query: '{ providers { provider } }' },
      ]),
    });
    expect(response.status).toBe(400);
  });
});

describe('providers', () => {
  it('lists every provider with enabled and mode', async () => {
    const { data } = await h.query<{
      providers: { provider: string; enabled: boolean; mode: string | null }[];
    }>('{ providers { provider enabled mode } }');
    expect(data!.providers).toContainEqual({
      provider: 'TWILIO_CONVERSATIONS',
      enabled: true,
      mode: 'EMULATED',
    });
    for (const status of data!.providers.filter((p) => !p.enabled)) expect(status.mode).toBeNull();
  });
});

describe('node and nodes', () => {
  it('answers null for ids of other systems and BAD_USER_INPUT for malformed rollcall ids', async () => {
    const foreign = await h.query('{ node(id: "VXNlcjox") { id } }');
    expect(foreign.data).toEqual({ node: null });
    const malformed = Buffer.from('rollcall:v1:NOPE:1').toString('base64url');
    const bad = await h.query(`{ node(id: "${malformed}") { id } }`);
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('formatError', () => {
  const unexpected = new Error('database password is hunter2');
  it('masks unexpected errors in production', () => {
    expect(
      formatError(true)(
        { message: unexpected.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['x'] } },
        unexpected,
      ),
    ).toEqual({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });
  it('keeps rollcall error codes as they are', () => {
    const formatted = {
      message: 'TWILIO_CONVERSATIONS: HTTP 500',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'TWILIO_CONVERSATIONS' },
    };
    expect(formatError(true)(formatted, unexpected)).toBe(formatted);
  });
});

/**
 * A raw HTTP/1.1 exchange on one socket: writes `head` and `body`, leaves the request unfinished unless
 * `end`, and resolves with what the server sent before it closed the connection (or `waitMs` passed).
 */
function rawExchange(
  url: string,
  head: string,
  body: Buffer,
  options: { end?: boolean; waitMs?: number } = {},
): Promise<{ text: string; closed: boolean }> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, options.waitMs ?? 3000);
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close while we still write: what it answered before counts.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
    socket.write(head);
    socket.write(body);
    if (options.end) socket.end();
  });
}

describe('transport edges (issue 13, finding 10)', () => {
  let replica: Replica;
  let lines: string[];
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ providers: [twilioProvider] });
    const memory = memoryLogger('debug');
    lines = memory.lines;
    replica = await startReplica(
      harness.emulators,
      { LOG_LEVEL: 'debug', ROLLCALL_MAX_BODY_BYTES: '4096' },
      memory.logger,
    );
  });
  afterAll(async () => {
    await replica.stop();
    await harness.stop();
  });

  it('refuses a body declared larger than the limit by its Content-Length, without reading it', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n`;
    // 1 KB of a declared 50 MB: the answer comes without the rest ever being sent.
    const { text, closed } = await rawExchange(replica.url, head, Buffer.alloc(1024, 0x20));
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(text).toMatch(/ROLLCALL_MAX_BODY_BYTES/);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(closed).toBe(true);
  });

  it('stops reading a chunked body at the limit and answers 413 before the client finishes', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = Buffer.alloc(2048, 0x20);
    const chunks = Buffer.concat(
      Array.from({ length: 4 }, () => Buffer.concat([Buffer.from('800\r\n'), chunk, Buffer.from('\r\n')])),
    );
    // 8 KB sent of an endless body (never terminated): the 413 arrives anyway.
    const { text, closed } = await rawExchange(replica.url, head, chunks);
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    expect(closed).toBe(true);
  });

  it('answers HEAD /health and HEAD /metrics like GET, without a body', async () => {
    for (const path of ['/health', '/metrics']) {
      const head = await fetch(`${replica.url}${path}`, { method: 'HEAD' });
      const get = await fetch(`${replica.url}${path}`);
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(await head.text()).toBe('');
    }
    const { text } = await rawExchange(
      replica.url,
      'HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      Buffer.alloc(0),
      {
        end: true,
      },
    );
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('logs a client that hangs up mid-body once, at debug, without a stack or an error line', async () => {
    lines.length = 0;
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const { port, hostname } = new URL(replica.url);
    await new Promise<void>((resolve) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(head);
        socket.write('{"query": "{ provid');
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    // The server notices the hang-up asynchronously; wait for its line (or fail after a while).
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('mid-request')); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const entries = lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: unknown });
    const gone = entries.filter((entry) => entry.msg.includes('mid-request'));
    expect(gone).toHaveLength(1);
    expect(gone[0].level).toBe(20);
    expect(gone[0].err).toBeUndefined();
    expect(entries.filter((entry) => entry.level >= 50)).toEqual([]);
    // And the server goes on serving.
    expect((await replica.query('{ providers { provider } }')).errors).toBeUndefined();
  });
});
