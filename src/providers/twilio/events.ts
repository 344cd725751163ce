/**
 * Twilio Conversations user events, verified with the account's auth token:
 * - the Conversations post-event webhooks (`onUserAdded`, `onUserUpdated`): form-encoded, signed over
 *   the URL and the parameters;
 * - Event Streams (`com.twilio.conversations.user.added` / `.updated` CloudEvents, delivered as a JSON
 *   array): signed over the URL, which carries the body's SHA-256.
 * Each names a user by `UserSid`; other events verify and name nobody.
 */
import { header, WebhookRefused, type WebhookReceipt, type WebhookRequest } from '../core/webhooks.js';
import { verifyTwilioBody, verifyTwilioSignature, type SignedParams } from './signature.js';

const USER_EVENTS = new Set(['onUserAdded', 'onUserUpdated']);
const USER_CLOUD_EVENTS = new Set([
  'com.twilio.conversations.user.added',
  'com.twilio.conversations.user.updated',
]);
const SID = /^US[0-9a-fA-F]{32}$/;

export function receiveTwilioEvent(request: WebhookRequest, authToken: string): WebhookReceipt {
  const signature = header(request.headers, 'x-twilio-signature');
  if (!signature) throw new WebhookRefused('no X-Twilio-Signature');
  const type = header(request.headers, 'content-type') ?? '';
  if (/^application\/json/i.test(type)) {
    if (!verifyTwilioBody(authToken, signature, request.url, request.body))
      throw new WebhookRefused('X-Twilio-Signature does not verify');
    let events: unknown;
    try {
      events = JSON.parse(request.body);
    } catch {
      return { ids: [] };
    }
    const ids = (Array.isArray(events) ? events : [events]).flatMap((event: unknown) => {
      if (!event || typeof event !== 'object') return [];
      const { type: eventType, data } = event as { type?: unknown; data?: { UserSid?: unknown } };
      const sid = data?.UserSid;
      return typeof eventType === 'string' &&
        USER_CLOUD_EVENTS.has(eventType) &&
        typeof sid === 'string' &&
        SID.test(sid)
        ? [sid]
        : [];
    });
    return { ids: [...new Set(ids)] };
  }
  const params: SignedParams = {};
  for (const [name, value] of new URLSearchParams(request.body)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  if (!verifyTwilioSignature(authToken, signature, request.url, params))
    throw new WebhookRefused('X-Twilio-Signature does not verify');
  const eventType = params.EventType;
  const sid = params.UserSid;
  return typeof eventType === 'string' &&
    USER_EVENTS.has(eventType) &&
    typeof sid === 'string' &&
    SID.test(sid)
    ? { ids: [sid] }
    : { ids: [] };
}
