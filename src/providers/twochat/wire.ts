/**
 * 2Chat wire types: the JSON exactly as 2Chat sends it (snake_case), one definition for the client and the
 * emulator alike, with the JSON Schema the client checks each 2xx body against (see
 * src/upstream/schema.ts). Only `uuid` is relied upon; the nullability of the names and email is
 * undocumented, so they may be null or absent, and unknown keys are allowed.
 */
import { compileResponseSchema, type JSONSchemaType } from '../../upstream/schema.js';

/** One user of `data.users[]`. */
export interface TwoChatWireUser {
  /** Opaque, `USR`-prefixed, inconsistently hyphenated: never parsed or validated. */
  uuid: string;
  first_name?: string | null;
  last_name?: string | null;
  email?: string | null;
}

/** `GET /open/users`, HTTP 200. */
export interface TwoChatListResponse {
  success: true;
  data: { users: TwoChatWireUser[] };
}

/** 2Chat's error body (any status, HTTP 200 included): the seed documents `error_message`, the response-codes page `message`. */
export interface TwoChatErrorBody {
  success: false;
  error?: boolean;
  error_message?: string;
  message?: string;
}

/** `GET /open/info`, HTTP 200 (the billing page's shape, trimmed to what rollcall could use; rollcall does not call it). */
export interface TwoChatInfoResponse {
  success: true;
  limits: { requests_per_minute: number };
  usage: { api_request_count: number; max_api_request_count: number };
}

const nullableString = { type: 'string', nullable: true } as const;

const listSchema: JSONSchemaType<TwoChatListResponse> = {
  type: 'object',
  required: ['success', 'data'],
  properties: {
    // `success: false` is a failure the error detector reports first (2Chat sends it with HTTP 200 too).
    success: { type: 'boolean', const: true },
    data: {
      type: 'object',
      required: ['users'],
      properties: {
        users: {
          type: 'array',
          items: {
            type: 'object',
            required: ['uuid'],
            properties: {
              uuid: { type: 'string' },
              first_name: nullableString,
              last_name: nullableString,
              email: nullableString,
            },
          },
        },
      },
    },
  },
};

/** The users list: `{success: true, data: {users: [...]}}`, each user with a string `uuid`. */
export const validateTwoChatList = compileResponseSchema(listSchema);
