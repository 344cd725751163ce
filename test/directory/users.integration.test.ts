/**
 * `users`, `node` and `nodes` over the five real emulators: the done-when, end to end.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startHarness, type GraphQLResult, type Harness } from '../support/harness.js';

interface UsersPage {
  users: {
    totalCount: number | null;
    edges: { cursor: string; node: { id: string; provider: string } }[];
    pageInfo: {
      hasNextPage: boolean;
      hasPreviousPage: boolean;
      startCursor: string | null;
      endCursor: string | null;
    };
  };
}

const USERS = `query ($first: Int, $after: String, $last: Int, $before: String, $providers: [Provider!]) {
  users(first: $first, after: $after, last: $last, before: $before, providers: $providers) {
    totalCount
    edges { cursor node { id provider } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const CONNECTIONS: [string, string][] = [
  ['TWO_CHAT', 'twoChatUsers'],
  ['TWILIO_CONVERSATIONS', 'twilioConversationUsers'],
  ['ADA', 'adaEndUsers'],
  ['COMETCHAT', 'cometChatUsers'],
  ['VOXIMPLANT', 'voximplantUsers'],
];

let h: Harness;
const expectedIds = new Map<string, string[]>();

async function providerIds(field: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const result: GraphQLResult<
      Record<
        string,
        { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } }
      >
    > = await h.query(
      `query ($after: String) { ${field}(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    expect(result.errors).toBeUndefined();
    const connection = result.data![field];
    ids.push(...connection.edges.map((e) => e.node.id));
    if (!connection.pageInfo.hasNextPage) return ids;
    after = connection.pageInfo.endCursor;
  }
}

beforeAll(async () => {
  h = await startHarness({
    env: { ROLLCALL_BREAKER_THRESHOLD: '1000', ROLLCALL_RETRIES: '0', ROLLCALL_MAX_PAGE_SIZE: '200' },
  });
  for (const [provider, field] of CONNECTIONS) expectedIds.set(provider, await providerIds(field));
});
afterAll(() => h.stop());
beforeEach(() => h.reset());

const allIds = (providers = CONNECTIONS.map(([p]) => p)) => providers.flatMap((p) => expectedIds.get(p)!);

async function walk(
  variables: Record<string, unknown>,
  backward = false,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages < 500; pages += 1) {
    const anchor: string | null =
      cursor ?? ((backward ? variables.before : variables.after) as string | null | undefined) ?? null;
    const result: GraphQLResult<UsersPage> = await h.query<UsersPage>(USERS, {
      ...variables,
      ...(backward ? { before: anchor } : { after: anchor }),
    });
    expect(result.errors).toBeUndefined();
    const page: UsersPage['users'] = result.data!.users;
    const edges = page.edges.map((e) => e.node.id);
    if (backward) ids.unshift(...edges);
    else ids.push(...edges);
    const info: UsersPage['users']['pageInfo'] = page.pageInfo;
    if (backward ? !info.hasPreviousPage : !info.hasNextPage) return { ids, pages };
    cursor = backward ? info.startCursor : info.endCursor;
  }
  throw new Error('paging did not end');
}

describe('users over every emulator', () => {
  it('pages forward with first: 13 through every user of every provider exactly once, in provider order', async () => {
    const { ids } = await walk({ first: 13 });
    expect(ids).toEqual(allIds());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('pages backward with last: 13 where every provider pages backward (all but Ada)', async () => {
    const providers = ['TWO_CHAT', 'TWILIO_CONVERSATIONS', 'COMETCHAT', 'VOXIMPLANT'];
    const { ids } = await walk({ last: 13, providers }, true);
    expect(ids).toEqual(allIds(providers));
  });

  it('refuses last with Ada included, naming Ada', async () => {
    const { errors } = await h.query(USERS, { last: 5 });
    expect(errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringMatching(/ADA pages forward only/),
    });
  });

  it('sums totalCount over providers that can count, and answers null when one cannot', async () => {
    const countable = ['TWO_CHAT', 'COMETCHAT', 'VOXIMPLANT'];
    const { data } = await h.query<UsersPage>(USERS, { first: 1, providers: countable });
    expect(data!.users.totalCount).toBe(allIds(countable).length);
    const all = await h.query<UsersPage>(USERS, { first: 1 });
    expect(all.data!.users.totalCount).toBeNull();
  });

  it('reports hasNextPage at the exact end of one provider when a later provider has users', async () => {
    const twoChat = expectedIds.get('TWO_CHAT')!.length;
    const { data } = await h.query<UsersPage>(USERS, { first: twoChat });
    expect(data!.users.edges.every((e) => e.node.provider === 'TWO_CHAT')).toBe(true);
    expect(data!.users.pageInfo.hasNextPage).toBe(true);
  });

  it('returns the other providers and a coded error when one provider fails, and resumes it on the next page', async () => {
    const providers = ['TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT'];
    const twilio = expectedIds.get('TWILIO_CONVERSATIONS')!;
    const ada = expectedIds.get('ADA')!;
    const cometChat = expectedIds.get('COMETCHAT')!;
    h.emulator('ADA').injectFault({
      status: 503,
      body: { errors: [{ type: 'unavailable', message: 'down' }] },
    });
    const first = await h.query<UsersPage>(USERS, { first: twilio.length + 6, providers });
    expect(first.data!.users.edges.map((e) => e.node.id)).toEqual([...twilio, ...cometChat.slice(0, 6)]);
    expect(first.errors).toEqual([
      expect.objectContaining({
        path: ['users'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', provider: 'ADA', status: 503 }),
      }),
    ]);
    expect(first.data!.users.pageInfo.hasNextPage).toBe(true);
    h.emulator('ADA').clearFaults();
    // The cursor kept Ada's position: the walk goes back to Ada first, then on with CometChat.
    const rest = await walk({ first: 100, providers, after: first.data!.users.pageInfo.endCursor });
    expect(rest.ids).toEqual([...ada, ...cometChat.slice(6)]);
  });
});

describe('node and nodes', () => {
  it('resolves node(id:) for a user of every provider', async () => {
    for (const [provider] of CONNECTIONS) {
      const id = expectedIds.get(provider)![3];
      const { data } = await h.query<{ node: { id: string; provider: string } }>(
        `{ node(id: "${id}") { id ... on User { provider } } }`,
      );
      expect(data!.node).toEqual({ id, provider });
    }
  });

  it('answers nodes(ids:) in input order with nulls for unknown and foreign ids', async () => {
    const twilio = expectedIds.get('TWILIO_CONVERSATIONS')![7];
    const unknown = Buffer.from('rollcall:v1:COMETCHAT:no-such-user').toString('base64url');
    const ids = [twilio, 'VXNlcjox', unknown, expectedIds.get('TWO_CHAT')![0], twilio];
    const { data, errors } = await h.query<{ nodes: ({ id: string } | null)[] }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids },
    );
    expect(errors).toBeUndefined();
    expect(data!.nodes).toEqual([
      { id: twilio },
      null,
      null,
      { id: expectedIds.get('TWO_CHAT')![0] },
      { id: twilio },
    ]);
  });

  it('rejects a malformed rollcall id in nodes with BAD_USER_INPUT before any upstream call', async () => {
    const malformed = Buffer.from('rollcall:v1:NOPE:1').toString('base64url');
    const { errors } = await h.query('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', {
      ids: [expectedIds.get('ADA')![0], malformed],
    });
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    for (const [provider] of CONNECTIONS) expect(h.emulator(provider as never).calls).toHaveLength(0);
  });

  it('costs zero upstream calls for ids listed in the same operation, and one call for an id asked ten times', async () => {
    const twilio = expectedIds.get('TWILIO_CONVERSATIONS')![60];
    const { errors } = await h.query(
      `query ($ids: [ID!]!) { twilioConversationUsers(first: 5) { edges { cursor } } nodes(ids: $ids) { id } }`,
      {
        ids: [
          ...expectedIds.get('TWILIO_CONVERSATIONS')!.slice(0, 5),
          ...Array.from({ length: 10 }, () => twilio),
        ],
      },
    );
    expect(errors).toBeUndefined();
    // The list page, then one single fetch for the unlisted id.
    expect(h.emulator('TWILIO_CONVERSATIONS').calls.map((c) => c.path)).toEqual([
      '/v1/Users',
      expect.stringMatching(/^\/v1\/Users\/US/),
    ]);
  });

  it('resolves 100 ids spread over five providers with the fewest calls of each provider strategy, visible in /metrics', async () => {
    const spread = (provider: string) => {
      const all = expectedIds.get(provider)!;
      return Array.from({ length: 20 }, (_, i) => all[Math.floor((i * all.length) / 20)]);
    };
    const ids = CONNECTIONS.flatMap(([provider]) => spread(provider));
    const before = await (await fetch(`${h.url}/metrics`)).text();
    const { data, errors } = await h.query<{ nodes: { id: string }[] }>(
      'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids },
    );
    expect(errors).toBeUndefined();
    expect(data!.nodes.map((n) => n.id)).toEqual(ids);
    const calls = Object.fromEntries(
      CONNECTIONS.map(([provider]) => [provider, h.emulator(provider as never).calls.length]),
    );
    expect(calls).toEqual({
      TWO_CHAT: 1, // the one list call serves every id
      TWILIO_CONVERSATIONS: 3, // a walk of the 3 list pages of 50, instead of 20 fetches
      ADA: 3, // a walk of the 3 list pages of 100, instead of 20 fetches
      COMETCHAT: 1, // one list page of 1000
      VOXIMPLANT: 1, // GetUsers takes one user_id per call: one read of the list (100 a page) instead
    });
    const after = await (await fetch(`${h.url}/metrics`)).text();
    const counted = (text: string, provider: string) =>
      Number(
        new RegExp(
          `rollcall_upstream_requests_total\\{provider="${provider}",source="[^"]+",status="200"\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
    for (const [provider] of CONNECTIONS)
      expect(counted(after, provider) - counted(before, provider)).toBe(calls[provider]);
  });

  it('caps lookup calls per provider per operation, failing only the ids beyond the cap', async () => {
    const capped = await startHarness({ env: { ROLLCALL_MAX_LOOKUP_CALLS: '1', ROLLCALL_RETRIES: '0' } });
    try {
      const twilio = expectedIds.get('TWILIO_CONVERSATIONS')!;
      // Two ids on Twilio's first list page, two on its last: the walk may read one page only.
      const ids = [
        twilio[1],
        twilio[2],
        twilio[110],
        twilio[111],
        ...expectedIds.get('TWO_CHAT')!.slice(0, 3),
      ];
      const { data, errors } = await capped.query<{ nodes: ({ id: string } | null)[] }>(
        'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }',
        { ids },
      );
      expect(data!.nodes).toEqual([
        { id: ids[0] },
        { id: ids[1] },
        null,
        null,
        { id: ids[4] },
        { id: ids[5] },
        { id: ids[6] },
      ]);
      expect(capped.emulator('TWILIO_CONVERSATIONS').calls).toHaveLength(1);
      expect(errors?.map((e) => e.path)).toEqual([
        ['nodes', 2],
        ['nodes', 3],
      ]);
      expect(errors![0]).toMatchObject({
        message: expect.stringMatching(/cap of 1 lookup calls.*ROLLCALL_MAX_LOOKUP_CALLS/),
        extensions: { code: 'BAD_USER_INPUT', provider: 'TWILIO_CONVERSATIONS', maximum: 1 },
      });
    } finally {
      await capped.stop();
    }
  });
});
