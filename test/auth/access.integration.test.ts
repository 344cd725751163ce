/**
 * Access control end to end over HTTP: JWT mode against a local JWKS server (port 0) that rotates keys,
 * every way a token can be bad, the scope matrix, zero upstream calls for forbidden-only queries (from the
 * emulators' call logs), answers never shared between callers with different scopes, router mode with a
 * shared secret and with Hive Gateway's HMAC signature as Hive's own package computes it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { useHmacUpstreamSignature } from '@graphql-mesh/hmac-upstream-signature';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import { hmacSignature } from '../../src/auth/hmac.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { startHarness, startReplica, type Harness } from '../support/harness.js';
import { memoryLogger } from '../support/safety.js';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'rollcall-test';
const ROUTER_SECRET = 'r'.repeat(40);
const HMAC_SECRET = 'h'.repeat(40);

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
async function newKey(kid: string): Promise<Key> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256' },
  };
}

/** A JWKS endpoint on a free loopback port, whose keys a test can rotate. */
let published: Key[] = [];
let jwksFetches = 0;
const jwks = http.createServer((_req, res) => {
  jwksFetches += 1;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ keys: published.map((key) => key.jwk) }));
});

async function token(
  key: Key,
  claims: Record<string, unknown> = { scope: 'users:read' },
  edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt,
): Promise<string> {
  return edit(
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('user-1')
      .setIssuedAt()
      .setExpirationTime('5m'),
  ).sign(key.privateKey);
}

let keyA: Key;
let keyB: Key;
let h: Harness;
let twilio: TwilioEmulator;

