/**
 * The directory end to end, on both stores: PGlite (in process) and a real PostgreSQL server (Debian's,
 * started on a free loopback port). The servers serve demo mode's six sources from the emulators; the
 * oracle is the same users read live, through a server with the directory off (the providers' own
 * connections, walked in the configured order).
 *
 * Checked: every user indexed once at the minimum upstream calls; every order and filter, forward and
 * backward, against the oracle, with exact totals and no upstream call; a walk failing midway changes
 * nothing; users gone from a complete walk are soft-deleted; DIRECTORY_INCOMPLETE while a source never
 * completed a walk; bad input refused before any query; migrations; two replicas on one PostgreSQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Buffer } from 'node:buffer';
import { LOCK_NAMESPACE, openDatabase } from '../../src/directory/store/database.js';
import { migrate, MIGRATIONS } from '../../src/directory/store/migrations.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import type { TwoChatEmulator } from '../../src/providers/twochat/emulator.js';
import { twilioSignature } from '../../src/providers/twilio/signature.js';
import type { AdaEmulator } from '../../src/providers/ada/emulator.js';
import { signStandardWebhook } from '../../src/providers/core/webhooks.js';
import { startHarness, startReplica, type Harness, type Replica } from '../support/harness.js';
import { onPostgres, STORES, startPostgres, type PostgresProcess } from '../support/postgres.js';

const SOURCES = ['twochat', 'twilio-us', 'twilio-eu', 'ada', 'cometchat', 'voximplant'];

interface Node {
  id: string;
  source: string;
  provider: string;
  providerUserId: string;
  displayName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  active: boolean | null;
  createdAt: string | null;
  updatedAt: string | null;
}
const NODE =
  'id source provider providerUserId displayName firstName lastName email active createdAt updatedAt';

interface Page {
  users: {
    totalCount: number;
    edges: { cursor: string; node: Node }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  } | null;
}

if (!onPostgres) console.warn('PostgreSQL not found: the directory runs on PGlite only here (CI runs both)');

let live: Harness;
/** Every user, read live in the configured order (the directory's SOURCE order). */
let oracle: Node[];

