/**
 * CometChat's user admin endpoints on the emulator (Create, Update, Delete, Deactivate and Reactivate
 * Users), called over HTTP with the emulator's own REST key: their answers and errors in CometChat's wire
 * format, and the list as rollcall reads it (`perPage=1000&page=1&withTags=true`) showing each change.
 * Last, end to end: a user created that way is in rollcall's directory after its next walk.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  CometChatEmulator,
  COMETCHAT_DEMO_AUTH_ONLY_KEY,
  type CreatedCometChatUser,
  type EmulatedCometChatList,
  type StoredCometChatUser,
} from '../../../src/providers/cometchat/emulator.js';
import { cometChatProvider } from '../../../src/providers/cometchat/index.js';
import type { CometChatErrorBody, CometChatSingleResponse } from '../../../src/providers/cometchat/wire.js';
import { startHarness, type Harness } from '../../support/harness.js';

interface Answer<T> {
  status: number;
  body: T;
}

/** `uid` of each user, in order. */
const uids = (users: StoredCometChatUser[]) => users.map((u) => u.uid);
const nowSeconds = () => Math.floor(Date.now() / 1000);

let emulator: CometChatEmulator;

beforeEach(async () => {
  emulator = new CometChatEmulator();
  await emulator.start();
});
afterEach(() => emulator.stop());

