/** A user record with every common field empty, for tests that need records but not a provider. */
import type { IndexedUser } from '../../src/directory/store/users.js';
import type { UserRecord } from '../../src/providers/core/record.js';

export function blankRecord<T extends string>(
  typename: T,
  provider: string,
  providerUserId: string,
  raw: unknown = {},
): UserRecord & { __typename: T } {
  return {
    __typename: typename,
    id: `${provider}-${providerUserId}`,
    provider,
    source: provider.toLowerCase(),
    providerUserId,
    displayName: null,
    firstName: null,
    lastName: null,
    email: null,
    avatarUrl: null,
    active: null,
    createdAt: null,
    updatedAt: null,
    raw,
  };
}

const FIRST = ['Annie', 'Ada', 'Joanna', 'Grace', 'Shannon', 'Linus', 'annie', 'Zed'];
const LAST = ['Lovelace', 'Hopper', 'Mann', 'Turing', 'Hanna'];

/**
 * 600 indexed users spread over `sources` in turn, with names that cluster in every order as real ones
 * do (every "Annie …" sorts together), some names, emails and dates missing, duplicate names (ties),
 * and each address held by three users of different sources (persons of three).
 */
export function clusteredUsers(sources: readonly string[]): IndexedUser[] {
  const made: IndexedUser[] = [];
  for (let i = 0; i < 600; i += 1) {
    const source = sources[i % sources.length];
    const record: UserRecord = { ...blankRecord('Fake', 'FAKE', `u${(i * 7919) % 1000}`), source };
    const first = FIRST[(i * 31) % FIRST.length];
    const last = LAST[(i * 17) % LAST.length];
    record.displayName = i % 23 === 0 ? null : i % 5 === 0 ? first : `${first} ${last}`;
    record.firstName = first;
    record.lastName = i % 4 === 0 ? last : null;
    record.email = i % 6 === 0 ? null : `person.${i % 200}@example.test`;
    record.createdAt = i % 9 === 0 ? null : new Date(Date.UTC(2024, 0, 1 + (i % 40)));
    record.updatedAt = i % 11 === 0 ? null : new Date(Date.UTC(2025, 0, 1 + (i % 17)));
    made.push({ record, rank: sources.indexOf(source), position: Math.floor(i / sources.length) + 1 });
  }
  return made;
}