beforeAll(async () => {
  live = await startHarness({ demoSources: true, env: { ROLLCALL_MAX_PAGE_SIZE: '100' } });
  oracle = [];
  let after: string | null = null;
  do {
    const result: { data?: Page | null } = await live.query<Page>(
      `query ($after: String) { users(first: 100, after: $after) { edges { cursor node { ${NODE} } } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    const page = result.data!.users!;
    oracle.push(...page.edges.map((edge) => edge.node));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
}, 60_000);
afterAll(() => live?.stop());

/** The upstream calls since the last reset, named (a stray one says which source and path). */
const upstreamCalls = () =>
  SOURCES.flatMap((name) =>
    live.sourceEmulator(name).calls.map((call) => `${name} ${call.method} ${call.path}`),
  );

// ---------------------------------------------------------------------------------------------
// The oracle's order: missing values last, text lower-cased and compared as UTF-8 bytes, ties by the
// configured source order then the native id.
// ---------------------------------------------------------------------------------------------

/** What `filter.search` looks in. */
const searchable = (node: Node): string[] =>
  [node.displayName, node.firstName, node.lastName, node.email, node.providerUserId].filter(
    (value): value is string => typeof value === 'string',
  );

type Field = 'DISPLAY_NAME' | 'EMAIL' | 'CREATED_AT' | 'UPDATED_AT' | 'SOURCE';
const bytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
function valueOf(node: Node, field: Field): string | null {
  const text = (value: string | null) => (value && value.trim() ? value.trim().toLowerCase() : null);
  switch (field) {
    case 'DISPLAY_NAME':
      return text(node.displayName);
    case 'EMAIL':
      return text(node.email);
    case 'CREATED_AT':
      return node.createdAt;
    case 'UPDATED_AT':
      return node.updatedAt;
    case 'SOURCE':
      return null;
  }
}
function sorted(nodes: readonly Node[], field: Field, direction: 'ASC' | 'DESC'): Node[] {
  if (field === 'SOURCE') return direction === 'ASC' ? [...nodes] : [...nodes].reverse();
  const rank = new Map(oracle.map((node, index) => [node.id, index]));
  const sourceRank = (node: Node) => SOURCES.indexOf(node.source);
  const sign = direction === 'ASC' ? 1 : -1;
  return [...nodes].sort((a, b) => {
    const x = valueOf(a, field);
    const y = valueOf(b, field);
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    const dates = field === 'CREATED_AT' || field === 'UPDATED_AT';
    const byValue = x === null || y === null ? 0 : dates ? Date.parse(x) - Date.parse(y) : bytes(x, y);
    if (byValue !== 0) return sign * Math.sign(byValue);
    const bySource = sourceRank(a) - sourceRank(b);
    if (bySource !== 0) return sign * bySource;
    const byId = bytes(a.providerUserId, b.providerUserId);
    return sign * (byId || (rank.get(a.id) ?? 0) - (rank.get(b.id) ?? 0));
  });
}

describe.each(STORES)('the directory on $name', ({ postgres }) => {
  let pg: PostgresProcess | undefined;
  let server: Replica;
  const replicas: Replica[] = [];

  async function directoryReplica(env: Record<string, string> = {}): Promise<Replica> {
    const databaseUrl: Record<string, string> = pg
      ? { ROLLCALL_DATABASE_URL: await pg.createDatabase() }
      : {};
    const replica = await startReplica(
      live.emulators,
      { ROLLCALL_DIRECTORY: 'on', ROLLCALL_MAX_PAGE_SIZE: '100', ...databaseUrl, ...env },
      undefined,
      undefined,
      true,
    );
    replicas.push(replica);
    return replica;
  }
  const walkAll = (replica: Replica) =>
    Promise.all(SOURCES.map((name) => replica.server.directory!.sync.walkNow(name)));

  async function page(query: string, variables: Record<string, unknown> = {}, on: Replica = server) {
    const result = await on.query<Page>(query, variables);
    return result;
  }
  /** Every node of `users(<args>)`, paged forward at `size` (or backward with `last`). */
  async function all(args: string, size: number, backward = false, on: Replica = server): Promise<Node[]> {
    const nodes: Node[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 200; pages += 1) {
      const window = backward ? `last: ${size}, before: $cursor` : `first: ${size}, after: $cursor`;
      const result = await page(
        `query ($cursor: String) { users(${window}${args ? `, ${args}` : ''}) { totalCount edges { cursor node { ${NODE} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
        { cursor },
        on,
      );
      expect(result.errors).toBeUndefined();
      const connection = result.data!.users!;
      const got = connection.edges.map((edge) => edge.node);
      if (backward) nodes.unshift(...got);
      else nodes.push(...got);
      const more = backward ? connection.pageInfo.hasPreviousPage : connection.pageInfo.hasNextPage;
      if (!more) return nodes;
      cursor = backward ? connection.pageInfo.startCursor : connection.pageInfo.endCursor;
    }
    throw new Error('more than 200 pages');
  }

  beforeAll(async () => {
    if (postgres) pg = await startPostgres();
    server = await directoryReplica();
    await walkAll(server);
  }, 120_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await pg?.stop();
  });
  beforeEach(() => live.reset());

  it('indexes every user of every source once, in the configured order, at one call per provider page', async () => {
    const outcomes = await walkAll(server);
    expect(outcomes.map((outcome) => (outcome.walked ? outcome.calls : outcome.reason))).toEqual([
      1, // 2Chat: the whole list
      3, // Twilio: 124 users, 50 a page
      1, // 42 users
      3, // Ada: 240 users, 100 a page
      1, // CometChat: 1000 a page
      2, // Voximplant: two applications, one read each
    ]);
    // What the emulators recorded: the same calls, and no other.
    expect(Object.fromEntries(SOURCES.map((name) => [name, live.sourceEmulator(name).calls.length]))).toEqual(
      {
        twochat: 1,
        'twilio-us': 3,
        'twilio-eu': 1,
        ada: 3,
        cometchat: 1,
        voximplant: 2,
      },
    );
    const indexed = await all('', 100);
    expect(indexed.map((node) => node.id)).toEqual(oracle.map((node) => node.id));
    expect(indexed).toEqual(oracle);
  });

  it.each<[Field, 'ASC' | 'DESC']>([
    ['DISPLAY_NAME', 'ASC'],
    ['DISPLAY_NAME', 'DESC'],
    ['EMAIL', 'ASC'],
    ['EMAIL', 'DESC'],
    ['CREATED_AT', 'ASC'],
    ['CREATED_AT', 'DESC'],
    ['UPDATED_AT', 'ASC'],
    ['UPDATED_AT', 'DESC'],
    ['SOURCE', 'DESC'],
  ])(
    'orders by %s %s like the oracle, forward and backward, with no upstream call',
    async (field, direction) => {
      const args = `orderBy: { field: ${field}, direction: ${direction} }`;
      const expected = sorted(oracle, field, direction).map((node) => node.id);
      expect((await all(args, 50)).map((node) => node.id)).toEqual(expected);
      expect((await all(args, 37, true)).map((node) => node.id)).toEqual(expected);
      expect(upstreamCalls()).toEqual([]);
    },
  );

  it('pages every source backward, Ada included, and knows both ends', async () => {
    const result = await page(
      `{ users(last: 5) { totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage } } }`,
    );
    expect(result.data!.users!.edges.map((edge) => edge.node.id)).toEqual(oracle.slice(-5).map((n) => n.id));
    expect(result.data!.users!.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true });
    expect(result.data!.users!.totalCount).toBe(oracle.length);
    const ada = await all('filter: { providers: [ADA] }', 30, true);
    expect(ada.map((node) => node.id)).toEqual(oracle.filter((n) => n.provider === 'ADA').map((n) => n.id));
  });

  it('filters like the oracle, with exact totals and no upstream call', async () => {
    const withEmail = oracle.find((node) => node.email)!;
    // A time some users were updated since and others not (the median of the known update times).
    const updates = oracle
      .map((node) => node.updatedAt)
      .filter((at): at is string => at !== null)
      .sort((a, b) => Date.parse(a) - Date.parse(b));
    const since = updates[Math.floor(updates.length / 2)];
    const cases: [string, (node: Node) => boolean][] = [
      [
        `filter: { updatedSince: "${since}" }`,
        (node) => node.updatedAt !== null && Date.parse(node.updatedAt) >= Date.parse(since),
      ],
      [
        `filter: { updatedSince: "${since}", search: "a" }`,
        (node) =>
          node.updatedAt !== null &&
          Date.parse(node.updatedAt) >= Date.parse(since) &&
          searchable(node).some((v) => v.toLowerCase().includes('a')),
      ],
      ['filter: { search: "an" }', (node) => searchable(node).some((v) => v.toLowerCase().includes('an'))],
      [
        `filter: { email: "  ${withEmail.email!.toUpperCase()} " }`,
        (node) => node.email?.trim().toLowerCase() === withEmail.email!.trim().toLowerCase(),
      ],
      [
        'filter: { providers: [TWILIO_CONVERSATIONS, VOXIMPLANT] }',
        (node) => ['TWILIO_CONVERSATIONS', 'VOXIMPLANT'].includes(node.provider),
      ],
      ['filter: { sources: ["twilio-eu", "ada"] }', (node) => ['twilio-eu', 'ada'].includes(node.source)],
      ['providers: [ADA], filter: { sources: ["ada", "twochat"] }', (node) => node.source === 'ada'],
      ['filter: { active: true }', (node) => node.active === true],
      ['filter: { active: false }', (node) => node.active === false],
      ['filter: { search: "%" }', (node) => searchable(node).some((v) => v.includes('%'))],
    ];
    for (const [args, keep] of cases) {
      const expected = oracle.filter(keep).map((node) => node.id);
      const got = await all(args, 100);
      expect({ args, ids: got.map((node) => node.id) }).toEqual({ args, ids: expected });
      const count = await page(`{ users(first: 0, ${args}) { totalCount } }`);
      expect({ args, total: count.data!.users!.totalCount }).toEqual({ args, total: expected.length });
    }
    // Names first and last are searched too (some providers give them without a display name).
    expect(oracle.filter((node) => node.email).length).toBeGreaterThan(0);
    expect(upstreamCalls()).toEqual([]);
  });

  it('answers a sorted, searched page with its total at no upstream call', async () => {
    const result = await page(
      '{ users(first: 10, filter: { search: "ann" }, orderBy: { field: DISPLAY_NAME, direction: ASC }) { totalCount edges { node { id } } } }',
    );
    expect(result.errors).toBeUndefined();
    const expected = sorted(
      oracle.filter((node) => searchable(node).some((v) => v.toLowerCase().includes('ann'))),
      'DISPLAY_NAME',
      'ASC',
    );
    expect(result.data!.users!.totalCount).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(10);
    expect(result.data!.users!.edges.map((edge) => edge.node.id)).toEqual(
      expected.slice(0, 10).map((node) => node.id),
    );
    expect(upstreamCalls()).toEqual([]);
  });

  it('never tells a caller without the email scope an address: no email filter or order, no email search', async () => {
    const token = await server.server.developmentToken(['users:read']);
    const asReader = async (query: string) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      return (await response.json()) as {
        data?: Page | null;
        errors?: { message: string; extensions: Record<string, unknown> }[];
      };
    };
    const withEmail = oracle.find((node) => node.email)!;
    for (const [query, argument] of [
      [`{ users(filter: { email: "${withEmail.email}" }) { totalCount } }`, 'filter.email'],
      ['{ users(orderBy: { field: EMAIL }) { totalCount } }', 'orderBy'],
    ] as const) {
      const result = await asReader(query);
      expect(result.data?.users ?? null).toBeNull();
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', argument });
      expect(result.errors?.[0].message).toMatch(/users:read:pii/);
    }
    // "@" is in every address: searched by this caller, it finds only names and ids that hold one.
    const searched = await asReader('{ users(first: 0, filter: { search: "@" }) { totalCount } }');
    const withoutEmails = oracle.filter((node) =>
      [node.displayName, node.firstName, node.lastName, node.providerUserId].some((v) => v?.includes('@')),
    );
    expect(searched.data!.users!.totalCount).toBe(withoutEmails.length);
    const everything = await page('{ users(first: 0, filter: { search: "@" }) { totalCount } }');
    expect(everything.data!.users!.totalCount).toBe(
      oracle.filter((node) => searchable(node).some((v) => v.includes('@'))).length,
    );
    expect(everything.data!.users!.totalCount).toBeGreaterThan(withoutEmails.length);
    expect(upstreamCalls()).toEqual([]);
  });

  it('refuses bad input before any query, naming the argument and what is allowed', async () => {
    const order = await page('{ users(first: 1, orderBy: { field: EMAIL }) { pageInfo { endCursor } } }');
    const cursor = order.data!.users!.pageInfo.endCursor;
    for (const [query, argument, message] of [
      ['{ users(filter: { search: "  " }) { totalCount } }', 'filter.search', /1 to 100 characters/],
      [
        `{ users(filter: { search: "${'x'.repeat(101)}" }) { totalCount } }`,
        'filter.search',
        /1 to 100 characters/,
      ],
      [
        '{ users(filter: { sources: ["nope"] }) { totalCount } }',
        'filter.sources',
        /Its sources: twochat, twilio-us/,
      ],
      ['{ users(filter: { search: "a\\u0000b" }) { totalCount } }', 'filter.search', /control characters/],
      ['{ users(filter: { email: "a\\nb@c.d" }) { totalCount } }', 'filter.email', /control characters/],
      [
        `{ users(after: "${cursor}", orderBy: { field: DISPLAY_NAME }) { totalCount } }`,
        'after',
        /made with another orderBy: use it with the orderBy it came from/,
      ],
    ] as const) {
      const result = await page(query);
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument } });
      expect(result.errors?.[0].message).toMatch(message);
    }
    expect(upstreamCalls()).toEqual([]);
  });

  // The walks' schedule is the same whatever the store: once is enough (it waits out a retry's 5 s).
  (postgres ? it.skip : it)(
    'drops the retry a failed walk scheduled once a walk on demand completes',
    async () => {
      // A replica whose first walk of 2Chat fails: its retry is due 5 s later (the backoff's base).
      const twochat = live.sourceEmulator<TwoChatEmulator>('twochat');
      twochat.injectFault({ status: 503, body: twochat.errorBody(503, 'down') });
      const replica = await directoryReplica();
      try {
        // (Joins the first walk, begun at start.)
        expect(await replica.server.directory!.sync.walkNow('twochat')).toMatchObject({
          walked: false,
          reason: 'failed',
        });
        twochat.clearFaults();
        expect(await replica.server.directory!.sync.walkNow('twochat')).toMatchObject({ walked: true });
        live.reset();
        // The retry's time passes: nothing left to retry, so no call.
        await new Promise((resolve) => setTimeout(resolve, 6_000));
        expect(twochat.calls).toEqual([]);
      } finally {
        twochat.clearFaults();
      }
    },
  );

  it('changes nothing when a walk fails midway, and says so until the next walk completes', async () => {
    const before = await all('filter: { sources: ["twilio-us"] }', 100);
    const twilio = live.sourceEmulator<TwilioEmulator>('twilio-us');
    const removed = twilio.users.splice(0, 1);
    try {
      // The second page fails (after the retries): the first page was read, and must not count.
      twilio.injectFault({ status: 503, body: twilio.errorBody(503, 'down'), after: 1 });
      const outcome = await server.server.directory!.sync.walkNow('twilio-us');
      expect(outcome).toMatchObject({ walked: false, reason: 'failed' });
      expect(await all('filter: { sources: ["twilio-us"] }', 100)).toEqual(before);
      const state = await page('{ directory { sources { name state users lastError } } }');
      expect(state.data).toMatchObject({
        directory: {
          sources: expect.arrayContaining([
            {
              name: 'twilio-us',
              state: 'STALE',
              users: before.length,
              lastError: expect.stringMatching(/^UPSTREAM_UNAVAILABLE/),
            },
          ]),
        },
      });
      twilio.clearFaults();
      // A complete walk without the removed user marks it deleted (kept, with includeDeleted).
      expect(await server.server.directory!.sync.walkNow('twilio-us')).toMatchObject({
        walked: true,
        users: before.length - 1,
      });
      const after = await all('filter: { sources: ["twilio-us"] }', 100);
      expect(after.map((node) => node.id)).toEqual(before.slice(1).map((node) => node.id));
      const withDeleted = await all('filter: { sources: ["twilio-us"], includeDeleted: true }', 100);
      // The deleted user keeps its last place in the walk order (its position then).
      expect(withDeleted.map((node) => node.id).sort()).toEqual(before.map((node) => node.id).sort());
      // …and says when the directory found it gone; the others say null.
      const flagged = await server.query<{ users: { nodes: { id: string; deletedAt: string | null }[] } }>(
        '{ users(first: 100, filter: { sources: ["twilio-us"], includeDeleted: true }) { nodes { id deletedAt } } }',
      );
      const gone = flagged.data!.users.nodes.filter((node) => node.deletedAt !== null);
      expect(gone.map((node) => node.id)).toEqual([before[0].id]);
      expect(Date.parse(gone[0].deletedAt!)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      twilio.users.unshift(...removed);
      twilio.clearFaults();
      await server.server.directory!.sync.walkNow('twilio-us');
    }
    expect(await all('filter: { sources: ["twilio-us"] }', 100)).toEqual(before);
  });

  it('applies Twilio user events within the webhook call: signed, fetched fresh, refused when forged, idempotent', async () => {
    const twilio = live.sourceEmulator<TwilioEmulator>('twilio-eu');
    const hookUrl = `${server.url}/webhooks/twilio-eu`;
    twilio.webhookUrl = hookUrl;
    const admin = (path: string, params: Record<string, string>) =>
      fetch(`${twilio.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-webhook-enabled': 'true',
        },
        body: new URLSearchParams(params).toString(),
      });
    const count = async () => (await page('{ users(first: 0) { totalCount } }')).data!.users!.totalCount;
    const before = await count();
    let sid = '';
    try {
      const created = await admin('/v1/Users', {
        Identity: 'evented@example.com',
        FriendlyName: 'Evented Person',
      });
      expect(created.status).toBe(201);
      sid = ((await created.json()) as { sid: string }).sid;
      // The webhook answers once the user is indexed: no walk needed, one fresh single fetch.
      expect(await twilio.delivered()).toEqual([200]);
      expect(twilio.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
        'POST /v1/Users',
        `GET /v1/Users/${sid}`,
      ]);
      const found = await all('filter: { search: "evented person" }', 10);
      expect(found.map((node) => [node.providerUserId, node.displayName, node.source])).toEqual([
        [sid, 'Evented Person', 'twilio-eu'],
      ]);
      expect(await count()).toBe(before + 1);

      expect((await admin(`/v1/Users/${sid}`, { FriendlyName: 'Renamed Person' })).status).toBe(200);
      expect(await twilio.delivered()).toEqual([200]);
      expect(
        (await all('filter: { search: "renamed person" }', 10)).map((node) => node.providerUserId),
      ).toEqual([sid]);

      // A forged or unsigned event is refused, and nothing changes.
      const event = { AccountSid: twilio.accountSid, EventType: 'onUserUpdated', UserSid: sid };
      const send = (signature: string | null) =>
        fetch(hookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...(signature ? { 'x-twilio-signature': signature } : {}),
          },
          body: new URLSearchParams(event).toString(),
        });
      twilio.resetCalls();
      for (const signature of [
        null,
        'AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        twilioSignature('z'.repeat(32), hookUrl, event),
      ]) {
        const refused = await send(signature);
        expect(refused.status).toBe(401);
        expect(await refused.json()).toEqual({
          error: 'unauthenticated: the request signature does not verify',
        });
      }
      expect(twilio.calls).toEqual([]);
      // The same signed event twice: the same fetch and the same row each time.
      const signature = twilioSignature(twilio.authToken, hookUrl, event);
      for (let i = 0; i < 2; i += 1) expect((await send(signature)).status).toBe(200);
      expect(await count()).toBe(before + 1);
      expect(
        (await page('{ users(first: 0, filter: { search: "renamed person" }) { totalCount } }')).data!.users!
          .totalCount,
      ).toBe(1);
      // A source that takes no events.
      expect((await fetch(`${server.url}/webhooks/cometchat`, { method: 'POST', body: '{}' })).status).toBe(
        404,
      );
      // What an operator sees: when the source last applied an event, and every outcome counted.
      const state = await page('{ directory { sources { name lastEventAt } } }');
      const sources = (
        state.data as unknown as { directory: { sources: { name: string; lastEventAt: string | null }[] } }
      ).directory.sources;
      expect(Date.parse(sources.find((source) => source.name === 'twilio-eu')!.lastEventAt!)).toBeGreaterThan(
        Date.now() - 60_000,
      );
      expect(sources.find((source) => source.name === 'cometchat')!.lastEventAt).toBeNull();
      const metrics = await server.metrics();
      const events = (outcome: string) =>
        Number(
          new RegExp(
            `rollcall_directory_events_total\\{provider="TWILIO_CONVERSATIONS",source="twilio-eu",outcome="${outcome}"\\} (\\d+)`,
          ).exec(metrics)?.[1],
        );
      expect(events('refused')).toBe(3);
      expect(events('applied')).toBeGreaterThanOrEqual(4);
      expect(metrics).toMatch(
        /rollcall_directory_walks_total\{provider="TWILIO_CONVERSATIONS",source="twilio-eu",outcome="complete"\} [1-9]/,
      );
      expect(metrics).toMatch(
        /rollcall_directory_users\{provider="TWILIO_CONVERSATIONS",source="twilio-eu"\} 4[23]/,
      );
      expect(metrics).toMatch(
        /rollcall_directory_last_synced_timestamp_seconds\{provider="ADA",source="ada"\} \d/,
      );
    } finally {
      twilio.webhookUrl = null;
      const index = twilio.users.findIndex((user) => user.wire.sid === sid);
      if (index >= 0) twilio.users.splice(index, 1);
      await server.server.directory!.sync.walkNow('twilio-eu');
    }
    expect(await count()).toBe(before);
  });

  it('keeps an event that arrives during a walk over the copy the walk read before it', async () => {
    const twilio = live.sourceEmulator<TwilioEmulator>('twilio-us');
    twilio.webhookUrl = `${server.url}/webhooks/twilio-us`;
    const target = twilio.users[0];
    const saved = { ...target.wire };
    try {
      // The walk reads the first page (with the target), then waits on the second.
      // (4 s: long enough for the rename and its event on a busy machine.)
      twilio.injectFault({ delayMs: 4_000, after: 1, times: 1 });
      const walking = server.server.directory!.sync.walkNow('twilio-us');
      for (let i = 0; i < 3_000 && !(twilio.calls.length >= 1 && twilio.inFlight === 1); i += 1)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(twilio.inFlight).toBe(1);
      // Meanwhile the user is renamed: the event fetches it fresh and indexes it.
      const renamed = await fetch(`${twilio.baseUrl}/v1/Users/${target.wire.sid}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-webhook-enabled': 'true',
        },
        body: new URLSearchParams({ FriendlyName: 'Renamed Midwalk' }).toString(),
      });
      expect(renamed.status).toBe(200);
      expect(await twilio.delivered()).toEqual([200]);
      // The walk completes with its older copy of that user: the event's stays.
      expect(await walking).toMatchObject({ walked: true });
      const found = await all('filter: { search: "renamed midwalk" }', 10);
      expect(found.map((node) => node.providerUserId)).toEqual([target.wire.sid]);
      // …in its place in the walk order, and the next walk agrees with it.
      const everyone = await all('filter: { sources: ["twilio-us"] }', 100);
      expect(everyone[0].providerUserId).toBe(target.wire.sid);
      await server.server.directory!.sync.walkNow('twilio-us');
      expect((await all('filter: { search: "renamed midwalk" }', 10)).length).toBe(1);
    } finally {
      twilio.webhookUrl = null;
      twilio.clearFaults();
      Object.assign(target.wire, saved);
      await server.server.directory!.sync.walkNow('twilio-us');
    }
    expect(await all('filter: { search: "renamed midwalk" }', 10)).toEqual([]);
  });

  it('applies Ada end-user events within the webhook call, and refuses replays out of the time window', async () => {
    const ada = live.sourceEmulator<AdaEmulator>('ada');
    const hookUrl = `${server.url}/webhooks/ada`;
    ada.webhookUrl = hookUrl;
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${ada.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${ada.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const count = async () => (await page('{ users(first: 0) { totalCount } }')).data!.users!.totalCount;
    const before = await count();
    let id = '';
    try {
      const created = await admin('POST', '/api/v2/end-users/', {
        profile: { first_name: 'Eventa', last_name: 'Adams', display_name: 'Eventa Adams' },
      });
      expect(created.status).toBe(201);
      id = ((await created.json()) as { end_user_id: string }).end_user_id;
      expect(await ada.delivered()).toEqual([200]);
      expect(ada.calls.map((call) => `${call.method} ${call.path}`)).toEqual([
        'POST /api/v2/end-users/',
        `GET /api/v2/end-users/${id}`,
      ]);
      expect(
        (await all('filter: { search: "eventa" }', 10)).map((node) => [node.providerUserId, node.source]),
      ).toEqual([[id, 'ada']]);
      expect(await count()).toBe(before + 1);
      expect(
        (await admin('PATCH', `/api/v2/end-users/${id}`, { profile: { display_name: 'Evelyn Adams' } }))
          .status,
      ).toBe(200);
      expect(await ada.delivered()).toEqual([200]);
      expect(
        (await all('filter: { search: "evelyn adams" }', 10)).map((node) => node.providerUserId),
      ).toEqual([id]);

      // A captured event sent again later than the tolerance, or re-signed with another secret: 401.
      const body = JSON.stringify({ type: 'v1.end_user.updated', data: { end_user_id: id } });
      const old = Math.floor(Date.now() / 1000) - 600;
      const send = (secret: string, timestamp: number) =>
        fetch(hookUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'svix-id': 'msg_replayed',
            'svix-timestamp': String(timestamp),
            'svix-signature': signStandardWebhook(secret, 'msg_replayed', timestamp, body),
          },
          body,
        });
      ada.resetCalls();
      expect((await send(ada.webhookSecret, old)).status).toBe(401);
      expect(
        (await send(`whsec_${Buffer.from('w'.repeat(32)).toString('base64')}`, Math.floor(Date.now() / 1000)))
          .status,
      ).toBe(401);
      expect(ada.calls).toEqual([]);
      // The same event within the window, twice: the same result.
      for (let i = 0; i < 2; i += 1)
        expect((await send(ada.webhookSecret, Math.floor(Date.now() / 1000))).status).toBe(200);
      expect(await count()).toBe(before + 1);
    } finally {
      ada.webhookUrl = null;
      const index = ada.users.findIndex((user) => user.end_user_id === id);
      if (index >= 0) ada.users.splice(index, 1);
      await server.server.directory!.sync.walkNow('ada');
    }
    expect(await count()).toBe(before);
  });

  it('answers what is indexed with DIRECTORY_INCOMPLETE while a source never completed a walk', async () => {
    const ada = live.sourceEmulator('ada');
    ada.injectFault({ status: 503, body: ada.errorBody(503, 'down') });
    try {
      const fresh = await directoryReplica();
      await walkAll(fresh);
      const result = await fresh.query<Page>(
        '{ users(first: 100, filter: { sources: ["ada", "twochat"] }) { totalCount nodes { source } } }',
      );
      expect(result.errors).toEqual([
        expect.objectContaining({
          path: ['users'],
          extensions: expect.objectContaining({
            code: 'DIRECTORY_INCOMPLETE',
            source: 'ada',
            provider: 'ADA',
          }),
        }),
      ]);
      expect(result.data!.users!.totalCount).toBe(oracle.filter((node) => node.source === 'twochat').length);
      const state = await fresh.query<{ directory: { sources: { name: string; state: string }[] } }>(
        '{ directory { sources { name state } } }',
      );
      expect(state.data!.directory.sources.find((source) => source.name === 'ada')?.state).toBe('FAILED');
    } finally {
      ada.clearFaults();
    }
  });

  it('cancels a walk in flight when the server stops, recording no failure', async () => {
    const fresh = await directoryReplica();
    await walkAll(fresh);
    const cometchat = live.sourceEmulator('cometchat');
    cometchat.injectFault({ delayMs: 5_000, times: 1 });
    const settle = async (done: () => boolean) => {
      for (let i = 0; i < 3_000 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    try {
      const walking = fresh.server.directory!.sync.walkNow('cometchat');
      await settle(() => cometchat.inFlight === 1);
      expect(cometchat.inFlight).toBe(1);
      await fresh.server.directory!.sync.stop();
      // Stopped without waiting for the call: the emulator is still answering it.
      expect(cometchat.inFlight).toBe(1);
      expect(await walking).toEqual({ walked: false, reason: 'stopped' });
      const [row] = await fresh.server.directory!.db.query<{ state: string; last_error: string | null }>(
        "SELECT state, last_error FROM directory_sources WHERE source = 'cometchat'",
      );
      expect(row).toEqual({ state: 'READY', last_error: null });
    } finally {
      cometchat.clearFaults();
      // The abandoned call ends (and is recorded) here, not in a later test's count of calls.
      await settle(() => cometchat.inFlight === 0);
    }
  });

  it('applies its migrations once, and again finds nothing to do', async () => {
    const db = await openDatabase(pg ? { url: await pg.createDatabase() } : {});
    try {
      expect(await migrate(db)).toEqual(MIGRATIONS.map((migration) => migration.version));
      expect(await migrate(db)).toEqual([]);
      const rows = await db.query<{ version: number }>(
        'SELECT version FROM rollcall_migrations ORDER BY version',
      );
      expect(rows.map((row) => Number(row.version))).toEqual(
        MIGRATIONS.map((migration) => migration.version),
      );
    } finally {
      await db.close();
    }
  });

  it('migrates a database of the previous version, keeping its data', async () => {
    const db = await openDatabase(pg ? { url: await pg.createDatabase() } : {});
    try {
      const previous = MIGRATIONS.slice(0, -1);
      expect(await migrate(db, previous)).toEqual(previous.map((migration) => migration.version));
      await db.query(
        "INSERT INTO directory_sources (source, provider, state, users, completed) VALUES ('kept', 'ADA', 'READY', 7, true)",
      );
      expect(await migrate(db)).toEqual([MIGRATIONS[MIGRATIONS.length - 1].version]);
      expect(await db.query('SELECT source, state, users, completed FROM directory_sources')).toEqual([
        { source: 'kept', state: 'READY', users: 7, completed: true },
      ]);
      expect(await db.query('SELECT last_event_at FROM directory_sources')).toEqual([
        { last_event_at: null },
      ]);
    } finally {
      await db.close();
    }
  });

  // One server shared by replicas: PostgreSQL only (PGlite belongs to one process).
  if (postgres)
    it('two replicas on one PostgreSQL: one walks a source at a time, both serve it', async () => {
      const url = await pg!.createDatabase();
      // Two databases handles migrating at once: the advisory lock lets one migrate, the other finds it done.
      const [a, b] = await Promise.all([openDatabase({ url }), openDatabase({ url })]);
      const applied = await Promise.all([migrate(a), migrate(b)]);
      expect(applied.map((versions) => versions.length).sort()).toEqual([0, MIGRATIONS.length]);
      await Promise.all([a.close(), b.close()]);

      const first = await directoryReplica({ ROLLCALL_DATABASE_URL: url });
      const second = await directoryReplica({ ROLLCALL_DATABASE_URL: url });
      const outcomes = await Promise.all(
        SOURCES.flatMap((name) =>
          [first, second].map((replica) => replica.server.directory!.sync.walkNow(name)),
        ),
      );
      for (let i = 0; i < SOURCES.length; i += 1) {
        const pair = [outcomes[2 * i], outcomes[2 * i + 1]];
        // Each source: walked by one replica at a time (the other found it locked, or walked after).
        expect(pair.some((outcome) => outcome.walked)).toBe(true);
      }
      const fromFirst = await all('', 100, false, first);
      const fromSecond = await all('', 100, false, second);
      expect(fromFirst.map((node) => node.id)).toEqual(oracle.map((node) => node.id));
      expect(fromSecond).toEqual(fromFirst);
    });

  if (postgres)
    it('answers DIRECTORY_UNAVAILABLE, naming no server, when its PostgreSQL is gone; a bug it is not', async () => {
      const own = await startPostgres();
      const port = new URL(own.url).port;
      const replica = await directoryReplica({ ROLLCALL_DATABASE_URL: await own.createDatabase() });
      try {
        await own.stop();
        for (const query of [
          '{ users(first: 5) { totalCount nodes { id } } }',
          '{ users(first: 5, filter: { search: "ann" }) { nodes { id } } }',
          '{ people(first: 5) { totalCount nodes { id } } }',
        ]) {
          const result = await replica.query<Page>(query);
          expect({ query, codes: result.errors?.map((error) => error.extensions?.code) }).toEqual({
            query,
            codes: ['DIRECTORY_UNAVAILABLE'],
          });
          expect(result.errors![0].message).not.toContain(port);
        }
        expect(upstreamCalls()).toEqual([]);
      } finally {
        replicas.splice(replicas.indexOf(replica), 1);
        await replica.stop();
        await own.stop();
      }
    });

  if (postgres)
    it('a walker that dies mid-walk loses its lock: the other replica walks at its next turn, and the dead walk is never applied', async () => {
      // Only this test's replicas walk the shared emulators from here: an earlier replica's walk (a retry
      // after a failure on a busy machine) took the delayed call meant for the walker.
      for (const replica of replicas.splice(0)) await replica.stop();
      const url = await pg!.createDatabase();
      const walker = await directoryReplica({ ROLLCALL_DATABASE_URL: url });
      const other = await directoryReplica({ ROLLCALL_DATABASE_URL: url });
      await Promise.all([walkAll(walker), walkAll(other)]);
      // Each walks the source once more, in turn: neither keeps the retry of a first walk that failed on
      // a busy machine (a retry due mid-test held the lock as the walk under test).
      for (const replica of [walker, other])
        expect(await replica.server.directory!.sync.walkNow('cometchat')).toMatchObject({ walked: true });
      const before = await all('filter: { sources: ["cometchat"] }', 100, false, other);
      const cometchat = live.sourceEmulator('cometchat');
      const admin = await openDatabase({ url });
      try {
        // The walker's walk hangs on its upstream call, holding the source's lock.
        // (5 s: long enough for the other replica's try and the kill on a busy machine.)
        cometchat.injectFault({ delayMs: 5_000, times: 1 });
        const dying = walker.server.directory!.sync.walkNow('cometchat');
        for (let i = 0; i < 3_000 && cometchat.inFlight === 0; i += 1)
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(cometchat.inFlight).toBe(1);
        expect(await other.server.directory!.sync.walkNow('cometchat')).toEqual({
          walked: false,
          reason: 'locked',
        });
        // The walker's database session dies (as when its process is killed): its lock goes with it.
        // (The source's walk lock only: people matching may hold its own advisory lock at this moment.)
        // The lock goes when the session has exited, not when it is signalled: wait for it (up to 10 s),
        // or on a busy machine the other replica found the source still locked.
        const killed = await admin.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid, 10000) AS killed FROM pg_locks
           WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
             AND classid::bigint = $1 AND objid::bigint = hashtext('directory:cometchat')::bigint & 4294967295`,
          [LOCK_NAMESPACE],
        );
        expect(killed).toEqual([{ killed: true }]);
        // The other replica's next turn walks the source, while the dead walk is still in flight.
        expect(await other.server.directory!.sync.walkNow('cometchat')).toMatchObject({ walked: true });
        // The dead walk ends later: superseded, not applied, recording nothing over the new walk.
        expect(await dying).toEqual({ walked: false, reason: 'superseded' });
        const [state] = await admin.query<{ state: string; last_error: string | null }>(
          "SELECT state, last_error FROM directory_sources WHERE source = 'cometchat'",
        );
        expect(state).toEqual({ state: 'READY', last_error: null });
        expect(await admin.query('SELECT walk FROM directory_walk_users')).toEqual([]);
        expect(await all('filter: { sources: ["cometchat"] }', 100, false, walker)).toEqual(before);
        expect(await walker.metrics()).toMatch(
          /rollcall_directory_walks_total\{provider="COMETCHAT",source="cometchat",outcome="superseded"\} 1/,
        );
      } finally {
        cometchat.clearFaults();
        await admin.close();
      }
    });
});