/** One call with a JSON body (if any) and the `apikey` header (the emulator's key unless given). */
async function send<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  key: string | null = emulator.apiKey,
): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key !== null) headers.apikey = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${emulator.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** The list as rollcall's walk reads it: 1000 a page with tags (one page holds the whole seed). */
async function list(extra = ''): Promise<EmulatedCometChatList> {
  const { status, body } = await send<EmulatedCometChatList>(
    'GET',
    `/v3/users?perPage=1000&page=1&withTags=true${extra}`,
  );
  expect(status).toBe(200);
  expect(body.meta.pagination.total_pages).toBe(1);
  return body;
}

const create = (body: Record<string, unknown>) =>
  send<{ data: CreatedCometChatUser }>('POST', '/v3/users', body);
const update = (uid: string, body: Record<string, unknown>) =>
  send<CometChatSingleResponse>('PUT', `/v3/users/${uid}`, body);
const errorOf = (answer: Answer<unknown>) => (answer.body as CometChatErrorBody).error;

/** The list order the emulator keeps: by name case-insensitively, then uid. */
function expectListOrder(users: StoredCometChatUser[]): void {
  const sorted = [...users].sort((a, b) => {
    const [x, y] = [a.name.toLowerCase(), b.name.toLowerCase()];
    return x !== y ? (x < y ? -1 : 1) : a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
  });
  expect(uids(users)).toEqual(uids(sorted));
}

describe('Create User (POST /v3/users)', () => {
  it('answers the new user with a lower-cased uid and an auth token, and the list shows it in order', async () => {
    const before = await list();
    const started = nowSeconds();
    const { status, body } = await create({
      uid: 'Grace-Hopper_1',
      name: 'Grace Hopper',
      avatar: 'https://example.com/grace.png',
      link: 'https://example.com/grace',
      role: 'moderator',
      statusMessage: 'Debugging',
      metadata: { '@private': { email: 'grace@example.com' }, team: 'compilers' },
      tags: ['vip', 'beta'],
      withAuthToken: true,
    });
    expect(status).toBe(200);
    const { authToken, ...user } = body.data;
    expect(user).toEqual({
      uid: 'grace-hopper_1',
      name: 'Grace Hopper',
      link: 'https://example.com/grace',
      avatar: 'https://example.com/grace.png',
      metadata: { '@private': { email: 'grace@example.com' }, team: 'compilers' },
      status: 'offline',
      role: 'moderator',
      statusMessage: 'Debugging',
      tags: ['vip', 'beta'],
      createdAt: expect.any(Number),
      updatedAt: user.createdAt,
    });
    expect(user.createdAt).toBeGreaterThanOrEqual(started);
    expect(user.createdAt).toBeLessThanOrEqual(nowSeconds());
    // `<uid>_<createdAt><30 hex>`, like the docs' example.
    expect(authToken).toMatch(new RegExp(`^grace-hopper_1_${user.createdAt}[0-9a-f]{30}$`));

    const after = await list();
    expect(after.meta.pagination.total).toBe(before.meta.pagination.total + 1);
    expect(after.data.find((u) => u.uid === 'grace-hopper_1')).toEqual(user);
    expectListOrder(after.data);
    // …and every other way in: the single fetch (upper case too), the search, the role filter.
    expect((await send<CometChatSingleResponse>('GET', '/v3/users/GRACE-HOPPER_1')).body.data).toEqual(user);
    expect(uids((await list('&searchKey=grace')).data)).toContain('grace-hopper_1');
    expect(uids((await list('&role=moderator&tags=beta')).data)).toContain('grace-hopper_1');
  });

  it('gives a minimal user the default role and no optional keys, and no token unless asked', async () => {
    const { status, body } = await create({ uid: 'minimal', name: 'Min Imal', tags: [], statusMessage: '' });
    expect(status).toBe(200);
    expect(Object.keys(body.data)).toEqual(['uid', 'name', 'status', 'role', 'createdAt', 'updatedAt']);
    expect(body.data).toMatchObject({ role: 'default', status: 'offline' });
    expect((await list()).data.find((u) => u.uid === 'minimal')).toEqual(body.data);
  });

  it('refuses an existing uid, a deactivated one included, whatever its case, and creates nothing', async () => {
    const before = emulator.users.length;
    for (const uid of ['superhero1', 'SuperHero2', 'superhero5']) {
      const answer = await create({ uid, name: 'Someone Else' });
      expect(answer.status).toBe(400);
      expect(errorOf(answer)).toMatchObject({
        code: 'ERR_UID_ALREADY_EXISTS',
        source: 'chat-api',
        message: expect.stringContaining(uid.toLowerCase()),
      });
    }
    expect(emulator.users).toHaveLength(before);
    expect((await send<CometChatSingleResponse>('GET', '/v3/users/superhero1')).body.data.name).toBe(
      'Iron Man',
    );
  });

  it('refuses missing and malformed fields with every failure in details, as CometChat validates', async () => {
    const before = emulator.users.length;
    // Exactly CometChat's 400 fixture for a body without uid and name.
    const empty = await create({});
    expect(empty).toEqual({
      status: 400,
      body: {
        error: {
          message: 'Failed to validate the data sent with the request.',
          devMessage: 'Failed to validate the data sent with the request.',
          source: 'chat-api',
          details: { uid: ['The uid field is required.'], name: ['The name field is required.'] },
          code: 'ERR_BAD_REQUEST',
        },
      },
    });
    // A body that is not JSON counts as empty.
    const garbage = await fetch(`${emulator.baseUrl}/v3/users`, {
      method: 'POST',
      headers: { apikey: emulator.apiKey, 'content-type': 'application/json' },
      body: '{"uid": ',
    });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as CometChatErrorBody).error.details).toEqual(errorOf(empty).details);

    const wrong = await create({
      uid: 'x'.repeat(101),
      name: 7,
      metadata: ['not', 'an', 'object'],
      tags: ['ok', 3, 't'.repeat(101)],
      withAuthToken: 'yes',
      statusMessage: null,
    });
    expect(wrong.status).toBe(400);
    expect(errorOf(wrong)).toMatchObject({
      code: 'ERR_BAD_REQUEST',
      details: {
        uid: ['The uid may not be greater than 100 characters.'],
        name: ['The name must be a string.'],
        metadata: ['The metadata must be an object.'],
        'tags.1': ['The tags.1 must be a string.'],
        'tags.2': ['The tags.2 may not be greater than 100 characters.'],
        withAuthToken: ['The with auth token field must be true or false.'],
        statusMessage: ['The status message must be a string.'],
      },
    });
    const tooManyTags = await create({
      uid: 'tags',
      name: 'Tags',
      tags: Array.from({ length: 26 }, (_, i) => `t${i}`),
    });
    expect(errorOf(tooManyTags).details).toEqual({ tags: ['The tags may not have more than 25 items.'] });

    const badUid = await create({ uid: 'has space', name: 'Spacey' });
    expect(badUid.status).toBe(400);
    expect(errorOf(badUid).code).toBe('ERR_INVALID_UID');

    const badRole = await create({ uid: 'wizard', name: 'Wizard', role: 'wizard' });
    expect(badRole.status).toBe(404);
    expect(errorOf(badRole).code).toBe('ERR_ROLE_NOT_FOUND');
    expect(emulator.users).toHaveLength(before);
  });
});

