/** CometChat user → rollcall record. Absent keys stay null; epoch seconds become dates. */
import type { RecordSource } from '../core/record.js';
import { parseTimestamp } from '../../util/dates.js';
import { emailIn } from '../../util/email.js';
import type { CometChatPresence, CometChatUserRecord } from './types.js';
import type { CometChatWireUser } from './wire.js';

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

function presenceOf(status: string | null): CometChatPresence | null {
  if (status === null) return null;
  if (status === 'available') return 'AVAILABLE';
  if (status === 'offline') return 'OFFLINE';
  return 'UNKNOWN';
}

export function toCometChatRecord(user: CometChatWireUser, source: RecordSource): CometChatUserRecord {
  const status = str(user.status);
  const deactivatedAt = parseTimestamp(user.deactivatedAt);
  return {
    __typename: 'CometChatUser',
    id: source.id(user.uid),
    source: source.name,
    provider: 'COMETCHAT',
    providerUserId: user.uid,
    displayName: str(user.name) || null,
    firstName: null,
    lastName: null,
    // CometChat has no email field: apps keep it in metadata, as CometChat's own examples do.
    email: emailIn(user.metadata?.email),
    avatarUrl: str(user.avatar),
    // CometChat hides deactivated users unless asked; any user without `deactivatedAt` is active.
    active: deactivatedAt === null,
    createdAt: parseTimestamp(user.createdAt),
    updatedAt: parseTimestamp(user.updatedAt),
    raw: user,
    uid: user.uid,
    name: str(user.name),
    link: str(user.link),
    avatar: str(user.avatar),
    metadata: user.metadata ?? null,
    status,
    presence: presenceOf(status),
    role: str(user.role),
    tags: Array.isArray(user.tags) ? user.tags.filter((tag) => typeof tag === 'string') : null,
    statusMessage: str(user.statusMessage),
    conversationId: str(user.conversationId),
    blockedByMe: bool(user.blockedByMe),
    hasBlockedMe: bool(user.hasBlockedMe),
    blockedByMeAt: parseTimestamp(user.blockedByMeAt),
    blockedAt: parseTimestamp(user.blockedAt),
    lastActiveAt: parseTimestamp(user.lastActiveAt),
    deactivatedAt,
  };
}
