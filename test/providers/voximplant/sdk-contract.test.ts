/**
 * Contract check: the official `@voximplant/apiclient-nodejs` SDK against the emulator. The SDK signs
 * its own JWTs (jsonwebtoken, exp = iat + 64) and posts multipart `cmd=GetUsers` to `/platform_api`
 * over a hard-coded `https://`; an interceptor on the SDK's own axios sends it to the plain-HTTP
 * emulator instead (the SDK hard-codes https://api.voximplant.com). Its requests must be accepted, and its GetUsers must see the
 * same users as rollcall, in the same order; its AddUser, SetUserInfo and DelUser must be accepted too, and
 * rollcall must see what they changed.
 *
 * The SDK and its axios are loaded with Node's own `require` (not Jest's module registry), so the
 * interceptor lands on the very axios instance the SDK uses.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
// Under NodeNext the CommonJS default export is `.default` (what `new Vox.default(...)` needs in ESM).
import type Vox from '@voximplant/apiclient-nodejs';
import { exportPKCS8, generateKeyPair } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VoximplantEmulator } from '../../../src/providers/voximplant/emulator.js';
import { voximplantProvider } from '../../../src/providers/voximplant/index.js';
import { startHarness, type Harness } from '../../support/harness.js';

type Client = Vox.default;
type GetUsersRequest = Parameters<Client['Users']['getUsers']>[0];
interface SdkUser {
  userId: number;
  userName: string;
  userDisplayName: string;
  userActive: boolean;
  balance: number;
  fixedBalance: number;
  acdStatus: string;
}
interface SdkAnswer {
  result?: SdkUser[];
  totalCount?: number;
  error?: { code: number; msg: string };
}

const nativeRequire = createRequire(import.meta.url);
const sdkRequire = createRequire(nativeRequire.resolve('@voximplant/apiclient-nodejs'));
const { default: VoximplantSdk } = nativeRequire('@voximplant/apiclient-nodejs') as typeof Vox;
const sdkAxios = sdkRequire('axios') as {
  interceptors: { request: { use(f: (c: { url: string }) => unknown): number; eject(id: number): void } };
};

let h: Harness;
let emulator: VoximplantEmulator;
let dir: string;
let interceptor: number;

beforeAll(async () => {
  h = await startHarness({ providers: [voximplantProvider] });
  emulator = h.emulator<VoximplantEmulator>('VOXIMPLANT');
  dir = mkdtempSync(join(tmpdir(), 'rollcall-vox-sdk-'));
  interceptor = sdkAxios.interceptors.request.use((config) => {
    config.url = config.url.replace(/^https:\/\/[^/]+/, emulator.baseUrl);
    return config;
  });
});
afterAll(async () => {
  sdkAxios.interceptors.request.eject(interceptor);
  rmSync(dir, { recursive: true, force: true });
  await h.stop();
});

/**
 * An SDK client that has read its credentials. The SDK reads the file asynchronously and throws from the
 * callback (crashing the process) when it is missing, so the file is always written first.
 */
async function sdkClient(credentials: object, name = 'credentials.json'): Promise<Client> {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(credentials));
  return new Promise((resolve) => {
    const client = new VoximplantSdk({ pathToCredentials: path, host: 'api.voximplant.com' });
    client.onReady = resolve;
  });
}

const getUsers = (client: Client, request: Record<string, unknown>) =>
  client.Users.getUsers(request as unknown as GetUsersRequest) as unknown as Promise<SdkAnswer>;

async function sdkWalk(client: Client, request: Record<string, unknown>, count: number): Promise<SdkUser[]> {
  const users: SdkUser[] = [];
  for (let offset = 0; ; offset += count) {
    const answer = await getUsers(client, { ...request, count, offset });
    expect(answer.error).toBeUndefined();
    users.push(...answer.result!);
    if (offset + answer.result!.length >= answer.totalCount!) return users;
  }
}

