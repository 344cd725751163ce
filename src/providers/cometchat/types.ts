/**
 * CometChat REST v3 wire types (as CometChat sends them: optional keys are absent, timestamps are epoch
 * seconds) and rollcall's record for a CometChat user.
 */
import type { UserRecord } from '../core/record.js';

/** A user of `GET /v3/users` or `GET /v3/users/{uid}`. Only `uid` is relied upon; the rest is read leniently. */
export interface CometChatWireUser {
  uid: string;
  name?: string | null;
  link?: string | null;
  avatar?: string | null;
  metadata?: unknown;
  /** `available` or `offline` in practice, but a free string: other values (`away`) occur. */
  status?: string | null;
  role?: string | null;
  statusMessage?: string | null;
  /** On list items only with `withTags=true`; always on single fetches. */
  tags?: string[] | null;
  blockedByMe?: boolean | null;
  hasBlockedMe?: boolean | null;
  blockedByMeAt?: number | null;
  blockedAt?: number | null;
  createdAt?: number | null;
  updatedAt?: number | null;
  lastActiveAt?: number | null;
  deactivatedAt?: number | null;
  conversationId?: string | null;
}

export interface CometChatPagination {
  total: number;
  count?: number;
  per_page?: number;
  current_page?: number;
  total_pages?: number;
}

export interface CometChatListResponse {
  data: CometChatWireUser[];
  meta: { pagination: CometChatPagination };
  /** Undocumented and opaque; never used. */
  cursor?: unknown;
}

export interface CometChatSingleResponse {
  data: CometChatWireUser;
}

export interface CometChatErrorBody {
  error: {
    code?: string;
    message?: string;
    devMessage?: string;
    source?: string;
    details?: Record<string, unknown>;
  };
}

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
