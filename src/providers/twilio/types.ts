/** rollcall's record for a Twilio Conversations user (the wire types are in wire.ts). */
import type { UserRecord } from '../core/record.js';

export interface TwilioUserRecord extends UserRecord {
  __typename: 'TwilioConversationUser';
  sid: string;
  accountSid: string | null;
  chatServiceSid: string | null;
  roleSid: string | null;
  identity: string | null;
  friendlyName: string | null;
  attributes: unknown;
  isOnline: boolean | null;
  isNotifiable: boolean | null;
  dateCreated: Date | null;
  dateUpdated: Date | null;
  url: string | null;
  links: { userConversations: string | null } | null;
}
