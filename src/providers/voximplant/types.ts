/**
 * Voximplant Management API wire types (`GetUsers`, snake_case as sent; optional keys may be absent) and
 * rollcall's record for a Voximplant user.
 */
import type { UserRecord } from '../core/record.js';

/** ApplicationInfoType. */
export interface VoximplantWireApplication {
  application_id: number;
  application_name?: string | null;
  modified?: string | null;
  secure_record_storage?: boolean | null;
}

/** SkillInfoType. */
export interface VoximplantWireSkill {
  skill_id: number;
  skill_name?: string | null;
}

/** ACDQueueOperatorInfoType. */
export interface VoximplantWireAcdQueue {
  acd_queue_id: number;
  acd_queue_name?: string | null;
  auto_link?: boolean | null;
}

/** UserInfoType. Decimals may arrive as numbers or numeric strings. */
export interface VoximplantWireUser {
  user_id: number;
  user_name?: string | null;
  user_display_name?: string | null;
  user_active?: boolean | null;
  frozen?: boolean | null;
  parent_accounting?: boolean | null;
  live_balance?: number | string | null;
  balance?: number | string | null;
  fixed_balance?: number | string | null;
  user_custom_data?: string | null;
  applications?: VoximplantWireApplication[] | null;
  skills?: VoximplantWireSkill[] | null;
  acd_queues?: VoximplantWireAcdQueue[] | null;
  acd_status?: string | null;
  acd_status_change_time?: string | null;
  created?: string | null;
  modified?: string | null;
}

export interface VoximplantGetUsersResponse {
  result: VoximplantWireUser[];
  total_count: number;
  count?: number;
}

export interface VoximplantErrorBody {
  error?: { code?: unknown; msg?: unknown };
  /** The Go SDK also models an array form. */
  errors?: { code?: unknown; msg?: unknown }[];
}

export interface VoximplantApplicationRecord {
  applicationId: number;
  applicationName: string | null;
  modified: Date | null;
  secureRecordStorage: boolean | null;
}

export interface VoximplantSkillRecord {
  skillId: number;
  skillName: string | null;
}

export interface VoximplantAcdQueueRecord {
  acdQueueId: number;
  acdQueueName: string | null;
  autoLink: boolean | null;
}

export interface VoximplantUserRecord extends UserRecord {
  __typename: 'VoximplantUser';
  userId: number;
  userName: string | null;
  userDisplayName: string | null;
  userActive: boolean | null;
  frozen: boolean | null;
  parentAccounting: boolean | null;
  liveBalance: number | null;
  balance: number | null;
  fixedBalance: number | null;
  userCustomData: string | null;
  skills: VoximplantSkillRecord[] | null;
  acdQueues: VoximplantAcdQueueRecord[] | null;
  applications: VoximplantApplicationRecord[] | null;
  acdStatus: string | null;
  acdStatusChangeTime: Date | null;
  created: Date | null;
  modified: Date | null;
}