async function rollcallUsers(filter?: Record<string, unknown>): Promise<SdkUser[]> {
  const users: SdkUser[] = [];
  let after: string | null = null;
  for (;;) {
    const result: {
      data?: {
        voximplantUsers: { nodes: SdkUser[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      } | null;
    } = await h.query(
      `query ($after: String, $filter: VoximplantUserFilter) {
        voximplantUsers(first: 9, after: $after, filter: $filter) {
          nodes { userId userName userDisplayName userActive balance fixedBalance acdStatus }
          pageInfo { hasNextPage endCursor }
        }
      }`,
      { after, filter },
    );
    const connection = result.data!.voximplantUsers;
    users.push(...connection.nodes);
    if (!connection.pageInfo.hasNextPage) return users;
    after = connection.pageInfo.endCursor;
  }
}

const pick = (u: SdkUser) => ({
  userId: u.userId,
  userName: u.userName,
  userDisplayName: u.userDisplayName,
  userActive: u.userActive,
  balance: u.balance,
  fixedBalance: u.fixedBalance,
  acdStatus: u.acdStatus,
});

describe('the official Voximplant SDK against the emulator', () => {
  it('is accepted with its own signed requests and lists the same users, in the same order, as rollcall', async () => {
    const client = await sdkClient(emulator.credentials);
    emulator.resetCalls();
    const sdkUsers = await sdkWalk(client, { applicationId: 10001 }, 10);
    // What the SDK sent: multipart POST /platform_api with cmd=GetUsers and its own RS256 token.
    expect(emulator.calls.length).toBe(Math.ceil(sdkUsers.length / 10));
    for (const call of emulator.calls) {
      expect(call).toMatchObject({ method: 'POST', path: '/platform_api', status: 200 });
      expect(call.headers['content-type']).toMatch(/^multipart\/form-data/);
      expect(call.body).toContain('name="cmd"');
      expect(call.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    }
    const ours = await rollcallUsers();
    expect(sdkUsers.length).toBe(ours.length);
    expect(sdkUsers.map(pick)).toEqual(ours.map(pick));
  });

  it('sees the same users as rollcall under the same filters', async () => {
    const client = await sdkClient(emulator.credentials);
    const sdkUsers = await sdkWalk(
      client,
      {
        applicationName: 'salesapp',
        acdStatus: 'READY;DND;ONLINE;OFFLINE',
        userActive: true,
        withSkills: true,
      },
      7,
    );
    const ours = await rollcallUsers({
      applicationName: 'salesapp',
      acdStatus: ['READY', 'DND', 'ONLINE', 'OFFLINE'],
      userActive: true,
    });
    expect(sdkUsers.length).toBeGreaterThan(0);
    expect(sdkUsers.map(pick)).toEqual(ours.map(pick));
  });

  it('resolves (does not reject) with the HTTP-200 error body {error: {code: 100}} for a wrongly signed request', async () => {
    const other = await generateKeyPair('RS256', { extractable: true });
    const client = await sdkClient(
      { ...emulator.credentials, private_key: await exportPKCS8(other.privateKey) },
      'wrong-credentials.json',
    );
    emulator.resetCalls();
    const answer = await getUsers(client, { applicationId: 10001, count: 1 });
    expect(answer.error).toMatchObject({ code: 100 });
    expect(answer.result).toBeUndefined();
    expect(emulator.calls.map((c) => c.status)).toEqual([200]);
  });

  it("is accepted by the emulator's admin methods, whose changes rollcall sees on its next read", async () => {
    const client = await sdkClient(emulator.credentials);
    const users = client.Users as unknown as Record<
      'addUser' | 'setUserInfo' | 'delUser',
      (request: Record<string, unknown>) => Promise<{ result?: number; userId?: number; error?: unknown }>
    >;
    const added = await users.addUser({
      userName: 'sdkuser',
      userDisplayName: 'Sdk User',
      userPassword: 'Sdk!Passw0rd',
      applicationId: 10001,
      userCustomData: 'from the SDK',
    });
    expect(added).toEqual({ result: 1, userId: expect.any(Number) });
    const find = async () => (await rollcallUsers()).find((u) => u.userName === 'sdkuser');
    expect(await find()).toMatchObject({
      userId: added.userId,
      userDisplayName: 'Sdk User',
      userActive: true,
    });

    expect(await users.setUserInfo({ userId: added.userId, userActive: false })).toEqual({ result: 1 });
    expect(await find()).toMatchObject({ userId: added.userId, userActive: false });

    expect(await users.delUser({ userId: added.userId })).toEqual({ result: 1 });
    expect(await find()).toBeUndefined();
  });
});
