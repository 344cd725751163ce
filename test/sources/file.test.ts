/**
 * The configuration file: parsing, references, the published schema, and each provider's own checks, with
 * problems that name the path and never a value. Every file here is written by the test into its own
 * temporary folder.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';
import { PROVIDERS } from '../../src/providers/registry.js';
import { configSchema, readSourcesFile, SourcesFileError } from '../../src/sources/file.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rollcall-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SID = `AC${'a'.repeat(32)}`;
const SECRET = 'tok-9f8e7d6c5b4a';

let counter = 0;
/** Writes `text` as a configuration file and returns its path. */
function file(text: string, name = `rollcall-${(counter += 1)}.yaml`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The problems reading `text` reports (fails the test if it reads without any). */
function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    readSourcesFile(file(text), env, PROVIDERS);
  } catch (error) {
    if (error instanceof SourcesFileError) return error.problems;
    throw error;
  }
  throw new Error('the file was accepted');
}

const twilio = (extra = '') => `
sources:
  - name: twilio-us
    provider: twilio
    credentials:
      accountSid: ${SID}
      authToken: \${env.TOKEN}
${extra}`;

describe('reading sources from the file', () => {
  it('reads every provider, in the declared order, with defaults, settings and references expanded', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(
      join(dir, 'vox.json'),
      JSON.stringify({
        account_id: 1,
        account_email: 'a@example.com',
        key_id: 'k-1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      }),
    );
    const path = file(`
sources:
  - name: whatsapp
    provider: twochat
    credentials: { apiKey: "\${env.TWOCHAT_KEY}" }
  - name: twilio-us
    provider: twilio
    credentials: { accountSid: ${SID}, authToken: "\${env.TOKEN}" }
  - name: twilio-eu
    provider: twilio
    default: true
    credentials: { accountSid: "\${env.EU_SID:-${SID}}", apiKeySid: SKabc, apiKeySecret: "\${env.EU_SECRET}" }
    options: { conversationsServiceSid: IS123 }
    settings: { timeoutMs: 5000, concurrency: 4, cacheTtlSeconds: "60" }
  - name: ada-uk
    provider: ada
    credentials: { apiKey: "\${env.ADA_KEY}" }
    options: { handle: acme-uk, region: eu }
  - name: cometchat-eu
    provider: cometchat
    credentials: { apiKey: "\${env.CC_KEY}" }
    options: { appId: app1, region: eu }
  - name: voximplant
    provider: voximplant
    enabled: false
    credentials: { json: "\${file.vox.json}" }
    options: { applicationId: 10001 }
`);
    const sources = readSourcesFile(
      path,
      { TWOCHAT_KEY: 'k2', TOKEN: SECRET, EU_SECRET: 's', ADA_KEY: 'k3', CC_KEY: 'k4' },
      PROVIDERS,
    );
    expect(sources.map((s) => [s.name, s.provider, s.default, s.enabled])).toEqual([
      ['whatsapp', 'TWO_CHAT', false, true],
      ['twilio-us', 'TWILIO_CONVERSATIONS', false, true],
      ['twilio-eu', 'TWILIO_CONVERSATIONS', true, true],
      ['ada-uk', 'ADA', false, true],
      ['cometchat-eu', 'COMETCHAT', false, true],
      ['voximplant', 'VOXIMPLANT', false, false],
    ]);
    expect(sources[2].overrides).toEqual({ timeoutMs: 5000, concurrency: 4, cacheTtlSeconds: 60 });
  });

  it('names the missing variable of a reference, and never a value', () => {
    const found = problems(twilio());
    expect(found).toEqual(['sources[0].credentials.authToken: ${env.TOKEN} is not set']);
  });

  it('refuses a secret written in the file, without echoing it', () => {
    const found = problems(twilio().replace('${env.TOKEN}', SECRET));
    expect(found).toEqual([
      'sources[0].credentials.authToken: a secret is never written in the file; write ${env.NAME} (or ${file.PATH})',
    ]);
    expect(found.join('\n')).not.toContain(SECRET);
    // Nor as a reference's default.
    expect(problems(twilio().replace('${env.TOKEN}', `\${env.TOKEN:-${SECRET}}`))).toEqual([
      'sources[0].credentials.authToken: a secret is never written in the file; write ${env.NAME} (or ${file.PATH})',
    ]);
  });

  it('names a file reference it cannot read', () => {
    expect(problems(twilio().replace('${env.TOKEN}', '${file.missing/token.txt}'))).toEqual([
      'sources[0].credentials.authToken: its ${file.…} reference cannot be read (ENOENT)',
    ]);
  });

  it('refuses unknown keys at every level, naming their path', () => {
    const env = { TOKEN: SECRET };
    expect(problems(`${twilio()}extra: 1\n`, env)).toEqual([
      'extra: unknown key (allowed: auth, federation, people, sources)',
    ]);
    expect(problems(twilio('    region: us\n'), env)).toEqual([
      'sources[0].region: unknown key (allowed: name, enabled, default, settings, provider, credentials, options)',
    ]);
    expect(problems(twilio().replace('authToken', 'authTokn'), env)).toContain(
      'sources[0].credentials.authTokn: unknown key (allowed: accountSid, authToken, apiKeySid, apiKeySecret)',
    );
    expect(problems(twilio('    options: { serviceSid: IS1 }\n'), env)).toEqual([
      'sources[0].options.serviceSid: unknown key (allowed: conversationsServiceSid, baseUrl, pageSize)',
    ]);
  });

  it('names what is required, the allowed providers, names and ranges', () => {
    const env = { TOKEN: SECRET };
    expect(problems(twilio().replace(`      accountSid: ${SID}\n`, ''), env)).toEqual([
      'sources[0].credentials.accountSid: required',
    ]);
    expect(problems(twilio().replace('provider: twilio', 'provider: slack'), env)).toEqual([
      'sources[0].provider: must be one of twochat, twilio, ada, cometchat, voximplant',
    ]);
    expect(problems(twilio().replace('name: twilio-us', 'name: Twilio_US'), env)).toEqual([
      'sources[0].name: must be lower-case letters, digits and dashes, 1 to 32 of them',
    ]);
    expect(problems(twilio('    settings: { timeoutMs: 0, retries: many }\n'), env)).toEqual([
      'sources[0].settings.timeoutMs: must be ≥ 1',
      'sources[0].settings.retries: must be integer',
    ]);
    expect(problems('sources: []\n')).toEqual(['sources: must have at least 1 item(s)']);
    expect(problems('{}\n')).toEqual(['sources: required']);
  });

  it("reports a provider's own checks under the file's key names", () => {
    expect(problems(twilio().replace(SID, 'AC123'), { TOKEN: SECRET })).toEqual([
      'sources[0].credentials.accountSid must be "AC" followed by 32 characters.',
    ]);
    expect(
      problems(twilio().replace('authToken: ${env.TOKEN}', 'apiKeySid: SK1'), { TOKEN: SECRET }),
    ).toEqual([
      'sources[0].credentials.apiKeySid and sources[0].credentials.apiKeySecret must be set together.',
    ]);
  });

  it('refuses two sources with one name, and two defaults of one provider', () => {
    const twice = `${twilio()}  - name: twilio-us\n    provider: twilio\n    credentials: { accountSid: ${SID}, authToken: "\${env.TOKEN}" }\n`;
    expect(problems(twice, { TOKEN: SECRET })).toEqual([
      'sources[1].name: "twilio-us" is already the name of sources[0]',
    ]);
    const defaults = `${twilio('    default: true\n')}  - name: twilio-eu\n    provider: twilio\n    default: true\n    credentials: { accountSid: ${SID}, authToken: "\${env.TOKEN}" }\n`;
    expect(problems(defaults, { TOKEN: SECRET })).toEqual([
      'sources: "twilio-us" and "twilio-eu" are both marked default for twilio; mark one',
    ]);
  });

  it('refuses a document whose aliases expand without bound (a billion laughs), as a problem, not a crash', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
    ])
      levels.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(',')}]`);
    expect(problems(`${levels.join('\n')}\nsources: [*f]\n`)).toEqual([
      'not valid here: its aliases expand too far (at most 100 alias uses)',
    ]);
  });

  it('reports where YAML is broken without quoting the text', () => {
    const found = problems(`sources:\n  - name: a\n    credentials: { authToken: "${SECRET}\n`);
    expect(found.length).toBeGreaterThan(0);
    for (const problem of found) expect(problem).toMatch(/^not valid YAML at line \d+, column \d+ \(\w+\)$/);
    expect(found.join('\n')).not.toContain(SECRET);
  });
});

