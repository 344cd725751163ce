/**
 * Ada wire types (snake_case, exactly as Ada sends them, Ada's end-users reference) and rollcall's
 * record for an Ada end user. "Not every key is always present", so every wire field is optional.
 */
import type { UserRecord } from '../core/record.js';

export interface AdaWireProfile {
  first_name?: string | null;
  last_name?: string | null;
  display_name?: string | null;
  avatar?: string | null;
  email?: string | null;
  /** BCP-47. */
  language?: string | null;
  /** String keys; string, boolean or integer values. */
  metadata?: Record<string, unknown> | null;
  /** Read-only; `sunshine_user_id` today. */
  system_properties?: Record<string, unknown> | null;
}

/** One end user: a list item, the `external_id` lookup answer and the single fetch alike. */
export interface AdaWireEndUser {
  end_user_id: string;
  external_id?: string | null;
  profile?: AdaWireProfile | null;
  /** `2020-09-20T00:00:00+00:00`, or `2023-12-08T19:06:04.890000` without a zone (UTC). */
  created_at?: string | null;
  updated_at?: string | null;
}

/** `GET /api/v2/end-users/` without `external_id`, HTTP 200. The last page's `meta` varies. */
export interface AdaWireListResponse {
  data: unknown[] | null;
  meta?: { next_page_url?: string | null } | null;
}

export interface AdaWireErrorBody {
  errors: { type: string; message: string; details?: string | null }[];
}

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
