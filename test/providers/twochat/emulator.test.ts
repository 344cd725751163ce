import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { TWOCHAT_DEMO_API_KEY, TwoChatEmulator } from '../../../src/providers/twochat/emulator.js';
import type {
  TwoChatErrorBody,
  TwoChatInfoResponse,
  TwoChatListResponse,
} from '../../../src/providers/twochat/wire.js';

const KEY_HEADER = { 'X-User-API-Key': TWOCHAT_DEMO_API_KEY };

async function get(
  emulator: TwoChatEmulator,
  path: string,
  headers: Record<string, string> = KEY_HEADER,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${emulator.baseUrl}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe('2Chat emulator', () => {
  const emulator = new TwoChatEmulator();
  beforeAll(() => emulator.start());
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.reset());

  describe('data set', () => {
    it('is deterministic across instances', () => {
      expect(new TwoChatEmulator().users).toEqual(emulator.users);
    });

    it('holds every status, at least 25 ACTIVE users, and the seed users first', () => {
      const statuses = new Set(emulator.users.map((u) => u.status));
      expect([...statuses].sort()).toEqual(['ACTIVE', 'DELETED', 'PENDING', 'SUSPENDED']);
      expect(emulator.users.filter((u) => u.status === 'ACTIVE').length).toBeGreaterThanOrEqual(25);
      expect(emulator.users.slice(0, 2).map((u) => u.uuid)).toEqual([
        'USR4f1c8a73-2e91-4d6b-9c44-1a72bfe0d521',
        'USRb2d7e6c0-5f3a-4811-87ce-c9d208a1f4e2',
      ]);
      expect(new Set(emulator.users.map((u) => u.uuid)).size).toBe(emulator.users.length);
      for (const u of emulator.users)
        expect(u.uuid).toMatch(/^USR-?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });

    it('serves the hyphenated USR- prefix variant on some users', () => {
      expect(emulator.activeUsers().some((u) => u.uuid.startsWith('USR-'))).toBe(true);
    });
  });

  describe('GET /open/users', () => {
    it('lists only ACTIVE users, in the seed wire shape, Ada Lovelace first', async () => {
      const { status, body } = await get(emulator, '/open/users');
      expect(status).toBe(200);
      const { success, data } = body as TwoChatListResponse;
      expect(success).toBe(true);
      expect(data.users[0]).toEqual({
        uuid: 'USR4f1c8a73-2e91-4d6b-9c44-1a72bfe0d521',
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
      });
      const active = emulator.users.filter((u) => u.status === 'ACTIVE').map((u) => u.uuid);
      expect(data.users.map((u) => u.uuid)).toEqual(active);
      expect(data.users.length).toBeGreaterThanOrEqual(25);
      for (const u of data.users)
        expect(Object.keys(u).sort()).toEqual(['email', 'first_name', 'last_name', 'uuid']);
    });

    it('never lists PENDING, SUSPENDED or DELETED users', async () => {
      const { body } = await get(emulator, '/open/users');
      const listed = new Set((body as TwoChatListResponse).data.users.map((u) => u.uuid));
      const hidden = emulator.users.filter((u) => u.status !== 'ACTIVE');
      expect(hidden.length).toBeGreaterThan(0);
      for (const u of hidden) expect(listed.has(u.uuid)).toBe(false);
    });

    it('returns the same order on every call', async () => {
      const first = await get(emulator, '/open/users');
      const second = await get(emulator, '/open/users');
      expect(second.body).toEqual(first.body);
    });

    it('rejects a missing API key with 401 and both error fields', async () => {
      const { status, body } = await get(emulator, '/open/users', {});
      expect(status).toBe(401);
      expect(body).toEqual({
        success: false,
        error: true,
        error_message: 'Invalid API key',
        message: 'Invalid API key',
      });
    });

    it('rejects a wrong API key with 401', async () => {
      const { status } = await get(emulator, '/open/users', { 'X-User-API-Key': 'nope' });
      expect(status).toBe(401);
    });

    it('does not accept the key as a Bearer token', async () => {
      const { status } = await get(emulator, '/open/users', {
        Authorization: `Bearer ${TWOCHAT_DEMO_API_KEY}`,
      });
      expect(status).toBe(401);
    });

    it('answers unknown paths, including a single-user path, with 404 in the 2Chat error shape', async () => {
      for (const path of ['/open/nope', `/open/users/${emulator.users[0].uuid}`, '/users']) {
        const { status, body } = await get(emulator, path);
        expect(status).toBe(404);
        expect(body).toMatchObject({ success: false, error: true });
      }
    });

    it('answers other methods with 406 (unsupported operation)', async () => {
      const res = await fetch(`${emulator.baseUrl}/open/users`, { method: 'POST', headers: KEY_HEADER });
      expect(res.status).toBe(406);
    });
  });

  describe('account states', () => {
    it('answers 402 with an explanation when payment is required', async () => {
      const broke = new TwoChatEmulator({ paymentRequired: true });
      await broke.start();
      try {
        const { status, body } = await get(broke, '/open/users');
        expect(status).toBe(402);
        const error = body as TwoChatErrorBody;
        expect(error).toMatchObject({ success: false, error: true });
        expect(error.error_message).toMatch(/trial has expired|out of API credits/);
        expect(error.message).toBe(error.error_message);
      } finally {
        await broke.stop();
      }
    });

    it('can answer HTTP 200 with success:false', async () => {
      emulator.okFalseBody = true;
      try {
        const { status, body } = await get(emulator, '/open/users');
        expect(status).toBe(200);
        expect(body).toMatchObject({ success: false, error: true, error_message: expect.any(String) });
        expect((body as Record<string, unknown>).data).toBeUndefined();
      } finally {
        emulator.okFalseBody = false;
      }
    });

    it('can send only error_message, as the seed shows', async () => {
      const seedShaped = new TwoChatEmulator({ errorFields: 'error_message' });
      await seedShaped.start();
      try {
        const { body } = await get(seedShaped, '/open/users', {});
        expect(body).toEqual({ success: false, error: true, error_message: 'Invalid API key' });
      } finally {
        await seedShaped.stop();
      }
    });

    it('can give some ACTIVE users null names and emails', async () => {
      const sparse = new TwoChatEmulator({ nullableFields: true });
      await sparse.start();
      try {
        const { body } = await get(sparse, '/open/users');
        const users = (body as TwoChatListResponse).data.users;
        expect(users.some((u) => u.first_name === null)).toBe(true);
        expect(users.some((u) => u.last_name === null)).toBe(true);
        expect(users.some((u) => u.email === null)).toBe(true);
      } finally {
        await sparse.stop();
      }
    });
  });

  describe('GET /open/info', () => {
    it('reports limits and the credits used so far', async () => {
      await get(emulator, '/open/users');
      const { status, body } = await get(emulator, '/open/info');
      expect(status).toBe(200);
      const info = body as TwoChatInfoResponse;
      expect(info.success).toBe(true);
      expect(info.limits.requests_per_minute).toEqual(expect.any(Number));
      expect(info.usage).toEqual({ api_request_count: 2, max_api_request_count: 10_000 });
    });

    it('requires the API key', async () => {
      expect((await get(emulator, '/open/info', {})).status).toBe(401);
    });
  });

  describe('rate limiting', () => {
    it('is off by default', async () => {
      const results = await Promise.all(Array.from({ length: 40 }, () => get(emulator, '/open/users')));
      expect(results.every((r) => r.status === 200)).toBe(true);
    });

    it('answers the 31st call in a minute with 429, Retry-After and the 2Chat error body', async () => {
      const limited = new TwoChatEmulator({ rateLimit: true });
      await limited.start();
      try {
        for (let i = 0; i < 30; i++) expect((await get(limited, '/open/users')).status).toBe(200);
        const { status, headers, body } = await get(limited, '/open/users');
        expect(status).toBe(429);
        expect(body).toEqual({
          success: false,
          error: true,
          error_message: 'Too many requests',
          message: 'Too many requests',
        });
        const retryAfter = Number(headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        const info = await get(limited, '/open/info');
        expect(info.status).toBe(429);
      } finally {
        await limited.stop();
      }
    });

    it('takes a custom per-minute limit and reports it in /open/info', async () => {
      const limited = new TwoChatEmulator({ rateLimit: { perMinute: 3 }, retryAfterHeader: false });
      await limited.start();
      try {
        const info = await get(limited, '/open/info');
        expect((info.body as TwoChatInfoResponse).limits.requests_per_minute).toBe(3);
        await get(limited, '/open/users');
        await get(limited, '/open/users');
        const blocked = await get(limited, '/open/users');
        expect(blocked.status).toBe(429);
        expect(blocked.headers.get('retry-after')).toBeNull();
        limited.reset();
        expect((await get(limited, '/open/users')).status).toBe(200);
      } finally {
        await limited.stop();
      }
    });
  });

  describe('shared emulator machinery', () => {
    it('records each call with its path, header and status', async () => {
      await get(emulator, '/open/users');
      await get(emulator, '/open/users', {});
      expect(emulator.calls.map((c) => [c.method, c.path, c.status])).toEqual([
        ['GET', '/open/users', 200],
        ['GET', '/open/users', 401],
      ]);
      expect(emulator.calls[0].headers['x-user-api-key']).toBe(TWOCHAT_DEMO_API_KEY);
    });

    it('injects a fault for the requested number of calls', async () => {
      emulator.injectFault({
        status: 500,
        body: { success: false, error: true, error_message: 'boom' },
        times: 1,
      });
      const failed = await get(emulator, '/open/users');
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ success: false, error: true, error_message: 'boom' });
      expect((await get(emulator, '/open/users')).status).toBe(200);
    });

    it('points rollcall at itself through demoEnv', () => {
      expect(emulator.demoEnv()).toEqual({
        TWOCHAT_API_KEY: TWOCHAT_DEMO_API_KEY,
        TWOCHAT_BASE_URL: emulator.baseUrl,
      });
    });
  });
});