describe('the configuration with a file', () => {
  it('stops the start with every problem, each prefixed with the file name', () => {
    const path = file(twilio().replace('provider: twilio', 'provider: slack'), 'broken.yaml');
    expect(() => loadConfig({ ROLLCALL_CONFIG: path, TOKEN: SECRET })).toThrow(ConfigError);
    try {
      loadConfig({ ROLLCALL_CONFIG: path, TOKEN: SECRET });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'broken.yaml: sources[0].provider: must be one of twochat, twilio, ada, cometchat, voximplant',
      ]);
    }
  });

  it('reads only the file when there is one: the providers’ variables define no other source', () => {
    const path = file(twilio());
    const config = loadConfig({
      HOST: '127.0.0.1',
      ROLLCALL_CONFIG: path,
      TOKEN: SECRET,
      COMETCHAT_API_KEY: 'ignored',
      COMETCHAT_APP_ID: 'app',
    });
    expect(config.sources.map((source) => source.name)).toEqual(['twilio-us']);
    expect(config.configFile).toBe(path);
  });

  it('without a file, defines one source per configured provider, named after it', () => {
    const config = loadConfig({
      HOST: '127.0.0.1',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: SECRET,
      TWOCHAT_API_KEY: 'k',
    });
    expect(config.sources.map((source) => [source.name, source.provider, source.default])).toEqual([
      ['twochat', 'TWO_CHAT', true],
      ['twilio', 'TWILIO_CONVERSATIONS', true],
    ]);
  });
});

