import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { exportSPKI, generateKeyPair, importPKCS8, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import {
  VOXIMPLANT_ACD_STATUSES,
  VoximplantEmulator,
  type EmulatedVoximplantGetUsers,
  type StoredVoximplantUser,
} from '../../../src/providers/voximplant/emulator.js';
import type { VoximplantErrorBody } from '../../../src/providers/voximplant/wire.js';

type Params = Record<string, string | number | boolean>;
type Body = EmulatedVoximplantGetUsers & VoximplantErrorBody;

const now = () => Math.floor(Date.now() / 1000);

interface TokenOptions {
  iss?: number | string;
  kid?: string;
  iat?: number;
  exp?: number;
  key?: CryptoKey;
}

/** Signs a service-account token the way the official Node SDK does (iat = now, exp = iat + 64). */
async function signToken(
  emulator: VoximplantEmulator,
  key: CryptoKey,
  options: TokenOptions = {},
): Promise<string> {
  const iat = options.iat ?? now();
  const payload = { iss: options.iss ?? emulator.credentials.account_id } as unknown as JWTPayload;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? emulator.credentials.key_id })
    .setIssuedAt(iat)
    .setExpirationTime(options.exp ?? iat + 64)
    .sign(options.key ?? key);
}

function toForm(params: Params): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(params)) form.append(k, String(v));
  return form;
}

const ids = (users: StoredVoximplantUser[]) => users.map((u) => u.user_id);

