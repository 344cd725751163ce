/** The provider-independent record of a user, and the provider identifier (imported by generated code). */

/**
 * A provider identifier: a value of the GraphQL `Provider` enum, which each provider's SDL extends with
 * its own value (the server checks at start that the enum and the registry agree).
 */
export type ProviderId = string;

/**
 * The common shape of every provider's user record: what the `User` interface's fields resolve from.
 * Each provider extends it with its native fields (already mapped to the GraphQL field names) and keeps
 * the untouched upstream record in `raw`.
 */
export interface UserRecord {
  /** The concrete GraphQL type, so `__resolveType` needs no I/O. */
  __typename: string;
  /** The global id (v2: it names the provider and the source). */
  id: string;
  provider: ProviderId;
  /** The source (account) the user was read from. */
  source: string;
  providerUserId: string;
  displayName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  avatarUrl: string | null;
  active: boolean | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  /** Set by the directory only: when it found the user gone upstream. */
  deletedAt?: Date | null;
  /** Set by the directory only: the user's person (stored id) and why it belongs, when known. */
  personId?: string | null;
  linkReason?: 'EMAIL' | 'MANUAL' | null;
  raw: unknown;
}

/** The source a record is read from, as a provider's mapping needs it: its name, and its global ids. */
export interface RecordSource {
  name: string;
  /** The global id of this source's user `nativeId`. */
  id(nativeId: string): string;
}
