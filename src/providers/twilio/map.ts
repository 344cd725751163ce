/** Twilio user resource → rollcall record. Missing data stays null. */
import type { RecordSource } from '../core/record.js';
import { parseTimestamp } from '../../util/dates.js';
import { emailIn } from '../../util/email.js';
import type { TwilioUserRecord } from './types.js';
import type { TwilioWireUser } from './wire.js';

function parseAttributes(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

export function toTwilioRecord(user: TwilioWireUser, source: RecordSource): TwilioUserRecord {
  const dateCreated = parseTimestamp(user.date_created);
  const dateUpdated = parseTimestamp(user.date_updated);
  const attributes = parseAttributes(user.attributes ?? null);
  return {
    __typename: 'TwilioConversationUser',
    id: source.id(user.sid),
    source: source.name,
    provider: 'TWILIO_CONVERSATIONS',
    providerUserId: user.sid,
    displayName: user.friendly_name || user.identity || null,
    firstName: null,
    lastName: null,
    // Twilio has no email field: the identity when it is an address, else `attributes.email`.
    email:
      emailIn(user.identity) ??
      emailIn(attributes && typeof attributes === 'object' ? Reflect.get(attributes, 'email') : null),
    avatarUrl: null,
    active: null,
    createdAt: dateCreated,
    updatedAt: dateUpdated,
    raw: user,
    sid: user.sid,
    accountSid: user.account_sid ?? null,
    chatServiceSid: user.chat_service_sid ?? null,
    roleSid: user.role_sid ?? null,
    identity: user.identity ?? null,
    friendlyName: user.friendly_name ?? null,
    attributes,
    isOnline: user.is_online ?? null,
    isNotifiable: user.is_notifiable ?? null,
    dateCreated,
    dateUpdated,
    url: user.url ?? null,
    links: user.links ? { userConversations: user.links.user_conversations ?? null } : null,
  };
}
