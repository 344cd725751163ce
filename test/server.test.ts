import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { twilioProvider } from '../src/providers/twilio/index.js';
import { formatError } from '../src/server.js';
import { startHarness, type Harness } from './support/harness.js';

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
