import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.js';
import { settingsOf } from './support/config.js';
import { twilioSpec } from '../src/providers/twilio/index.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('loadConfig', () => {
  it('has documented defaults and no provider without credentials', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '0.0.0.0',
      logLevel: 'info',
      demo: 'auto',
      limits: { defaultSize: 20, maxSize: 100 },
      sources: [],
    });
  });

  it('enables Twilio with an account sid and auth token, or an API key pair', () => {
    const sid = 'AC' + '1'.repeat(32);
    expect(settingsOf(twilioSpec, { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't' })).toMatchObject({
      username: sid,
      baseUrl: 'https://conversations.twilio.com',
    });
    expect(
      settingsOf(twilioSpec, {
        TWILIO_ACCOUNT_SID: sid,
        TWILIO_API_KEY_SID: 'SK' + '2'.repeat(32),
        TWILIO_API_KEY_SECRET: 's',
      }),
    ).toMatchObject({ username: 'SK' + '2'.repeat(32), accountSid: sid });
  });

  it('names every invalid variable at once, never echoing a value', () => {
    const found = problems({
      PORT: 'eighty',
      TWILIO_AUTH_TOKEN: 'super-secret-token',
      ROLLCALL_MAX_PAGE_SIZE: '0',
      ROLLCALL_DEMO: 'maybe',
    });
    expect(found).toEqual([
      'ROLLCALL_DEMO must be true or false.',
      'ROLLCALL_MAX_PAGE_SIZE must be an integer from 1 to 1000.',
      'TWILIO_ACCOUNT_SID is required when any Twilio credential is set (it starts with AC).',
      'PORT must be an integer from 0 to 65535.',
    ]);
    expect(found.join(' ')).not.toContain('super-secret-token');
  });

  it('refuses base URLs that carry credentials or are not http(s)', () => {
    const sid = 'AC' + '1'.repeat(32);
    expect(
      problems({
        TWILIO_ACCOUNT_SID: sid,
        TWILIO_AUTH_TOKEN: 't',
        TWILIO_CONVERSATIONS_BASE_URL: 'https://u:p@example.com',
      }),
    ).toEqual([
      "TWILIO_CONVERSATIONS_BASE_URL must not contain credentials; use the provider's credential variables.",
    ]);
    expect(
      problems({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 't', TWILIO_CONVERSATIONS_BASE_URL: 'ftp://x' }),
    ).toEqual(['TWILIO_CONVERSATIONS_BASE_URL must be an absolute http(s) URL.']);
  });

  it('turns introspection and the landing page off in production unless asked', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({
      introspection: false,
      landingPage: false,
      production: true,
    });
    expect(loadConfig({ NODE_ENV: 'production', ROLLCALL_INTROSPECTION: 'true' })).toMatchObject({
      introspection: true,
    });
  });

  it('reads ROLLCALL_DEMO as on, off or auto', () => {
    expect(loadConfig({ ROLLCALL_DEMO: 'true' }).demo).toBe('on');
    expect(loadConfig({ ROLLCALL_DEMO: 'false' }).demo).toBe('off');
  });
});
