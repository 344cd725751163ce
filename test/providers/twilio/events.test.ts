/**
 * Twilio's webhook signature as rollcall checks it, against the twilio package's own signing and
 * validation (`getExpectedTwilioSignature`, `validateRequest`, `validateRequestWithBody`), and what the
 * events name: form-encoded Conversations post-event webhooks and Event Streams CloudEvents.
 */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import twilio from 'twilio';
import { WebhookRefused, type WebhookRequest } from '../../../src/providers/core/webhooks.js';
import { receiveTwilioEvent } from '../../../src/providers/twilio/events.js';
import { twilioSignature, verifyTwilioSignature } from '../../../src/providers/twilio/signature.js';

const TOKEN = '12345678901234567890123456789012';
const SID = 'US00000000000000000000000000000001';
const FORM = {
  AccountSid: 'AC00000000000000000000000000000001',
  ChatServiceSid: 'IS00000000000000000000000000000001',
  EventType: 'onUserUpdated',
  Identity: 'alice@example.com',
  Source: 'API',
  UserSid: SID,
  Attributes: '{"duty":"agent","note":"a+b c&d=é"}',
};

const request = (url: string, body: string, headers: Record<string, string>): WebhookRequest => ({
  url,
  body,
  headers,
  now: Date.now(),
});

describe('X-Twilio-Signature', () => {
  it.each([
    'https://rollcall.example.com/webhooks/twilio',
    'https://rollcall.example.com:443/webhooks/twilio?x=1&y=two',
    'http://127.0.0.1:8080/webhooks/twilio-us',
  ])('signs %s as the twilio package does', (url) => {
    expect(twilioSignature(TOKEN, url, FORM)).toBe(twilio.getExpectedTwilioSignature(TOKEN, url, FORM));
    const repeated = { ...FORM, Tag: ['b', 'a', 'b'] };
    expect(twilioSignature(TOKEN, url, repeated)).toBe(
      twilio.getExpectedTwilioSignature(TOKEN, url, repeated),
    );
  });

  it('accepts what the twilio package validates, with or without the default port', () => {
    const signature = twilio.getExpectedTwilioSignature(
      TOKEN,
      'https://rollcall.example.com/webhooks/twilio',
      FORM,
    );
    for (const url of [
      'https://rollcall.example.com/webhooks/twilio',
      'https://rollcall.example.com:443/webhooks/twilio',
    ]) {
      expect(twilio.validateRequest(TOKEN, signature, url, FORM)).toBe(true);
      expect(verifyTwilioSignature(TOKEN, signature, url, FORM)).toBe(true);
    }
    expect(verifyTwilioSignature(TOKEN, signature, 'https://rollcall.example.com/webhooks/other', FORM)).toBe(
      false,
    );
    expect(
      verifyTwilioSignature('x'.repeat(32), signature, 'https://rollcall.example.com/webhooks/twilio', FORM),
    ).toBe(false);
  });
});

describe('receiving Twilio events', () => {
  const url = 'http://127.0.0.1:4000/webhooks/twilio-us';
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

  it('names the user of an onUserAdded/onUserUpdated webhook signed by the twilio package', () => {
    for (const EventType of ['onUserAdded', 'onUserUpdated']) {
      const params = { ...FORM, EventType };
      const signature = twilio.getExpectedTwilioSignature(TOKEN, url, params);
      expect(
        receiveTwilioEvent(
          request(url, form(params), {
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': signature,
          }),
          TOKEN,
        ),
      ).toEqual({ ids: [SID] });
    }
  });

  it('verifies other events but names nobody', () => {
    const params = { ...FORM, EventType: 'onConversationAdded' };
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, params);
    expect(
      receiveTwilioEvent(request(url, form(params), { 'x-twilio-signature': signature }), TOKEN),
    ).toEqual({ ids: [] });
  });

  it('refuses a missing signature, a wrong token, another URL and a tampered parameter', () => {
    const signature = twilio.getExpectedTwilioSignature(TOKEN, url, FORM);
    const cases: [string, Record<string, string>, string][] = [
      [url, {}, form(FORM)],
      [
        url,
        { 'x-twilio-signature': twilio.getExpectedTwilioSignature('y'.repeat(32), url, FORM) },
        form(FORM),
      ],
      ['http://127.0.0.1:4000/webhooks/twilio-eu', { 'x-twilio-signature': signature }, form(FORM)],
      [
        url,
        { 'x-twilio-signature': signature },
        form({ ...FORM, UserSid: 'US00000000000000000000000000000002' }),
      ],
    ];
    for (const [target, headers, body] of cases)
      expect(() => receiveTwilioEvent(request(target, body, headers), TOKEN)).toThrow(WebhookRefused);
  });

  it('names the users of Event Streams CloudEvents signed over the URL with the body hash', () => {
    const body = JSON.stringify([
      {
        specversion: '1.0',
        type: 'com.twilio.conversations.user.updated',
        source: `/v1/Users/${SID}`,
        id: 'EZ00000000000000000000000000000001',
        datacontenttype: 'application/json',
        time: '2026-01-01T00:00:01.000Z',
        data: { AccountSid: FORM.AccountSid, UserSid: SID, Identity: 'alice@example.com' },
      },
      { specversion: '1.0', type: 'com.twilio.conversations.conversation.added', id: 'EZ2', data: {} },
    ]);
    const hashed = `${url}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const signature = twilio.getExpectedTwilioSignature(TOKEN, hashed, {});
    expect(twilio.validateRequestWithBody(TOKEN, signature, hashed, body)).toBe(true);
    const headers = { 'content-type': 'application/json', 'x-twilio-signature': signature };
    expect(receiveTwilioEvent(request(hashed, body, headers), TOKEN)).toEqual({ ids: [SID] });
    // The body changed after signing: its hash no longer matches.
    expect(() =>
      receiveTwilioEvent(request(hashed, body.replace('alice', 'mallory'), headers), TOKEN),
    ).toThrow(WebhookRefused);
    // No bodySHA256 in the URL: the body is not covered, refused.
    expect(() =>
      receiveTwilioEvent(
        request(url, body, {
          ...headers,
          'x-twilio-signature': twilio.getExpectedTwilioSignature(TOKEN, url, {}),
        }),
        TOKEN,
      ),
    ).toThrow(WebhookRefused);
  });
});
