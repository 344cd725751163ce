/** rollcall's record for a Voximplant user (the wire types are in wire.ts). */
import type { UserRecord } from '../core/record.js';

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
