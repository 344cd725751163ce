/** rollcall's record for a 2Chat user (the wire types are in wire.ts). */
import type { UserRecord } from '../core/record.js';

export interface TwoChatUserRecord extends UserRecord {
  __typename: 'TwoChatUser';
  uuid: string;
}
