/**
 * Ada's webhooks as rollcall verifies them (Standard Webhooks, as Svix delivers them), against the
 * `standardwebhooks` reference package: its signatures verify here, ours verify there, and every way a
 * request can be wrong is refused. Then what the events name.
 */
import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { receiveAdaEvent } from '../../../src/providers/ada/events.js';
import {
  signStandardWebhook,
  verifyStandardWebhook,
  WebhookRefused,
  type WebhookRequest,
} from '../../../src/providers/core/webhooks.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const OTHER_SECRET = `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`;
const NOW = Date.parse('2026-12-02T10:00:00Z');
const SECONDS = Math.floor(NOW / 1000);
const BODY = JSON.stringify({
  type: 'v1.end_user.updated',
  timestamp: '2026-12-02T10:00:00.000',
  data: { end_user_id: '5f7e0e2c1e7c7e000f0f9c3a', profile: { email: 'ada.lovelace@ada.cx' } },
  tags: ['5f7e0e2c1e7c7e000f0f9c3a'],
});

const request = (headers: Record<string, string>, body = BODY, now = NOW): WebhookRequest => ({
  url: 'https://rollcall.example.com/webhooks/ada',
  headers,
  body,
  now,
});
const svix = (signature: string, timestamp = SECONDS, id = ID) => ({
  'svix-id': id,
  'svix-timestamp': String(timestamp),
  'svix-signature': signature,
});

describe('Standard Webhooks signatures', () => {
  it('signs as the reference package does, and each verifies the other', () => {
    const reference = new Webhook(SECRET).sign(ID, new Date(SECONDS * 1000), BODY);
    expect(signStandardWebhook(SECRET, ID, SECONDS, BODY)).toBe(reference);
    expect(() => verifyStandardWebhook(SECRET, request(svix(reference)))).not.toThrow();
    // The reference verifies ours (its clock is the real one: sign now).
    const now = Math.floor(Date.now() / 1000);
    const ours = signStandardWebhook(SECRET, ID, now, BODY);
    expect(
      new Webhook(SECRET).verify(BODY, {
        'webhook-id': ID,
        'webhook-timestamp': String(now),
        'webhook-signature': ours,
      }),
    ).toEqual(JSON.parse(BODY));
  });

  it('accepts webhook-* headers and a rotated secret among several signatures', () => {
    const good = signStandardWebhook(SECRET, ID, SECONDS, BODY);
    const other = signStandardWebhook(
      'whsec_' + Buffer.from('another-secret-of-32-bytes-long!').toString('base64'),
      ID,
      SECONDS,
      BODY,
    );
    expect(() =>
      verifyStandardWebhook(
        SECRET,
        request({
          'webhook-id': ID,
          'webhook-timestamp': String(SECONDS),
          'webhook-signature': `${other} v2,xyz ${good}`,
        }),
      ),
    ).not.toThrow();
  });

  it.each<{ name: string; headers: Record<string, string>; body?: string; now?: number }>([
    { name: 'no headers', headers: {} },
    {
      name: 'a signature of another body',
      headers: svix(signStandardWebhook(SECRET, ID, SECONDS, BODY)),
      body: BODY.replace('ada.lovelace', 'mallory'),
    },
    { name: 'another secret', headers: svix(signStandardWebhook(OTHER_SECRET, ID, SECONDS, BODY)) },
    { name: 'another message id', headers: svix(signStandardWebhook(SECRET, 'msg_other', SECONDS, BODY)) },
    {
      name: 'a timestamp 6 minutes old',
      headers: svix(signStandardWebhook(SECRET, ID, SECONDS - 360, BODY), SECONDS - 360),
    },
    {
      name: 'a timestamp 6 minutes ahead',
      headers: svix(signStandardWebhook(SECRET, ID, SECONDS + 360, BODY), SECONDS + 360),
    },
    {
      name: 'a timestamp that is not a number',
      headers: svix(signStandardWebhook(SECRET, ID, SECONDS, BODY), Number.NaN),
    },
    {
      name: 'an unversioned signature',
      headers: svix(signStandardWebhook(SECRET, ID, SECONDS, BODY).slice(3)),
    },
  ])('refuses $name', ({ headers, body, now }) => {
    expect(() => verifyStandardWebhook(SECRET, request(headers, body, now))).toThrow(WebhookRefused);
  });
});

describe('receiving Ada events', () => {
  const signed = (body: string) => request(svix(signStandardWebhook(SECRET, ID, SECONDS, body)), body);

  it('names the end user of v1.end_user.created and v1.end_user.updated', () => {
    for (const type of ['v1.end_user.created', 'v1.end_user.updated']) {
      const body = BODY.replace('v1.end_user.updated', type);
      expect(receiveAdaEvent(signed(body), SECRET)).toEqual({ ids: ['5f7e0e2c1e7c7e000f0f9c3a'] });
    }
  });

  it('verifies conversation events and malformed bodies but names nobody', () => {
    expect(
      receiveAdaEvent(signed(BODY.replace('v1.end_user.updated', 'v1.conversation.created')), SECRET),
    ).toEqual({
      ids: [],
    });
    expect(receiveAdaEvent(signed('not json'), SECRET)).toEqual({ ids: [] });
  });
});
