/** 2Chat user → rollcall record. Missing data stays null; 2Chat sends no dates and no avatar. */
import type { RecordSource } from '../core/record.js';
import type { TwoChatUserRecord } from './types.js';
import type { TwoChatWireUser } from './wire.js';

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function toTwoChatRecord(user: TwoChatWireUser, source: RecordSource): TwoChatUserRecord {
  const firstName = text(user.first_name);
  const lastName = text(user.last_name);
  const fullName = [firstName, lastName].filter((part) => part !== null).join(' ');
  return {
    __typename: 'TwoChatUser',
    id: source.id(user.uuid),
    source: source.name,
    provider: 'TWO_CHAT',
    providerUserId: user.uuid,
    displayName: fullName === '' ? null : fullName,
    firstName,
    lastName,
    email: text(user.email),
    avatarUrl: null,
    // `/open/users` only ever returns users whose status is ACTIVE.
    active: true,
    createdAt: null,
    updatedAt: null,
    raw: user,
    uuid: user.uuid,
  };
}
