/** A user record with every common field empty, for tests that need records but not a provider. */
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
