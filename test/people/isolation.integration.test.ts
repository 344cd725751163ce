/**
 * Persons never cross deployments: two rollcall deployments with sources of their own share one
 * PostgreSQL database (its tables hold both), and one address on every provider. Each deployment's
 * person of that address holds its own accounts only, whichever deployment matched last.
 * (PGlite belongs to one process: two deployments never share one.)
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import type { AdaEmulator } from '../../src/providers/ada/emulator.js';
import type { CometChatEmulator } from '../../src/providers/cometchat/emulator.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { startHarness, startReplica, type Harness, type Replica } from '../support/harness.js';
import { describeOnPostgres, startPostgres, type PostgresProcess } from '../support/postgres.js';

const A = ['twochat', 'ada'];
const B = ['twilio-us', 'cometchat'];

interface Person {
  id: string;
  emails: string[];
  sources: string[];
  accounts: { id: string; source: string }[];
}
const PERSON = 'id emails sources accounts { id source }';
interface PersonPage {
  totalCount: number;
  nodes: Person[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describeOnPostgres('people of two deployments on one PostgreSQL', () => {
  let live: Harness;
  let pg: PostgresProcess;
  let a: Replica;
  let b: Replica;

  /** A deployment of `names` only (its own configuration), on the shared database. */
  async function deployment(names: readonly string[], url: string): Promise<Replica> {
    const emulators = {
      ...live.emulators,
      sources: live.emulators.sources.filter((source) => names.includes(source.name)),
    };
    return startReplica(
      emulators,
      { ROLLCALL_DIRECTORY: 'on', ROLLCALL_MAX_PAGE_SIZE: '100', ROLLCALL_DATABASE_URL: url },
      undefined,
      undefined,
      true,
    );
  }
  const walkAll = (replica: Replica, names: readonly string[]) =>
    Promise.all(names.map((name) => replica.server.directory!.sync.walkNow(name)));
  async function everyPerson(replica: Replica): Promise<Person[]> {
    const found: Person[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      const result: Awaited<ReturnType<typeof replica.query<{ people: PersonPage }>>> = await replica.query(
        `query ($after: String) { people(first: 100, after: $after) { totalCount nodes { ${PERSON} } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(result.errors).toBeUndefined();
      const page = result.data!.people;
      total = page.totalCount;
      found.push(...page.nodes);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(found.length).toBe(total);
    return found;
  }
  const personOf = async (replica: Replica, email: string) =>
    (
      await replica.query<{ people: { nodes: Person[] } }>(
        `query ($email: String!) { people(first: 5, filter: { email: $email }) { nodes { ${PERSON} } } }`,
        { email },
      )
    ).data!.people.nodes;

  beforeAll(async () => {
    live = await startHarness({ demoSources: true, env: { ROLLCALL_MAX_PAGE_SIZE: '100' } });
    // One address on all four providers (2Chat's seed holds ada@example.com already).
    live.sourceEmulator<TwilioEmulator>('twilio-us').users[0].wire.identity = 'Ada@Example.com';
    live.sourceEmulator<AdaEmulator>('ada').users[0].profile.email = 'ada@example.com';
    live.sourceEmulator<CometChatEmulator>('cometchat').users[0].metadata = { email: 'ada@example.com' };
    pg = await startPostgres();
    const url = await pg.createDatabase();
    a = await deployment(A, url);
    b = await deployment(B, url);
  }, 120_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await pg?.stop();
    await live?.stop();
  });

  it("matches each deployment's users among themselves only, whichever matched last", async () => {
    // A first, then B (B's matching would reach A's users through the shared address), then A again.
    await walkAll(a, A);
    await walkAll(b, B);
    await walkAll(a, A);
    const [ofA] = await personOf(a, 'ada@example.com');
    const [ofB] = await personOf(b, 'ada@example.com');
    expect(ofA.sources.sort()).toEqual([...A].sort());
    expect(ofA.accounts.map((account) => account.source).sort()).toEqual([...A].sort());
    expect(ofB.sources.sort()).toEqual([...B].sort());
    expect(ofB.accounts.map((account) => account.source).sort()).toEqual([...B].sort());
    expect(ofA.id).not.toBe(ofB.id);
    // Neither deployment lists, nor answers by id, a person of the other's sources.
    for (const [replica, own] of [
      [a, A],
      [b, B],
    ] as const) {
      const persons = await everyPerson(replica);
      expect(persons.length).toBeGreaterThan(0);
      for (const person of persons) for (const source of person.sources) expect(own).toContain(source);
    }
    const other = await a.query<{ node: Person | null }>(
      `query ($id: ID!) { node(id: $id) { ... on Person { ${PERSON} } } }`,
      { id: ofB.id },
    );
    expect(other.data?.node ?? null).toBeNull();
  });

  it("links only the deployment's own users by hand", async () => {
    const [ofA] = await personOf(a, 'ada@example.com');
    const [ofB] = await personOf(b, 'ada@example.com');
    const result = await a.query('mutation ($ids: [ID!]!) { linkUsers(ids: $ids) { id } }', {
      ids: [ofA.accounts[0].id, ofB.accounts[0].id],
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await personOf(b, 'ada@example.com'))[0]).toEqual(ofB);
  });

  it('matches again at start the persons of a source taken out of the configuration, and of one put back', async () => {
    const url = await pg.createDatabase();
    const all = ['twochat', 'ada', 'twilio-us'];
    const started: Replica[] = [];
    const start = async (names: readonly string[]) => {
      const replica = await deployment(names, url);
      started.push(replica);
      return replica;
    };
    try {
      const first = await start(all);
      await walkAll(first, all);
      const [before] = await personOf(first, 'ada@example.com');
      expect(before.sources.sort()).toEqual([...all].sort());
      await started.pop()?.stop();

      // Twilio taken out: its account no longer links anyone, nor counts, as soon as the deployment starts.
      const fewer = await start(['twochat', 'ada']);
      await fewer.server.directory!.sync.catchUp();
      const [without] = await personOf(fewer, 'ada@example.com');
      expect({ id: without.id, sources: without.sources.sort() }).toEqual({
        id: before.id,
        sources: ['ada', 'twochat'],
      });
      expect(without.accounts.map((account) => account.source).sort()).toEqual(['ada', 'twochat']);
      const three = await fewer.query<{ people: { totalCount: number } }>(
        '{ people(first: 1, filter: { email: "ada@example.com", minAccounts: 3 }) { totalCount } }',
      );
      expect(three.data?.people.totalCount).toBe(0);
      await started.pop()?.stop();

      // Put back: its account joins the person again, with no walk.
      const again = await start(all);
      await again.server.directory!.sync.catchUp();
      const [back] = await personOf(again, 'ada@example.com');
      expect({ id: back.id, sources: back.sources.sort() }).toEqual({
        id: before.id,
        sources: [...all].sort(),
      });
      expect(back.accounts).toHaveLength(3);
    } finally {
      for (const replica of started) await replica.stop().catch(() => undefined);
    }
  }, 120_000);
});
