/**
 * The Voximplant service-account token and configuration: credentials parsing and validation (never
 * echoing a key), token reuse and renewal, and the emulator's verdict on expired, future and over-long
 * tokens as rollcall's client reports them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvReader } from '../../../src/env.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import { UpstreamClient } from '../../../src/upstream/client.js';
import { detectVoximplantError, VoximplantClient } from '../../../src/providers/voximplant/client.js';
import { VoximplantEmulator } from '../../../src/providers/voximplant/emulator.js';
import { voximplantSpec } from '../../../src/providers/voximplant/index.js';
import {
  parseCredentials,
  TOKEN_LIFETIME_SECONDS,
  TOKEN_REFRESH_MARGIN_SECONDS,
  VoximplantTokenSource,
  type TokenSourceOptions,
  type VoximplantServiceAccount,
} from '../../../src/providers/voximplant/jwt.js';

let emulator: VoximplantEmulator;
let account: VoximplantServiceAccount;
let dir: string;
beforeAll(async () => {
  emulator = await VoximplantEmulator.create();
  await emulator.start();
  const parsed = parseCredentials(JSON.stringify(emulator.credentials), 'TEST');
  if (!('account' in parsed)) throw new Error(parsed.problem);
  account = parsed.account;
  dir = mkdtempSync(join(tmpdir(), 'rollcall-vox-'));
});
afterAll(async () => {
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
});

const readConfig = (env: Record<string, string>) => {
  const reader = new EnvReader(env);
  return { config: voximplantSpec.readConfig(reader), problems: reader.problems };
};

describe('Voximplant configuration', () => {
  it('is disabled when no VOXIMPLANT_ variable is set', () => {
    expect(readConfig({})).toEqual({ config: null, problems: [] });
  });

  it('reads credentials.json content, the default application and the base URL', () => {
    const { config, problems } = readConfig(emulator.demoEnv());
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      account: { accountId: emulator.credentials.account_id, keyId: emulator.credentials.key_id },
      applications: [{ applicationId: 10001 }],
      baseUrl: emulator.baseUrl,
    });
    // The key is held as a KeyObject, never as its PEM text.
    expect(JSON.stringify(config)).not.toContain('PRIVATE KEY');
  });

  it('reads credentials from a file path, and the Go SDK {result: …} wrapping', () => {
    const path = join(dir, 'credentials.json');
    writeFileSync(path, JSON.stringify({ result: emulator.credentials }));
    const { config, problems } = readConfig({
      VOXIMPLANT_CREDENTIALS: path,
      VOXIMPLANT_APPLICATION_NAME: 'sales',
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      applications: [{ applicationName: 'sales' }],
      baseUrl: 'https://api.voximplant.com',
    });
  });

  it('reads several applications, each once, in the order given', () => {
    const { config, problems } = readConfig({
      ...emulator.demoSourceEnv(),
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ applications: [{ applicationId: 10001 }, { applicationId: 10002 }] });
    const repeated = readConfig({
      ...emulator.demoEnv(),
      VOXIMPLANT_APPLICATION_ID: '',
      VOXIMPLANT_APPLICATION_IDS: ' 7, 3,7 ',
    });
    expect(repeated.problems).toEqual([]);
    expect(repeated.config).toMatchObject({ applications: [{ applicationId: 7 }, { applicationId: 3 }] });
  });

  const secret = fakeKeyPem();
  it.each<[string, Record<string, string>, RegExp]>([
    [
      'no credentials',
      { VOXIMPLANT_APPLICATION_ID: '1' },
      /VOXIMPLANT_CREDENTIALS .* or VOXIMPLANT_CREDENTIALS_JSON/,
    ],
    [
      'both credential variables',
      { VOXIMPLANT_CREDENTIALS: '/x', VOXIMPLANT_CREDENTIALS_JSON: '{}', VOXIMPLANT_APPLICATION_ID: '1' },
      /not both/,
    ],
    [
      'a missing file',
      { VOXIMPLANT_CREDENTIALS: '/nonexistent/credentials.json', VOXIMPLANT_APPLICATION_ID: '1' },
      /VOXIMPLANT_CREDENTIALS names a file that cannot be read \(ENOENT\)/,
    ],
    [
      'content that is not JSON',
      { VOXIMPLANT_CREDENTIALS_JSON: `{"private_key": "${secret}"`, VOXIMPLANT_APPLICATION_ID: '1' },
      /VOXIMPLANT_CREDENTIALS_JSON is not valid JSON/,
    ],
    [
      'no account_id',
      {
        VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify({ key_id: 'k', private_key: secret }),
        VOXIMPLANT_APPLICATION_ID: '1',
      },
      /account_id must be a positive integer/,
    ],
    [
      'no key_id',
      {
        VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify({ account_id: 1, private_key: secret }),
        VOXIMPLANT_APPLICATION_ID: '1',
      },
      /key_id must be a non-empty string/,
    ],
    [
      'a private_key that is not a key',
      {
        VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify({ account_id: 1, key_id: 'k', private_key: secret }),
        VOXIMPLANT_APPLICATION_ID: '1',
      },
      /private_key could not be read/,
    ],
    [
      'no application',
      { VOXIMPLANT_CREDENTIALS_JSON: '{}' },
      /Set VOXIMPLANT_APPLICATION_ID, VOXIMPLANT_APPLICATION_IDS or VOXIMPLANT_APPLICATION_NAME/,
    ],
    [
      'both applications',
      { VOXIMPLANT_APPLICATION_ID: '1', VOXIMPLANT_APPLICATION_NAME: 'x', VOXIMPLANT_CREDENTIALS_JSON: '{}' },
      /Set only one of VOXIMPLANT_APPLICATION_ID, VOXIMPLANT_APPLICATION_IDS and VOXIMPLANT_APPLICATION_NAME/,
    ],
    [
      'an id list and a name',
      {
        VOXIMPLANT_APPLICATION_IDS: '1,2',
        VOXIMPLANT_APPLICATION_NAME: 'x',
        VOXIMPLANT_CREDENTIALS_JSON: '{}',
      },
      /Set only one of/,
    ],
    [
      'a list in the one-application variable',
      { VOXIMPLANT_APPLICATION_ID: '1,2', VOXIMPLANT_CREDENTIALS_JSON: '{}' },
      /VOXIMPLANT_APPLICATION_ID takes one application; list several in VOXIMPLANT_APPLICATION_IDS/,
    ],
    [
      'an id list with a non-numeric entry',
      { VOXIMPLANT_APPLICATION_IDS: '10001,abc', VOXIMPLANT_CREDENTIALS_JSON: '{}' },
      /VOXIMPLANT_APPLICATION_IDS must be positive integers separated by commas/,
    ],
    [
      'an id list of more than twenty applications',
      {
        VOXIMPLANT_APPLICATION_IDS: Array.from({ length: 21 }, (_, i) => i + 1).join(','),
        VOXIMPLANT_CREDENTIALS_JSON: '{}',
      },
      /VOXIMPLANT_APPLICATION_IDS lists more than 20 applications/,
    ],
    [
      'a non-numeric application id',
      { VOXIMPLANT_APPLICATION_ID: 'abc', VOXIMPLANT_CREDENTIALS_JSON: '{}' },
      /VOXIMPLANT_APPLICATION_ID must be a positive integer/,
    ],
  ])('reports %s naming the variable, without echoing any value', (_name, env, message) => {
    const { config, problems } = readConfig(env);
    expect(config).toBeNull();
    expect(problems.join('\n')).toMatch(message);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('refuses a non-RSA key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const result = parseCredentials(JSON.stringify({ account_id: 1, key_id: 'k', private_key: pem }), 'VAR');
    expect(result).toEqual({ problem: 'VAR: private_key must be an RSA key (Voximplant signs with RS256).' });
  });

  it('refuses an RSA key too short for RS256 at start, instead of failing every call', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const result = parseCredentials(JSON.stringify({ account_id: 1, key_id: 'k', private_key: pem }), 'VAR');
    expect(result).toEqual({
      problem: 'VAR: private_key must be an RSA key of at least 2048 bits (RS256 requires it).',
    });
  });

  it("reports a signing failure as rollcall's own error with the cause, not jose's raw error", async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const tokens = new VoximplantTokenSource({ accountId: 1, keyId: 'k', privateKey });
    const error = await tokens.authorization().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Voximplant: could not sign the service-account token');
    expect(String((error as Error).cause)).toMatch(/2048/);
  });
});

/** A recognisable fake key body: it must never show up in a problem message. */
function fakeKeyPem(): string {
  return '-----BEGIN PRIVATE KEY-----\\nTOPSECRETKEYMATERIAL\\n-----END PRIVATE KEY-----';
}

