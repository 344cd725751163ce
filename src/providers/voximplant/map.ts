/** Voximplant UserInfoType → rollcall record. Absent keys stay null; `YYYY-MM-DD HH:mm:ss` (UTC) become dates. */
import type { RecordSource } from '../core/record.js';
import { parseTimestamp } from '../../util/dates.js';
import type {
  VoximplantAcdQueueRecord,
  VoximplantApplicationRecord,
  VoximplantSkillRecord,
  VoximplantUserRecord,
} from './types.js';
import type { VoximplantWireUser } from './wire.js';

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const bool = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);
const int = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) ? value : null;

/** Decimals (4 places) as numbers; Voximplant's JSON sends numbers, but a numeric string is read too. */
function decimal(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return null;
}

/** The typed items of an optional array; items without their id are dropped rather than invented. */
function list<T>(value: unknown, map: (item: Record<string, unknown>) => T | null): T[] | null {
  if (!Array.isArray(value)) return null;
  return value.flatMap((item) => {
    const mapped = item && typeof item === 'object' ? map(item as Record<string, unknown>) : null;
    return mapped === null ? [] : [mapped];
  });
}

const skill = (s: Record<string, unknown>): VoximplantSkillRecord | null => {
  const skillId = int(s.skill_id);
  return skillId === null ? null : { skillId, skillName: str(s.skill_name) };
};

const queue = (q: Record<string, unknown>): VoximplantAcdQueueRecord | null => {
  const acdQueueId = int(q.acd_queue_id);
  return acdQueueId === null
    ? null
    : { acdQueueId, acdQueueName: str(q.acd_queue_name), autoLink: bool(q.auto_link) };
};

const application = (a: Record<string, unknown>): VoximplantApplicationRecord | null => {
  const applicationId = int(a.application_id);
  return applicationId === null
    ? null
    : {
        applicationId,
        applicationName: str(a.application_name),
        modified: parseTimestamp(a.modified),
        secureRecordStorage: bool(a.secure_record_storage),
      };
};

export function toVoximplantRecord(user: VoximplantWireUser, source: RecordSource): VoximplantUserRecord {
  const userName = str(user.user_name);
  const userDisplayName = str(user.user_display_name);
  const userActive = bool(user.user_active);
  const created = parseTimestamp(user.created);
  const modified = parseTimestamp(user.modified);
  return {
    __typename: 'VoximplantUser',
    id: source.id(String(user.user_id)),
    source: source.name,
    provider: 'VOXIMPLANT',
    providerUserId: String(user.user_id),
    displayName: userDisplayName || userName || null,
    firstName: null,
    lastName: null,
    email: null,
    avatarUrl: null,
    active: userActive,
    createdAt: created,
    updatedAt: modified,
    raw: user,
    userId: user.user_id,
    userName,
    userDisplayName,
    userActive,
    frozen: bool(user.frozen),
    parentAccounting: bool(user.parent_accounting),
    liveBalance: decimal(user.live_balance),
    balance: decimal(user.balance),
    fixedBalance: decimal(user.fixed_balance),
    userCustomData: str(user.user_custom_data),
    skills: list(user.skills, skill),
    acdQueues: list(user.acd_queues, queue),
    applications: list(user.applications, application),
    acdStatus: str(user.acd_status),
    acdStatusChangeTime: parseTimestamp(user.acd_status_change_time),
    created,
    modified,
  };
}
