/**
 * Several sources of one provider, as demo mode serves them: two Twilio accounts (`twilio-us`, the default,
 * 124 users; `twilio-eu`, 42 other users) beside one source of every other provider. Real HTTP against the
 * emulators; the upstream calls asserted are the ones each source's emulator recorded.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, startReplica, type Harness } from '../support/harness.js';

let h: Harness;
let us: TwilioEmulator;
let eu: TwilioEmulator;
beforeAll(async () => {
  h = await startHarness({
    demoSources: true,
    env: { ROLLCALL_RETRIES: '0', ROLLCALL_BREAKER_THRESHOLD: '2' },
  });
  us = h.sourceEmulator<TwilioEmulator>('twilio-us');
  eu = h.sourceEmulator<TwilioEmulator>('twilio-eu');
});
afterAll(() => h.stop());
beforeEach(() => h.reset());

const sids = (emulator: TwilioEmulator) => emulator.users.map((user) => user.wire.sid);

interface UserNode {
  id: string;
  source: string;
  providerUserId: string;
}
interface Page {
  edges: { cursor: string; node: UserNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('sources', () => {
  it('lists every source of the instance, by provider, the default marked', async () => {
    const { data, errors } = await h.query<{ sources: Record<string, unknown>[] }>(
      '{ sources { name provider default enabled mode circuit lastErrorCode } }',
    );
    expect(errors).toBeUndefined();
    expect(data!.sources.map((s) => [s.name, s.provider, s.default])).toEqual([
      ['twochat', 'TWO_CHAT', true],
      ['twilio-us', 'TWILIO_CONVERSATIONS', true],
      ['twilio-eu', 'TWILIO_CONVERSATIONS', false],
      ['ada', 'ADA', true],
      ['cometchat', 'COMETCHAT', true],
      ['voximplant', 'VOXIMPLANT', true],
    ]);
    for (const source of data!.sources)
      expect(source).toMatchObject({
        enabled: true,
        mode: 'EMULATED',
        circuit: 'CLOSED',
        lastErrorCode: null,
      });
  });

  it('two Twilio accounts hold different users', () => {
    expect(sids(eu)).toHaveLength(42);
    expect(sids(us).filter((sid) => sids(eu).includes(sid))).toEqual([]);
  });
});

describe('a provider connection over several sources', () => {
  const PAGE = `query ($source: String, $after: String) {
    twilioConversationUsers(first: 50, after: $after, source: $source) {
      edges { cursor node { id source providerUserId } } pageInfo { hasNextPage endCursor } } }`;

  it('pages the named source, and the default source when none is named, each with its own calls', async () => {
    const walk = async (source?: string) => {
      const seen: UserNode[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 10; guard += 1) {
        const answer: { data?: { twilioConversationUsers: Page } | null; errors?: unknown[] } =
          await h.query<{
            twilioConversationUsers: Page;
          }>(PAGE, { source, after });
        expect(answer.errors).toBeUndefined();
        const page: Page = answer.data!.twilioConversationUsers;
        seen.push(...page.edges.map((edge) => edge.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      return seen;
    };
    const europe = await walk('twilio-eu');
    expect(europe.map((user) => user.providerUserId)).toEqual(sids(eu));
    expect(new Set(europe.map((user) => user.source))).toEqual(new Set(['twilio-eu']));
    expect(eu.calls).toHaveLength(1);
    expect(us.calls).toHaveLength(0);

    const fallback = await walk();
    expect(fallback.map((user) => user.providerUserId)).toEqual(sids(us));
    expect(new Set(fallback.map((user) => user.source))).toEqual(new Set(['twilio-us']));
    expect(us.calls).toHaveLength(3);
    expect(eu.calls).toHaveLength(1);
  });

  it("refuses one source's cursor on another source", async () => {
    const first = await h.query<{ twilioConversationUsers: Page }>(PAGE, { source: 'twilio-us' });
    const cursor = first.data!.twilioConversationUsers.pageInfo.endCursor;
    h.reset();
    const { data, errors } = await h.query(PAGE, { source: 'twilio-eu', after: cursor });
    expect(data?.twilioConversationUsers).toBeNull();
    expect(errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } });
    expect(eu.calls).toHaveLength(0);
  });

  it('answers an unknown source with BAD_USER_INPUT listing the choices, before any upstream call', async () => {
    const { errors } = await h.query(PAGE, { source: 'twilio-apac' });
    expect(errors?.[0]).toMatchObject({
      message: expect.stringMatching(/names no Twilio Conversations source.*twilio-us, twilio-eu/),
      extensions: { code: 'BAD_USER_INPUT', argument: 'source', sources: ['twilio-us', 'twilio-eu'] },
    });
    const lookup = await h.query('{ twilioConversationUser(sid: "US0", source: "nope") { sid } }');
    expect(lookup.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'source' });
    expect(us.calls.length + eu.calls.length).toBe(0);
  });

  it('looks a user up in the named source', async () => {
    const sid = sids(eu)[5];
    const { data } = await h.query<{ twilioConversationUser: { sid: string; source: string } | null }>(
      `{ twilioConversationUser(sid: "${sid}", source: "twilio-eu") { sid source } }`,
    );
    expect(data!.twilioConversationUser).toEqual({ sid, source: 'twilio-eu' });
    const missing = await h.query<{ twilioConversationUser: null }>(
      `{ twilioConversationUser(sid: "${sid}") { sid } }`,
    );
    expect(missing.data!.twilioConversationUser).toBeNull();
    expect(eu.calls).toHaveLength(1);
    expect(us.calls).toHaveLength(1);
  });
});

describe('users over sources', () => {
  const USERS = `query ($sources: [String!], $providers: [Provider!], $after: String) {
    users(first: 100, sources: $sources, providers: $providers, after: $after) {
      edges { node { id source providerUserId } } pageInfo { hasNextPage endCursor } } }`;

  it('pages exactly the named source', async () => {
    const { data, errors } = await h.query<{ users: Page }>(USERS, { sources: ['twilio-eu'] });
    expect(errors).toBeUndefined();
    expect(data!.users.edges.map((edge) => edge.node.providerUserId)).toEqual(sids(eu));
    expect(data!.users.pageInfo.hasNextPage).toBe(false);
    expect(eu.calls).toHaveLength(1);
    expect(us.calls).toHaveLength(0);
  });

  it("walks a provider's sources one after the other, in their declared order", async () => {
    const seen: UserNode[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard += 1) {
      const answer: { data?: { users: Page } | null; errors?: unknown[] } = await h.query<{ users: Page }>(
        USERS,
        { providers: ['TWILIO_CONVERSATIONS'], after },
      );
      expect(answer.errors).toBeUndefined();
      const page: Page = answer.data!.users;
      seen.push(...page.edges.map((edge) => edge.node));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.map((user) => user.providerUserId)).toEqual([...sids(us), ...sids(eu)]);
    expect(seen.map((user) => user.source)).toEqual([
      ...sids(us).map(() => 'twilio-us'),
      ...sids(eu).map(() => 'twilio-eu'),
    ]);
  });

  it('names at most three unknown sources, however many a hostile list holds', async () => {
    const names = Array.from({ length: 5000 }, (_, i) => `nope-${i}`);
    const { errors } = await h.query(USERS, { sources: names });
    expect(errors?.[0].message).toMatch(/"nope-0", "nope-1", "nope-2" and 4997 more\. Its sources: /);
    expect(errors?.[0].message.length).toBeLessThan(400);
    expect(us.calls.length + eu.calls.length).toBe(0);
  });

  it('refuses an unknown source name, listing the sources', async () => {
    const { data, errors } = await h.query(USERS, { sources: ['twilio-eu', 'mars'] });
    expect(data?.users).toBeNull();
    expect(errors?.[0]).toMatchObject({
      message: expect.stringMatching(/"sources" names no source of this instance: "mars"/),
      extensions: { code: 'BAD_USER_INPUT', argument: 'sources' },
    });
  });
});

describe('ids', () => {
  it('resolves a v1 id (issued before sources) against the default source, answering a v2 id', async () => {
    const sid = sids(us)[7];
    const v1 = Buffer.from(`rollcall:v1:TWILIO_CONVERSATIONS:${sid}`).toString('base64url');
    const { data, errors } = await h.query<{ node: { id: string; source: string; providerUserId: string } }>(
      `{ node(id: "${v1}") { id ... on User { source providerUserId } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data!.node).toMatchObject({ source: 'twilio-us', providerUserId: sid });
    expect(Buffer.from(data!.node.id, 'base64url').toString()).toBe(
      `rollcall:v2:TWILIO_CONVERSATIONS:twilio-us:${sid}`,
    );
  });

  it('resolves a v2 id against the source it names', async () => {
    const sid = sids(eu)[3];
    const id = Buffer.from(`rollcall:v2:TWILIO_CONVERSATIONS:twilio-eu:${sid}`).toString('base64url');
    const { data } = await h.query<{ node: { source: string } }>(
      `{ node(id: "${id}") { ... on User { source } } }`,
    );
    expect(data!.node).toEqual({ source: 'twilio-eu' });
    expect(eu.calls).toHaveLength(1);
    expect(us.calls).toHaveLength(0);
    const elsewhere = Buffer.from(`rollcall:v2:TWILIO_CONVERSATIONS:twilio-apac:${sid}`).toString(
      'base64url',
    );
    const { errors } = await h.query(`{ node(id: "${elsewhere}") { id } }`);
    expect(errors?.[0].extensions).toMatchObject({
      code: 'PROVIDER_NOT_CONFIGURED',
      provider: 'TWILIO_CONVERSATIONS',
      source: 'twilio-apac',
    });
  });

  it('resolves an ambiguous native key by asking each source, the default first', async () => {
    const { data, errors } = await h.query<{ _entities: ({ sid: string; source: string } | null)[] }>(
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on TwilioConversationUser { sid source } } }`,
      {
        representations: [
          { __typename: 'TwilioConversationUser', sid: sids(us)[1] },
          { __typename: 'TwilioConversationUser', sid: sids(eu)[2] },
          { __typename: 'TwilioConversationUser', sid: `US${'0'.repeat(32)}` },
        ],
      },
    );
    expect(errors).toBeUndefined();
    expect(data!._entities).toEqual([
      { sid: sids(us)[1], source: 'twilio-us' },
      { sid: sids(eu)[2], source: 'twilio-eu' },
      null,
    ]);
    // The default source was asked for all three (one batch); the other only for the two it lacked.
    expect(eu.calls.length).toBeLessThanOrEqual(2);
    expect(eu.calls.length).toBeGreaterThan(0);
  });
});

describe('ambiguous native keys while a source fails', () => {
  it('finds the user in the other source when the default one fails, and reports the failure when none has it', async () => {
    // A replica of its own: the failures below open its breaker, not the shared harness's.
    const replica = await startReplica(h.emulators, { ROLLCALL_RETRIES: '0' }, undefined, undefined, true);
    try {
      us.injectFault({ status: 503, body: { code: 20503, message: 'down', status: 503 } });
      const ENTITIES = `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { ... on TwilioConversationUser { sid source } } }`;
      const found = await replica.query<{ _entities: ({ sid: string; source: string } | null)[] }>(ENTITIES, {
        representations: [{ __typename: 'TwilioConversationUser', sid: sids(eu)[4] }],
      });
      expect(found.errors).toBeUndefined();
      expect(found.data!._entities).toEqual([{ sid: sids(eu)[4], source: 'twilio-eu' }]);
      const nowhere = await replica.query(ENTITIES, {
        representations: [{ __typename: 'TwilioConversationUser', sid: `US${'1'.repeat(32)}` }],
      });
      expect(nowhere.errors?.[0].extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        source: 'twilio-us',
      });
    } finally {
      await replica.stop();
    }
  });
});

describe('isolation', () => {
  it("a failing source opens its own breaker: the other source's data and breaker are untouched", async () => {
    eu.injectFault({ status: 503, body: { code: 20503, message: 'down', status: 503 } });
    const PAGE = `query ($source: String) { twilioConversationUsers(first: 5, source: $source) { edges { node { source } } } }`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { errors } = await h.query(PAGE, { source: 'twilio-eu' });
      expect(errors?.[0].extensions).toMatchObject({ provider: 'TWILIO_CONVERSATIONS' });
    }
    const healthy = await h.query<{ twilioConversationUsers: { edges: { node: { source: string } }[] } }>(
      PAGE,
      { source: 'twilio-us' },
    );
    expect(healthy.errors).toBeUndefined();
    expect(healthy.data!.twilioConversationUsers.edges).toHaveLength(5);
    const { data } = await h.query<{
      sources: { name: string; circuit: string; lastErrorCode: string | null }[];
    }>('{ sources { name circuit lastErrorCode } }');
    const byName = Object.fromEntries(data!.sources.map((source) => [source.name, source]));
    expect(byName['twilio-eu']).toMatchObject({ circuit: 'OPEN', lastErrorCode: 'UPSTREAM_UNAVAILABLE' });
    expect(byName['twilio-us']).toMatchObject({ circuit: 'CLOSED', lastErrorCode: null });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('rollcall_circuit_state{provider="TWILIO_CONVERSATIONS",source="twilio-eu"} 2');
    expect(metrics).toContain('rollcall_circuit_state{provider="TWILIO_CONVERSATIONS",source="twilio-us"} 0');
    expect(metrics).toMatch(
      /rollcall_upstream_requests_total\{provider="TWILIO_CONVERSATIONS",source="twilio-us",status="200"\} [1-9]/,
    );
  });
});

describe('per-source settings from the configuration file', () => {
  it("applies a source's own retries and breaker, leaving the other source on the process-wide ones", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-sources-'));
    const euEnv = h.emulators.sources.find((source) => source.name === 'twilio-eu')!.env;
    const usEnv = h.emulators.sources.find((source) => source.name === 'twilio-us')!.env;
    const file = join(dir, 'rollcall.config.yaml');
    writeFileSync(
      file,
      `sources:
  - name: us
    provider: twilio
    credentials: { accountSid: "\${env.US_SID}", authToken: "\${env.US_TOKEN}" }
    options: { baseUrl: "\${env.US_URL}" }
  - name: eu
    provider: twilio
    credentials: { accountSid: "\${env.EU_SID}", authToken: "\${env.EU_TOKEN}" }
    options: { baseUrl: "\${env.EU_URL}" }
    settings: { retries: 0, breakerThreshold: 1 }
`,
    );
    const replica = await startReplica(h.emulators, {
      ROLLCALL_CONFIG: file,
      ROLLCALL_RETRIES: '2',
      ROLLCALL_RETRY_BACKOFF_MS: '1',
      ROLLCALL_BREAKER_THRESHOLD: '5',
      US_SID: usEnv.TWILIO_ACCOUNT_SID,
      US_TOKEN: usEnv.TWILIO_AUTH_TOKEN,
      US_URL: usEnv.TWILIO_CONVERSATIONS_BASE_URL,
      EU_SID: euEnv.TWILIO_ACCOUNT_SID,
      EU_TOKEN: euEnv.TWILIO_AUTH_TOKEN,
      EU_URL: euEnv.TWILIO_CONVERSATIONS_BASE_URL,
    });
    try {
      const fault = { status: 503, body: { code: 20503, message: 'down', status: 503 } };
      us.injectFault(fault);
      eu.injectFault(fault);
      const PAGE =
        'query ($source: String) { twilioConversationUsers(first: 5, source: $source) { nodes { sid } } }';
      const failed = await replica.query(PAGE, { source: 'eu' });
      expect(failed.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'eu' });
      await replica.query(PAGE, { source: 'us' });
      // eu: no retry; us: the process-wide two retries.
      expect(eu.calls).toHaveLength(1);
      expect(us.calls).toHaveLength(3);
      const { data } = await replica.query<{ sources: { name: string; circuit: string }[] }>(
        '{ sources { name circuit } }',
      );
      // eu's breaker opened after its one failure; us is below the process-wide threshold of 5.
      expect(data!.sources).toEqual([
        { name: 'us', circuit: 'CLOSED' },
        { name: 'eu', circuit: 'OPEN' },
      ]);
    } finally {
      await replica.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