describe('VoximplantTokenSource', () => {
  it('signs once for many concurrent and later calls, and renews shortly before expiry', async () => {
    let now = Date.UTC(2025, 0, 1, 12, 0, 0);
    const tokens = new VoximplantTokenSource(account, { now: () => now });
    const first = await Promise.all(Array.from({ length: 25 }, () => tokens.authorization()));
    expect(new Set(first).size).toBe(1);
    expect(tokens.signings).toBe(1);

    const token = first[0].replace(/^Bearer /, '');
    const claims = decodeJwt(token);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: account.keyId });
    expect(claims).toEqual({
      iss: account.accountId,
      iat: now / 1000 - 5,
      exp: now / 1000 - 5 + TOKEN_LIFETIME_SECONDS,
    });

    // Still valid for more than the margin: reused.
    now += (TOKEN_LIFETIME_SECONDS - TOKEN_REFRESH_MARGIN_SECONDS - 10) * 1000;
    expect(await tokens.authorization()).toBe(first[0]);
    expect(tokens.signings).toBe(1);
    // Within the margin of expiry: one new token, shared by concurrent callers.
    now += 10 * 1000;
    const renewed = await Promise.all([
      tokens.authorization(),
      tokens.authorization(),
      tokens.authorization(),
    ]);
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(first[0]);
    expect(tokens.signings).toBe(2);
  });
});

