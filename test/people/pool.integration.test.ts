/**
 * The demo people (src/emulators/people.ts): the pool's shape, each emulator's demo data holding its
 * accounts in the provider's own field, and what rollcall makes of them in demo mode (PGlite): the
 * people on three or more providers, the same person from each account, a shared support mailbox that
 * links no one, and Voximplant operators that stay persons of one.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  PEOPLE_POOL,
  POOL_PROVIDERS,
  SUPPORT_MAILBOX,
  SUPPORT_MAILBOX_SPELLINGS,
  poolAccounts,
  voximplantOperators,
  type PoolHuman,
} from '../../src/emulators/people.js';
import type { AdaEmulator } from '../../src/providers/ada/emulator.js';
import type { CometChatEmulator } from '../../src/providers/cometchat/emulator.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import type { TwoChatEmulator } from '../../src/providers/twochat/emulator.js';
import type { VoximplantEmulator } from '../../src/providers/voximplant/emulator.js';
import { PERSON_FIELDS, type Person } from '../support/people.js';
import { startHarness, type Harness } from '../support/harness.js';

const SOURCES = ['twochat', 'twilio-us', 'twilio-eu', 'ada', 'cometchat', 'voximplant'];
const PROVIDER = {
  twochat: 'TWO_CHAT',
  twilio: 'TWILIO_CONVERSATIONS',
  ada: 'ADA',
  cometchat: 'COMETCHAT',
} as const;

const PERSON = PERSON_FIELDS;

const normal = (email: string) => email.trim().toLowerCase();
const onThreeOrMore = PEOPLE_POOL.filter((human) => human.accounts.length >= 3);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    demoSources: true,
    env: { ROLLCALL_DIRECTORY: 'on', ROLLCALL_MAX_PAGE_SIZE: '100' },
  });
  await Promise.all(SOURCES.map((name) => h.server.directory!.sync.walkNow(name)));
}, 120_000);
afterAll(() => h?.stop());

describe('the demo people pool', () => {
  it('holds 60 humans on two to four providers, one account each, at least 15 on three or more', () => {
    expect(PEOPLE_POOL).toHaveLength(60);
    const bySize = new Map<number, number>();
    for (const human of PEOPLE_POOL) {
      bySize.set(human.accounts.length, (bySize.get(human.accounts.length) ?? 0) + 1);
      expect(new Set(human.accounts.map((account) => account.provider)).size).toBe(human.accounts.length);
    }
    expect([...bySize].sort()).toEqual([
      [2, 24],
      [3, 24],
      [4, 12],
    ]);
    expect(onThreeOrMore.length).toBeGreaterThanOrEqual(15);
    for (const provider of POOL_PROVIDERS) expect(poolAccounts(provider, 0).length).toBeGreaterThan(0);
    expect(new Set(PEOPLE_POOL.map((human) => human.email)).size).toBe(60);
    expect(voximplantOperators()).toHaveLength(15);
  });

  it('spells each address several ways that all normalise to the canonical one', () => {
    const spellings = PEOPLE_POOL.flatMap((human) =>
      human.accounts.map((account) => [human, account.email] as const),
    );
    for (const [human, email] of spellings) {
      expect(normal(email)).toBe(human.email);
      expect(human.email).toBe(`${human.firstName}.${human.lastName}@northwind.test`.toLowerCase());
    }
    const cased = spellings.filter(([, email]) => email.trim() !== email.trim().toLowerCase());
    const spaced = spellings.filter(([, email]) => email !== email.trim());
    expect(cased.length).toBeGreaterThanOrEqual(20);
    expect(spaced.length).toBeGreaterThanOrEqual(20);
    // Twilio identities are handles: never spaced.
    for (const { account } of [...poolAccounts('twilio', 0), ...poolAccounts('twilio', 1)])
      if (account.twilio?.field === 'identity') expect(account.email).toBe(account.email.trim());
  });
});

describe("the emulators' demo data", () => {
  const name = (human: PoolHuman) => `${human.firstName} ${human.lastName}`;

  it('2Chat lists every pool account, ACTIVE, in `email`', () => {
    const listed = h.sourceEmulator<TwoChatEmulator>('twochat').activeUsers();
    for (const { human, account } of poolAccounts('twochat'))
      expect(listed).toContainEqual(
        expect.objectContaining({
          first_name: human.firstName,
          last_name: human.lastName,
          email: account.email,
        }),
      );
  });

  it('each Twilio account holds its share, as the identity or as attributes.email', () => {
    for (const [source, account] of [
      ['twilio-us', 0],
      ['twilio-eu', 1],
    ] as const) {
      const listed = h.sourceEmulator<TwilioEmulator>(source).listed();
      const entries = poolAccounts('twilio', account);
      expect(entries.length).toBeGreaterThan(0);
      for (const { human, account: held } of entries) {
        const identity = held.twilio?.field === 'identity' ? held.email : human.handle;
        const user = listed.find((candidate) => candidate.identity === identity);
        expect(user?.friendly_name).toBe(name(human));
        const attributes: unknown = JSON.parse(user?.attributes ?? 'null');
        if (held.twilio?.field === 'attributes') expect(attributes).toMatchObject({ email: held.email });
        else expect(attributes).not.toHaveProperty('email');
      }
    }
  });

  it('Ada holds every pool account in profile.email, CometChat in metadata.email (and the support mailbox)', () => {
    const ada = h.sourceEmulator<AdaEmulator>('ada').users;
    for (const { human, account } of poolAccounts('ada'))
      expect(ada.find((user) => user.profile.email === account.email)?.profile).toMatchObject({
        first_name: human.firstName,
        last_name: human.lastName,
      });
    const active = h
      .sourceEmulator<CometChatEmulator>('cometchat')
      .users.filter((user) => !user.deactivatedAt);
    for (const { human, account } of poolAccounts('cometchat'))
      expect(active.find((user) => user.metadata?.email === account.email)?.name).toBe(name(human));
    const support = active.filter((user) =>
      SUPPORT_MAILBOX_SPELLINGS.some((email) => user.metadata?.email === email),
    );
    expect(support).toHaveLength(5);
  });

  it('Voximplant has the operators, by name, in the applications demo mode lists, with no address', () => {
    const users = h.sourceEmulator<VoximplantEmulator>('voximplant').users;
    for (const human of voximplantOperators()) {
      const user = users.find((candidate) => candidate.user_display_name === name(human));
      expect(user?.user_name).toBe(`${human.firstName}-${human.lastName}`.toLowerCase());
      expect(user?.applications?.some((app) => [10001, 10002].includes(app.application_id))).toBe(true);
      expect(JSON.stringify(user)).not.toContain('northwind');
    }
  });
});

describe('people in demo mode', () => {
  async function people(args: string): Promise<{ totalCount: number; nodes: Person[] }> {
    const result = await h.query<{ people: { totalCount: number; nodes: Person[] } }>(
      `{ people(${args}) { totalCount nodes { ${PERSON} } } }`,
    );
    expect(result.errors).toBeUndefined();
    return result.data!.people;
  }
  const personOf = async (userId: string) => {
    const result = await h.query<{ node: { person: Person } }>(
      `query ($id: ID!) { node(id: $id) { ... on User { person { ${PERSON} } } } }`,
      { id: userId },
    );
    expect(result.errors).toBeUndefined();
    return result.data!.node.person;
  };

  it('answers everyone with accounts on three or more providers: the pool humans on three or four', async () => {
    const first = await people('first: 20, filter: { minAccounts: 3 }, orderBy: { field: DISPLAY_NAME }');
    expect(first.totalCount).toBe(onThreeOrMore.length);
    expect(first.nodes).toHaveLength(20);
    for (const person of first.nodes) {
      expect(new Set(person.providers).size).toBeGreaterThanOrEqual(3);
      expect(person.accounts.every((account) => account.linkReason === 'EMAIL')).toBe(true);
    }
    // All of them, each exactly as the pool says: its one address, its providers, no one else.
    const all = await people('first: 100, filter: { minAccounts: 3 }');
    const expected = onThreeOrMore
      .map((human) => ({
        emails: [human.email],
        providers: human.accounts.map((account) => PROVIDER[account.provider]).sort(),
      }))
      .sort((a, b) => a.emails[0].localeCompare(b.emails[0]));
    expect(
      all.nodes
        .map((person) => ({ emails: person.emails, providers: [...person.providers].sort() }))
        .sort((a, b) => a.emails[0].localeCompare(b.emails[0])),
    ).toEqual(expected);
  });

  it('answers the same person from each of its accounts', async () => {
    const [person] = (await people('first: 1, filter: { minAccounts: 4 }, orderBy: { field: DISPLAY_NAME }'))
      .nodes;
    expect(person.accounts).toHaveLength(4);
    // The accounts hold the address in the providers' own spellings.
    expect(new Set(person.accounts.map((account) => normal(account.email!)))).toEqual(new Set(person.emails));
    for (const account of person.accounts) expect(await personOf(account.id)).toEqual(person);
  });

  it('links no one through the shared CometChat support mailbox', async () => {
    const result = await h.query<{
      users: { totalCount: number; nodes: { id: string; source: string; linkReason: string | null }[] };
    }>(
      `{ users(first: 10, filter: { email: "${SUPPORT_MAILBOX}" }) { totalCount nodes { id source linkReason } } }`,
    );
    expect(result.errors).toBeUndefined();
    const holders = result.data!.users.nodes;
    expect(holders).toHaveLength(5);
    for (const user of holders) {
      expect(user).toMatchObject({ source: 'cometchat', linkReason: null });
      expect((await personOf(user.id)).accounts.map((account) => account.id)).toEqual([user.id]);
    }
    expect(
      (await people(`first: 10, filter: { email: "${SUPPORT_MAILBOX}", minAccounts: 2 }`)).totalCount,
    ).toBe(0);
  });

  it("keeps a pool human's Voximplant operator apart: a person of one, beside the human's person", async () => {
    const human = voximplantOperators().find((candidate) => candidate.accounts.length >= 3)!;
    const found = await h.query<{ users: { nodes: { id: string; displayName: string | null }[] } }>(
      `query ($search: String) { users(first: 10, sources: ["voximplant"], filter: { search: $search }) { nodes { id displayName } } }`,
      { search: `${human.firstName} ${human.lastName}` },
    );
    expect(found.errors).toBeUndefined();
    const [operator] = found.data!.users.nodes;
    expect(operator.displayName).toBe(`${human.firstName} ${human.lastName}`);
    const alone = await personOf(operator.id);
    expect(alone.accounts.map((account) => account.id)).toEqual([operator.id]);
    expect(alone.accounts[0].linkReason).toBeNull();
    const [linked] = (await people(`first: 1, filter: { email: "${human.email}" }`)).nodes;
    expect(linked.accounts).toHaveLength(human.accounts.length);
    expect(linked.id).not.toBe(alone.id);
  });
});
