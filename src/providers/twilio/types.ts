/**
 * Twilio Conversations wire types (snake_case, exactly as Twilio sends them; every field nullable per
 * the official OpenAPI spec) and rollcall's record for a Twilio user.
 */
import type { UserRecord } from '../core/record.js';

export interface TwilioWireUser {
  sid: string | null;
  account_sid: string | null;
  chat_service_sid: string | null;
  role_sid: string | null;
  identity: string | null;
  friendly_name: string | null;
  /** A JSON object serialised as a string; `"{}"` when unset. */
  attributes: string | null;
  is_online: boolean | null;
  is_notifiable: boolean | null;
  date_created: string | null;
  date_updated: string | null;
  url: string | null;
  links?: { user_conversations?: string | null } | null;
}

export interface TwilioListMeta {
  page: number;
  page_size: number;
  first_page_url: string;
  previous_page_url: string | null;
  url: string;
  next_page_url: string | null;
  key: string;
}

export interface TwilioListResponse {
  users: TwilioWireUser[];
  meta: TwilioListMeta;
}

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info?: string;
  status: number;
}

export interface TwilioUserRecord extends UserRecord {
  __typename: 'TwilioConversationUser';
  sid: string;
  accountSid: string | null;
  chatServiceSid: string | null;
  roleSid: string | null;
  identity: string | null;
  friendlyName: string | null;
  attributes: unknown;
  isOnline: boolean | null;
  isNotifiable: boolean | null;
  dateCreated: Date | null;
  dateUpdated: Date | null;
  url: string | null;
  links: { userConversations: string | null } | null;
}