describe('the emulator refusing tokens, as rollcall reports it', () => {
  const clientWith = (options: TokenSourceOptions) => {
    const tokens = new VoximplantTokenSource(account, options);
    const upstream = new UpstreamClient({
      provider: 'VOXIMPLANT',
      source: 'voximplant',
      baseUrl: emulator.baseUrl,
      headers: async () => ({ authorization: await tokens.authorization() }),
      timeoutMs: 5000,
      metrics: new Metrics(),
      logger: createLogger('silent'),
      detectError: detectVoximplantError,
    });
    return new VoximplantClient(upstream, [{ applicationId: 10001 }], 100);
  };

  it('accepts a fresh token', async () => {
    const page = await clientWith({}).getUsers({ application_id: 10001 }, 0, 2);
    expect(page.users).toHaveLength(2);
  });

  it.each<[string, TokenSourceOptions, number, RegExp]>([
    ['an expired token (456)', { now: () => Date.now() - 3_600_000 }, 456, /expired/],
    ['a token issued in the future (455)', { now: () => Date.now() + 3_600_000 }, 455, /future/],
    ['a token living longer than 3600 s (454)', { lifetimeSeconds: 7200 }, 454, /lifetime/],
  ])('maps %s to UPSTREAM_UNAUTHORIZED', async (_name, options, upstreamCode, message) => {
    const failure = clientWith(options).getUsers({ application_id: 10001 }, 0, 1);
    await expect(failure).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_UNAUTHORIZED', provider: 'VOXIMPLANT', status: 200, upstreamCode },
    });
    await expect(failure).rejects.toThrow(message);
  });
});
