/**
 * Ada wire types: the JSON exactly as Ada sends it (snake_case, Ada's end-users reference), one definition
 * for the client and the emulator alike, with the JSON Schemas the client checks each 2xx body against
 * (see src/upstream/schema.ts). "Not every key is always present", so only what rollcall relies on is
 * required (`end_user_id`, the list's `data`); other documented keys may be null or absent, and unknown keys
 * are allowed (adding fields is non-breaking in v2).
 */
import { compileResponseSchema, type JSONSchemaType } from '../../upstream/schema.js';

/** `EndUser.profile`. */
export interface AdaWireProfile {
  first_name?: string | null;
  last_name?: string | null;
  display_name?: string | null;
  avatar?: string | null;
  email?: string | null;
  /** BCP-47, e.g. `en-US`. */
  language?: string | null;
  /** String keys; string, boolean or integer values. */
  metadata?: Record<string, unknown> | null;
  /** Read-only; `{sunshine_user_id}` today. */
  system_properties?: Record<string, unknown> | null;
}

/** One end user: a list item, the `external_id` lookup answer and the single fetch alike. */
export interface AdaWireEndUser {
  /** 24 lower-case hex digits (a Mongo ObjectId) in practice; rollcall only needs it non-empty. */
  end_user_id: string;
  /** At most 36 characters, matched case-insensitively; absent on some records. */
  external_id?: string | null;
  profile?: AdaWireProfile | null;
  /** `2020-09-20T00:00:00+00:00`, or `2023-12-08T19:06:04.890000` without a zone (UTC): both occur. */
  created_at?: string | null;
  updated_at?: string | null;
}

/** `GET /api/v2/end-users/` without `external_id`, HTTP 200. The last page's `meta` varies. */
export interface AdaWireListResponse {
  data: AdaWireEndUser[] | null;
  /** `next_page_url` carries the next page's `cursor`; null, `meta: null` or no `meta` on the last page. */
  meta?: { next_page_url?: string | null } | null;
}

interface AdaWireErrorItem {
  type: string;
  message: string;
  details?: string | null;
}

/** Ada's error body, on every non-2xx answer. */
export interface AdaWireErrorBody {
  errors: AdaWireErrorItem[];
}

const nullableString = { type: 'string', nullable: true } as const;
const nullableObject = { type: 'object', nullable: true, required: [] } as const;

const endUserSchema: JSONSchemaType<AdaWireEndUser> = {
  type: 'object',
  required: ['end_user_id'],
  properties: {
    end_user_id: { type: 'string', minLength: 1 },
    external_id: nullableString,
    profile: {
      type: 'object',
      nullable: true,
      required: [],
      properties: {
        first_name: nullableString,
        last_name: nullableString,
        display_name: nullableString,
        avatar: nullableString,
        email: nullableString,
        language: nullableString,
        metadata: nullableObject,
        system_properties: nullableObject,
      },
    },
    created_at: nullableString,
    updated_at: nullableString,
  },
};

const listSchema: JSONSchemaType<AdaWireListResponse> = {
  type: 'object',
  required: ['data'],
  properties: {
    // `anyOf` rather than `nullable`: JSONSchemaType cannot type a required, nullable array of objects.
    data: {
      anyOf: [
        { type: 'array', items: endUserSchema },
        { type: 'null', nullable: true },
      ],
    },
    meta: {
      type: 'object',
      nullable: true,
      required: [],
      properties: {
        // The page after is only reachable by its `cursor` parameter: a link without one is unreadable.
        next_page_url: { type: 'string', nullable: true, pattern: '^$|[?&]cursor=[^&#]' },
      },
    },
  },
};

/** A list page: `{data: [...] | null, meta?: {next_page_url?} | null}`, each end user with an id. */
export const validateAdaList = compileResponseSchema(listSchema);
/** A single fetch, or the `external_id` lookup: the bare end user, with an id. */
export const validateAdaEndUser = compileResponseSchema(endUserSchema);
