/**
 * CometChat REST v3 wire types: the JSON exactly as CometChat sends it (optional keys are absent,
 * timestamps are epoch seconds), one definition for the client and the emulator alike, with the JSON
 * Schemas the client checks each 2xx body against (see src/upstream/schema.ts). Only what rollcall relies
 * on is required (a user's `uid`, the list's `data` and `meta.pagination.total`); every other documented
 * field is checked for its type when present and may be null or absent, and unknown keys are allowed.
 */
import { compileResponseSchema, type JSONSchemaType } from '../../upstream/schema.js';

/** A user of `GET /v3/users` or `GET /v3/users/{uid}`. */
export interface CometChatWireUser {
  uid: string;
  name?: string | null;
  link?: string | null;
  avatar?: string | null;
  /** Free-form. */
  metadata?: Record<string, unknown> | null;
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
  /** Every user matching the filter. */
  total: number;
  count?: number | null;
  per_page?: number | null;
  current_page?: number | null;
  total_pages?: number | null;
}

/**
 * `GET /v3/users`, HTTP 200. CometChat also sends a top-level `cursor` (see {@link CometChatWireCursor}),
 * undocumented and opaque: rollcall never reads it, so it is not part of the checked shape.
 */
export interface CometChatListResponse {
  data: CometChatWireUser[];
  meta: { pagination: CometChatPagination };
}

/** The list's `cursor` as CometChat's own example shows it (its meaning is undocumented). */
export interface CometChatWireCursor {
  updatedAt: number;
  affix: string;
}

/** `GET /v3/users/{uid}`, HTTP 200. */
export interface CometChatSingleResponse {
  data: CometChatWireUser;
}

/** CometChat's error body, on non-2xx answers (and, rarely, a 2xx one). */
export interface CometChatErrorBody {
  error: {
    code?: string;
    message?: string;
    devMessage?: string;
    source?: string;
    details?: Record<string, unknown>;
  };
}

const nullableString = { type: 'string', nullable: true } as const;
const nullableBoolean = { type: 'boolean', nullable: true } as const;
const nullableNumber = { type: 'number', nullable: true } as const;
const nullableInteger = { type: 'integer', nullable: true } as const;

const userSchema: JSONSchemaType<CometChatWireUser> = {
  type: 'object',
  required: ['uid'],
  properties: {
    uid: { type: 'string' },
    name: nullableString,
    link: nullableString,
    avatar: nullableString,
    metadata: { type: 'object', nullable: true, required: [] },
    status: nullableString,
    role: nullableString,
    statusMessage: nullableString,
    tags: { type: 'array', nullable: true, items: { type: 'string' } },
    blockedByMe: nullableBoolean,
    hasBlockedMe: nullableBoolean,
    blockedByMeAt: nullableNumber,
    blockedAt: nullableNumber,
    createdAt: nullableNumber,
    updatedAt: nullableNumber,
    lastActiveAt: nullableNumber,
    deactivatedAt: nullableNumber,
    conversationId: nullableString,
  },
};

const listSchema: JSONSchemaType<CometChatListResponse> = {
  type: 'object',
  required: ['data', 'meta'],
  properties: {
    data: { type: 'array', items: userSchema },
    meta: {
      type: 'object',
      required: ['pagination'],
      properties: {
        pagination: {
          type: 'object',
          required: ['total'],
          properties: {
            total: { type: 'integer', minimum: 0 },
            count: nullableInteger,
            per_page: nullableInteger,
            current_page: nullableInteger,
            total_pages: nullableInteger,
          },
        },
      },
    },
  },
};

const singleSchema: JSONSchemaType<CometChatSingleResponse> = {
  type: 'object',
  required: ['data'],
  properties: { data: userSchema },
};

/** A list page: `{data: [...], meta: {pagination: {total}}}`, each user with a string `uid`. */
export const validateCometChatList = compileResponseSchema(listSchema);
/** A single fetch: `{data: {uid, ...}}`. */
export const validateCometChatUser = compileResponseSchema(singleSchema);
