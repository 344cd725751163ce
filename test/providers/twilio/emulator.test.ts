/**
 * The Twilio emulator against Twilio's official OpenAPI extract (test/fixtures/, with its source): its list and fetch
 * responses, and the query parameters rollcall sends, must validate against the real contract.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TwilioEmulator } from '../../../src/providers/twilio/emulator.js';
import { twilioProvider } from '../../../src/providers/twilio/index.js';
import { startHarness } from '../../support/harness.js';

const SPEC_PATH = fileURLToPath(
  new URL('../../fixtures/twilio_conversations_v1_users.json', import.meta.url),
);

interface OpenApiOperation {
  parameters: { name: string; in: string; schema: Record<string, unknown> }[];
  responses: Record<string, { content: { 'application/json': { schema: Record<string, unknown> } } }>;
}
const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8')) as {
  components: { schemas: Record<string, unknown> };
  paths: Record<string, { get: OpenApiOperation }>;
};

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('int64', true);
ajv.addFormat('uri-map', true);
ajv.addSchema({ components: spec.components }, 'spec');
const rewriteRefs = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"spec#/components/'));
const responseValidator = (path: string): ValidateFunction =>
  ajv.compile(
    rewriteRefs(spec.paths[path].get.responses['200'].content['application/json'].schema) as object,
  );

let emulator: TwilioEmulator;
const auth = () => ({
  authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
});
const get = async (path: string, headers: Record<string, string> = auth()) => {
  const response = await fetch(`${emulator.baseUrl}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  emulator = new TwilioEmulator({ apiKeySid: 'SK' + 'a'.repeat(32), apiKeySecret: 'key-secret' });
  await emulator.start();
});
afterAll(() => emulator.stop());
beforeEach(() => emulator.reset());

describe('Twilio emulator against the official OpenAPI spec', () => {
  it('serves list pages that validate against ListUserResponse, both default and service-scoped', async () => {
    const validate = responseValidator('/v1/Users');
    const page = await get('/v1/Users?PageSize=50');
    expect(validate(page.body)).toBe(true);
    const next = new URL((page.body.meta as { next_page_url: string }).next_page_url);
    const second = await get(next.pathname + next.search);
    expect(validate(second.body)).toBe(true);
    // The validator does reject what the spec forbids.
    expect(validate({ users: [{ sid: 'not-a-sid' }], meta: {} })).toBe(false);
    const scoped = await get(`/v1/Services/${emulator.serviceSid}/Users?PageSize=10`);
    expect(responseValidator('/v1/Services/{ChatServiceSid}/Users')(scoped.body)).toBe(true);
  });

  it('serves single users that validate against the user schema, with presence filled', async () => {
    const validate = responseValidator('/v1/Users/{Sid}');
    const withPresence = emulator.users.find((u) => u.online !== null)!;
    const { status, body } = await get(`/v1/Users/${withPresence.wire.sid}`);
    expect(status).toBe(200);
    expect(validate(body)).toBe(true);
    expect(body.is_online).toBe(withPresence.online);
  });

  it('holds at least 120 users with unique sids, including the two users of the documentation example', () => {
    expect(emulator.users.length).toBeGreaterThanOrEqual(120);
    expect(new Set(emulator.users.map((u) => u.wire.sid)).size).toBe(emulator.users.length);
    expect(
      emulator.users.slice(0, 2).map((u) => [u.wire.identity, u.wire.friendly_name, u.wire.attributes]),
    ).toEqual([
      ['admin', 'name', '{ "duty": "tech" }'],
      ['agent0034', 'John from customs', '{ "duty": "agent" }'],
    ]);
  });
});

describe('Twilio emulator behaviour', () => {
  it('answers 401 with error 20003 without valid Basic credentials', async () => {
    expect(await get('/v1/Users', {})).toEqual({
      status: 401,
      body: {
        code: 20003,
        message: 'Authenticate',
        more_info: 'https://www.twilio.com/docs/errors/20003',
        status: 401,
      },
    });
    const wrong = { authorization: `Basic ${Buffer.from(`${emulator.accountSid}:nope`).toString('base64')}` };
    expect((await get('/v1/Users', wrong)).status).toBe(401);
  });

  it('accepts an API key pair', async () => {
    const key = {
      authorization: `Basic ${Buffer.from(`SK${'a'.repeat(32)}:key-secret`).toString('base64')}`,
    };
    expect((await get('/v1/Users?PageSize=1', key)).status).toBe(200);
  });

  it('pages with next and previous links that point at itself, and lists presence as null', async () => {
    const follow = (url: string) => get(new URL(url).pathname + new URL(url).search);
    const first = await get('/v1/Users?PageSize=50');
    const meta = first.body.meta as Record<string, string | null>;
    expect(meta.previous_page_url).toBeNull();
    expect(meta.next_page_url).toMatch(
      new RegExp(`^${emulator.baseUrl}/v1/Users\\?PageSize=50&Page=1&PageToken=PT`),
    );
    expect((first.body.users as { is_online: unknown }[]).every((u) => u.is_online === null)).toBe(true);
    const second = await follow(meta.next_page_url!);
    const last = await follow((second.body.meta as Record<string, string>).next_page_url);
    const lastMeta = last.body.meta as Record<string, string | null>;
    expect(lastMeta.page).toBe(2);
    expect(lastMeta.next_page_url).toBeNull();
    expect((last.body.users as unknown[]).length).toBe(emulator.users.length - 100);
    const back = await follow(lastMeta.previous_page_url!);
    expect(back.body.users).toEqual(second.body.users);
  });

  it.each(['0', '51', 'ten', '-1'])('rejects PageSize=%s with 400', async (size) => {
    const { status, body } = await get(`/v1/Users?PageSize=${size}`);
    expect(status).toBe(400);
    expect(body.code).toBe(20001);
  });

  it('clamps PageSize above 50 when configured to', async () => {
    const clamping = new TwilioEmulator({ pageSizeOverMax: 'clamp' });
    await clamping.start();
    try {
      const response = await fetch(`${clamping.baseUrl}/v1/Users?PageSize=1000`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${clamping.accountSid}:${clamping.authToken}`).toString('base64')}`,
        },
      });
      expect(((await response.json()) as { users: unknown[] }).users).toHaveLength(50);
    } finally {
      await clamping.stop();
    }
  });

  it('answers 400 with error 21481 for an invalid PageToken', async () => {
    expect(await get('/v1/Users?PageToken=garbage')).toMatchObject({
      status: 400,
      body: { code: 21481, message: 'Invalid PageToken' },
    });
  });

  it('fetches by identity as well as by sid, and 404s with 20404 for an unknown user', async () => {
    const user = emulator.users[3].wire;
    expect((await get(`/v1/Users/${encodeURIComponent(user.identity)}`)).body.sid).toBe(user.sid);
    expect(await get('/v1/Users/USffffffffffffffffffffffffffffffff')).toMatchObject({
      status: 404,
      body: { code: 20404 },
    });
  });

  it('records every call, and injects faults, latency and resets', async () => {
    emulator.injectFault({ status: 503, body: { code: 20503, message: 'down', status: 503 }, times: 1 });
    expect((await get('/v1/Users')).status).toBe(503);
    expect((await get('/v1/Users?PageSize=2')).status).toBe(200);
    expect(emulator.calls.map((c) => [c.path, c.query, c.status])).toEqual([
      ['/v1/Users', {}, 503],
      ['/v1/Users', { PageSize: '2' }, 200],
    ]);
    emulator.injectFault({ reset: true, times: 1 });
    await expect(fetch(`${emulator.baseUrl}/v1/Users`, { headers: auth() })).rejects.toThrow();
  });
});

describe('the parameters rollcall sends', () => {
  it('validate against the spec parameters of every operation it calls', async () => {
    const h = await startHarness({ providers: [twilioProvider] });
    try {
      await h.query(
        '{ a: twilioConversationUsers(first: 100) { edges { cursor } } b: twilioConversationUsers(last: 3) { edges { cursor } } }',
      );
      await h.query('{ twilioConversationUser(sid: "agent0034") { sid } }');
      const calls = h.emulator('TWILIO_CONVERSATIONS').calls;
      expect(calls.length).toBeGreaterThanOrEqual(4);
      for (const call of calls) {
        const operation =
          call.path === '/v1/Users' ? spec.paths['/v1/Users'].get : spec.paths['/v1/Users/{Sid}'].get;
        const allowed = new Map(
          operation.parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema]),
        );
        for (const [name, value] of Object.entries(call.query)) {
          const schema = allowed.get(name);
          expect(schema).toBeDefined();
          const typed = schema!.type === 'integer' ? Number(value) : value;
          expect(ajv.validate(schema!, typed)).toBe(true);
        }
        expect(call.method).toBe('GET');
      }
    } finally {
      await h.stop();
    }
  });
});