describe('Update User (PUT /v3/users/{uid})', () => {
  it('replaces the given fields, removes the unset ones, moves updatedAt, and the list re-sorts by the new name', async () => {
    const before = await list();
    const hero = before.data.find((u) => u.uid === 'superhero6')!;
    expect(hero).toMatchObject({ name: 'Barry Allen', link: 'http://placehold.it', updatedAt: 1638354799 });
    const started = nowSeconds();
    const { status, body } = await update('SuperHero6', {
      name: 'Wally West',
      role: 'admin',
      statusMessage: 'Running',
      tags: ['speedsters'],
      avatar: 'https://example.com/wally.png',
      unset: ['link', 'metadata'],
    });
    expect(status).toBe(200);
    const { link: _link, metadata: _metadata, ...kept } = hero;
    expect(body.data).toEqual({
      ...kept,
      name: 'Wally West',
      avatar: 'https://example.com/wally.png',
      role: 'admin',
      statusMessage: 'Running',
      tags: ['speedsters'],
      updatedAt: expect.any(Number),
    });
    expect(body.data.updatedAt).toBeGreaterThanOrEqual(started);
    expect(body.data.createdAt).toBe(hero.createdAt);

    const after = await list();
    expect(after.meta.pagination.total).toBe(before.meta.pagination.total);
    expect(after.data.find((u) => u.uid === 'superhero6')).toEqual(body.data);
    expectListOrder(after.data);
    // Barry Allen sorted first among the (active) superheroes; Wally West sorts between Iron Man and Wolverine.
    const heroes = (users: StoredCometChatUser[]) => uids(users).filter((uid) => uid.startsWith('superhero'));
    expect(heroes(before.data)).toEqual([
      'superhero6',
      'superhero2',
      'superhero3',
      'superhero1',
      'superhero4',
    ]);
    expect(heroes(after.data)).toEqual([
      'superhero2',
      'superhero3',
      'superhero1',
      'superhero6',
      'superhero4',
    ]);
    // The cursor of the page holding it is its new updatedAt (the newest on the page).
    expect(after.cursor.updatedAt).toBeGreaterThanOrEqual(body.data.updatedAt!);
  });

  it('clears tags and the status message with empty values, and keeps what was not given', async () => {
    const { body } = await update('superhero4', { tags: [], statusMessage: '' });
    expect(body.data.tags).toBeUndefined();
    expect(body.data.statusMessage).toBeUndefined();
    expect(body.data).toMatchObject({ name: 'Wolverine', role: 'admin', avatar: expect.any(String) });
  });

  it('does not find unknown or deactivated users, and refuses bad fields without changing anything', async () => {
    for (const uid of ['nobody', 'superhero5']) {
      const answer = await update(uid, { name: 'Ghost' });
      expect(answer.status).toBe(404);
      expect(errorOf(answer).code).toBe('ERR_UID_NOT_FOUND');
    }
    const before = JSON.stringify(emulator.users);
    const bad = await update('superhero1', { name: '', unset: ['name', 'avatar'], tags: 'x' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({
      code: 'ERR_BAD_REQUEST',
      details: {
        name: ['The name field must have a value.'],
        'unset.0': ['The selected unset.0 is invalid.'],
        tags: ['The tags must be an array.'],
      },
    });
    const role = await update('superhero1', { role: 'wizard' });
    expect(role.status).toBe(404);
    expect(errorOf(role).code).toBe('ERR_ROLE_NOT_FOUND');
    expect(JSON.stringify(emulator.users)).toBe(before);
  });
});

describe('Deactivate (DELETE /v3/users) and Reactivate (PUT /v3/users)', () => {
  it('deactivates: gone from the default list and the single fetch, listed with deactivatedAt otherwise', async () => {
    const before = await list();
    const started = nowSeconds();
    const { status, body } = await send('DELETE', '/v3/users', {
      uidsToDeactivate: ['superhero1', 'nobody', 'SUPERHERO4', 'superhero1'],
    });
    expect(status).toBe(200);
    // Unknown uids are left out; the others once each, in request order.
    expect(body).toEqual({ data: { deactivatedUids: ['superhero1', 'superhero4'] } });

    const after = await list();
    expect(after.meta.pagination.total).toBe(before.meta.pagination.total - 2);
    expect(uids(after.data)).toEqual(
      uids(before.data).filter((uid) => uid !== 'superhero1' && uid !== 'superhero4'),
    );
    expect((await send('GET', '/v3/users/superhero1')).status).toBe(404);
    const deactivated = (await list('&onlyDeactivated=true')).data.filter((u) =>
      u.uid.startsWith('superhero'),
    );
    expect(uids(deactivated)).toEqual(['superhero5', 'superhero1', 'superhero4']); // Cyclops, Iron Man, Wolverine
    for (const user of deactivated.slice(1)) {
      expect(user.deactivatedAt).toBeGreaterThanOrEqual(started);
      expect(user.updatedAt).toBe(user.deactivatedAt);
      expect(user.status).toBe('offline');
    }
    expect(uids((await list('&withDeactivated=true')).data)).toEqual(uids(emulator.users));
    // A deactivated user cannot be updated, and its uid stays taken.
    expect((await update('superhero1', { name: 'Tony' })).status).toBe(404);
    expect(errorOf(await create({ uid: 'superhero1', name: 'Tony' })).code).toBe('ERR_UID_ALREADY_EXISTS');
  });

  it('reactivates: back in the default list without deactivatedAt, updatedAt moved', async () => {
    const cyclops = emulator.users.find((u) => u.uid === 'superhero5')!;
    expect(cyclops.deactivatedAt).toBe(1637000000);
    const before = await list();
    expect(uids(before.data)).not.toContain('superhero5');
    const started = nowSeconds();
    const { status, body } = await send('PUT', '/v3/users', {
      uidsToActivate: ['superhero5', 'superhero1', 'ghost'],
    });
    expect(status).toBe(200);
    // superhero1 was active all along: named (it is active now) and left as it was.
    expect(body).toEqual({ data: { nonDeactivatedUids: ['superhero5', 'superhero1'] } });
    const after = await list();
    expect(after.meta.pagination.total).toBe(before.meta.pagination.total + 1);
    const back = after.data.find((u) => u.uid === 'superhero5')!;
    expect(back.deactivatedAt).toBeUndefined();
    expect(back.updatedAt).toBeGreaterThanOrEqual(started);
    expect(back).toMatchObject({ name: 'Cyclops', tags: ['x-men'], createdAt: cyclops.createdAt });
    expect(after.data.find((u) => u.uid === 'superhero1')!.updatedAt).toBe(1638350012);
    expectListOrder(after.data);
    expect((await send('GET', '/v3/users/superhero5')).status).toBe(200);
  });

  it('refuses a missing, malformed or too long uid list', async () => {
    const cases: [string, unknown, Record<string, string[]>][] = [
      ['DELETE', {}, { uidsToDeactivate: ['The uids to deactivate field is required.'] }],
      [
        'DELETE',
        { uidsToDeactivate: [] },
        { uidsToDeactivate: ['The uids to deactivate field is required.'] },
      ],
      [
        'PUT',
        { uidsToActivate: 'superhero5' },
        { uidsToActivate: ['The uids to activate must be an array.'] },
      ],
      [
        'PUT',
        { uidsToActivate: Array.from({ length: 26 }, (_, i) => `u${i}`) },
        { uidsToActivate: ['The uids to activate may not have more than 25 items.'] },
      ],
    ];
    for (const [method, body, details] of cases) {
      const answer = await send(method, '/v3/users', body);
      expect(answer.status).toBe(400);
      expect(errorOf(answer)).toMatchObject({ code: 'ERR_BAD_REQUEST', details });
    }
  });
});

describe('Delete User (DELETE /v3/users/{uid})', () => {
  it('deactivates by default, and with permanent: true removes the user and frees its uid', async () => {
    const soft = await send('DELETE', '/v3/users/superhero4');
    expect(soft).toEqual({
      status: 200,
      body: { data: { success: true, message: 'User with superhero4 has been deleted successfully.' } },
    });
    expect(uids((await list()).data)).not.toContain('superhero4');
    expect(uids((await list('&onlyDeactivated=true')).data)).toContain('superhero4');
    // A soft-deleted user is not found again, unless the delete is permanent.
    expect((await send('DELETE', '/v3/users/superhero4')).status).toBe(404);
    expect((await send('DELETE', '/v3/users/superhero4', { permanent: true })).status).toBe(200);
    expect(uids((await list('&withDeactivated=true')).data)).not.toContain('superhero4');
    expect((await create({ uid: 'superhero4', name: 'Logan' })).status).toBe(200);
  });
});

describe('auth and routes', () => {
  const writes: [string, string, unknown][] = [
    ['POST', '/v3/users', { uid: 'intruder', name: 'Intruder' }],
    ['PUT', '/v3/users/superhero1', { name: 'Intruder' }],
    ['DELETE', '/v3/users/superhero1', undefined],
    ['DELETE', '/v3/users', { uidsToDeactivate: ['superhero1'] }],
    ['PUT', '/v3/users', { uidsToActivate: ['superhero5'] }],
  ];

  it('refuses every admin call without the REST key, as the list does, and changes nothing', async () => {
    const before = JSON.stringify(emulator.users);
    for (const [method, path, body] of writes) {
      const empty = await send(method, path, body, null);
      expect([empty.status, errorOf(empty).code]).toEqual([401, 'AUTH_ERR_EMPTY_APIKEY']);
      const wrong = await send(method, path, body, 'not-the-key');
      expect([wrong.status, errorOf(wrong).code]).toEqual([401, 'AUTH_ERR_APIKEY_NOT_FOUND']);
      // The authOnly key may log users in, not manage them.
      const authOnly = await send(method, path, body, COMETCHAT_DEMO_AUTH_ONLY_KEY);
      expect([authOnly.status, errorOf(authOnly).code]).toEqual([403, 'AUTH_ERR_NO_ACCESS']);
    }
    expect(JSON.stringify(emulator.users)).toBe(before);
  });

  it('answers 405 for a method the route does not take', async () => {
    const patch = await send('PATCH', '/v3/users/superhero1', { name: 'x' });
    expect([patch.status, errorOf(patch).code]).toEqual([405, 'ERR_METHOD_NOT_ALLOWED']);
    const post = await send('POST', '/v3/users/superhero1', { name: 'x' });
    expect(post.status).toBe(405);
  });
});

describe("rollcall's directory", () => {
  let h: Harness;
  let upstream: CometChatEmulator;
  let source: string;

  beforeAll(async () => {
    h = await startHarness({ providers: [cometChatProvider], env: { ROLLCALL_DIRECTORY: 'on' } });
    upstream = h.emulator<CometChatEmulator>('COMETCHAT');
    const sources = await h.query<{ directory: { sources: { name: string }[] } }>(
      '{ directory { sources { name } } }',
    );
    source = sources.data!.directory.sources[0].name;
  }, 60_000);
  afterAll(() => h?.stop());

  interface Found {
    users: { nodes: { providerUserId: string; displayName: string | null; active: boolean | null }[] };
  }
  const walk = () => h.server.directory!.sync.walkNow(source);
  const search = async (text: string) => {
    const { data, errors } = await h.query<Found>(
      `query ($search: String) { users(first: 10, filter: { search: $search }) { nodes { providerUserId displayName active } } }`,
      { search: text },
    );
    expect(errors).toBeUndefined();
    return data!.users.nodes;
  };
  const admin = async (method: string, path: string, body: unknown) => {
    const res = await fetch(`${upstream.baseUrl}${path}`, {
      method,
      headers: { apikey: upstream.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };

  it('holds a user created, renamed and deactivated through the admin endpoints after each next walk', async () => {
    await walk();
    expect(await search('hedwig')).toEqual([]);

    await admin('POST', '/v3/users', { uid: 'hedwig-owl', name: 'Hedwig Owl' });
    expect(await search('hedwig')).toEqual([]); // not before the walk
    expect(await walk()).toMatchObject({ walked: true });
    expect(await search('hedwig')).toEqual([
      { providerUserId: 'hedwig-owl', displayName: 'Hedwig Owl', active: true },
    ]);

    await admin('PUT', '/v3/users/hedwig-owl', { name: 'Hedwig Snowy Owl' });
    await walk();
    expect(await search('hedwig')).toEqual([
      { providerUserId: 'hedwig-owl', displayName: 'Hedwig Snowy Owl', active: true },
    ]);

    // Deactivated: gone from the default list, so the walk no longer finds it.
    await admin('DELETE', '/v3/users', { uidsToDeactivate: ['hedwig-owl'] });
    await walk();
    expect(await search('hedwig')).toEqual([]);

    await admin('PUT', '/v3/users', { uidsToActivate: ['hedwig-owl'] });
    await walk();
    expect(await search('hedwig')).toEqual([
      { providerUserId: 'hedwig-owl', displayName: 'Hedwig Snowy Owl', active: true },
    ]);
  });
});
