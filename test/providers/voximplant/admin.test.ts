/**
 * Voximplant's user admin methods on the emulator (AddUser, SetUserInfo, DelUser), called over HTTP with
 * the emulator's own service-account credentials: their answers and `{error: {code, msg}}` bodies, and
 * GetUsers as rollcall sends it (`POST /platform_api/GetUsers`, form-encoded) showing each change.
 * Last, end to end: a user added that way is in rollcall's directory after its next walk.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { importPKCS8, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import {
  VoximplantEmulator,
  type EmulatedVoximplantGetUsers,
  type VoximplantAddUserResponse,
} from '../../../src/providers/voximplant/emulator.js';
import { voximplantProvider } from '../../../src/providers/voximplant/index.js';
import type { VoximplantErrorBody } from '../../../src/providers/voximplant/wire.js';
import { startHarness, type Harness } from '../../support/harness.js';

type Params = Record<string, string | number | boolean>;
type Answer = Partial<EmulatedVoximplantGetUsers & VoximplantAddUserResponse> & VoximplantErrorBody;

const SUPPORT = 10001;
const SALES = 10002;
const BOTS = 10003;
const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** One key pair for every emulator of this file (making one per test is slow). */
let pem: string;
let key: CryptoKey;
let emulator: VoximplantEmulator;

beforeAll(async () => {
  pem = (await VoximplantEmulator.create()).credentials.private_key;
  key = (await importPKCS8(pem, 'RS256')) as CryptoKey;
});
beforeEach(async () => {
  emulator = await VoximplantEmulator.create({ privateKey: pem });
  await emulator.start();
});
afterEach(() => emulator.stop());

/** A service-account token as rollcall and the SDKs sign it. */
async function token(of: VoximplantEmulator = emulator, signer: CryptoKey = key): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: of.credentials.account_id } as unknown as JWTPayload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: of.credentials.key_id })
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .sign(signer);
}

