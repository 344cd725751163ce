/**
 * Twilio Conversations wire types: the JSON exactly as Twilio sends it (snake_case; every user field is
 * nullable in Twilio's OpenAPI spec), one definition for the client and the emulator alike, with the JSON
 * Schemas the client checks each 2xx body against (see src/upstream/schema.ts).
 *
 * The schemas require only what rollcall relies on (a user's `sid`, the list's `users` and `meta`); every
 * other documented field is checked for its type when present, may be null or absent, and unknown keys are
 * allowed (Twilio adds fields without a new API version).
 */
import { compileResponseSchema, type JSONSchemaType } from '../../upstream/schema.js';

/** A user resource (`conversations.v1.user`): a list item and the single fetch alike. */
export interface TwilioWireUser {
  /** `US` + 32 hex digits; the only field rollcall requires. */
  sid: string;
  account_sid?: string | null;
  chat_service_sid?: string | null;
  role_sid?: string | null;
  identity?: string | null;
  friendly_name?: string | null;
  /** A JSON object serialised as a string; `"{}"` when unset. */
  attributes?: string | null;
  /** Always null in list answers; only the single fetch fills it. */
  is_online?: boolean | null;
  is_notifiable?: boolean | null;
  date_created?: string | null;
  date_updated?: string | null;
  url?: string | null;
  links?: { user_conversations?: string | null } | null;
}

interface TwilioListMeta {
  page?: number | null;
  page_size?: number | null;
  first_page_url?: string | null;
  previous_page_url?: string | null;
  url?: string | null;
  /** The next page's absolute URL (with `PageToken` and `Page`); null on the last page. */
  next_page_url?: string | null;
  key?: string | null;
}

/** `GET /v1/Users` (or `/v1/Services/{ChatServiceSid}/Users`), HTTP 200. */
export interface TwilioListResponse {
  users: TwilioWireUser[];
  meta: TwilioListMeta;
}

/** Twilio's error body, on every non-2xx answer. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info?: string;
  status: number;
}

const nullableString = { type: 'string', nullable: true } as const;
const nullableBoolean = { type: 'boolean', nullable: true } as const;
const nullableInteger = { type: 'integer', nullable: true } as const;

const userSchema: JSONSchemaType<TwilioWireUser> = {
  type: 'object',
  required: ['sid'],
  properties: {
    sid: { type: 'string' },
    account_sid: nullableString,
    chat_service_sid: nullableString,
    role_sid: nullableString,
    identity: nullableString,
    friendly_name: nullableString,
    attributes: nullableString,
    is_online: nullableBoolean,
    is_notifiable: nullableBoolean,
    date_created: nullableString,
    date_updated: nullableString,
    url: nullableString,
    links: {
      type: 'object',
      nullable: true,
      required: [],
      properties: { user_conversations: nullableString },
    },
  },
};

const listSchema: JSONSchemaType<TwilioListResponse> = {
  type: 'object',
  required: ['users', 'meta'],
  properties: {
    users: { type: 'array', items: userSchema },
    meta: {
      type: 'object',
      required: [],
      properties: {
        page: nullableInteger,
        page_size: nullableInteger,
        first_page_url: nullableString,
        previous_page_url: nullableString,
        url: nullableString,
        next_page_url: nullableString,
        key: nullableString,
      },
    },
  },
};

/** A list page: `{users: [...], meta: {...}}`, each user with a string `sid`. */
export const validateTwilioList = compileResponseSchema(listSchema);
/** A single fetch: the bare user, with a string `sid`. */
export const validateTwilioUser = compileResponseSchema(userSchema);