async function post(
  query: string,
  headers: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): Promise<{
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
  };
}> {
  const response = await fetch(`${h.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, ...extra }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as never };
}
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

beforeAll(async () => {
  [keyA, keyB] = await Promise.all([newKey('a'), newKey('b')]);
  published = [keyA];
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const { port } = jwks.address() as AddressInfo;
  h = await startHarness({
    env: {
      ROLLCALL_AUTH: 'jwt',
      ROLLCALL_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      ROLLCALL_JWT_ISSUER: ISSUER,
      ROLLCALL_JWT_AUDIENCE: AUDIENCE,
      ROLLCALL_METRICS_TOKEN: 'm'.repeat(40),
      // Whole answers are reused here, to show they are never reused across scopes.
      ROLLCALL_CACHE_TTL_SECONDS: '30',
    },
  });
  twilio = h.emulator<TwilioEmulator>('TWILIO_CONVERSATIONS');
});
afterAll(async () => {
  await h.stop();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
});
beforeEach(() => h.reset());

const LIST = '{ twilioConversationUsers(first: 3) { nodes { sid identity } } }';

describe('ROLLCALL_AUTH=jwt', () => {
  it('answers 401 UNAUTHENTICATED with no data to a request without a token', async () => {
    const { status, headers, body } = await post(LIST);
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer realm="rollcall"');
    expect(body).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(twilio.calls).toHaveLength(0);
  });

  it('serves a valid token', async () => {
    const { status, body } = await post(LIST, bearer(await token(keyA)));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });

  it.each<[string, () => Promise<string>]>([
    [
      'expired',
      () => token(keyA, undefined, (jwt) => jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 120)),
    ],
    [
      'not yet valid',
      () => token(keyA, undefined, (jwt) => jwt.setNotBefore(Math.floor(Date.now() / 1000) + 600)),
    ],
    ['from another issuer', () => token(keyA, undefined, (jwt) => jwt.setIssuer('https://evil.test'))],
    ['for another audience', () => token(keyA, undefined, (jwt) => jwt.setAudience('another-service'))],
    [
      'unsigned (alg: none)',
      async () =>
        new UnsecuredJWT({ scope: 'users:read' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .encode(),
    ],
    [
      'HMAC-signed with the public key as secret (HS/RS confusion)',
      async () => {
        const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'a' })).toString('base64url');
        const payload = Buffer.from(
          JSON.stringify({
            iss: ISSUER,
            aud: AUDIENCE,
            exp: Math.floor(Date.now() / 1000) + 300,
            scope: 'users:read',
          }),
        ).toString('base64url');
        const signature = createHmac('sha256', JSON.stringify(keyA.jwk))
          .update(`${header}.${payload}`)
          .digest('base64url');
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['signed by a key the JWKS does not have (unknown kid)', async () => token(await newKey('z'))],
    [
      'tampered (a scope added after signing)',
      async () => {
        const [header, , signature] = (await token(keyA)).split('.');
        const payload = Buffer.from(
          JSON.stringify({
            iss: ISSUER,
            aud: AUDIENCE,
            exp: Math.floor(Date.now() / 1000) + 300,
            scope: 'users:read users:read:pii rollcall:admin',
          }),
        ).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
    ],
    ['not a JWT at all', async () => 'garbage'],
  ])('answers 401 to a token that is %s, saying only that it was refused', async (_name, make) => {
    const { status, headers, body } = await post(LIST, bearer(await make()));
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer realm="rollcall", error="invalid_token"');
    expect(body.errors?.[0]).toEqual({
      message: 'Unauthenticated: this request needs valid credentials.',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    expect(body.data).toBeUndefined();
    expect(twilio.calls).toHaveLength(0);
  });

  it('picks up a rotated key: a token signed by a new kid refetches the JWKS', async () => {
    await post(LIST, bearer(await token(keyA)));
    published = [keyA, keyB];
    const before = jwksFetches;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the refetch cooldown
    const { status } = await post(LIST, bearer(await token(keyB)));
    expect(status).toBe(200);
    expect(jwksFetches).toBe(before + 1);
    published = [keyA];
  });

  it('keeps /health and /ready open and puts /metrics behind its own token', async () => {
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    expect((await fetch(`${h.url}/ready`)).status).toBe(200);
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: bearer(await token(keyA)) })).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: bearer('m'.repeat(40)) })).status).toBe(200);
  });
});

describe('scopes', () => {
  const PII = `{ twilioConversationUsers(first: 3) { nodes { sid identity email attributes raw } } }`;

  it('a users:read token lists users with their personal data null and FORBIDDEN at each path', async () => {
    const { body } = await post(PII, bearer(await token(keyA, { scope: 'users:read' })));
    const nodes = (body.data!.twilioConversationUsers as { nodes: Record<string, unknown>[] }).nodes;
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(node.sid).toEqual(expect.any(String));
      expect(node).toMatchObject({ email: null, attributes: null, raw: null });
    }
    const paths = body.errors!.map((error) => (error.path ?? []).join('.'));
    for (const index of [0, 1, 2])
      for (const field of ['email', 'attributes', 'raw'])
        expect(paths).toContain(`twilioConversationUsers.nodes.${index}.${field}`);
    expect(body.errors!.every((error) => error.extensions?.code === 'FORBIDDEN')).toBe(true);
    expect(body.errors![0].extensions?.requires).toBe('the scope users:read:pii');
  });

  it('a users:read:pii token sees them', async () => {
    const { body } = await post(PII, bearer(await token(keyA, { scope: ['users:read', 'users:read:pii'] })));
    expect(body.errors).toBeUndefined();
    const nodes = (body.data!.twilioConversationUsers as { nodes: Record<string, unknown>[] }).nodes;
    expect(nodes.every((node) => node.raw !== null)).toBe(true);
  });

  it.each<[string, string, string[]]>([
    // scope claim, query, the root fields answered (the others FORBIDDEN)
    ['', '{ users(first: 2) { totalCount } providers { provider } sources { name } }', []],
    ['users:read', '{ users(first: 2) { totalCount } providers { provider } sources { name } }', ['users']],
    [
      'rollcall:admin',
      '{ users(first: 2) { totalCount } providers { provider } sources { name } }',
      ['providers', 'sources'],
    ],
    [
      'users:read users:read:pii rollcall:admin',
      '{ users(first: 2) { totalCount } providers { provider } sources { name } }',
      ['users', 'providers', 'sources'],
    ],
  ])('scope "%s" on every root field', async (scope, query, answered) => {
    const { body } = await post(query, bearer(await token(keyA, { scope })));
    for (const field of ['users', 'providers', 'sources']) {
      if (answered.includes(field)) expect(body.data![field]).not.toBeNull();
      else {
        expect(body.data![field]).toBeNull();
        expect(body.errors!.find((error) => error.path?.[0] === field)?.extensions?.code).toBe('FORBIDDEN');
      }
    }
  });

  it('a query made only of fields the caller may not see costs zero upstream calls', async () => {
    const { body } = await post(
      `{
        twilioConversationUsers(first: 5) { nodes { email raw attributes } }
        users(first: 5) { nodes { email __typename } }
        node(id: "anything") { ... on TwilioConversationUser { raw } }
      }`,
      bearer(await token(keyA, { scope: 'users:read' })),
    );
    expect(body.data).toEqual({ twilioConversationUsers: null, users: null, node: null });
    expect(body.errors!.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['twilioConversationUsers'], 'FORBIDDEN'],
      [['users'], 'FORBIDDEN'],
      [['node'], 'FORBIDDEN'],
    ]);
    // Federation's _entities is non-null: refused, it nulls the whole answer, still before any call.
    const entities = await post(
      `{ _entities(representations: [{ __typename: "TwilioConversationUser", sid: "US00000000000000000000000000000001" }]) { ...F } }
      fragment F on CometChatUser { metadata }`,
      bearer(await token(keyA, { scope: 'users:read' })),
    );
    expect(entities.body.data).toBeNull();
    expect(entities.body.errors!.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['_entities'], 'FORBIDDEN'],
    ]);
    for (const source of h.emulators.sources) expect(source.emulator.server.calls).toHaveLength(0);
  });

  it('never serves one caller an answer cached for a caller with more scopes, and marks answers private', async () => {
    const query = '{ twilioConversationUsers(first: 2) { nodes { sid email raw } } }';
    const full = await post(query, bearer(await token(keyA, { scope: 'users:read users:read:pii' })));
    expect(full.body.errors).toBeUndefined();
    expect(full.headers.get('cache-control')).toMatch(/^max-age=\d+, private$/);
    const narrow = await post(query, bearer(await token(keyA, { scope: 'users:read' })));
    const nodes = (narrow.body.data!.twilioConversationUsers as { nodes: Record<string, unknown>[] }).nodes;
    expect(nodes.every((node) => node.raw === null)).toBe(true);
    // The same scopes again: the whole answer is reused (no upstream call).
    twilio.resetCalls();
    const again = await post(query, bearer(await token(keyA, { scope: 'users:read:pii users:read' })));
    expect(again.body).toEqual(full.body);
    expect(twilio.calls).toHaveLength(0);
  });
});

describe('ROLLCALL_AUTH=router', () => {
  let router: Harness;
  beforeAll(async () => {
    const { port } = jwks.address() as AddressInfo;
    router = await startHarness({
      providers: [],
      env: {
        ROLLCALL_AUTH: 'router',
        ROLLCALL_ROUTER_SECRET: ROUTER_SECRET,
        ROLLCALL_ROUTER_HMAC_SECRET: HMAC_SECRET,
        ROLLCALL_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        ROLLCALL_JWT_ISSUER: ISSUER,
        ROLLCALL_JWT_AUDIENCE: AUDIENCE,
      },
    });
  });
  afterAll(() => router.stop());

  const QUERY = 'query Q($n:Int){users(first:$n){totalCount}}';
  async function send(headers: Record<string, string>, params: Record<string, unknown>) {
    const response = await fetch(`${router.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(params),
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        data?: Record<string, unknown>;
        errors?: { extensions?: Record<string, unknown> }[];
      },
    };
  }

  it.each<[string, Record<string, string>]>([
    ['no secret', {}],
    ['a wrong secret', { 'x-rollcall-router-secret': 'x'.repeat(40) }],
  ])('answers 401 to a request with %s', async (_name, headers) => {
    const { status, body } = await send(headers, { query: QUERY, variables: { n: 1 } });
    expect(status).toBe(401);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("serves the router, with the forwarded token's scopes (anonymous without one)", async () => {
    const headers = { 'x-rollcall-router-secret': ROUTER_SECRET };
    const anonymous = await send(headers, { query: QUERY, variables: { n: 1 } });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const user = await send(
      { ...headers, ...bearer(await token(keyA)) },
      { query: QUERY, variables: { n: 1 } },
    );
    expect(user.body).toEqual({ data: { users: { totalCount: 0 } } });
  });

  it("computes the HMAC signature exactly as Hive Gateway's own package does", async () => {
    const log = { child: () => log, debug() {}, info() {}, warn() {}, error() {} };
    for (const variables of [{ n: 1, filter: { b: [1, { y: 2, x: 1 }], a: 'é' } }, {}, undefined]) {
      const plugin = useHmacUpstreamSignature({ secret: HMAC_SECRET });
      plugin.onYogaInit?.({
        yoga: { fetchAPI: { crypto: globalThis.crypto, TextEncoder, btoa: globalThis.btoa } },
      } as never);
      const executionRequest: {
        document: ReturnType<typeof parse>;
        variables?: unknown;
        extensions?: Record<string, unknown>;
      } = {
        document: parse(QUERY),
        ...(variables ? { variables } : {}),
      };
      await plugin.onSubgraphExecute?.({ subgraphName: 'rollcall', executionRequest, log } as never);
      expect(executionRequest.extensions?.['hmac-signature']).toBe(
        hmacSignature(HMAC_SECRET, { query: QUERY, variables }),
      );
    }
  });

  it('accepts a request Hive signed, and refuses one missing the signature or whose variables were changed', async () => {
    const signed = {
      query: QUERY,
      variables: { n: 1 },
      extensions: { 'hmac-signature': hmacSignature(HMAC_SECRET, { query: QUERY, variables: { n: 1 } }) },
    };
    expect(
      (
        await send(
          {},
          {
            ...signed,
            extensions: {
              ...signed.extensions,
              jwt: {
                payload: { scope: 'users:read' },
                token: { value: await token(keyA), prefix: 'Bearer' },
              },
            },
          },
        )
      ).body,
    ).toEqual({ data: { users: { totalCount: 0 } } });
    expect((await send({}, { query: QUERY, variables: { n: 1 } })).status).toBe(401);
    expect((await send({}, { ...signed, variables: { n: 2 } })).status).toBe(401);
  });

  it('does not trust claims forwarded without their token (the signature does not cover extensions)', async () => {
    const signed = {
      query: QUERY,
      variables: { n: 1 },
      extensions: {
        'hmac-signature': hmacSignature(HMAC_SECRET, { query: QUERY, variables: { n: 1 } }),
        jwt: { payload: { sub: 'x', scope: 'users:read' } },
      },
    };
    expect((await send({}, signed)).status).toBe(401);
  });
});

