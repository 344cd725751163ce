/** Ada end user → rollcall record. Missing keys stay null. */
import type { RecordSource } from '../core/record.js';
import { parseTimestamp } from '../../util/dates.js';
import type { AdaEndUserProfileRecord, AdaEndUserRecord } from './types.js';
import type { AdaWireEndUser } from './wire.js';

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const object = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;

function toProfile(user: AdaWireEndUser): AdaEndUserProfileRecord | null {
  const profile = user.profile;
  if (typeof profile !== 'object' || profile === null) return null;
  return {
    firstName: text(profile.first_name),
    lastName: text(profile.last_name),
    displayName: text(profile.display_name),
    avatar: text(profile.avatar),
    email: text(profile.email),
    language: text(profile.language),
    metadata: object(profile.metadata),
    systemProperties: object(profile.system_properties),
  };
}

export function toAdaRecord(user: AdaWireEndUser, source: RecordSource): AdaEndUserRecord {
  const profile = toProfile(user);
  const fullName = [profile?.firstName, profile?.lastName].filter(Boolean).join(' ');
  return {
    __typename: 'AdaEndUser',
    id: source.id(user.end_user_id),
    source: source.name,
    provider: 'ADA',
    providerUserId: user.end_user_id,
    displayName: profile?.displayName ?? (fullName === '' ? null : fullName),
    firstName: profile?.firstName ?? null,
    lastName: profile?.lastName ?? null,
    email: profile?.email ?? null,
    avatarUrl: profile?.avatar ?? null,
    active: null,
    createdAt: parseTimestamp(user.created_at),
    updatedAt: parseTimestamp(user.updated_at),
    raw: user,
    endUserId: user.end_user_id,
    externalId: text(user.external_id),
    profile,
  };
}
