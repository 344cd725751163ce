/**
 * The emulators at benchmark scale (`userCount`): the data sets are deterministic, hold exactly the requested
 * users with unique ids, and the fast paths of the list endpoints (precomputed views, cached sorted lists,
 * binary-searched cursors) answer exactly what filtering, sorting or scanning every user would.
 * Sizes stay in the thousands so the suite is quick; the benchmark uses up to 100,000.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { AdaEmulator, type StoredAdaEndUser } from '../../src/providers/ada/emulator.js';
import {
  CometChatEmulator,
  type EmulatedCometChatList,
  type StoredCometChatUser,
} from '../../src/providers/cometchat/emulator.js';
import { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import {
  VoximplantEmulator,
  type EmulatedVoximplantGetUsers,
  type StoredVoximplantUser,
} from '../../src/providers/voximplant/emulator.js';
import type { AdaWireListResponse } from '../../src/providers/ada/wire.js';
import type { TwilioListResponse } from '../../src/providers/twilio/wire.js';

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const res = await fetch(url, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe('CometChatEmulator with userCount', () => {
  const COUNT = 3000;
  const emulator = new CometChatEmulator({ userCount: COUNT });
  const list = (query: string) =>
    getJson<EmulatedCometChatList>(`${emulator.baseUrl}/v3/users?${query}`, { apikey: emulator.apiKey });

  beforeAll(() => emulator.start());
  afterAll(() => emulator.stop());

  it('holds exactly userCount users with unique lower-case uids', () => {
    expect(emulator.users).toHaveLength(COUNT);
    expect(new Set(emulator.users.map((u) => u.uid)).size).toBe(COUNT);
    expect(emulator.users.filter((u) => u.uid !== u.uid.toLowerCase())).toEqual([]);
  });

  it('generates identical users for the same count', () => {
    expect(new CometChatEmulator({ userCount: COUNT }).users).toEqual(emulator.users);
  });

  it('reproduces the default seed, in the same order, at the seed size', () => {
    expect(new CometChatEmulator({ userCount: 166 }).users).toEqual(new CometChatEmulator().users);
  });

  it('holds the first users of the seed when userCount is below six, and none at zero', () => {
    expect(new CometChatEmulator({ userCount: 4 }).users.map((u) => u.uid).sort()).toEqual([
      'superhero1',
      'superhero2',
      'superhero3',
      'superhero4',
    ]);
    expect(new CometChatEmulator({ userCount: 0 }).users).toEqual([]);
  });

  it('rejects a userCount that is not a non-negative integer', () => {
    expect(() => new CometChatEmulator({ userCount: -1 })).toThrow(RangeError);
    expect(() => new CometChatEmulator({ userCount: 1.5 })).toThrow(RangeError);
  });

  it('keeps the seed variety: superheroes, deactivated and tagged users, every role and status', () => {
    const all = emulator.users;
    expect(all.find((u) => u.uid === 'superhero6')?.name).toBe('Barry Allen');
    expect(all.filter((u) => u.deactivatedAt !== undefined).length).toBeGreaterThan(COUNT / 20);
    expect(all.filter((u) => u.tags?.length).length).toBeGreaterThan(COUNT / 5);
    expect(new Set(all.map((u) => u.role))).toEqual(
      new Set(['default', 'manager', 'admin', 'moderator', 'support-agent']),
    );
    expect(new Set(all.map((u) => u.status))).toEqual(new Set(['available', 'offline', 'away']));
    for (const u of all.filter((u) => u.status === 'away')) expect(u.deactivatedAt).toBeUndefined();
  });

  it('lists users by name (case-insensitive), then uid', () => {
    const key = (u: StoredCometChatUser) => [u.name.toLowerCase(), u.uid] as const;
    const outOfOrder = emulator.users.filter((u, i) => {
      if (i === 0) return false;
      const [an, au] = key(emulator.users[i - 1]);
      const [bn, bu] = key(u);
      return !(an < bn || (an === bn && au < bu));
    });
    expect(outOfOrder).toEqual([]);
  });

  it('answers unfiltered pages exactly as a filter that matches everyone, in every deactivation view', async () => {
    const everyRole = 'roles=default,manager,admin,moderator,support-agent';
    const views: [string, (u: StoredCometChatUser) => boolean][] = [
      ['', (u) => u.deactivatedAt === undefined],
      ['withDeactivated=true&', () => true],
      ['onlyDeactivated=true&', (u) => u.deactivatedAt !== undefined],
    ];
    for (const [view, inView] of views) {
      const expected = emulator.users.filter(inView);
      const perPage = 100;
      const lastPage = Math.ceil(expected.length / perPage);
      for (const page of [1, 2, Math.ceil(lastPage / 2), lastPage, lastPage + 1]) {
        for (const tags of ['', 'withTags=true&']) {
          const query = `${view}${tags}perPage=${perPage}&page=${page}`;
          const fast = await list(query);
          expect(fast).toEqual(await list(`${query}&${everyRole}`));
          expect(fast.meta.pagination).toEqual({
            total: expected.length,
            count: fast.data.length,
            per_page: perPage,
            current_page: page,
            total_pages: lastPage,
          });
          expect(fast.data.map((u) => u.uid)).toEqual(
            expected.slice((page - 1) * perPage, page * perPage).map((u) => u.uid),
          );
        }
      }
    }
  });

  it('follows the users list when it is truncated after the first call', async () => {
    const small = new CometChatEmulator({ userCount: 500 });
    await small.start();
    try {
      const get = (query: string) =>
        getJson<EmulatedCometChatList>(`${small.baseUrl}/v3/users?${query}`, { apikey: small.apiKey });
      expect((await get('perPage=1000')).meta.pagination.total).toBeGreaterThan(24);
      small.users.length = 24;
      const active = small.users.filter((u) => u.deactivatedAt === undefined).map((u) => u.uid);
      const body = await get('perPage=1000');
      expect(body.data.map((u) => u.uid)).toEqual(active);
      expect(body.meta.pagination.total).toBe(active.length);
    } finally {
      await small.stop();
    }
  });
});

describe('VoximplantEmulator with userCount', () => {
  const COUNT = 3000;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  let emulator: VoximplantEmulator;
  let token: string;

  beforeAll(async () => {
    emulator = await VoximplantEmulator.create({ privateKey, userCount: COUNT });
    await emulator.start();
    const iat = Math.floor(Date.now() / 1000);
    token = await new SignJWT({ iss: String(emulator.credentials.account_id) })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: emulator.credentials.key_id })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3000)
      .sign(await importPKCS8(privateKey, 'RS256'));
  });
  afterAll(() => emulator.stop());

  async function getUsers(params: Record<string, string | number>): Promise<EmulatedVoximplantGetUsers> {
    const res = await fetch(`${emulator.baseUrl}/platform_api/GetUsers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
      ).toString(),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as EmulatedVoximplantGetUsers & { error?: unknown };
    expect(body.error).toBeUndefined();
    return body;
  }

  /** What GetUsers answers, computed by filtering and sorting every user. */
  function expected(
    keep: (u: StoredVoximplantUser) => boolean,
    orderBy: 'user_id' | 'user_name' | 'user_display_name',
  ): StoredVoximplantUser[] {
    return emulator.users.filter(keep).sort((a, b) => {
      if (orderBy !== 'user_id') {
        const av = a[orderBy].toLowerCase();
        const bv = b[orderBy].toLowerCase();
        if (av !== bv) return av < bv ? -1 : 1;
      }
      return a.user_id - b.user_id;
    });
  }

  it('holds exactly userCount users with unique ids and user names', () => {
    expect(emulator.users).toHaveLength(COUNT);
    expect(new Set(emulator.users.map((u) => u.user_id)).size).toBe(COUNT);
    expect(new Set(emulator.users.map((u) => u.user_name)).size).toBe(COUNT);
  });

  it('binds the users to the existing applications, skills and queues, every ACD status represented', () => {
    const appIds = new Set(emulator.applications.map((a) => a.application_id));
    const skillIds = new Set(emulator.skills.map((s) => s.skill_id));
    const queueIds = new Set(emulator.queues.map((q) => q.acd_queue_id));
    const unbound = emulator.users.filter(
      (u) =>
        u.applications!.length === 0 ||
        !u.applications!.every((a) => appIds.has(a.application_id)) ||
        !u.skills!.every((s) => skillIds.has(s.skill_id)) ||
        !u.acd_queues!.every((q) => queueIds.has(q.acd_queue_id)),
    );
    expect(unbound).toEqual([]);
    for (const id of appIds) {
      expect(
        emulator.users.filter((u) => u.applications!.some((a) => a.application_id === id)).length,
      ).toBeGreaterThan(COUNT / 10);
    }
    expect(new Set(emulator.users.map((u) => u.acd_status)).size).toBe(8);
  });

  it('generates identical users for the same count, and the default seed at its size', async () => {
    expect((await VoximplantEmulator.create({ privateKey, userCount: COUNT })).users).toEqual(emulator.users);
    expect((await VoximplantEmulator.create({ privateKey, userCount: 66 })).users).toEqual(
      (await VoximplantEmulator.create({ privateKey })).users,
    );
    expect(
      (await VoximplantEmulator.create({ privateKey, userCount: 1 })).users.map((u) => u.user_name),
    ).toEqual(['jdoe']);
  });

  it('rejects a userCount that is not a non-negative integer', async () => {
    await expect(VoximplantEmulator.create({ privateKey, userCount: -3 })).rejects.toThrow(RangeError);
  });

  it('answers application pages in every order exactly as filtering and sorting every user would', async () => {
    const filters: [Record<string, string | number>, (u: StoredVoximplantUser) => boolean][] = [
      [{ application_id: 10001 }, (u) => u.applications!.some((a) => a.application_id === 10001)],
      [{ application_id: 10003 }, (u) => u.applications!.some((a) => a.application_id === 10003)],
      [
        { application_name: 'SALESAPP' },
        (u) => u.applications!.some((a) => a.application_name.includes('salesapp')),
      ],
    ];
    for (const [filter, keep] of filters) {
      for (const orderBy of ['user_id', 'user_name', 'user_display_name'] as const) {
        const all = expected(keep, orderBy);
        // The first call sorts and caches the application's users; the next ones page through the cache.
        for (const offset of [0, Math.floor(all.length / 2), all.length - 5, all.length + 10, 0]) {
          const params = {
            ...filter,
            order_by: orderBy,
            count: 100,
            offset,
            with_skills: 1,
            with_queues: 1,
          };
          const body = await getUsers(params);
          expect(body.total_count).toBe(all.length);
          expect(body.result).toEqual(all.slice(offset, offset + 100));
          // A filter that excludes no one goes through the filtering path: the same answer.
          expect(await getUsers({ ...params, excluded_skill_id: 999 })).toEqual(await getUsers(params));
        }
      }
    }
  });

  it('filters the cached order further with the other parameters', async () => {
    const keep = (u: StoredVoximplantUser) =>
      u.applications!.some((a) => a.application_id === 10002) &&
      u.skills!.some((s) => s.skill_id === 203) &&
      u.user_active;
    const all = expected(keep, 'user_display_name');
    const body = await getUsers({
      application_id: 10002,
      skill_id: 203,
      user_active: 'true',
      order_by: 'user_display_name',
      count: 1000,
      with_skills: 1,
      with_queues: 1,
    });
    expect(body.total_count).toBe(all.length);
    expect(body.result).toEqual(all.slice(0, 1000));
  });
});