describe("the file's auth and federation sections", () => {
  const ROUTER = 'r'.repeat(40);
  const HMAC = 'h'.repeat(40);
  /** The configuration problems of `env` (none: []). */
  const loadProblems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  it('configures access control and the published SDL, as the variables they stand for would', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'jwt-public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const path = file(
      `${twilio()}
auth:
  mode: jwt
  metricsToken: \${env.METRICS}
  scopes: { read: directory.read, pii: directory.pii, admin: directory.admin }
  jwt:
    publicKey: \${file.jwt-public.pem}
    issuer: https://idp.example.com/
    audience: rollcall
    algorithms: [ES256]
    clockSkewSeconds: 10
    scopeClaim: permissions
federation:
  authDirectives: false
  nativeKeys: [cometchat, twilio]
`,
    );
    const config = loadConfig({
      HOST: '0.0.0.0',
      ROLLCALL_CONFIG: path,
      TOKEN: SECRET,
      METRICS: 'm'.repeat(40),
    });
    expect(config.auth).toMatchObject({
      mode: 'jwt',
      metricsToken: 'm'.repeat(40),
      scopes: { read: 'directory.read', pii: 'directory.pii', admin: 'directory.admin' },
      jwt: {
        publicKey: expect.stringContaining('BEGIN PUBLIC KEY'),
        issuer: 'https://idp.example.com/',
        audience: 'rollcall',
        algorithms: ['ES256'],
        clockSkewSeconds: 10,
        scopeClaim: 'permissions',
      },
    });
    expect(config.federation).toEqual({
      authDirectives: false,
      nativeKeys: ['TWILIO_CONVERSATIONS', 'COMETCHAT'],
    });
  });

  it('matches people as its people: section says, as the variables it stands for would', () => {
    const path = file(
      `${twilio()}
people:
  sharedAddressThreshold: 5
  blockedAddresses: [noreply, alerts@acme.test, '*@bounces.example']
`,
    );
    expect(loadConfig({ HOST: '127.0.0.1', ROLLCALL_CONFIG: path, TOKEN: SECRET }).people).toEqual({
      sharedAddressThreshold: 5,
      blockedAddresses: ['noreply', 'alerts@acme.test', '*@bounces.example'],
    });
    const none = file(`${twilio()}
people:
  blockedAddresses: []
`);
    expect(loadConfig({ HOST: '127.0.0.1', ROLLCALL_CONFIG: none, TOKEN: SECRET }).people).toEqual({
      sharedAddressThreshold: 3,
      blockedAddresses: [],
    });
    const bad = file(`${twilio()}
people:
  sharedAddressThreshold: 0
  blockedAddresses: ['two words']
`);
    expect(loadProblems({ HOST: '127.0.0.1', ROLLCALL_CONFIG: bad, TOKEN: SECRET })).toEqual(
      expect.arrayContaining([
        expect.stringContaining('people.sharedAddressThreshold'),
        expect.stringContaining('people.blockedAddresses[0]'),
      ]),
    );
  });

  it('reads router mode with its secrets from references', () => {
    const path = file(
      `${twilio()}
auth:
  mode: router
  router:
    secret: \${env.ROUTER}
    hmacSecret: \${env.HMAC}
    secretHeader: x-from-router
`,
    );
    const config = loadConfig({ HOST: '0.0.0.0', ROLLCALL_CONFIG: path, TOKEN: SECRET, ROUTER, HMAC });
    expect(config.auth).toMatchObject({
      mode: 'router',
      router: {
        secret: ROUTER,
        hmacSecret: HMAC,
        secretHeader: 'x-from-router',
        trustForwardedClaims: false,
      },
    });
  });

  it('refuses secrets written in the section, without echoing them', () => {
    const found = problems(
      `${twilio()}
auth:
  mode: router
  metricsToken: ${'m'.repeat(40)}
  router: { secret: ${ROUTER} }
`,
      { TOKEN: SECRET },
    );
    expect(found).toEqual([
      'auth.metricsToken: a secret is never written in the file; write ${env.NAME} (or ${file.PATH})',
      'auth.router.secret: a secret is never written in the file; write ${env.NAME} (or ${file.PATH})',
    ]);
    expect(found.join('\n')).not.toContain(ROUTER);
  });

  it("names the section's keys in its problems, each prefixed with the file name", () => {
    const path = file(
      `${twilio()}
auth:
  mode: jwt
  jwt: { jwksUrl: http://idp.example.com/jwks, audience: rollcall, algorithms: [HS256] }
`,
      'auth.yaml',
    );
    expect(loadProblems({ HOST: '0.0.0.0', ROLLCALL_CONFIG: path, TOKEN: SECRET })).toEqual([
      'auth.yaml: auth.jwt.jwksUrl must be https (plain http only on loopback): keys fetched in clear text can be replaced.',
      'auth.yaml: Set auth.jwt.issuer: tokens from any other issuer are refused.',
      'auth.yaml: auth.jwt.algorithms must list asymmetric algorithms from: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA.',
    ]);
  });

  it('refuses unknown keys and values the schema does not allow, naming their path', () => {
    expect(
      problems(
        `${twilio()}
auth:
  mode: basic
  jwt: { issuer: i, tenant: t }
federation:
  nativeKeys: [slack]
`,
        { TOKEN: SECRET },
      ),
    ).toEqual(
      expect.arrayContaining([
        'auth.mode: must be one of jwt, router, none',
        'auth.jwt.tenant: unknown key (allowed: jwksUrl, publicKey, issuer, audience, algorithms, clockSkewSeconds, scopeClaim, jwksCacheSeconds)',
        'federation.nativeKeys[0]: must be one of twochat, twilio, ada, cometchat, voximplant',
      ]),
    );
  });

  it("refuses a section's variables set in the environment as well: the file owns the section", () => {
    const path = file(`${twilio()}\nauth:\n  mode: none\n`, 'owned.yaml');
    expect(
      loadProblems({ HOST: '127.0.0.1', ROLLCALL_CONFIG: path, TOKEN: SECRET, ROLLCALL_JWT_ISSUER: 'i' }),
    ).toEqual([
      'ROLLCALL_JWT_ISSUER is set, and owned.yaml has an auth section, which owns it: write it there as auth.jwt.issuer, or remove it from the environment.',
    ]);
    // Without an auth section, the variables configure access control as before.
    const plain = file(twilio());
    expect(
      loadConfig({ HOST: '127.0.0.1', ROLLCALL_CONFIG: plain, TOKEN: SECRET, ROLLCALL_AUTH: 'none' }).auth
        .mode,
    ).toBe('none');
  });
});