/** `POST /platform_api/<Method>`, x-www-form-urlencoded: how rollcall (and the Python SDK) send. */
async function call(
  method: string,
  params: Params,
  authorization: string | null | undefined = undefined,
  on: VoximplantEmulator = emulator,
): Promise<Answer> {
  const auth = authorization === undefined ? `Bearer ${await token(on)}` : authorization;
  const res = await fetch(`${on.baseUrl}/platform_api/${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(auth === null ? {} : { authorization: auth }),
    },
    body: new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString(),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

/** GetUsers of one application with the parameters rollcall's walk sends. */
async function list(application = SUPPORT, extra: Params = {}): Promise<EmulatedVoximplantGetUsers> {
  const body = await call('GetUsers', {
    application_id: application,
    with_skills: true,
    with_queues: true,
    order_by: 'user_name',
    offset: 0,
    count: 1000,
    ...extra,
  });
  expect(body.error).toBeUndefined();
  return body as EmulatedVoximplantGetUsers;
}
const names = (body: EmulatedVoximplantGetUsers) => body.result.map((u) => u.user_name);
const byName = (body: EmulatedVoximplantGetUsers, name: string) =>
  body.result.find((u) => u.user_name === name);
const codeOf = async (method: string, params: Params) => (await call(method, params)).error?.code;

const NEW_USER = {
  user_name: 'gracehopper',
  user_display_name: 'Grace Hopper',
  user_password: 'C0bol!Rocks',
  application_id: SUPPORT,
};

describe('AddUser', () => {
  it('answers the new id, and GetUsers lists the user in its application, in order, with every field', async () => {
    const before = await list();
    const { error, ...answer } = await call('AddUser', { ...NEW_USER, user_custom_data: '{"crm":"G-1"}' });
    expect(error).toBeUndefined();
    const maxId = Math.max(
      ...emulator.users.filter((u) => u.user_name !== 'gracehopper').map((u) => u.user_id),
    );
    expect(answer).toEqual({ result: 1, user_id: maxId + 1 });

    const after = await list();
    expect(after.total_count).toBe(before.total_count + 1);
    const grace = byName(after, 'gracehopper')!;
    expect(grace).toEqual({
      user_id: answer.user_id,
      user_name: 'gracehopper',
      user_display_name: 'Grace Hopper',
      user_active: true,
      frozen: false,
      parent_accounting: false,
      live_balance: 0,
      balance: 0,
      fixed_balance: 0,
      user_custom_data: '{"crm":"G-1"}',
      applications: [emulator.applications[0]],
      skills: [],
      acd_queues: [],
      acd_status: 'OFFLINE',
      acd_status_change_time: grace.created,
      created: expect.stringMatching(TIMESTAMP),
      modified: grace.created,
    });
    expect(Math.abs(Date.parse(`${grace.created.replace(' ', 'T')}Z`) - Date.now())).toBeLessThan(60_000);
    // In user_name order among the others; not in the other applications.
    expect(names(after)).toEqual([...names(before), 'gracehopper'].sort());
    expect(names(await list(SALES))).not.toContain('gracehopper');
    // The lookup rollcall makes (GetUsers user_id + application) finds it too.
    expect((await list(SUPPORT, { user_id: answer.user_id! })).result.map((u) => u.user_name)).toEqual([
      'gracehopper',
    ]);
  });

  it('binds by application_name (full or short), and takes user_active and parent_accounting', async () => {
    const short = await call('AddUser', {
      ...NEW_USER,
      application_id: '',
      application_name: 'SalesApp',
      user_active: false,
      parent_accounting: true,
    });
    expect(short.result).toBe(1);
    const sales = await list(SALES);
    expect(byName(sales, 'gracehopper')).toMatchObject({ user_active: false, parent_accounting: true });
    // Inactive users are listed, and the user_active filter tells them apart.
    expect(names(await list(SALES, { user_active: true }))).not.toContain('gracehopper');
    expect(names(await list(SALES, { user_active: false }))).toContain('gracehopper');

    const full = await call('AddUser', {
      ...NEW_USER,
      application_id: '',
      application_name: 'ivrbots.rollcall-demo.n2.voximplant.com',
    });
    expect(full.user_id).toBe(short.user_id! + 1);
    expect(names(await list(BOTS))).toContain('gracehopper');
  });

  it('refuses a user name taken in the application (118), and takes it in another one', async () => {
    expect(await codeOf('AddUser', { ...NEW_USER, user_name: 'jdoe' })).toBe(118);
    // asmith is bound to both 10001 and 10002; jdoe only to 10001.
    expect(await codeOf('AddUser', { ...NEW_USER, user_name: 'asmith', application_id: SALES })).toBe(118);
    const bots = await call('AddUser', { ...NEW_USER, user_name: 'jdoe', application_id: BOTS });
    expect(bots.result).toBe(1);
    expect(byName(await list(BOTS), 'jdoe')!.user_id).toBe(bots.user_id);
    expect(byName(await list(SUPPORT), 'jdoe')!.user_id).toBe(101);
  });

  it.each<[string, Params, number]>([
    ['no user_name', { user_name: '' }, 101],
    ['no user_display_name', { user_display_name: '' }, 101],
    ['no user_password', { user_password: '' }, 101],
    ['no application', { application_id: '' }, 101],
    ['a non-boolean user_active', { user_active: 'maybe' }, 101],
    ['both applications, differing', { application_name: 'salesapp' }, 101],
    ['an unknown application_id', { application_id: 99999 }, 116],
    ['an unknown application_name', { application_id: '', application_name: 'nosuchapp' }, 107],
    ['a user name with capitals', { user_name: 'GraceHopper' }, 122],
    ['a user name too short', { user_name: 'gh' }, 122],
    ['a user name starting with a dash', { user_name: '-grace' }, 122],
    ['a display name of 256 characters', { user_display_name: 'g'.repeat(256) }, 157],
    ['a password without a special character', { user_password: 'C0bolRocks' }, 112],
    ['a password of 7 characters', { user_password: 'C0b!lRx' }, 112],
    ['custom data of 8192 characters', { user_custom_data: 'x'.repeat(8192) }, 212],
  ])('refuses %s, adding nobody', async (_name, params, code) => {
    const count = emulator.users.length;
    const answer = await call('AddUser', { ...NEW_USER, ...params });
    expect(answer.error).toEqual({ code, msg: expect.any(String) });
    expect(answer.result).toBeUndefined();
    expect(emulator.users).toHaveLength(count);
  });
});

describe('SetUserInfo', () => {
  it('edits by user_id: the next GetUsers shows the new values, order and modified time', async () => {
    const beforeList = await list();
    const before = byName(beforeList, 'jdoe')!;
    expect(before.modified).toBe('2024-04-20 09:15:42');
    const answer = await call('SetUserInfo', {
      user_id: 101,
      new_user_name: 'zjdoe',
      user_display_name: 'Johnny Doe',
      user_custom_data: 'tier-1',
      user_password: 'N3w!Passw0rd',
    });
    expect(answer).toEqual({ result: 1 });
    const after = await list();
    expect(names(after)).not.toContain('jdoe');
    expect(names(after)).toEqual([...names(beforeList).filter((n) => n !== 'jdoe'), 'zjdoe'].sort());
    const john = byName(after, 'zjdoe')!;
    expect(john).toEqual({
      ...before,
      user_name: 'zjdoe',
      user_display_name: 'Johnny Doe',
      user_custom_data: 'tier-1',
      modified: expect.stringMatching(TIMESTAMP),
    });
    expect(john.modified > before.modified).toBe(true);
    // An empty user_custom_data stores an empty string.
    await call('SetUserInfo', { user_id: 101, user_custom_data: '' });
    expect(byName(await list(), 'zjdoe')!.user_custom_data).toBe('');
  });

  it('deactivates with user_active=false: still listed, inactive, and out of user_active=true', async () => {
    const answer = await call('SetUserInfo', {
      user_name: 'asmith',
      application_name: 'customersupportapp',
      user_active: false,
    });
    expect(answer).toEqual({ result: 1 });
    for (const application of [SUPPORT, SALES]) {
      const all = await list(application);
      expect(byName(all, 'asmith')).toMatchObject({ user_id: 102, user_active: false });
      expect(names(await list(application, { user_active: true }))).not.toContain('asmith');
    }
    await call('SetUserInfo', { user_id: 102, application_id: SALES, user_active: true });
    expect(byName(await list(SALES, { user_active: true }), 'asmith')).toMatchObject({ user_active: true });
  });

  it.each<[string, Params, number]>([
    ['neither user_id nor user_name', { user_display_name: 'X' }, 101],
    ['user_name without an application', { user_name: 'jdoe', user_display_name: 'X' }, 101],
    ['a list of user ids', { user_id: '101;102', user_display_name: 'X' }, 101],
    ['an unknown user_id', { user_id: 99999, user_display_name: 'X' }, 117],
    [
      'a user_id outside the application',
      { user_id: 101, application_id: SALES, user_display_name: 'X' },
      117,
    ],
    ['an unknown user_name', { user_name: 'nobody', application_id: SUPPORT, user_display_name: 'X' }, 117],
    ['a new user name taken in its application', { user_id: 101, new_user_name: 'asmith' }, 118],
    ['a malformed new user name', { user_id: 101, new_user_name: 'J Doe' }, 122],
    ['a weak password', { user_id: 101, user_password: 'password' }, 112],
    ['a display name of 256 characters', { user_id: 101, user_display_name: 'd'.repeat(256) }, 157],
  ])('refuses %s, changing nothing', async (_name, params, code) => {
    const before = JSON.stringify(emulator.users);
    expect(await codeOf('SetUserInfo', params)).toBe(code);
    expect(JSON.stringify(emulator.users)).toBe(before);
  });
});

describe('DelUser', () => {
  it('deletes by user_id list: gone from GetUsers, and ids are never given again', async () => {
    const before = await list();
    const added = (await call('AddUser', NEW_USER)).user_id!;
    expect(await call('DelUser', { user_id: `101;${added}` })).toEqual({ result: 1 });
    const after = await list();
    expect(after.total_count).toBe(before.total_count - 1);
    expect(names(after)).toEqual(names(before).filter((name) => name !== 'jdoe'));
    expect((await list(SUPPORT, { user_id: 101 })).result).toEqual([]);
    expect((await call('AddUser', NEW_USER)).user_id).toBe(added + 1);
  });

  it('deletes by user_name within an application, and all users of one with user_id=all', async () => {
    expect(await call('DelUser', { user_name: 'asmith;jdoe', application_id: SUPPORT })).toEqual({
      result: 1,
    });
    expect(names(await list())).not.toContain('asmith');
    expect(names(await list())).not.toContain('jdoe');
    // asmith was bound to 10002 too: the user is gone, not unbound.
    expect(names(await list(SALES))).not.toContain('asmith');

    const supportCount = (await list()).total_count;
    const total = emulator.users.length;
    expect(await call('DelUser', { user_id: 'all', application_name: 'ivrbots' })).toEqual({ result: 1 });
    expect((await list(BOTS)).total_count).toBe(0);
    expect(emulator.users.length).toBeLessThan(total);
    // No seeded user is bound to both 10001 and 10003: the support application keeps all of its users.
    expect((await list()).total_count).toBe(supportCount);
  });

  it('deletes nobody when one of the users is unknown (117) or the request is malformed (101)', async () => {
    const count = emulator.users.length;
    expect(await codeOf('DelUser', { user_id: '101;99999' })).toBe(117);
    expect(await codeOf('DelUser', { user_id: '101;x' })).toBe(101);
    expect(await codeOf('DelUser', { user_name: 'jdoe' })).toBe(101);
    expect(await codeOf('DelUser', { user_name: 'jdoe', application_id: SALES })).toBe(117);
    expect(await codeOf('DelUser', {})).toBe(101);
    expect(emulator.users).toHaveLength(count);
  });
});

describe('auth and request shapes', () => {
  it('refuses every admin method without valid credentials, as GetUsers does, and changes nothing', async () => {
    const other = await VoximplantEmulator.create(); // another account's key pair
    const foreignKey = (await importPKCS8(other.credentials.private_key, 'RS256')) as CryptoKey;
    const before = JSON.stringify(emulator.users);
    const requests: [string, Params][] = [
      ['AddUser', NEW_USER],
      ['SetUserInfo', { user_id: 101, user_active: false }],
      ['DelUser', { user_id: 101 }],
    ];
    for (const [method, params] of requests) {
      expect((await call(method, params, null)).error?.code).toBe(100);
      expect((await call(method, params, 'Bearer not.a.jwt')).error?.code).toBe(447);
      expect((await call(method, params, `Bearer ${await token(emulator, foreignKey)}`)).error?.code).toBe(
        100,
      );
    }
    expect(JSON.stringify(emulator.users)).toBe(before);
  });

  it("takes the Node SDK's shape too: POST /platform_api, multipart, cmd in the body", async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ cmd: 'AddUser', ...NEW_USER })) form.append(k, String(v));
    const res = await fetch(`${emulator.baseUrl}/platform_api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}` },
      body: form,
    });
    const body = (await res.json()) as Answer;
    expect(body.result).toBe(1);
    expect(byName(await list(), 'gracehopper')!.user_id).toBe(body.user_id);
  });
});

describe("rollcall's directory", () => {
  let h: Harness;
  let upstream: VoximplantEmulator;
  let upstreamKey: CryptoKey;
  let source: string;

  beforeAll(async () => {
    h = await startHarness({ providers: [voximplantProvider], env: { ROLLCALL_DIRECTORY: 'on' } });
    upstream = h.emulator<VoximplantEmulator>('VOXIMPLANT');
    upstreamKey = (await importPKCS8(upstream.credentials.private_key, 'RS256')) as CryptoKey;
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
  const admin = async (method: string, params: Params) => {
    const answer = await call(method, params, `Bearer ${await token(upstream, upstreamKey)}`, upstream);
    expect(answer.error).toBeUndefined();
    return answer;
  };

  it('holds a user added, renamed, deactivated and deleted through the admin methods after each next walk', async () => {
    await walk();
    expect(await search('hedwig')).toEqual([]);

    const { user_id: id } = await admin('AddUser', {
      user_name: 'hedwig',
      user_display_name: 'Hedwig Owl',
      user_password: 'Sn0wy!Owl',
      application_id: upstream.defaultApplicationId,
    });
    expect(await search('hedwig')).toEqual([]); // not before the walk
    expect(await walk()).toMatchObject({ walked: true });
    expect(await search('hedwig')).toEqual([
      { providerUserId: String(id), displayName: 'Hedwig Owl', active: true },
    ]);

    await admin('SetUserInfo', { user_id: id!, user_display_name: 'Hedwig Snowy Owl', user_active: false });
    await walk();
    expect(await search('hedwig')).toEqual([
      { providerUserId: String(id), displayName: 'Hedwig Snowy Owl', active: false },
    ]);

    await admin('DelUser', { user_id: id! });
    await walk();
    expect(await search('hedwig')).toEqual([]);
  });
});
