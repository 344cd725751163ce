/** rollcall's record for an Ada end user (the wire types are in wire.ts). */
import type { UserRecord } from '../core/record.js';

/** `AdaEndUser.profile`, already in GraphQL field names. */
export interface AdaEndUserProfileRecord {
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  avatar: string | null;
  email: string | null;
  language: string | null;
  metadata: unknown;
  systemProperties: unknown;
}

export interface AdaEndUserRecord extends UserRecord {
  __typename: 'AdaEndUser';
  endUserId: string;
  externalId: string | null;
  profile: AdaEndUserProfileRecord | null;
}
