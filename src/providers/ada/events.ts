/**
 * Ada's end-user webhooks (`v1.end_user.created`, `v1.end_user.updated`), delivered through Svix and
 * signed as Standard Webhooks: HMAC-SHA256 with the endpoint's `whsec_…` secret over
 * `<id>.<timestamp>.<body>` (Ada's documentation gives the secret's endpoint and names Svix; the signing
 * scheme is Svix's, checked against the `standardwebhooks` reference package in the tests). Each names
 * an end user by `data.end_user_id`; other events verify and name nobody.
 */
import { verifyStandardWebhook, type WebhookReceipt, type WebhookRequest } from '../core/webhooks.js';

const USER_EVENTS = new Set(['v1.end_user.created', 'v1.end_user.updated']);
const END_USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function receiveAdaEvent(request: WebhookRequest, secret: string): WebhookReceipt {
  verifyStandardWebhook(secret, request);
  let event: unknown;
  try {
    event = JSON.parse(request.body);
  } catch {
    return { ids: [] };
  }
  if (!event || typeof event !== 'object') return { ids: [] };
  const { type, data } = event as { type?: unknown; data?: { end_user_id?: unknown } };
  const id = data?.end_user_id;
  return typeof type === 'string' && USER_EVENTS.has(type) && typeof id === 'string' && END_USER_ID.test(id)
    ? { ids: [id] }
    : { ids: [] };
}