describe('VoximplantEmulator', () => {
  let emulator: VoximplantEmulator;
  let privateKey: CryptoKey;

  /** POST /platform_api, multipart, `cmd` in the body: exactly what the Node SDK sends. */
  async function call(params: Params, authorization?: string | null): Promise<Body> {
    const auth =
      authorization === undefined ? `Bearer ${await signToken(emulator, privateKey)}` : authorization;
    const res = await fetch(`${emulator.baseUrl}/platform_api`, {
      method: 'POST',
      headers: auth === null ? {} : { authorization: auth },
      body: toForm({ cmd: 'GetUsers', ...params }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Body;
  }
  const getUsers = (params: Params) => call({ application_id: 10001, ...params });
  const errorCode = async (params: Params, authorization?: string | null) =>
    (await call(params, authorization)).error?.code;

  /** Every matching user, by walking pages. */
  async function walk(params: Params, count: number): Promise<StoredVoximplantUser[]> {
    const out: StoredVoximplantUser[] = [];
    for (let offset = 0; ; offset += count) {
      const body = await getUsers({ ...params, count, offset });
      expect(body.error).toBeUndefined();
      expect(body.count).toBe(body.result.length);
      out.push(...body.result);
      if (offset + body.count >= body.total_count) {
        expect(out).toHaveLength(body.total_count);
        return out;
      }
      expect(body.count).toBe(count);
    }
  }

  /** The users of application 10001 in the default order (user_name, ascending). */
  let app1: StoredVoximplantUser[];

  beforeAll(async () => {
    emulator = await VoximplantEmulator.create();
    await emulator.start();
    privateKey = (await importPKCS8(emulator.credentials.private_key, 'RS256')) as CryptoKey;
    app1 = emulator.users
      .filter((u) => u.applications?.some((a) => a.application_id === 10001))
      .sort((a, b) =>
        a.user_name < b.user_name ? -1 : a.user_name > b.user_name ? 1 : a.user_id - b.user_id,
      );
  });
  afterAll(() => emulator.stop());

  describe('seeded data and credentials', () => {
    it('has at least 60 users across three applications with every ACD status represented', () => {
      expect(emulator.users.length).toBeGreaterThanOrEqual(60);
      expect(new Set(ids(emulator.users)).size).toBe(emulator.users.length);
      expect(emulator.applications).toHaveLength(3);
      for (const app of emulator.applications) {
        expect(
          emulator.users.some((u) => u.applications?.some((a) => a.application_id === app.application_id)),
        ).toBe(true);
      }
      expect(new Set(emulator.users.map((u) => u.acd_status))).toEqual(new Set(VOXIMPLANT_ACD_STATUSES));
      for (const u of emulator.users) {
        expect(u.created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        expect(u.modified).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        for (const n of [u.balance, u.fixed_balance, u.live_balance ?? 0])
          expect(Math.round(n * 1e4) / 1e4).toBe(n);
      }
      expect(emulator.users.some((u) => u.user_custom_data === undefined)).toBe(true);
      expect(emulator.users.some((u) => u.user_custom_data !== undefined)).toBe(true);
    });

    it('produces the same users on every run', async () => {
      const other = await VoximplantEmulator.create();
      expect(other.users).toEqual(emulator.users);
    });

    it("serves the seed's jdoe and asmith with the seed's values", async () => {
      const body = await getUsers({ user_name: 'jdoe' });
      expect(body.result[0]).toMatchObject({
        user_id: 101,
        user_name: 'jdoe',
        user_display_name: 'John Doe',
        user_active: true,
        balance: 15.75,
        modified: '2024-04-20 09:15:42',
        frozen: false,
      });
      const alice = (await getUsers({ user_id: 102 })).result;
      expect(alice).toHaveLength(1);
      expect(alice[0]).toMatchObject({ user_name: 'asmith', user_display_name: 'Alice Smith', balance: 8.5 });
      expect(alice[0].modified).toBe('2024-04-19 16:47:10');
    });

    it('exposes credentials.json and demo env pointing at itself', () => {
      const { credentials } = emulator;
      expect(credentials).toEqual({
        account_email: expect.any(String),
        account_id: expect.any(Number),
        key_id: expect.any(String),
        private_key: expect.stringContaining('-----BEGIN PRIVATE KEY-----'),
      });
      const env = emulator.demoEnv();
      expect(JSON.parse(env.VOXIMPLANT_CREDENTIALS_JSON)).toEqual(credentials);
      expect(env.VOXIMPLANT_APPLICATION_ID).toBe('10001');
      expect(env.VOXIMPLANT_BASE_URL).toBe(emulator.baseUrl);
    });
  });

  describe('auth (every failure is HTTP 200 with an error body)', () => {
    it('accepts the lifetimes the official SDKs use (Node 64 s, Python -5/+24 s, Go 30 s)', async () => {
      for (const [iat, exp] of [
        [now(), now() + 64],
        [now() - 5, now() + 24],
        [now(), now() + 30],
        [now(), now() + 3600],
      ]) {
        const token = await signToken(emulator, privateKey, { iat, exp });
        expect(await errorCode({ application_id: 10001 }, `Bearer ${token}`)).toBeUndefined();
      }
    });

    it('tolerates 30 s of clock skew on iat and exp', async () => {
      const slightlyFuture = await signToken(emulator, privateKey, { iat: now() + 20, exp: now() + 80 });
      expect(await errorCode({ application_id: 10001 }, `Bearer ${slightlyFuture}`)).toBeUndefined();
      const justExpired = await signToken(emulator, privateKey, { iat: now() - 80, exp: now() - 20 });
      expect(await errorCode({ application_id: 10001 }, `Bearer ${justExpired}`)).toBeUndefined();
    });

    it('answers 100 without an Authorization header or with a non-Bearer one', async () => {
      expect(await errorCode({ application_id: 10001 }, null)).toBe(100);
      expect(await errorCode({ application_id: 10001 }, 'Basic dXNlcjpwYXNz')).toBe(100);
    });

    it('answers 447 for a malformed token', async () => {
      for (const token of ['not-a-jwt', 'a.b.c', 'abc.def', 'eyJhbGciOiJSUzI1NiJ9.%%%.sig']) {
        expect(await errorCode({ application_id: 10001 }, `Bearer ${token}`)).toBe(447);
      }
    });

    it('answers 100 for a wrong kid, a missing kid or another key', async () => {
      const wrongKid = await signToken(emulator, privateKey, { kid: 'some-other-key' });
      expect(await errorCode({ application_id: 10001 }, `Bearer ${wrongKid}`)).toBe(100);
      const noKid = await new SignJWT({ iss: emulator.credentials.account_id } as unknown as JWTPayload)
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(privateKey);
      expect(await errorCode({ application_id: 10001 }, `Bearer ${noKid}`)).toBe(100);
      const other = await generateKeyPair('RS256');
      const wrongKey = await signToken(emulator, privateKey, { key: other.privateKey });
      expect(await errorCode({ application_id: 10001 }, `Bearer ${wrongKey}`)).toBe(100);
    });

    it('answers 100 for an HS256 token and for a token of another account', async () => {
      const hs = await new SignJWT({ iss: emulator.credentials.account_id } as unknown as JWTPayload)
        .setProtectedHeader({ alg: 'HS256', kid: emulator.credentials.key_id })
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(new TextEncoder().encode('a-shared-secret-of-enough-length!'));
      expect(await errorCode({ application_id: 10001 }, `Bearer ${hs}`)).toBe(100);
      const otherAccount = await signToken(emulator, privateKey, { iss: 42 });
      expect(await errorCode({ application_id: 10001 }, `Bearer ${otherAccount}`)).toBe(100);
    });

    it('answers 454 when exp - iat exceeds 3600 s', async () => {
      const token = await signToken(emulator, privateKey, { iat: now(), exp: now() + 3601 });
      expect(await errorCode({ application_id: 10001 }, `Bearer ${token}`)).toBe(454);
    });

    it('answers 455 for a token issued in the future', async () => {
      const token = await signToken(emulator, privateKey, { iat: now() + 300, exp: now() + 360 });
      expect(await errorCode({ application_id: 10001 }, `Bearer ${token}`)).toBe(455);
    });

    it('answers 456 for an expired token', async () => {
      const token = await signToken(emulator, privateKey, { iat: now() - 200, exp: now() - 100 });
      const body = await call({ application_id: 10001 }, `Bearer ${token}`);
      expect(body.error).toEqual({ code: 456, msg: 'The token has expired.' });
      expect(body.result).toBeUndefined();
    });
  });

  describe('request shapes', () => {
    const params = { application_id: 10001, user_active: true, count: 5, order_by: 'user_id' };
    let expected: EmulatedVoximplantGetUsers;
    let auth: string;

    beforeAll(async () => {
      expected = await call(params);
      expect(expected.result).toHaveLength(5);
      auth = `Bearer ${await signToken(emulator, privateKey)}`;
    });

    const send = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(emulator.baseUrl + path, {
        ...init,
        headers: { authorization: auth, ...(init.headers as Record<string, string>) },
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Body;
    };
    const query = (p: Params) =>
      new URLSearchParams(Object.entries(p).map(([k, v]): [string, string] => [k, String(v)])).toString();

    it('Python SDK: POST /platform_api/ urlencoded with cmd and True/False booleans', async () => {
      const body = await send('/platform_api/', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: query({ cmd: 'GetUsers', ...params, user_active: 'True', with_skills: 'False' }),
      });
      expect(body).toEqual(expected);
    });

    it('Go SDK: POST /platform_api/GetUsers multipart without cmd', async () => {
      expect(await send('/platform_api/GetUsers', { method: 'POST', body: toForm(params) })).toEqual(
        expected,
      );
      expect(await send('/platform_api/GetUsers/', { method: 'POST', body: toForm(params) })).toEqual(
        expected,
      );
    });

    it('new docs: POST /platform_api/GetUsers with query parameters and a JSON {} body', async () => {
      const body = await send(`/platform_api/GetUsers?${query(params)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(body).toEqual(expected);
    });

    it('a JSON body carries parameters too', async () => {
      const body = await send('/platform_api/GetUsers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      expect(body).toEqual(expected);
    });

    it('old docs: GET /platform_api/GetUsers/ and GET /platform_api?cmd=GetUsers with a query string', async () => {
      expect(await send(`/platform_api/GetUsers/?${query(params)}`)).toEqual(expected);
      expect(await send(`/platform_api?${query({ cmd: 'GetUsers', ...params })}`)).toEqual(expected);
    });

    it('merges the query string with the body, the body winning', async () => {
      const body = await send('/platform_api?application_id=10001&count=99', {
        method: 'POST',
        body: toForm({ cmd: 'GetUsers', user_active: 'TRUE', count: 5, order_by: 'user_id' }),
      });
      expect(body).toEqual(expected);
    });

    it('answers 102 without a command and 103 for an unknown one', async () => {
      expect(
        (await send('/platform_api', { method: 'POST', body: toForm({ application_id: 1 }) })).error?.code,
      ).toBe(102);
      expect((await send('/platform_api?cmd=GetUserz')).error?.code).toBe(103);
      // AddUser, SetUserInfo and DelUser are served (admin.test.ts); GetAccountInfo is not.
      expect(
        (await send('/platform_api/GetAccountInfo', { method: 'POST', body: toForm({}) })).error?.code,
      ).toBe(103);
    });

    it('answers 404 outside /platform_api', async () => {
      const res = await fetch(`${emulator.baseUrl}/api/GetUsers`, { headers: { authorization: auth } });
      expect(res.status).toBe(404);
    });
  });

  describe('GetUsers parameters', () => {
    it('requires exactly one of application_id and application_name (101)', async () => {
      expect((await call({})).error?.code).toBe(101);
      expect(
        (await call({ application_id: 10001, application_name: 'CustomerSupportApp' })).error?.code,
      ).toBe(101);
    });

    it('application_id keeps the users bound to that application', async () => {
      expect(ids(await walk({}, 1000))).toEqual(ids(app1));
      const app3 = emulator.users.filter((u) => u.applications?.some((a) => a.application_id === 10003));
      const body = await call({ application_id: 10003, order_by: 'user_id', count: 1000 });
      expect(ids(body.result)).toEqual(ids(app3));
      expect(body.total_count).toBe(app3.length);
      expect((await call({ application_id: 99999 })).total_count).toBe(0);
    });

    it('application_name is a case-insensitive partial match', async () => {
      const byName = await call({ application_name: 'CustomerSupportApp', count: 1000 });
      expect(ids(byName.result)).toEqual(ids(app1));
      const everyone = await call({ application_name: 'ROLLCALL-demo', count: 1000 });
      expect(everyone.total_count).toBe(emulator.users.length);
    });

    const filterCases: [string, Params, (u: StoredVoximplantUser) => boolean][] = [
      ['skill_id', { skill_id: 203 }, (u) => u.skills!.some((s) => s.skill_id === 203)],
      ['excluded_skill_id', { excluded_skill_id: 203 }, (u) => !u.skills!.some((s) => s.skill_id === 203)],
      ['acd_queue_id', { acd_queue_id: 301 }, (u) => u.acd_queues!.some((q) => q.acd_queue_id === 301)],
      [
        'excluded_acd_queue_id',
        { excluded_acd_queue_id: 301 },
        (u) => !u.acd_queues!.some((q) => q.acd_queue_id === 301),
      ],
      ['user_name (partial, case-insensitive)', { user_name: 'SMITH' }, (u) => u.user_name.includes('smith')],
      [
        'user_display_name (partial, case-insensitive)',
        { user_display_name: 'ali' },
        (u) => u.user_display_name.toLowerCase().includes('ali'),
      ],
      ['user_active=false', { user_active: false }, (u) => !u.user_active],
      ['user_active=true', { user_active: 'True' }, (u) => u.user_active],
      [
        'acd_status list',
        { acd_status: 'READY;DND' },
        (u) => u.acd_status === 'READY' || u.acd_status === 'DND',
      ],
      ['acd_status single', { acd_status: 'in_service' }, (u) => u.acd_status === 'IN_SERVICE'],
      [
        'several filters together',
        { skill_id: 204, user_active: true, excluded_acd_queue_id: 303 },
        (u) =>
          u.skills!.some((s) => s.skill_id === 204) &&
          u.user_active &&
          !u.acd_queues!.some((q) => q.acd_queue_id === 303),
      ],
    ];
    it.each(filterCases)('%s keeps exactly the matching users', async (_name, params, predicate) => {
      const expected = app1.filter(predicate);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(app1.length);
      const body = await getUsers({ ...params, count: 1000 });
      expect(body.error).toBeUndefined();
      expect(ids(body.result)).toEqual(ids(expected));
      expect(body.total_count).toBe(expected.length);
    });

    it('user_id fetches one user, or none', async () => {
      expect(ids((await getUsers({ user_id: 101 })).result)).toEqual([101]);
      const elsewhere = emulator.users.find((u) => !u.applications?.some((a) => a.application_id === 10001))!;
      expect((await getUsers({ user_id: elsewhere.user_id })).result).toEqual([]);
      expect((await getUsers({ user_id: 999999 })).total_count).toBe(0);
    });

    it('answers 101 for a non-integer user_id, including a ;-separated list', async () => {
      expect((await getUsers({ user_id: 'abc' })).error?.code).toBe(101);
      expect((await getUsers({ user_id: '101;102' })).error?.code).toBe(101);
    });

    it('answers 101 for an unknown acd_status, a bad boolean or a bad order_by', async () => {
      expect((await getUsers({ acd_status: 'READY;SLEEPING' })).error?.code).toBe(101);
      expect((await getUsers({ with_skills: 'yes' })).error?.code).toBe(101);
      expect((await getUsers({ order_by: 'created' })).error?.code).toBe(101);
    });

    it('leaves out skills and acd_queues unless asked, and always includes applications', async () => {
      const plain = (await getUsers({ count: 1000 })).result;
      for (const u of plain) {
        expect(u).not.toHaveProperty('skills');
        expect(u).not.toHaveProperty('acd_queues');
        expect(u.applications!.length).toBeGreaterThan(0);
      }
      const full = (await getUsers({ count: 1000, with_skills: true, with_queues: true })).result;
      const byId = new Map(emulator.users.map((u) => [u.user_id, u]));
      for (const u of full) {
        expect(u.skills).toEqual(byId.get(u.user_id)!.skills);
        expect(u.acd_queues).toEqual(byId.get(u.user_id)!.acd_queues);
      }
    });

    it('showing_skill_id narrows skills to that one skill', async () => {
      const result = (await getUsers({ count: 1000, with_skills: true, showing_skill_id: 205 })).result;
      expect(result.length).toBe(app1.length);
      for (const u of result) for (const s of u.skills!) expect(s.skill_id).toBe(205);
      expect(result.some((u) => u.skills!.length === 1)).toBe(true);
      expect(result.some((u) => u.skills!.length === 0)).toBe(true);
    });

    it('return_live_balance=false sends the fixed balance and no live_balance', async () => {
      const live = (await getUsers({ count: 1000 })).result;
      for (const u of live) expect(u.balance).toBe(u.live_balance);
      expect(live.some((u) => u.live_balance !== u.fixed_balance)).toBe(true);
      const fixed = (await getUsers({ count: 1000, return_live_balance: false })).result;
      for (const u of fixed) {
        expect(u.balance).toBe(u.fixed_balance);
        expect(u).not.toHaveProperty('live_balance');
      }
    });
  });

  describe('paging and order', () => {
    it('returns 20 users by default, ordered by user_name', async () => {
      const body = await getUsers({});
      expect(body.count).toBe(20);
      expect(ids(body.result)).toEqual(ids(app1.slice(0, 20)));
      expect(body.total_count).toBe(app1.length);
    });

    it.each([1, 7, 20, 1000])('walks every user exactly once with count=%i', async (count) => {
      expect(ids(await walk({}, count))).toEqual(ids(app1));
    });

    it.each([
      ['user_id', (a: StoredVoximplantUser, b: StoredVoximplantUser) => a.user_id - b.user_id],
      [
        'user_display_name',
        (a: StoredVoximplantUser, b: StoredVoximplantUser) =>
          a.user_display_name.toLowerCase() < b.user_display_name.toLowerCase()
            ? -1
            : a.user_display_name.toLowerCase() > b.user_display_name.toLowerCase()
              ? 1
              : a.user_id - b.user_id,
      ],
    ])('order_by=%s sorts ascending, and paging keeps it', async (orderBy, compare) => {
      const expected = [...app1].sort(compare);
      expect(ids(await walk({ order_by: orderBy }, 9))).toEqual(ids(expected));
    });

    it('answers an offset past the end with an empty result and the total', async () => {
      const body = await getUsers({ offset: 5000 });
      expect(body).toEqual({ result: [], total_count: app1.length, count: 0 });
    });

    it('answers 101 for count above 1000 or negative, and for a negative offset', async () => {
      expect((await getUsers({ count: 1001 })).error?.code).toBe(101);
      expect((await getUsers({ count: -1 })).error?.code).toBe(101);
      expect((await getUsers({ offset: -1 })).error?.code).toBe(101);
      expect((await getUsers({ count: 1000 })).error).toBeUndefined();
    });
  });

  describe('call log and faults', () => {
    it('records each call with its body and Authorization header', async () => {
      emulator.resetCalls();
      await getUsers({ count: 3 });
      expect(emulator.calls).toHaveLength(1);
      const [recorded] = emulator.calls;
      expect(recorded).toMatchObject({ method: 'POST', path: '/platform_api', status: 200 });
      expect(recorded.body).toContain('name="cmd"');
      expect(recorded.body).toContain('GetUsers');
      expect(recorded.headers.authorization).toMatch(/^Bearer /);
    });

    it('answers an injected fault, then serves normally', async () => {
      emulator.reset();
      emulator.injectFault({ status: 502, body: '<html>Bad Gateway</html>', times: 1 });
      const res = await fetch(`${emulator.baseUrl}/platform_api/GetUsers?application_id=10001`, {
        headers: { authorization: `Bearer ${await signToken(emulator, privateKey)}` },
      });
      expect(res.status).toBe(502);
      expect(await res.text()).toBe('<html>Bad Gateway</html>');
      expect((await getUsers({})).result).toHaveLength(20);
      expect(emulator.calls.map((c) => c.status)).toEqual([502, 200]);
    });
  });
});

describe('VoximplantEmulator options', () => {
  it('answers 340 with HTTP 200 over the rate limit', async () => {
    const emulator = await VoximplantEmulator.create({ rateLimit: { perMinute: 2 } });
    await emulator.start();
    try {
      const key = (await importPKCS8(emulator.credentials.private_key, 'RS256')) as CryptoKey;
      const send = async () => {
        const res = await fetch(`${emulator.baseUrl}/platform_api/GetUsers?application_id=10001&count=1`, {
          headers: { authorization: `Bearer ${await signToken(emulator, key)}` },
        });
        expect(res.status).toBe(200);
        return (await res.json()) as Body;
      };
      expect((await send()).error).toBeUndefined();
      expect((await send()).error).toBeUndefined();
      const limited = await send();
      expect(limited.error?.code).toBe(340);
      expect(limited.error?.msg).toMatch(/rate limit/i);
    } finally {
      await emulator.stop();
    }
  });

  it('reuses a given private key and identity', async () => {
    const first = await VoximplantEmulator.create();
    const emulator = await VoximplantEmulator.create({
      privateKey: first.credentials.private_key,
      accountId: 555,
      keyId: 'kid-555',
      accountEmail: 'ops@example.com',
    });
    expect(emulator.credentials).toEqual({
      account_id: 555,
      key_id: 'kid-555',
      account_email: 'ops@example.com',
      private_key: first.credentials.private_key,
    });
    await emulator.start();
    try {
      const key = (await importPKCS8(emulator.credentials.private_key, 'RS256')) as CryptoKey;
      const token = await signToken(emulator, key);
      const res = await fetch(`${emulator.baseUrl}/platform_api/GetUsers?application_id=10001&count=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await res.json()) as Body).result).toHaveLength(1);
    } finally {
      await emulator.stop();
    }
  });

  it('verifies against a given public key, and then has no credentials to hand out', async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const emulator = await VoximplantEmulator.create({
      publicKey: await exportSPKI(pair.publicKey),
      keyId: 'k',
    });
    await emulator.start();
    try {
      const token = await signToken(emulator, pair.privateKey);
      const res = await fetch(`${emulator.baseUrl}/platform_api/GetUsers?application_id=10001&count=2`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(((await res.json()) as Body).count).toBe(2);
      expect(() => emulator.demoEnv()).toThrow(/only a public key/);
    } finally {
      await emulator.stop();
    }
  });

  it('accepts both application filters together (AND) and clamps count when configured', async () => {
    const emulator = await VoximplantEmulator.create({
      applicationFilter: 'atLeastOne',
      countAboveMax: 'clamp',
    });
    await emulator.start();
    try {
      const key = (await importPKCS8(emulator.credentials.private_key, 'RS256')) as CryptoKey;
      const send = async (q: string) => {
        const res = await fetch(`${emulator.baseUrl}/platform_api/GetUsers?${q}`, {
          headers: { authorization: `Bearer ${await signToken(emulator, key)}` },
        });
        return (await res.json()) as Body;
      };
      // The docs' own example sends both.
      const both = await send('application_id=10001&application_name=CustomerSupportApp&count=2');
      expect(both.count).toBe(2);
      expect((await send('application_id=10003&application_name=CustomerSupportApp')).total_count).toBe(0);
      const clamped = await send('application_name=rollcall&count=5000');
      expect(clamped.count).toBe(emulator.users.length);
    } finally {
      await emulator.stop();
    }
  });
});