describe('tokens stay secret', () => {
  it('no token, good or bad, nor a router secret appears in any log line, error or metric', async () => {
    const { logger, lines } = memoryLogger('trace');
    const { port } = jwks.address() as AddressInfo;
    const replica = await startReplica(
      h.emulators,
      {
        ROLLCALL_AUTH: 'jwt',
        ROLLCALL_JWT_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        ROLLCALL_JWT_ISSUER: ISSUER,
        ROLLCALL_JWT_AUDIENCE: AUDIENCE,
        LOG_LEVEL: 'trace',
      },
      logger,
    );
    try {
      const good = await token(keyA, { scope: 'users:read' });
      const expired = await token(keyA, undefined, (jwt) =>
        jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 120),
      );
      const answers: string[] = [];
      for (const value of [good, expired, `${good}x`, 'not-a-token']) {
        const response = await fetch(`${replica.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${value}` },
          body: JSON.stringify({ query: '{ twilioConversationUsers(first: 1) { nodes { sid email } } }' }),
        });
        answers.push(await response.text());
      }
      const everything = [...lines, ...answers, await replica.metrics()].join('\n');
      // The signature part is what makes a token usable; the payload alone is claims anyone can read.
      for (const value of [good, expired]) expect(everything).not.toContain(value.split('.')[2]);
      expect(everything).not.toContain('not-a-token');
      expect(lines.some((line) => line.includes('request refused: unauthenticated'))).toBe(true);
    } finally {
      await replica.stop();
    }
  });
});
