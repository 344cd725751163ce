/**
 * People end to end, on PGlite and on a real PostgreSQL: demo mode's six sources (with the demo people
 * the emulators share, see test/people/pool.integration.test.ts) and a few more humans given accounts on
 * several providers (their address in each provider's own field, in other letter cases
 * and with spaces), a shared support mailbox, a no-reply address and a Voximplant operator (no email).
 * The oracle groups the users read live (the providers' connections) by normalised address, minus the
 * shared and blocked ones.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AdaEmulator } from '../../src/providers/ada/emulator.js';
import type { CometChatEmulator } from '../../src/providers/cometchat/emulator.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { PERSON_FIELDS, type Person } from '../support/people.js';
import { startHarness, startReplica, type Harness, type Replica } from '../support/harness.js';
import { STORES, startPostgres, type PostgresProcess } from '../support/postgres.js';

const SOURCES = ['twochat', 'twilio-us', 'twilio-eu', 'ada', 'cometchat', 'voximplant'];

const PERSON = PERSON_FIELDS;

let live: Harness;
/** Every user, read live: id, source, email. */
let everyone: { id: string; source: string; providerUserId: string; email: string | null }[];
let operatorId: string;

beforeAll(async () => {
  live = await startHarness({ demoSources: true, env: { ROLLCALL_MAX_PAGE_SIZE: '100' } });
  // A few humans on several providers, each address in that provider's own field.
  // 2Chat's seed already has ada@example.com and grace@example.com.
  const us = live.sourceEmulator<TwilioEmulator>('twilio-us');
  const eu = live.sourceEmulator<TwilioEmulator>('twilio-eu');
  const ada = live.sourceEmulator<AdaEmulator>('ada');
  const cometchat = live.sourceEmulator<CometChatEmulator>('cometchat');
  us.users[0].wire.identity = ' Ada@Example.com';
  eu.users[0].wire.attributes = JSON.stringify({ email: 'GRACE@example.com ' });
  ada.users[0].profile.email = 'ada@EXAMPLE.com';
  cometchat.users[0].metadata = { email: 'ada@example.com' };
  // A support mailbox four CometChat users share (more than 3 in one source), also on Twilio.
  for (const index of [1, 2, 3, 4]) cometchat.users[index].metadata = { email: 'support@acme.test' };
  us.users[1].wire.identity = 'support@acme.test';
  // A no-reply address on two providers.
  ada.users[1].profile.email = 'noreply@acme.test';
  us.users[2].wire.identity = 'noreply@acme.test';
  everyone = [];
  let after: string | null = null;
  do {
    const result: {
      data?: {
        users: {
          nodes: { id: string; source: string; providerUserId: string; email: string | null }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      } | null;
    } = await live.query(
      'query ($after: String) { users(first: 100, after: $after) { nodes { id source providerUserId email } pageInfo { hasNextPage endCursor } } }',
      { after },
    );
    const page = result.data!.users;
    everyone.push(...page.nodes);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  operatorId = everyone.find((user) => user.source === 'voximplant')!.id;
}, 60_000);
afterAll(() => live?.stop());

/** The persons of two or more accounts the rules make from the live users: sets of account ids. */
function oracle(): string[][] {
  const normal = (email: string | null) => (email === null ? null : email.trim().toLowerCase());
  const perSource = new Map<string, number>();
  for (const user of everyone) {
    const email = normal(user.email);
    if (email) perSource.set(`${email} ${user.source}`, (perSource.get(`${email} ${user.source}`) ?? 0) + 1);
  }
  const shared = new Set([...perSource].filter(([, count]) => count > 3).map(([key]) => key.split(' ')[0]));
  const groups = new Map<string, string[]>();
  for (const user of everyone) {
    const email = normal(user.email);
    if (!email || shared.has(email) || /^noreply[@+]/.test(email)) continue;
    groups.set(email, [...(groups.get(email) ?? []), user.id]);
  }
  return [...groups.values()]
    .filter((ids) => ids.length > 1)
    .map((ids) => ids.sort())
    .sort();
}

describe.each(STORES)('people on $name', ({ postgres }) => {
  let pg: PostgresProcess | undefined;
  let server: Replica;

  const walkAll = (replica: Replica) =>
    Promise.all(SOURCES.map((name) => replica.server.directory!.sync.walkNow(name)));
  async function people(args: string): Promise<Person[]> {
    const found: Person[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const result: {
        data?: { people: { nodes: Person[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } | null;
        errors?: unknown[];
      } = await server.query(
        `query ($after: String) { people(first: 50, after: $after${args ? `, ${args}` : ''}) { nodes { ${PERSON} } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(result.errors).toBeUndefined();
      found.push(...result.data!.people.nodes);
      if (!result.data!.people.pageInfo.hasNextPage) return found;
      after = result.data!.people.pageInfo.endCursor;
    }
    throw new Error('too many pages');
  }
  const personOf = async (userId: string) =>
    (
      await server.query<{ node: { person: Person } }>(
        `query ($id: ID!) { node(id: $id) { ... on User { person { ${PERSON} } } } }`,
        { id: userId },
      )
    ).data!.node.person;
  async function post(query: string, variables: Record<string, unknown>, token?: string) {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as {
      data?: Record<string, Person | null> | null;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    };
  }

  beforeAll(async () => {
    if (postgres) pg = await startPostgres();
    server = await startReplica(
      live.emulators,
      {
        ROLLCALL_DIRECTORY: 'on',
        ROLLCALL_MAX_PAGE_SIZE: '100',
        ...(pg ? { ROLLCALL_DATABASE_URL: await pg.createDatabase() } : {}),
      },
      undefined,
      undefined,
      true,
    );
    await walkAll(server);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await pg?.stop();
  });

  it('matches like the oracle: shared normalised addresses, never a shared or blocked mailbox', async () => {
    const found = await people('filter: { minAccounts: 2 }');
    expect(found.map((person) => person.accounts.map((account) => account.id).sort()).sort()).toEqual(
      oracle(),
    );
    const ada = found.find((person) => person.emails.includes('ada@example.com'))!;
    expect(ada.sources.sort()).toEqual(['ada', 'cometchat', 'twilio-us', 'twochat']);
    expect(ada.accounts.every((account) => account.linkReason === 'EMAIL')).toBe(true);
    // Every user is in exactly one person.
    const all = await people('');
    const ids = all.flatMap((person) => person.accounts.map((account) => account.id));
    expect(ids.sort()).toEqual(everyone.map((user) => user.id).sort());
  });

  it('answers the same person from any of its accounts', async () => {
    const [ada] = await people('filter: { email: "  ADA@example.com" }');
    for (const account of ada.accounts) expect((await personOf(account.id)).id).toBe(ada.id);
    const node = await server.query<{ node: Person }>(
      `query ($id: ID!) { node(id: $id) { ... on Person { ${PERSON} } } }`,
      { id: ada.id },
    );
    expect(node.data!.node).toEqual(ada);
  });

  it('reports matching in /metrics: every indexed user matched, none pending', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('rollcall_people_pending_users')).toBe(0);
    expect(value('rollcall_people_matching_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(value('rollcall_people_matched_users_total')).toBeGreaterThanOrEqual(everyone.length);
    expect(value('rollcall_people_matching_queries_total')).toBeGreaterThan(0);
  });

  it('links a Voximplant operator by hand, records who did, and keeps the link across re-syncs', async () => {
    const [ada] = await people('filter: { email: "ada@example.com" }');
    const token =
      (await server.server.developmentToken(['users:read', 'users:read:pii', 'people:write'])) ?? undefined;
    const linked = await post(
      `mutation ($ids: [ID!]!) { linkUsers(ids: $ids) { ${PERSON} } }`,
      { ids: [ada.accounts[0].id, operatorId] },
      token,
    );
    expect(linked.errors).toBeUndefined();
    const person = linked.data!.linkUsers!;
    expect(person.id).toBe(ada.id);
    expect(person.accounts.map((account) => account.id).sort()).toEqual(
      [...ada.accounts.map((account) => account.id), operatorId].sort(),
    );
    expect(person.accounts.find((account) => account.id === operatorId)!.linkReason).toBe('MANUAL');
    await walkAll(server);
    expect((await personOf(operatorId)).id).toBe(ada.id);
    const history = await server.query<{
      node: { history: { actor: string | null; action: string; accounts: string[] }[] };
    }>(`query ($id: ID!) { node(id: $id) { ... on Person { history { at actor action accounts } } } }`, {
      id: ada.id,
    });
    expect(history.data!.node.history).toEqual([
      {
        at: expect.any(String),
        actor: 'developer',
        action: 'LINKED',
        accounts: [ada.accounts[0].id, operatorId],
      },
    ]);
  });

  it('unlinks an account into a person of one that stays apart across re-syncs; the others keep the id', async () => {
    const [ada] = await people('filter: { email: "ada@example.com" }');
    const leaving = ada.accounts.find((account) => account.source === 'cometchat')!;
    const unlinked = await post(`mutation ($id: ID!) { unlinkUser(id: $id) { ${PERSON} } }`, {
      id: leaving.id,
    });
    expect(unlinked.errors).toBeUndefined();
    const alone = unlinked.data!.unlinkUser!;
    expect(alone.accounts.map((account) => account.id)).toEqual([leaving.id]);
    expect(alone.id).not.toBe(ada.id);
    await walkAll(server);
    expect((await personOf(leaving.id)).id).toBe(alone.id);
    const [after] = await people('filter: { email: "ada@example.com", minAccounts: 2 }');
    expect(after.id).toBe(ada.id);
    expect(after.accounts.map((account) => account.id)).not.toContain(leaving.id);
  });

  it('keeps the oldest id when a user joins a person, and answers its retired id with that person', async () => {
    const [grace] = await people('filter: { email: "grace@example.com" }');
    const ada = live.sourceEmulator<AdaEmulator>('ada');
    // An Ada user who is a person of one: no other user holds its address (the demo people's do).
    const normal = (email: string | null | undefined) => email?.trim().toLowerCase() ?? null;
    const stored = ada.users.find(
      (user) =>
        normal(user.profile.email) !== null &&
        everyone.filter((other) => normal(other.email) === normal(user.profile.email)).length === 1,
    )!;
    const newcomer = everyone.find(
      (user) => user.source === 'ada' && user.providerUserId === stored.end_user_id,
    )!;
    const before = await personOf(newcomer.id);
    const saved = stored.profile.email;
    // The newcomer gets Grace's address at Ada (another case), then Ada is walked again.
    stored.profile.email = 'Grace@Example.com';
    try {
      await server.server.directory!.sync.walkNow('ada');
      const merged = await personOf(newcomer.id);
      expect(merged.id).toBe(grace.id);
      expect(merged.accounts.map((account) => account.id)).toContain(newcomer.id);
      // The newcomer's former person (of one) was merged into Grace's, the older: its id answers Grace.
      const retired = await server.query<{ node: { id: string } | null }>(
        'query ($id: ID!) { node(id: $id) { id } }',
        { id: before.id },
      );
      expect(retired.data!.node!.id).toBe(grace.id);
    } finally {
      stored.profile.email = saved;
      await server.server.directory!.sync.walkNow('ada');
    }
    // Split again: Grace keeps her id, the newcomer is a person of one with a new id.
    const split = await personOf(newcomer.id);
    expect(split.id).not.toBe(grace.id);
    expect(split.accounts.map((account) => account.id)).toEqual([newcomer.id]);
    expect((await people('filter: { email: "grace@example.com" }'))[0].id).toBe(grace.id);
  });

  it('refuses the corrections without people:write, and bad input before any change', async () => {
    const reader = (await server.server.developmentToken(['users:read'])) ?? undefined;
    const refused = await post(
      'mutation ($ids: [ID!]!) { linkUsers(ids: $ids) { id } }',
      { ids: [everyone[0].id, everyone[1].id] },
      reader,
    );
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const [query, variables, argument] of [
      ['mutation ($ids: [ID!]!) { linkUsers(ids: $ids) { id } }', { ids: [everyone[0].id] }, 'ids'],
      [
        'mutation ($ids: [ID!]!) { linkUsers(ids: $ids) { id } }',
        { ids: [everyone[0].id, 'not-an-id'] },
        'ids[1]',
      ],
      [
        'mutation ($id: ID!) { unlinkUser(id: $id) { id } }',
        { id: 'cm9sbGNhbGw6djI6QURBOm5vd2hlcmU6eA' },
        'id',
      ],
    ] as const) {
      const answer = await post(query, variables);
      expect(answer.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
    for (const args of [
      'filter: { minAccounts: 0 }',
      `filter: { search: "${'x'.repeat(101)}" }`,
      'filter: { search: "ann\\u0000" }',
      'filter: { email: "ada@example.com\\u0007" }',
    ]) {
      const answer = await server.query(`{ people(first: 5, ${args}) { totalCount } }`);
      expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('searches %, _ and \\ as themselves, not as patterns', async () => {
    for (const search of ['%%', 'a%e', '_x_y_z_', '\\'])
      expect(
        (
          await server.query<{ people: { totalCount: number } }>(
            `query ($search: String) { people(first: 0, filter: { search: $search }) { totalCount } }`,
            { search },
          )
        ).data!.people.totalCount,
      ).toBe(0);
  });

  it('pages people forward and backward in every order with an exact total', async () => {
    for (const field of ['DISPLAY_NAME', 'ACCOUNTS', 'UPDATED_AT']) {
      for (const direction of ['ASC', 'DESC']) {
        const order = `orderBy: { field: ${field}, direction: ${direction} }`;
        const forward = await people(order);
        const total = await server.query<{ people: { totalCount: number } }>(
          `{ people(first: 0, ${order}) { totalCount } }`,
        );
        expect(forward).toHaveLength(total.data!.people.totalCount);
        const backward: Person[] = [];
        let before: string | null = null;
        for (let i = 0; i < 100; i += 1) {
          const page: {
            data?: {
              people: { nodes: Person[]; pageInfo: { hasPreviousPage: boolean; startCursor: string } };
            } | null;
          } = await server.query(
            `query ($before: String) { people(last: 37, before: $before, ${order}) { nodes { ${PERSON} } pageInfo { hasPreviousPage startCursor } } }`,
            { before },
          );
          backward.unshift(...page.data!.people.nodes);
          if (!page.data!.people.pageInfo.hasPreviousPage) break;
          before = page.data!.people.pageInfo.startCursor;
        }
        expect(backward.map((person) => person.id)).toEqual(forward.map((person) => person.id));
      }
    }
  });
});
