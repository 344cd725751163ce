/** Matching rules and id stability, without a database (src/people/matcher.ts). */
import { describe, expect, it } from '@jest/globals';
import {
  blockList,
  DEFAULT_BLOCKED_LOCAL_PARTS,
  match,
  type KnownPerson,
  type MatchUser,
} from '../../src/people/matcher.js';

const settings = { sharedAddressThreshold: 3, blocked: blockList(DEFAULT_BLOCKED_LOCAL_PARTS) };

function user(key: string, email: string | null, extra: Partial<MatchUser> = {}): MatchUser {
  return { key, source: key.split(':')[0], email, group: null, unlinked: false, person: null, ...extra };
}
const groupsOf = (result: ReturnType<typeof match>) =>
  result.persons.map((person) => [...person.members].sort()).sort((a, b) => (a[0] < b[0] ? -1 : 1));
const known = (...persons: [string, number][]) =>
  new Map<string, KnownPerson>(persons.map(([id, createdAt]) => [id, { id, createdAt }]));

describe('matching', () => {
  it('puts users sharing an address in one person, and every other user alone', () => {
    const result = match(
      [
        user('twochat:1', 'ada@example.com'),
        user('twilio:1', 'ada@example.com'),
        user('ada:1', 'ada@example.com'),
        user('twilio:2', 'grace@example.com'),
        user('voximplant:1', null),
      ],
      new Map(),
      settings,
    );
    expect(groupsOf(result)).toEqual([['ada:1', 'twilio:1', 'twochat:1'], ['twilio:2'], ['voximplant:1']]);
    const ada = result.persons.find((person) => person.members.includes('ada:1'))!;
    expect([...ada.reasons.values()]).toEqual(['EMAIL', 'EMAIL', 'EMAIL']);
    expect(ada.linkingEmails).toEqual(['ada@example.com']);
    const alone = result.persons.find((person) => person.members.includes('voximplant:1'))!;
    expect(alone.reasons.get('voximplant:1')).toBeNull();
    expect(result.persons.every((person) => person.id === null)).toBe(true);
  });

  it('never links through a shared mailbox: more users than the threshold in one source, or blocked', () => {
    const support = ['1', '2', '3', '4'].map((n) => user(`cometchat:${n}`, 'support@acme.test'));
    const result = match(
      [
        ...support,
        user('twilio:1', 'support@acme.test'),
        user('ada:1', 'noreply@acme.test'),
        user('twilio:2', 'noreply+billing@acme.test'),
        user('twochat:1', 'noreply@acme.test'),
        // Three in one source is not more than the threshold: they are one person.
        ...['1', '2', '3'].map((n) => user(`voximplant:${n}`, 'team@acme.test')),
      ],
      new Map(),
      settings,
    );
    expect(result.persons.filter((person) => person.members.length > 1).map((p) => p.members.sort())).toEqual(
      [['voximplant:1', 'voximplant:2', 'voximplant:3']],
    );
    expect(result.persons).toHaveLength(9);
  });

  it('links by hand across any address, and keeps an unlinked user apart from every match', () => {
    const result = match(
      [
        user('twochat:1', 'ada@example.com'),
        user('twilio:1', 'ada@example.com', { unlinked: true }),
        user('voximplant:1', null, { group: 'g1' }),
        user('ada:1', 'ada@example.com', { group: 'g1' }),
      ],
      new Map(),
      settings,
    );
    expect(groupsOf(result)).toEqual([['ada:1', 'twochat:1', 'voximplant:1'], ['twilio:1']]);
    const person = result.persons.find((p) => p.members.includes('ada:1'))!;
    expect(Object.fromEntries(person.reasons)).toEqual({
      'twochat:1': 'EMAIL',
      'voximplant:1': 'MANUAL',
      'ada:1': 'MANUAL',
    });
  });

  it('keeps the oldest id when persons merge, and retires the others into it', () => {
    const result = match(
      [
        user('a:1', 'x@example.com', { person: 'pnew' }),
        user('b:1', 'x@example.com', { person: 'pold' }),
        user('c:1', 'x@example.com', { person: 'pold' }),
      ],
      known(['pnew', 2000], ['pold', 1000]),
      settings,
    );
    expect(result.persons).toHaveLength(1);
    expect(result.persons[0].id).toBe('pold');
    expect(result.retired).toEqual([{ id: 'pnew', into: 0 }]);
  });

  it('leaves the id to the part holding most of a split person, and gives the others new ids', () => {
    const result = match(
      [
        user('a:1', 'x@example.com', { person: 'p1' }),
        user('b:1', 'x@example.com', { person: 'p1' }),
        user('c:1', 'y@example.com', { person: 'p1' }),
      ],
      known(['p1', 1000]),
      settings,
    );
    const kept = result.persons.find((person) => person.id === 'p1')!;
    expect(kept.members.sort()).toEqual(['a:1', 'b:1']);
    expect(result.persons.find((person) => person.members.includes('c:1'))!.id).toBeNull();
    expect(result.retired).toEqual([]);
  });

  it('leaves the id with the accounts that stay when one account of two is unlinked', () => {
    for (const order of [
      ['a:1', 'b:1'],
      ['b:1', 'a:1'],
    ]) {
      const users = order.map((key) => user(key, 'x@example.com', { person: 'p1', unlinked: key === 'a:1' }));
      const result = match(users, known(['p1', 1000]), settings);
      expect(result.persons.find((person) => person.id === 'p1')!.members).toEqual(['b:1']);
    }
  });

  it('reads a block list of local parts, whole addresses and domains', () => {
    const blocked = blockList(['noreply', 'Alerts@Acme.test', '*@bounces.example']);
    expect(blocked('noreply@x.test')).toBe(true);
    expect(blocked('noreply+tag@x.test')).toBe(true);
    expect(blocked('alerts@acme.test')).toBe(true);
    expect(blocked('alerts@other.test')).toBe(false);
    expect(blocked('anyone@bounces.example')).toBe(true);
    expect(blocked('ada@example.com')).toBe(false);
  });
});
