import { describe, it, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import {
  ADA_DEMO_API_KEY,
  ADA_DEMO_WEBHOOK_SECRET,
  ADA_SEED_END_USER_ID,
  AdaEmulator,
  type AdaCursorMode,
  type StoredAdaEndUser,
} from '../../../src/providers/ada/emulator.js';
import type { AdaWireErrorBody, AdaWireListResponse } from '../../../src/providers/ada/wire.js';

const AUTH = { Authorization: `Bearer ${ADA_DEMO_API_KEY}` };

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function get(
  url: string,
  headers: Record<string, string> = AUTH,
  redirect: 'follow' | 'manual' = 'follow',
): Promise<Answer> {
  const res = await fetch(url, { headers, redirect });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Follows next_page_url from the first page until the last, as a client would. */
async function walk(emulator: AdaEmulator, limit: number): Promise<{ ids: string[]; pages: number }> {
  let url: string | null = `${emulator.baseUrl}/api/v2/end-users/?limit=${limit}`;
  const ids: string[] = [];
  let pages = 0;
  while (url) {
    const { status, body } = await get(url);
    expect(status).toBe(200);
    const page = body as AdaWireListResponse;
    pages += 1;
    expect(page.data!.length).toBeLessThanOrEqual(limit);
    ids.push(...page.data!.map((u) => u.end_user_id));
    url = page.meta?.next_page_url ?? null;
  }
  return { ids, pages };
}

function expectError(answer: Answer, status: number, type: string): void {
  expect(answer.status).toBe(status);
  const { errors } = answer.body as AdaWireErrorBody;
  expect(errors).toHaveLength(1);
  expect(Object.keys(errors[0]).sort()).toEqual(['details', 'message', 'type']);
  expect(errors[0].type).toBe(type);
  expect(errors[0].message).toEqual(expect.any(String));
  expect(errors[0].details === null || typeof errors[0].details === 'string').toBe(true);
}

describe('Ada emulator', () => {
  const emulator = new AdaEmulator();
  let list: string;
  beforeAll(async () => {
    await emulator.start();
    list = `${emulator.baseUrl}/api/v2/end-users/`;
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    emulator.reset();
    emulator.cursorMode = 'inclusive';
    emulator.lastPage = 'null-url';
  });

  describe('data set', () => {
    const users = emulator.users;

    it('is deterministic across instances', () => {
      expect(new AdaEmulator().users).toEqual(users);
    });

    it('holds at least 230 users with strictly increasing 24-hex ids', () => {
      expect(users.length).toBeGreaterThanOrEqual(230);
      for (const u of users) expect(u.end_user_id).toMatch(/^[0-9a-f]{24}$/);
      for (let i = 1; i < users.length; i++)
        expect(users[i - 1].end_user_id < users[i].end_user_id).toBe(true);
    });

    it("includes the seed's Ada Lovelace verbatim", () => {
      const ada = users.find((u) => u.end_user_id === ADA_SEED_END_USER_ID);
      expect(ada).toEqual({
        end_user_id: '5f7e0e2c1e7c7e000f0f9c3a',
        profile: {
          first_name: 'Ada',
          last_name: 'Lovelace',
          display_name: 'Ada Lovelace',
          avatar: 'https://example.com/avatars/ada.png',
          email: 'ada.lovelace@ada.cx',
          language: 'en-US',
          metadata: { example_key1: 'example_string_value', example_key2: true, example_key3: 123 },
          system_properties: { sunshine_user_id: '5f7e0e2c1e7c7e000f0f9c3a' },
        },
        created_at: '2020-09-20T00:00:00+00:00',
        updated_at: '2020-09-20T00:00:00+00:00',
      });
    });

    it('has varied profiles: nulls, missing and null external ids, every metadata kind, both timestamp formats', () => {
      const profiles = users.map((u) => u.profile);
      for (const field of [
        'first_name',
        'last_name',
        'display_name',
        'avatar',
        'email',
        'language',
      ] as const) {
        expect(profiles.some((p) => p[field] === null)).toBe(true);
        expect(profiles.some((p) => typeof p[field] === 'string')).toBe(true);
      }
      expect(users.some((u) => u.external_id === null)).toBe(true);
      expect(users.some((u) => !('external_id' in u))).toBe(true);
      expect(users.some((u) => typeof u.external_id === 'string')).toBe(true);
      for (const u of users)
        if (typeof u.external_id === 'string') expect(u.external_id.length).toBeLessThanOrEqual(36);
      const kinds = new Set(profiles.flatMap((p) => Object.values(p.metadata).map((v) => typeof v)));
      expect([...kinds].sort()).toEqual(['boolean', 'number', 'string']);
      for (const p of profiles)
        for (const v of Object.values(p.metadata))
          if (typeof v === 'number') expect(Number.isInteger(v)).toBe(true);
      for (const p of profiles)
        if (p.language) expect(p.language).toMatch(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/);
      expect(users.some((u) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/.test(u.created_at))).toBe(true);
      expect(users.some((u) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/.test(u.created_at))).toBe(true);
      expect(profiles.some((p) => p.system_properties.sunshine_user_id === null)).toBe(true);
    });
  });

  describe('authentication', () => {
    it('rejects a missing Authorization header with 401 unauthorized', async () => {
      expectError(await get(list, {}), 401, 'unauthorized');
    });

    it('rejects a wrong key with 401', async () => {
      expectError(await get(list, { Authorization: 'Bearer wrong' }), 401, 'unauthorized');
    });

    it('rejects the right key under another scheme', async () => {
      expectError(await get(list, { Authorization: `Basic ${ADA_DEMO_API_KEY}` }), 401, 'unauthorized');
    });

    it('guards the single-user endpoint too', async () => {
      expectError(await get(`${list}${ADA_SEED_END_USER_ID}`, {}), 401, 'unauthorized');
    });
  });

  describe('GET /api/v2/end-users/', () => {
    it('returns the first 100 users by default with a next_page_url back to the emulator', async () => {
      const { status, body } = await get(list);
      expect(status).toBe(200);
      const page = body as AdaWireListResponse;
      expect(page.data).toEqual(emulator.users.slice(0, 100));
      expect(page.meta).toEqual({
        next_page_url: `${emulator.baseUrl}/api/v2/end-users/?cursor=${emulator.users[100].end_user_id}&limit=100`,
      });
    });

    it.each([1, 7, 100])(
      'pages through every user exactly once, in order, with limit %i (inclusive cursor)',
      async (limit) => {
        const { ids, pages } = await walk(emulator, limit);
        expect(ids).toEqual(emulator.users.map((u) => u.end_user_id));
        expect(pages).toBe(Math.ceil(emulator.users.length / limit));
      },
    );

    it.each([1, 7, 100])(
      'pages through every user exactly once, in order, with limit %i (exclusive cursor)',
      async (limit) => {
        emulator.cursorMode = 'exclusive';
        const { ids } = await walk(emulator, limit);
        expect(ids).toEqual(emulator.users.map((u) => u.end_user_id));
      },
    );

    it.each<[AdaCursorMode, number]>([
      ['inclusive', 10],
      ['exclusive', 9],
    ])('next cursor in %s mode is the id of users[%i]', async (mode, index) => {
      emulator.cursorMode = mode;
      const { body } = await get(`${list}?limit=10`);
      const next = new URL((body as AdaWireListResponse).meta!.next_page_url!);
      expect(next.searchParams.get('cursor')).toBe(emulator.users[index].end_user_id);
      expect(next.searchParams.get('limit')).toBe('10');
    });

    it('starts at the cursor record in inclusive mode and after it in exclusive mode', async () => {
      const cursor = emulator.users[5].end_user_id;
      const inclusive = (await get(`${list}?cursor=${cursor}&limit=2`)).body as AdaWireListResponse;
      expect(inclusive.data!.map((u) => u.end_user_id)).toEqual([cursor, emulator.users[6].end_user_id]);
      emulator.cursorMode = 'exclusive';
      const exclusive = (await get(`${list}?cursor=${cursor}&limit=2`)).body as AdaWireListResponse;
      expect(exclusive.data!.map((u) => u.end_user_id)).toEqual(
        emulator.users.slice(6, 8).map((u) => u.end_user_id),
      );
    });

    it.each<AdaCursorMode>(['inclusive', 'exclusive'])(
      'treats a cursor that names no user as a keyset position (%s)',
      async (mode) => {
        emulator.cursorMode = mode;
        const gap = (BigInt(`0x${emulator.users[3].end_user_id}`) + 1n).toString(16).padStart(24, '0');
        expect(emulator.users.some((u) => u.end_user_id === gap)).toBe(false);
        const { status, body } = await get(`${list}?cursor=${gap}&limit=1`);
        expect(status).toBe(200);
        expect((body as AdaWireListResponse).data).toEqual([emulator.users[4]]);
        const zero = (await get(`${list}?cursor=${'0'.repeat(24)}&limit=1`)).body as AdaWireListResponse;
        expect(zero.data).toEqual([emulator.users[0]]);
      },
    );

    it('accepts an upper-case cursor', async () => {
      const cursor = emulator.users[9].end_user_id;
      const { body } = await get(`${list}?cursor=${cursor.toUpperCase()}&limit=1`);
      expect((body as AdaWireListResponse).data).toEqual([emulator.users[9]]);
    });

    it('answers an empty last page for a cursor past the end', async () => {
      const { status, body } = await get(`${list}?cursor=${'f'.repeat(24)}`);
      expect(status).toBe(200);
      expect(body).toEqual({ data: [], meta: { next_page_url: null } });
    });

    it.each([
      ['null-url', { next_page_url: null }],
      ['null-meta', null],
      ['no-meta', undefined],
    ] as const)('marks the last page in %s mode', async (mode, meta) => {
      emulator.lastPage = mode;
      const last = emulator.users[emulator.users.length - 3].end_user_id;
      const { body } = await get(`${list}?cursor=${last}&limit=5`);
      const page = body as AdaWireListResponse;
      expect(page.data).toHaveLength(3);
      expect(page.meta).toEqual(meta);
      expect('meta' in page).toBe(mode !== 'no-meta');
    });

    it.each(['0', '101', '-1', '2.5', 'ten', ''])('rejects limit=%s with 400 bad_request', async (limit) => {
      expectError(await get(`${list}?limit=${limit}`), 400, 'bad_request');
    });

    it.each(['1', '100'])('accepts limit=%s', async (limit) => {
      const { status, body } = await get(`${list}?limit=${limit}`);
      expect(status).toBe(200);
      expect((body as AdaWireListResponse).data).toHaveLength(Number(limit));
    });

    it.each(['abc', '5f7e0e2c1e7c7e000f0f9c3', '5f7e0e2c1e7c7e000f0f9c3az', ''])(
      'rejects cursor=%s that is not a 24-hex id with 400',
      async (cursor) => {
        expectError(await get(`${list}?cursor=${cursor}`), 400, 'bad_request');
      },
    );

    it('answers the path without its trailing slash with 404 by default', async () => {
      expectError(await get(`${emulator.baseUrl}/api/v2/end-users`), 404, 'not_found');
    });

    it('can redirect the path without its trailing slash instead', async () => {
      const redirecting = new AdaEmulator({ noTrailingSlash: 'redirect' });
      await redirecting.start();
      try {
        const answer = await get(`${redirecting.baseUrl}/api/v2/end-users?limit=3`, AUTH, 'manual');
        expect(answer.status).toBe(301);
        expect(answer.headers.get('location')).toBe(`${redirecting.baseUrl}/api/v2/end-users/?limit=3`);
        const followed = await get(`${redirecting.baseUrl}/api/v2/end-users?limit=3`);
        expect((followed.body as AdaWireListResponse).data).toHaveLength(3);
      } finally {
        await redirecting.stop();
      }
    });

    it('can use another default limit and leave limit out of next_page_url', async () => {
      const other = new AdaEmulator({ defaultLimit: 25, echoLimit: false });
      await other.start();
      try {
        const { body } = await get(`${other.baseUrl}/api/v2/end-users/`);
        const page = body as AdaWireListResponse;
        expect(page.data).toHaveLength(25);
        expect(page.meta!.next_page_url).toBe(
          `${other.baseUrl}/api/v2/end-users/?cursor=${other.users[25].end_user_id}`,
        );
      } finally {
        await other.stop();
      }
    });
  });

  describe('lookup by external_id', () => {
    const withExternal = emulator.users.filter(
      (u): u is StoredAdaEndUser & { external_id: string } => typeof u.external_id === 'string',
    );

    it('returns the bare end user, matching case-insensitively', async () => {
      const target = withExternal.find((u) => /[A-Z]/.test(u.external_id))!;
      for (const value of [target.external_id, target.external_id.toLowerCase()]) {
        const { status, body } = await get(`${list}?external_id=${encodeURIComponent(value)}`);
        expect(status).toBe(200);
        expect(body).toEqual(target);
      }
    });

    it('answers 404 not_found for an unknown external_id', async () => {
      expectError(await get(`${list}?external_id=nobody-here`), 404, 'not_found');
    });

    it.each(['cursor=5f7e0e2c1e7c7e000f0f9c3a', 'limit=10'])(
      'rejects external_id combined with %s',
      async (extra) => {
        expectError(
          await get(`${list}?external_id=${withExternal[0].external_id}&${extra}`),
          400,
          'bad_request',
        );
      },
    );

    it('rejects an external_id longer than 36 characters', async () => {
      expectError(await get(`${list}?external_id=${'x'.repeat(37)}`), 400, 'bad_request');
    });
  });

  describe('GET /api/v2/end-users/{end_user_id}', () => {
    it('returns the bare end user', async () => {
      const { status, body } = await get(`${list}${ADA_SEED_END_USER_ID}`);
      expect(status).toBe(200);
      expect(body).toEqual(emulator.users.find((u) => u.end_user_id === ADA_SEED_END_USER_ID));
    });

    it.each(['000000000000000000000000', 'not-an-id'])('answers 404 not_found for %s', async (id) => {
      expectError(await get(`${list}${id}`), 404, 'not_found');
    });

    it('answers other methods with 405', async () => {
      const res = await fetch(`${list}${ADA_SEED_END_USER_ID}`, { method: 'DELETE', headers: AUTH });
      expect(res.status).toBe(405);
    });
  });

  describe('rate limiting', () => {
    it('is off by default', async () => {
      const answers = await Promise.all(Array.from({ length: 30 }, () => get(`${list}?limit=1`)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    });

    it('answers the 11th call in one second with 429 too_many_requests and no Retry-After', async () => {
      const limited = new AdaEmulator({ rateLimit: true });
      await limited.start();
      try {
        const url = `${limited.baseUrl}/api/v2/end-users/?limit=1`;
        const answers = await Promise.all(Array.from({ length: 11 }, () => get(url)));
        expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
        const rejected = answers.find((a) => a.status === 429)!;
        expectError(rejected, 429, 'too_many_requests');
        expect(rejected.headers.get('retry-after')).toBeNull();
      } finally {
        await limited.stop();
      }
    });

    it('enforces the per-minute rule too, and can send Retry-After', async () => {
      const limited = new AdaEmulator({
        rateLimit: { perSecond: 1000, perMinute: 100 },
        retryAfterHeader: true,
      });
      await limited.start();
      try {
        const url = `${limited.baseUrl}/api/v2/end-users/${ADA_SEED_END_USER_ID}`;
        const answers = await Promise.all(Array.from({ length: 101 }, () => get(url)));
        expect(answers.filter((a) => a.status === 200)).toHaveLength(100);
        const rejected = answers.find((a) => a.status === 429)!;
        expectError(rejected, 429, 'too_many_requests');
        const retryAfter = Number(rejected.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      } finally {
        await limited.stop();
      }
    });
  });

  describe('shared emulator machinery', () => {
    it('records each call with its query and status', async () => {
      await get(`${list}?limit=7`);
      await get(`${list}${ADA_SEED_END_USER_ID}`, {});
      expect(emulator.calls.map((c) => [c.path, c.query, c.status])).toEqual([
        ['/api/v2/end-users/', { limit: '7' }, 200],
        [`/api/v2/end-users/${ADA_SEED_END_USER_ID}`, {}, 401],
      ]);
      expect(emulator.calls[0].headers.authorization).toBe(`Bearer ${ADA_DEMO_API_KEY}`);
    });

    it('injects a fault for the requested number of calls', async () => {
      const body = { errors: [{ type: 'internal_server_error', message: 'boom', details: null }] };
      emulator.injectFault({ status: 500, body, times: 1 });
      const failed = await get(list);
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual(body);
      expect((await get(list)).status).toBe(200);
    });

    it('points rollcall at itself through demoEnv', () => {
      expect(emulator.demoEnv()).toEqual({
        ADA_API_KEY: ADA_DEMO_API_KEY,
        ADA_BASE_URL: emulator.baseUrl,
        ADA_WEBHOOK_SECRET: ADA_DEMO_WEBHOOK_SECRET,
      });
    });
  });
});