describe('AdaEmulator at scale', () => {
  const COUNT = 4000;
  const emulator = new AdaEmulator({ userCount: COUNT });
  const auth = { authorization: `Bearer ${emulator.apiKey}` };

  beforeAll(() => emulator.start());
  afterAll(() => emulator.stop());

  it('holds exactly userCount users with unique, strictly increasing lower-case 24-hex ids', () => {
    const ids = emulator.users.map((u) => u.end_user_id);
    expect(ids).toHaveLength(COUNT);
    expect(ids.filter((id) => !/^[0-9a-f]{24}$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => i > 0 && !(ids[i - 1] < id))).toEqual([]);
  });

  it('generates identical users for the same count', () => {
    expect(new AdaEmulator({ userCount: COUNT }).users).toEqual(emulator.users);
  });

  /** Cursors that name a user (first, last, a spread) and that name none (between and beyond users). */
  function cursors(): string[] {
    const ids = emulator.users.map((u) => u.end_user_id);
    const out = ['000000000000000000000000', 'ffffffffffffffffffffffff', ids[0], ids[ids.length - 1]];
    for (let i = 0; i < ids.length; i += 97) {
      out.push(ids[i], ids[i].toUpperCase(), `${ids[i].slice(0, 23)}0`, `${ids[i].slice(0, 23)}f`);
      // Right after this id and right before the next one: never an id (they differ in their first 8 digits).
      out.push(`${ids[i].slice(0, 8)}ffffffffffffffff`, `${ids[i].slice(0, 8)}0000000000000000`);
    }
    return out;
  }

  for (const mode of ['inclusive', 'exclusive'] as const) {
    it(`finds the ${mode} cursor's page like a linear scan, for ids that exist and ids that do not`, async () => {
      emulator.cursorMode = mode;
      try {
        const limit = 25;
        for (const raw of cursors()) {
          const cursor = raw.toLowerCase();
          const found = emulator.users.findIndex((u: StoredAdaEndUser) =>
            mode === 'inclusive' ? u.end_user_id >= cursor : u.end_user_id > cursor,
          );
          const from = found === -1 ? emulator.users.length : found;
          const data = emulator.users.slice(from, from + limit);
          const next = emulator.users[from + limit];
          const nextCursor =
            next && (mode === 'inclusive' ? next.end_user_id : data[data.length - 1].end_user_id);
          const body = await getJson<AdaWireListResponse>(
            `${emulator.baseUrl}/api/v2/end-users/?cursor=${raw}&limit=${limit}`,
            auth,
          );
          expect(body).toEqual({
            data,
            meta: {
              next_page_url: next
                ? `${emulator.baseUrl}/api/v2/end-users/?cursor=${nextCursor}&limit=${limit}`
                : null,
            },
          });
        }
      } finally {
        emulator.cursorMode = 'inclusive';
      }
    });
  }
});

