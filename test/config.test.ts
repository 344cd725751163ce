import { describe, expect, it } from '@jest/globals';
import { loadConfig, unsafeDefaults } from '../src/config.js';
import { configProblems, settingsOf } from './support/config.js';
import { twilioSpec } from '../src/providers/twilio/index.js';

const problems = configProblems;

describe('loadConfig', () => {
  it('matches people with a shared-address threshold of 3 and the no-reply block list unless told otherwise', () => {
    expect(loadConfig({}).people).toEqual({
      sharedAddressThreshold: 3,
      blockedAddresses: expect.arrayContaining(['noreply', 'no-reply', 'donotreply', 'mailer-daemon']),
    });
    expect(
      loadConfig({
        ROLLCALL_PEOPLE_SHARED_ADDRESS_THRESHOLD: '10',
        ROLLCALL_PEOPLE_BLOCKED_ADDRESSES: 'noreply, *@bounces.example',
      }).people,
    ).toEqual({ sharedAddressThreshold: 10, blockedAddresses: ['noreply', '*@bounces.example'] });
    expect(loadConfig({ ROLLCALL_PEOPLE_BLOCKED_ADDRESSES: 'none' }).people.blockedAddresses).toEqual([]);
  });

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

  describe('directory settings', () => {
    it('keeps an index by default: PGlite in memory in demo mode, in rollcall-data otherwise', () => {
      expect(loadConfig({}, { demo: true }).directory).toEqual({ enabled: true, syncIntervalSeconds: 300 });
      expect(loadConfig({ HOST: '127.0.0.1', TWOCHAT_API_KEY: 'k' }).directory).toEqual({
        enabled: true,
        dataDir: 'rollcall-data',
        syncIntervalSeconds: 300,
      });
    });

    it('uses a PostgreSQL server when ROLLCALL_DATABASE_URL is set, and can be turned off', () => {
      const url = 'postgres://rollcall:secret@db.internal:5432/rollcall';
      expect(loadConfig({ ROLLCALL_DATABASE_URL: url, ROLLCALL_DATA_DIR: '/data' }).directory).toEqual({
        enabled: true,
        databaseUrl: url,
        syncIntervalSeconds: 300,
      });
      expect(loadConfig({ ROLLCALL_DIRECTORY: 'off' }).directory.enabled).toBe(false);
    });

    it('refuses a database URL that is not postgres, without echoing it, and an interval out of range', () => {
      const found = problems({
        ROLLCALL_DATABASE_URL: 'mysql://root:hunter2@db/x',
        ROLLCALL_SYNC_INTERVAL_SECONDS: '1',
        ROLLCALL_DIRECTORY: 'maybe',
      });
      expect(found).toEqual([
        'ROLLCALL_DIRECTORY must be one of on, off.',
        'ROLLCALL_DATABASE_URL must be a postgres:// or postgresql:// URL.',
        'ROLLCALL_SYNC_INTERVAL_SECONDS must be an integer from 5 to 604800.',
      ]);
      expect(found.join('\n')).not.toContain('hunter2');
    });
  });

  describe('federation settings', () => {
    it('publishes the authorization directives and every native key by default', () => {
      expect(loadConfig({}).federation).toEqual({
        authDirectives: true,
        nativeKeys: ['TWO_CHAT', 'TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT', 'VOXIMPLANT'],
      });
    });

    it.each<[string, string[]]>([
      ['false', []],
      ['true', ['TWO_CHAT', 'TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT', 'VOXIMPLANT']],
      ['COMETCHAT, TWILIO_CONVERSATIONS', ['TWILIO_CONVERSATIONS', 'COMETCHAT']],
    ])('ROLLCALL_FEDERATION_NATIVE_KEYS=%s publishes the native keys of %j', (value, expected) => {
      expect(loadConfig({ ROLLCALL_FEDERATION_NATIVE_KEYS: value }).federation.nativeKeys).toEqual(expected);
    });

    it.each(['TWILIO', 'maybe', ' , '])(
      'refuses ROLLCALL_FEDERATION_NATIVE_KEYS=%j naming the providers',
      (value) => {
        expect(problems({ ROLLCALL_FEDERATION_NATIVE_KEYS: value })).toEqual([
          'ROLLCALL_FEDERATION_NATIVE_KEYS must be true, false, or a comma-separated list of providers from: TWO_CHAT, TWILIO_CONVERSATIONS, ADA, COMETCHAT, VOXIMPLANT.',
        ]);
      },
    );
  });

  describe('access control settings', () => {
    const live = { TWILIO_ACCOUNT_SID: 'AC' + '1'.repeat(32), TWILIO_AUTH_TOKEN: 't' };
    it.each<[string, Record<string, string>, RegExp]>([
      [
        'no mode on a reachable address',
        { ...live, HOST: '0.0.0.0' },
        /^Set ROLLCALL_AUTH to jwt or router: HOST=0\.0\.0\.0/,
      ],
      [
        'none on a reachable address, unforced',
        { ...live, HOST: '0.0.0.0', ROLLCALL_AUTH: 'none' },
        /ROLLCALL_AUTH=none is allowed only on loopback/,
      ],
      ['an unknown mode', { ROLLCALL_AUTH: 'basic' }, /ROLLCALL_AUTH must be one of: jwt, router, none/],
      [
        'jwt without keys',
        { ROLLCALL_AUTH: 'jwt', ROLLCALL_JWT_ISSUER: 'i', ROLLCALL_JWT_AUDIENCE: 'a' },
        /Set ROLLCALL_JWT_JWKS_URL .* or ROLLCALL_JWT_PUBLIC_KEY/,
      ],
      [
        'jwt without issuer',
        { ROLLCALL_AUTH: 'jwt', ROLLCALL_JWT_JWKS_URL: 'https://idp/jwks', ROLLCALL_JWT_AUDIENCE: 'a' },
        /Set ROLLCALL_JWT_ISSUER/,
      ],
      [
        'jwt without audience',
        { ROLLCALL_AUTH: 'jwt', ROLLCALL_JWT_JWKS_URL: 'https://idp/jwks', ROLLCALL_JWT_ISSUER: 'i' },
        /Set ROLLCALL_JWT_AUDIENCE/,
      ],
      [
        'a JWKS over plain http off loopback',
        {
          ROLLCALL_AUTH: 'jwt',
          ROLLCALL_JWT_JWKS_URL: 'http://idp.example.com/jwks',
          ROLLCALL_JWT_ISSUER: 'i',
          ROLLCALL_JWT_AUDIENCE: 'a',
        },
        /must be https/,
      ],
      [
        'a symmetric algorithm',
        {
          ROLLCALL_AUTH: 'jwt',
          ROLLCALL_JWT_JWKS_URL: 'https://idp/jwks',
          ROLLCALL_JWT_ISSUER: 'i',
          ROLLCALL_JWT_AUDIENCE: 'a',
          ROLLCALL_JWT_ALGORITHMS: 'HS256',
        },
        /asymmetric algorithms/,
      ],
      [
        'router without any proof',
        { ROLLCALL_AUTH: 'router' },
        /needs ROLLCALL_ROUTER_SECRET .* or ROLLCALL_ROUTER_HMAC_SECRET/,
      ],
      [
        'a short router secret',
        { ROLLCALL_AUTH: 'router', ROLLCALL_ROUTER_SECRET: 'short-secret-value' },
        /ROLLCALL_ROUTER_SECRET must be at least 32 characters/,
      ],
      ['equal scope names', { ROLLCALL_SCOPE_USERS_PII: 'users:read' }, /must differ/],
      ['equal people and admin scopes', { ROLLCALL_SCOPE_PEOPLE_WRITE: 'rollcall:admin' }, /must differ/],
      [
        'a shared-address threshold of 0',
        { ROLLCALL_PEOPLE_SHARED_ADDRESS_THRESHOLD: '0' },
        /ROLLCALL_PEOPLE_SHARED_ADDRESS_THRESHOLD/,
      ],
      [
        'a blocked address with a space',
        { ROLLCALL_PEOPLE_BLOCKED_ADDRESSES: 'noreply, two words' },
        /ROLLCALL_PEOPLE_BLOCKED_ADDRESSES must be/,
      ],
    ])('refuses %s, naming the variable and never a value', (_name, env, message) => {
      const found = problems(env);
      expect(found).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
      expect(found.join('\n')).not.toContain('short-secret-value');
    });

    it('is open on loopback and in demo mode, and forced open elsewhere only with a warning', () => {
      expect(loadConfig({ HOST: '127.0.0.1' }).auth).toMatchObject({ mode: 'none', forcedOpen: false });
      const forced = loadConfig({
        ...live,
        HOST: '0.0.0.0',
        ROLLCALL_AUTH: 'none',
        ROLLCALL_AUTH_ALLOW_NONE: 'true',
      });
      expect(forced.auth).toMatchObject({ mode: 'none', forcedOpen: true });
      expect(unsafeDefaults(forced)).toEqual(
        expect.arrayContaining([expect.stringMatching(/access control is OFF/)]),
      );
    });
  });
});
