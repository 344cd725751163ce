/**
 * 2Chat wire types (snake_case, exactly as 2Chat sends them, 2Chat's list users page) and rollcall's record for a 2Chat
 * user. Nullability of the names and email is undocumented, so the wire type allows null.
 */
import type { UserRecord } from '../core/record.js';

export interface TwoChatWireUser {
  /** Opaque, `USR`-prefixed, inconsistently hyphenated: never parsed or validated. */
  uuid: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
}

/** `GET /open/users`, HTTP 200. */
export interface TwoChatListResponse {
  success: boolean;
  data?: { users?: unknown[] | null } | null;
}

/** 2Chat's error body: the seed documents `error_message`, the response-codes page `message`. */
export interface TwoChatErrorBody {
  success: false;
  error?: boolean;
  error_message?: string;
  message?: string;
}

export interface TwoChatUserRecord extends UserRecord {
  __typename: 'TwoChatUser';
  uuid: string;
}