describe('the published schema and example', () => {
  it('rollcall.config.schema.json is what the server checks files against (npm run config:schema)', () => {
    const published = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../rollcall.config.schema.json'), 'utf8'),
    ) as unknown;
    expect(published).toEqual(configSchema(PROVIDERS));
  });

  it('the example file passes the schema, with its variables set', () => {
    const original = readFileSync(resolve(import.meta.dirname, '../../rollcall.config.example.yaml'), 'utf8');
    // Its Voximplant file reference points at a deployment path: here, at a variable.
    const example = original.replace('${file./run/secrets/voximplant-credentials.json}', '${env.VOX_JSON}');
    expect(example).not.toBe(original);
    const env = Object.fromEntries(
      [...example.matchAll(/\$\{env\.(\w+)\}/g)].map(([, name]) => [name, `value-of-${name.toLowerCase()}`]),
    );
    let found: string[] = [];
    try {
      readSourcesFile(file(example), env, PROVIDERS);
    } catch (error) {
      if (!(error instanceof SourcesFileError)) throw error;
      found = error.problems;
    }
    // Only the providers' own checks of the placeholder values remain (the shape is right): a Twilio
    // account sid that is not AC…, a Voximplant credentials.json that is not JSON.
    expect(found.length).toBeGreaterThan(0);
    for (const problem of found) expect(problem).toMatch(/^sources\[\d\]\.(credentials|options)\.\w+ /);
  });
});
