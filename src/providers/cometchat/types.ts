/** rollcall's record for a CometChat user (the wire types are in wire.ts). */
import type { UserRecord } from '../core/record.js';

/** `CometChatPresence`: the status normalised, UNKNOWN for values rollcall does not know. */
export type CometChatPresence = 'AVAILABLE' | 'OFFLINE' | 'UNKNOWN';

export interface CometChatUserRecord extends UserRecord {
  __typename: 'CometChatUser';
  uid: string;
  name: string | null;
  link: string | null;
  avatar: string | null;
  metadata: unknown;
  status: string | null;
  presence: CometChatPresence | null;
  role: string | null;
  tags: string[] | null;
  statusMessage: string | null;
  conversationId: string | null;
  blockedByMe: boolean | null;
  hasBlockedMe: boolean | null;
  blockedByMeAt: Date | null;
  blockedAt: Date | null;
  lastActiveAt: Date | null;
  deactivatedAt: Date | null;
}
