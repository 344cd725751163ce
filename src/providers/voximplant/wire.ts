/**
 * Voximplant Management API wire types (`GetUsers`): the JSON exactly as Voximplant sends it (snake_case;
 * optional keys may be absent), one definition for the client and the emulator alike, with the JSON Schema
 * the client checks each 2xx body against (see src/upstream/schema.ts). Only what rollcall relies on is
 * required (`result` with each user's numeric `user_id`, and `total_count`); every other documented field
 * is checked for its type when present and may be null or absent, and unknown keys are allowed (`frozen`,
 * `mobile_phone` and others appear outside the SDKs' structures).
 *
 * Voximplant reports API errors with HTTP 200 and `{error: {code, msg}}`: the client's error detector
 * reads those before the schema is checked.
 */
import { compileResponseSchema, type JSONSchemaType } from '../../upstream/schema.js';

/** ApplicationInfoType. Timestamps are `YYYY-MM-DD HH:mm:ss` UTC. */
export interface VoximplantWireApplication {
  application_id?: number | null;
  application_name?: string | null;
  modified?: string | null;
  secure_record_storage?: boolean | null;
}

/** SkillInfoType. */
export interface VoximplantWireSkill {
  skill_id?: number | null;
  skill_name?: string | null;
}

/** ACDQueueOperatorInfoType. */
export interface VoximplantWireAcdQueue {
  acd_queue_id?: number | null;
  acd_queue_name?: string | null;
  auto_link?: boolean | null;
}

/** UserInfoType. Decimals (4 places) may arrive as numbers or numeric strings. */
export interface VoximplantWireUser {
  user_id: number;
  user_name?: string | null;
  user_display_name?: string | null;
  user_active?: boolean | null;
  /** Only in the seed's example, not in any SDK structure. */
  frozen?: boolean | null;
  parent_accounting?: boolean | null;
  /** Absent when `return_live_balance=false`. */
  live_balance?: number | string | null;
  balance?: number | string | null;
  fixed_balance?: number | string | null;
  user_custom_data?: string | null;
  applications?: VoximplantWireApplication[] | null;
  /** Only with `with_skills=true`. */
  skills?: VoximplantWireSkill[] | null;
  /** Only with `with_queues=true`. */
  acd_queues?: VoximplantWireAcdQueue[] | null;
  acd_status?: string | null;
  acd_status_change_time?: string | null;
  created?: string | null;
  modified?: string | null;
}

/** `GetUsers`, HTTP 200 without an error. */
export interface VoximplantGetUsersResponse {
  result: VoximplantWireUser[];
  /** Every user matching the parameters. */
  total_count: number;
  /** The users in `result`. */
  count?: number | null;
}

/** An API error, sent with HTTP 200 (or another status). */
export interface VoximplantErrorBody {
  error?: { code?: unknown; msg?: unknown };
  /** The Go SDK also models an array form. */
  errors?: { code?: unknown; msg?: unknown }[];
}

const nullableString = { type: 'string', nullable: true } as const;
const nullableBoolean = { type: 'boolean', nullable: true } as const;
const nullableInteger = { type: 'integer', nullable: true } as const;
const decimal = { type: ['number', 'string'], nullable: true } as const;

const userSchema: JSONSchemaType<VoximplantWireUser> = {
  type: 'object',
  required: ['user_id'],
  properties: {
    user_id: { type: 'integer' },
    user_name: nullableString,
    user_display_name: nullableString,
    user_active: nullableBoolean,
    frozen: nullableBoolean,
    parent_accounting: nullableBoolean,
    live_balance: decimal,
    balance: decimal,
    fixed_balance: decimal,
    user_custom_data: nullableString,
    applications: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        required: [],
        properties: {
          application_id: nullableInteger,
          application_name: nullableString,
          modified: nullableString,
          secure_record_storage: nullableBoolean,
        },
      },
    },
    skills: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        required: [],
        properties: { skill_id: nullableInteger, skill_name: nullableString },
      },
    },
    acd_queues: {
      type: 'array',
      nullable: true,
      items: {
        type: 'object',
        required: [],
        properties: {
          acd_queue_id: nullableInteger,
          acd_queue_name: nullableString,
          auto_link: nullableBoolean,
        },
      },
    },
    acd_status: nullableString,
    acd_status_change_time: nullableString,
    created: nullableString,
    modified: nullableString,
  },
};

const getUsersSchema: JSONSchemaType<VoximplantGetUsersResponse> = {
  type: 'object',
  required: ['result', 'total_count'],
  properties: {
    result: { type: 'array', items: userSchema },
    total_count: { type: 'integer', minimum: 0 },
    count: nullableInteger,
  },
};

/** A GetUsers answer: `{result: [...], total_count}`, each user with an integer `user_id`. */
export const validateVoximplantGetUsers = compileResponseSchema(getUsersSchema);
