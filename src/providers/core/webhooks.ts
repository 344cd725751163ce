/**
 * Provider push events, as the provider-independent parts see them: a webhook request (the public URL
 * the provider called, its headers and raw body), and what a provider's `events` make of it once its
 * signature verified: the native ids of the users to fetch again (the payload is a hint, never the truth).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** How far a Standard Webhooks timestamp may be from now (the reference implementation's 5 minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** A `whsec_…` secret's key bytes (the base64 after the prefix). */
function webhookKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** Whether `secret` is a Standard Webhooks secret: `whsec_` and base64 of at least 16 bytes. */
export function isWebhookSecret(secret: string): boolean {
  return /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret) && webhookKey(secret).length >= 16;
}

/** The `v1,<signature>` of a Standard Webhooks (Svix) message: HMAC-SHA256 over `id.timestamp.body`. */
export function signStandardWebhook(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', webhookKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
}

/**
 * Verifies a Standard Webhooks message as the reference implementation (`standardwebhooks`, which
 * Svix uses) does: `svix-*` or `webhook-*` headers, a timestamp within WEBHOOK_TOLERANCE_SECONDS of now,
 * and one of the space-separated `v1,<signature>` entries matching. Throws WebhookRefused otherwise.
 */
export function verifyStandardWebhook(secret: string, request: WebhookRequest): void {
  const get = (name: string) =>
    header(request.headers, `svix-${name}`) ?? header(request.headers, `webhook-${name}`);
  const id = get('id');
  const timestamp = get('timestamp');
  const signatures = get('signature');
  if (!id || !timestamp || !signatures)
    throw new WebhookRefused('missing webhook id, timestamp or signature');
  const seconds = Number(timestamp);
  if (
    !/^\d{1,12}$/.test(timestamp) ||
    Math.abs(Math.floor(request.now / 1000) - seconds) > WEBHOOK_TOLERANCE_SECONDS
  )
    throw new WebhookRefused('webhook timestamp outside the tolerance');
  const expected = Buffer.from(signStandardWebhook(secret, id, seconds, request.body).slice(3));
  const matches = signatures.split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    if (version !== 'v1' || !signature) return false;
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookRefused('webhook signature does not verify');
}
