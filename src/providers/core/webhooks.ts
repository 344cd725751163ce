/**
 * Provider push events, as the provider-independent parts see them: a webhook request (the public URL
 * the provider called, its headers and raw body), and what a provider's `events` make of it once its
 * signature verified: the native ids of the users to fetch again (the payload is a hint, never the truth).
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface WebhookRequest {
  /** The absolute URL the provider called (ROLLCALL_PUBLIC_URL + path and query): what it signed. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (signatures cover the bytes). */
  body: string;
  /** Now, in epoch ms (timestamps are checked against it). */
  now: number;
}

export interface WebhookReceipt {
  /** Native ids of the users the events name (created or changed). */
  ids: string[];
}

/** A request whose signature does not verify: answered 401, and nothing changes. */
export class WebhookRefused extends Error {}

/** One header's value (the first, when repeated). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
