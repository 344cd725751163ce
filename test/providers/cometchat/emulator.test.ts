import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import {
  CometChatEmulator,
  type EmulatedCometChatList,
  type StoredCometChatUser,
} from '../../../src/providers/cometchat/emulator.js';
import type { CometChatErrorBody, CometChatSingleResponse } from '../../../src/providers/cometchat/wire.js';

interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

function client(emulator: CometChatEmulator) {
  return async <T = EmulatedCometChatList>(
    path: string,
    key: string | null = emulator.apiKey,
  ): Promise<Answer<T>> => {
    const res = await fetch(emulator.baseUrl + path, { headers: key === null ? {} : { apikey: key } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };
}

const uids = (users: StoredCometChatUser[]) => users.map((u) => u.uid);
const sorted = (values: string[]) => [...values].sort();

describe('CometChatEmulator', () => {
  const emulator = new CometChatEmulator();
  const get = client(emulator);
  let active: StoredCometChatUser[];

  beforeAll(async () => {
    await emulator.start();
    active = emulator.users.filter((u) => u.deactivatedAt === undefined);
  });
  afterAll(() => emulator.stop());

  describe('seeded data', () => {
    it('is deterministic across instances', () => {
      expect(new CometChatEmulator().users).toEqual(emulator.users);
    });

    it('has at least 150 users with unique lower-case uids, some deactivated, tagged and in custom roles', () => {
      const all = emulator.users;
      expect(all.length).toBeGreaterThanOrEqual(150);
      expect(new Set(uids(all)).size).toBe(all.length);
      for (const u of all) expect(u.uid).toBe(u.uid.toLowerCase());
      expect(all.filter((u) => u.deactivatedAt !== undefined).length).toBeGreaterThan(3);
      expect(all.filter((u) => u.tags?.length).length).toBeGreaterThan(10);
      const roles = new Set(all.map((u) => u.role));
      for (const role of ['default', 'manager', 'admin', 'moderator', 'support-agent'])
        expect(roles).toContain(role);
      expect(new Set(all.map((u) => u.status))).toEqual(new Set(['available', 'offline', 'away']));
    });

    it('serves the seed superheroes with the seed values', async () => {
      const { status, body } = await get<CometChatSingleResponse>('/v3/users/superhero6');
      expect(status).toBe(200);
      expect(body.data).toEqual({
        uid: 'superhero6',
        name: 'Barry Allen',
        link: 'http://placehold.it',
        avatar: 'http://placehold.it/120x120&text=image1',
        metadata: { email: 'user@email.com', contactNumber: '0123456789' },
        status: 'offline',
        role: 'manager',
        createdAt: 1638354015,
        updatedAt: 1638354799,
        conversationId: 'superhero4_user_superhero6',
      });
      const hero3 = (await get<CometChatSingleResponse>('/v3/users/superhero3')).body.data;
      expect(hero3).toMatchObject({ name: 'Captain America', blockedByMe: true, blockedByMeAt: 1638346853 });
      for (const n of [1, 2, 4]) expect((await get(`/v3/users/superhero${n}`)).status).toBe(200);
    });
  });

  describe('auth', () => {
    const expectError = (body: CometChatErrorBody, code: string) => {
      expect(body.error.code).toBe(code);
      expect(body.error.source).toBe('chat-api');
      expect(typeof body.error.message).toBe('string');
      expect(typeof body.error.devMessage).toBe('string');
    };

    it('answers 401 AUTH_ERR_EMPTY_APIKEY without an apikey header or with an empty one', async () => {
      for (const key of [null, '']) {
        const { status, body } = await get<CometChatErrorBody>('/v3/users', key);
        expect(status).toBe(401);
        expectError(body, 'AUTH_ERR_EMPTY_APIKEY');
      }
    });

    it('answers 401 AUTH_ERR_APIKEY_NOT_FOUND for an unknown key', async () => {
      const { status, body } = await get<CometChatErrorBody>('/v3/users', 'not-a-key');
      expect(status).toBe(401);
      expectError(body, 'AUTH_ERR_APIKEY_NOT_FOUND');
    });

    it('answers 403 AUTH_ERR_NO_ACCESS for an authOnly key, on lists and single fetches', async () => {
      for (const path of ['/v3/users', '/v3/users/superhero1']) {
        const { status, body } = await get<CometChatErrorBody>(path, emulator.authOnlyKey);
        expect(status).toBe(403);
        expectError(body, 'AUTH_ERR_NO_ACCESS');
      }
    });
  });

  describe('GET /v3/users/{uid}', () => {
    it('answers 404 ERR_UID_NOT_FOUND for an unknown uid', async () => {
      const { status, body } = await get<CometChatErrorBody>('/v3/users/nobody-here');
      expect(status).toBe(404);
      expect(body.error.code).toBe('ERR_UID_NOT_FOUND');
    });

    it('answers 404 ERR_UID_NOT_FOUND for a deactivated uid', async () => {
      const deactivated = emulator.users.filter((u) => u.deactivatedAt !== undefined);
      expect(uids(deactivated)).toContain('superhero5');
      for (const u of deactivated.slice(0, 3)) {
        const { status, body } = await get<CometChatErrorBody>(`/v3/users/${u.uid}`);
        expect(status).toBe(404);
        expect(body.error.code).toBe('ERR_UID_NOT_FOUND');
      }
    });

    it('looks uids up case-insensitively and includes tags', async () => {
      const { body } = await get<CometChatSingleResponse>('/v3/users/SuperHero4');
      expect(body.data.uid).toBe('superhero4');
      expect(body.data.tags).toEqual(['x-men', 'vip']);
    });
  });

  describe('GET /v3/users defaults', () => {
    it('returns the first 100 active users ordered by name then uid, without tags', async () => {
      const { status, body } = await get('/v3/users');
      expect(status).toBe(200);
      expect(body.data).toHaveLength(100);
      expect(uids(body.data)).toEqual(uids(active.slice(0, 100)));
      for (const u of body.data) expect(u).not.toHaveProperty('tags');
      for (const u of body.data) expect(u).not.toHaveProperty('deactivatedAt');
      const keys = body.data.map((u) => `${u.name.toLowerCase()}\u0000${u.uid}`);
      expect(keys).toEqual([...keys].sort());
    });

    it('computes meta.pagination honestly and carries the cursor', async () => {
      const { body } = await get('/v3/users');
      expect(body.meta.pagination).toEqual({
        total: active.length,
        count: 100,
        per_page: 100,
        current_page: 1,
        total_pages: Math.ceil(active.length / 100),
      });
      expect(body.cursor).toEqual({
        updatedAt: Math.max(...body.data.map((u) => u.updatedAt)),
        affix: 'prepend',
      });
    });

    it('includes a user with the unexpected status "away" when no status filter is given', async () => {
      const { body } = await get('/v3/users?perPage=1000');
      expect(body.data.filter((u) => u.status === 'away')).toHaveLength(1);
    });

    it('ignores a trailing slash and unknown parameters', async () => {
      const { status, body } = await get('/v3/users/?perPage=5&cursor=123&affix=append');
      expect(status).toBe(200);
      expect(uids(body.data)).toEqual(uids(active.slice(0, 5)));
    });
  });

  describe('GET /v3/users filters', () => {
    const all = async (query: string) => (await get(`/v3/users?perPage=1000&${query}`)).body.data;

    it('searchKey is a case-insensitive prefix match on name or uid', async () => {
      const found = await all('searchKey=SUPERHERO');
      expect(sorted(uids(found))).toEqual([
        'superhero1',
        'superhero2',
        'superhero3',
        'superhero4',
        'superhero6',
      ]);
      const cap = await all('searchKey=capt');
      expect(sorted(uids(cap))).toEqual(['superhero2', 'superhero3']);
      // Prefix, not substring: "America" is inside "Captain America" but does not start it.
      expect(await all('searchKey=america')).toEqual([]);
    });

    it('searchIn narrows searchKey to name or uid, comma-separated or repeated', async () => {
      const byUid = await all('searchKey=superhero&searchIn=uid');
      expect(byUid).toHaveLength(5);
      expect(await all('searchKey=superhero&searchIn=name')).toEqual([]);
      // "al" starts first names (Alan …) and uids (allen-…, which start with the last name).
      const prefix = 'al';
      const expectedByName = active.filter((u) => u.name.toLowerCase().startsWith(prefix));
      const expectedByUid = active.filter((u) => u.uid.startsWith(prefix));
      expect(expectedByName.length).toBeGreaterThan(0);
      expect(expectedByUid.length).toBeGreaterThan(0);
      expect(uids(expectedByName)).not.toEqual(uids(expectedByUid));
      expect(uids(await all(`searchKey=${prefix}&searchIn=name`))).toEqual(uids(expectedByName));
      expect(uids(await all(`searchKey=${prefix}&searchIn=uid`))).toEqual(uids(expectedByUid));
      const both = active.filter((u) => expectedByName.includes(u) || expectedByUid.includes(u));
      expect(uids(await all(`searchKey=${prefix}&searchIn=name,uid`))).toEqual(uids(both));
      expect(uids(await all(`searchKey=${prefix}&searchIn=name&searchIn=uid`))).toEqual(uids(both));
      expect(uids(await all(`searchKey=${prefix}&searchIn[]=uid`))).toEqual(uids(expectedByUid));
    });

    it('status keeps only available or only offline users', async () => {
      const available = await all('status=available');
      expect(uids(available)).toEqual(uids(active.filter((u) => u.status === 'available')));
      const offline = await all('status=offline');
      expect(uids(offline)).toEqual(uids(active.filter((u) => u.status === 'offline')));
      expect(available.length + offline.length).toBe(active.length - 1); // the "away" user is in neither
    });

    it('rejects an unknown status or searchIn with 400 ERR_BAD_REQUEST and details', async () => {
      const { status, body } = await get<CometChatErrorBody>('/v3/users?status=online&searchIn=email');
      expect(status).toBe(400);
      expect(body.error.code).toBe('ERR_BAD_REQUEST');
      expect(body.error.details).toEqual({
        status: ['The selected status is invalid.'],
        searchIn: ['The selected searchIn is invalid.'],
      });
    });

    it('role keeps one role; roles keeps several, comma-separated or repeated', async () => {
      expect(uids(await all('role=manager'))).toEqual(uids(active.filter((u) => u.role === 'manager')));
      const expected = uids(active.filter((u) => u.role === 'admin' || u.role === 'support-agent'));
      expect(expected.length).toBeGreaterThan(0);
      expect(uids(await all('roles=admin,support-agent'))).toEqual(expected);
      expect(uids(await all('roles=admin&roles=support-agent'))).toEqual(expected);
      expect(uids(await all('role=admin&roles=support-agent'))).toEqual(expected);
    });

    it('tags keeps users having any of the tags, comma-separated or repeated', async () => {
      const expected = uids(active.filter((u) => u.tags?.some((t) => t === 'vip' || t === 'apac')));
      expect(expected.length).toBeGreaterThan(0);
      expect(uids(await all('tags=vip,apac'))).toEqual(expected);
      expect(uids(await all('tags=vip&tags=apac'))).toEqual(expected);
      expect(await all('tags=no-such-tag')).toEqual([]);
    });

    it('withTags adds tags to the users that have any', async () => {
      const found = await all('withTags=true');
      const byUid = new Map(active.map((u) => [u.uid, u]));
      for (const u of found) expect(u.tags).toEqual(byUid.get(u.uid)?.tags);
      expect(found.filter((u) => u.tags).length).toBeGreaterThan(10);
    });

    it('onlyDeactivated keeps only deactivated users, withDeactivated adds them', async () => {
      const deactivated = emulator.users.filter((u) => u.deactivatedAt !== undefined);
      const only = await all('onlyDeactivated=true');
      expect(uids(only)).toEqual(uids(deactivated));
      for (const u of only) expect(typeof u.deactivatedAt).toBe('number');
      expect(uids(await all('withDeactivated=true'))).toEqual(uids(emulator.users));
      expect(uids(await all('withDeactivated=false'))).toEqual(uids(active));
    });

    it('accepts booleans as true/false in any case and as 1/0, and rejects anything else', async () => {
      for (const value of ['TRUE', 'True', '1']) {
        expect((await all(`onlyDeactivated=${value}`)).every((u) => u.deactivatedAt !== undefined)).toBe(
          true,
        );
      }
      for (const value of ['FALSE', '0'])
        expect(await all(`withTags=${value}`)).not.toContainEqual(
          expect.objectContaining({ tags: expect.anything() }),
        );
      const { status, body } = await get<CometChatErrorBody>('/v3/users?withTags=yes');
      expect(status).toBe(400);
      expect(body.error.details).toEqual({ withTags: ['The withTags field must be true or false.'] });
    });

    it('combines filters', async () => {
      const expected = active.filter(
        (u) => u.status === 'available' && u.role === 'default' && u.tags?.includes('eu'),
      );
      expect(uids(await all('status=available&role=default&tags=eu'))).toEqual(uids(expected));
    });

    it('count=true leaves the list as it is', async () => {
      const { body } = await get('/v3/users?count=true&perPage=10');
      expect(body.data).toHaveLength(10);
      expect(body.meta.pagination.total).toBe(active.length);
    });
  });

  describe('GET /v3/users paging', () => {
    async function walk(query: string, perPage: number): Promise<string[]> {
      const seen: string[] = [];
      for (let page = 1; ; page++) {
        const { body } = await get(`/v3/users?${query}&perPage=${perPage}&page=${page}`);
        const p = body.meta.pagination;
        expect(p.per_page).toBe(perPage);
        expect(p.current_page).toBe(page);
        expect(p.count).toBe(body.data.length);
        expect(p.total_pages).toBe(Math.max(1, Math.ceil(p.total / perPage)));
        expect(body.data.length).toBe(page < p.total_pages ? perPage : p.total - perPage * (page - 1));
        seen.push(...uids(body.data));
        if (p.current_page >= p.total_pages) break;
      }
      return seen;
    }

    it.each([1, 7, 50, 100, 1000])(
      'yields every active user exactly once with perPage=%i',
      async (perPage) => {
        expect(await walk('', perPage)).toEqual(uids(active));
      },
    );

    it('yields every user exactly once with withDeactivated and perPage=13', async () => {
      expect(await walk('withDeactivated=true', 13)).toEqual(uids(emulator.users));
    });

    it('answers a page past the end with empty data and honest pagination', async () => {
      const { status, body } = await get('/v3/users?perPage=100&page=9');
      expect(status).toBe(200);
      expect(body.data).toEqual([]);
      expect(body.meta.pagination).toEqual({
        total: active.length,
        count: 0,
        per_page: 100,
        current_page: 9,
        total_pages: Math.ceil(active.length / 100),
      });
    });

    it('reports one empty page when nothing matches', async () => {
      const { body } = await get('/v3/users?searchKey=zzzzzz');
      expect(body.data).toEqual([]);
      expect(body.meta.pagination).toMatchObject({ total: 0, count: 0, total_pages: 1 });
    });

    it('rejects perPage outside 1..1000 and page below 1 with 400 ERR_BAD_REQUEST', async () => {
      const cases: [string, Record<string, string[]>][] = [
        ['perPage=1001', { perPage: ['The per page may not be greater than 1000.'] }],
        ['perPage=0', { perPage: ['The per page must be at least 1.'] }],
        ['perPage=ten', { perPage: ['The perPage must be an integer.'] }],
        ['page=0', { page: ['The page must be at least 1.'] }],
      ];
      for (const [query, details] of cases) {
        const { status, body } = await get<CometChatErrorBody>(`/v3/users?${query}`);
        expect(status).toBe(400);
        expect(body.error).toMatchObject({ code: 'ERR_BAD_REQUEST', source: 'chat-api', details });
      }
    });
  });

  describe('call log and faults', () => {
    it('records each call with its query and apikey header', async () => {
      emulator.resetCalls();
      await get('/v3/users?roles=admin&roles=manager&perPage=5');
      expect(emulator.calls).toHaveLength(1);
      expect(emulator.calls[0]).toMatchObject({
        method: 'GET',
        path: '/v3/users',
        query: { roles: ['admin', 'manager'], perPage: '5' },
        status: 200,
      });
      expect(emulator.calls[0].headers.apikey).toBe(emulator.apiKey);
    });

    it('answers an injected fault once, then serves normally', async () => {
      emulator.reset();
      emulator.injectFault({ status: 503, body: 'upstream down', times: 1 });
      const first = await fetch(`${emulator.baseUrl}/v3/users`, { headers: { apikey: emulator.apiKey } });
      expect(first.status).toBe(503);
      expect(await first.text()).toBe('upstream down');
      expect((await get('/v3/users')).status).toBe(200);
      expect(emulator.calls.map((c) => c.status)).toEqual([503, 200]);
    });
  });
});

describe('CometChatEmulator options', () => {
  it('enforces a per-minute rate limit with both header spellings and Retry-After', async () => {
    const emulator = new CometChatEmulator({ rateLimit: { perMinute: 3 } });
    await emulator.start();
    try {
      const get = client(emulator);
      for (let i = 1; i <= 3; i++) {
        const { status, headers } = await get('/v3/users?perPage=1');
        expect(status).toBe(200);
        expect(headers.get('x-rate-limit')).toBe('3');
        expect(headers.get('x-ratelimit-limit')).toBe('3');
        expect(headers.get('x-rate-limit-remaining')).toBe(String(3 - i));
        expect(headers.get('x-ratelimit-remaining')).toBe(String(3 - i));
      }
      const before = Math.floor(Date.now() / 1000);
      const { status, headers, body } = await get<CometChatErrorBody>('/v3/users?perPage=1');
      expect(status).toBe(429);
      expect(body.error.code).toBe('ERR_TOO_MANY_REQUESTS');
      const retryAfter = Number(headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const reset = Number(headers.get('x-rate-limit-reset'));
      expect(headers.get('x-ratelimit-reset')).toBe(String(reset));
      expect(reset).toBeGreaterThanOrEqual(before);
      expect(reset).toBeLessThanOrEqual(before + 61);
      expect(headers.get('x-rate-limit-remaining')).toBe('0');
    } finally {
      await emulator.stop();
    }
  });

  it('rateLimit: true allows 60 calls a minute', async () => {
    const emulator = new CometChatEmulator({ rateLimit: true });
    await emulator.start();
    try {
      const { headers } = await client(emulator)('/v3/users?perPage=1');
      expect(headers.get('x-rate-limit')).toBe('60');
      expect(headers.get('x-rate-limit-remaining')).toBe('59');
    } finally {
      await emulator.stop();
    }
  });

  it('sends no rate-limit headers when rate limiting is off', async () => {
    const emulator = new CometChatEmulator();
    await emulator.start();
    try {
      const { headers } = await client(emulator)('/v3/users?perPage=1');
      expect(headers.get('x-rate-limit')).toBeNull();
    } finally {
      await emulator.stop();
    }
  });

  it('takes custom credentials and exposes them in demoEnv', async () => {
    const emulator = new CometChatEmulator({ apiKey: 'k1', appId: 'app1', authOnlyKey: 'k2' });
    await emulator.start();
    try {
      expect(emulator.demoEnv()).toEqual({
        COMETCHAT_API_KEY: 'k1',
        COMETCHAT_APP_ID: 'app1',
        COMETCHAT_REGION: 'us',
        COMETCHAT_BASE_URL: emulator.baseUrl,
      });
      const get = client(emulator);
      expect((await get('/v3/users', 'k1')).status).toBe(200);
      expect((await get('/v3/users', 'k2')).status).toBe(403);
    } finally {
      await emulator.stop();
    }
  });

  it('clamps perPage above 1000 and answers count=true with counts only when configured', async () => {
    const emulator = new CometChatEmulator({ perPageAboveMax: 'clamp', countParam: 'countOnly' });
    await emulator.start();
    try {
      const get = client(emulator);
      const clamped = await get('/v3/users?perPage=5000');
      expect(clamped.status).toBe(200);
      expect(clamped.body.meta.pagination.per_page).toBe(1000);
      const counted = await get('/v3/users?count=true');
      expect(counted.body.data).toEqual([]);
      expect(counted.body.meta.pagination.total).toBe(clamped.body.meta.pagination.total);
    } finally {
      await emulator.stop();
    }
  });
});
