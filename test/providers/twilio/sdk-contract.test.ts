/**
 * Contract check: the official `twilio` SDK, pointed at the emulator through a custom HTTP client,
 * pages through the users with its own paging and must see exactly what rollcall serves.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { TwilioEmulator } from '../../../src/providers/twilio/emulator.js';
import { twilioProvider } from '../../../src/providers/twilio/index.js';
import { startHarness, type Harness } from '../../support/harness.js';

class LocalRequestClient extends twilio.RequestClient {
  constructor(private readonly base: string) {
    super({ autoRetry: false });
  }
  override request<TData>(options: RequestClient.RequestOptions<TData>) {
    const url = new URL(options.uri);
    return super.request<TData>({ ...options, uri: this.base + url.pathname + url.search });
  }
}

let h: Harness;
let emulator: TwilioEmulator;
beforeAll(async () => {
  h = await startHarness({ providers: [twilioProvider] });
  emulator = h.emulator<TwilioEmulator>('TWILIO_CONVERSATIONS');
});
afterAll(() => h.stop());

async function rollcallSids(): Promise<string[]> {
  const sids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const result: {
      data?: {
        twilioConversationUsers: {
          edges: { node: { sid: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      } | null;
    } = await h.query(
      'query ($after: String) { twilioConversationUsers(first: 100, after: $after) { edges { node { sid } } pageInfo { hasNextPage endCursor } } }',
      { after },
    );
    const connection = result.data!.twilioConversationUsers;
    sids.push(...connection.edges.map((e) => e.node.sid));
    if (!connection.pageInfo.hasNextPage) return sids;
    after = connection.pageInfo.endCursor;
  }
}

describe('the official twilio SDK against the emulator', () => {
  it('lists the same users, in the same order, as rollcall', async () => {
    const client = twilio(emulator.accountSid, emulator.authToken, {
      httpClient: new LocalRequestClient(emulator.baseUrl),
    });
    emulator.resetCalls();
    const sdkUsers = await client.conversations.v1.users.list({ pageSize: 50 });
    const sdkCalls = emulator.calls.length;
    expect(sdkCalls).toBe(Math.ceil(emulator.users.length / 50));
    expect(sdkUsers.map((u) => u.sid)).toEqual(await rollcallSids());
    expect(sdkUsers[0]).toMatchObject({ identity: 'admin', friendlyName: 'name', isOnline: null });
  });

  it('fetches one user by identity with presence filled, as rollcall does', async () => {
    const client = twilio(emulator.accountSid, emulator.authToken, {
      httpClient: new LocalRequestClient(emulator.baseUrl),
    });
    const sdkUser = await client.conversations.v1.users('agent0034').fetch();
    const { data } = await h.query<{ twilioConversationUser: { sid: string; isOnline: boolean | null } }>(
      '{ twilioConversationUser(sid: "agent0034") { sid isOnline } }',
    );
    expect(data!.twilioConversationUser).toEqual({ sid: sdkUser.sid, isOnline: sdkUser.isOnline });
  });

  it('sees the emulator errors as Twilio RestExceptions', async () => {
    const client = twilio(emulator.accountSid, 'wrong-token', {
      httpClient: new LocalRequestClient(emulator.baseUrl),
    });
    await expect(client.conversations.v1.users.list({ limit: 1 })).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
  });
});