describe('TwilioEmulator with userCount', () => {
  const COUNT = 3000;
  const emulator = new TwilioEmulator({ userCount: COUNT });
  const auth = {
    authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
  };

  beforeAll(() => emulator.start());
  afterAll(() => emulator.stop());

  it("holds Twilio's two documented users plus userCount generated ones, with unique sids and identities", () => {
    expect(emulator.users).toHaveLength(COUNT + 2);
    expect(new Set(emulator.users.map((u) => u.wire.sid)).size).toBe(COUNT + 2);
    expect(new Set(emulator.users.map((u) => u.wire.identity)).size).toBe(COUNT + 2);
  });

  it('generates identical users for the same count', () => {
    expect(new TwilioEmulator({ userCount: COUNT }).users).toEqual(emulator.users);
  });

  it('serves a page deep in the list from its token: the users at that offset', async () => {
    const first = await getJson<TwilioListResponse>(`${emulator.baseUrl}/v1/Users?PageSize=50`, auth);
    let url = first.meta.next_page_url!;
    for (let i = 0; i < 3; i++) {
      url = (await getJson<TwilioListResponse>(url, auth)).meta.next_page_url!;
    }
    const deep = new URL(url);
    const offset = 200;
    expect(deep.searchParams.get('Page')).toBe('4');
    const body = await getJson<TwilioListResponse>(url, auth);
    expect(body.users.map((u) => u.sid)).toEqual(
      emulator.users.slice(offset, offset + 50).map((u) => u.wire.sid),
    );
    // The last page, positioned by Page alone (no token): the two users past COUNT.
    const tail = await getJson<TwilioListResponse>(
      `${emulator.baseUrl}/v1/Users?PageSize=50&Page=${COUNT / 50}`,
      auth,
    );
    expect(tail.users.map((u) => u.sid)).toEqual(emulator.users.slice(COUNT).map((u) => u.wire.sid));
    expect(tail.meta.next_page_url).toBeNull();
  });
});
