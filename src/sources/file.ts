/**
 * `rollcall.config.yaml` (or the file `ROLLCALL_CONFIG` names): the sources, each one account of one
 * provider, with their credentials, scope options and per-source settings; and, optionally, the access
 * control (`auth:`) and the published SDL (`federation:`), each standing for the `ROLLCALL_…` variables
 * that configure them without a file (see SECTIONS).
 *
 * Reading a file, in order, every step collecting problems rather than stopping at the first:
 * 1. YAML, parsed without echoing any of it (a parse error names its line and column only).
 * 2. Secrets are never written in the file: a key a provider marks secret must be one `${env.NAME}` or
 *    `${file.PATH}` reference.
 * 3. References are expanded, as the Apollo Router expands its configuration: `${env.NAME}`,
 *    `${env.NAME:-default}`, `${file.PATH}` (the file's content, trimmed; a relative path is relative to
 *    the configuration file). A variable that is not set, or a file that cannot be read, is a problem
 *    naming the key and the variable or file, never a value.
 * 4. The result is checked against the published JSON Schema (`configSchema`, written to
 *    `rollcall.config.schema.json` by `npm run config:schema`): unknown keys refused, types, ranges,
 *    names. Problems name the path (`sources[2].credentials.authToken: required`).
 * 5. Each source is read by its provider's own `readConfig`, from the variables its keys stand for, with
 *    problems naming the file's keys instead of the variables.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { EnvReader } from '../env.js';
import type { ProviderDefinition, ProviderSettings } from '../providers/core/definition.js';
import type { ProviderId } from '../providers/core/record.js';
import { SOURCE_NAME, type SourceField } from '../providers/core/source.js';

/** Per-source settings that override the process-wide ones (`ROLLCALL_…`) for that source only. */
export interface SourceOverrides {
  cacheTtlSeconds?: number;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  retries?: number;
  retryBackoffMs?: number;
  retryMaxBackoffMs?: number;
  concurrency?: number;
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  lookupConcurrency?: number;
  maxLookupCalls?: number;
  syncIntervalSeconds?: number;
}

/** One source, checked and ready to connect. */
export interface SourceConfig {
  name: string;
  provider: ProviderId;
  /** The provider's default source: what its fields read when a query names no source. */
  default: boolean;
  /** False: declared and checked, but not connected (listed by `sources` as disabled). */
  enabled: boolean;
  settings: ProviderSettings;
  overrides: SourceOverrides;
}

/** The overridable settings: their ranges (as the environment's) and descriptions. */
const OVERRIDES: Record<keyof SourceOverrides, { min: number; max: number; description: string }> = {
  cacheTtlSeconds: { min: 0, max: 86_400, description: 'TTL of cached upstream answers; 0: no cache.' },
  timeoutMs: { min: 1, max: 300_000, description: 'Per-call upstream timeout (total), in ms.' },
  connectTimeoutMs: { min: 1, max: 300_000, description: 'Upstream connect timeout, in ms.' },
  retries: { min: 0, max: 10, description: 'Retries of a failed idempotent call.' },
  retryBackoffMs: { min: 0, max: 60_000, description: 'First retry backoff, in ms.' },
  retryMaxBackoffMs: { min: 0, max: 300_000, description: 'Largest retry backoff, in ms.' },
  concurrency: { min: 1, max: 1000, description: 'Upstream calls in flight to this source at most.' },
  breakerThreshold: { min: 1, max: 1000, description: 'Consecutive failures that open the circuit.' },
  breakerCooldownMs: { min: 1, max: 3_600_000, description: 'How long an open circuit waits, in ms.' },
  lookupConcurrency: { min: 1, max: 64, description: 'Concurrent single-user lookups per operation.' },
  maxLookupCalls: { min: 1, max: 10_000, description: 'Lookup calls per operation at most.' },
  syncIntervalSeconds: {
    min: 5,
    max: 604_800,
    description: "Seconds between the directory's complete walks of this source (default 300).",
  },
};

type JsonSchema = Record<string, unknown>;

/** One key of the file's `auth:`/`federation:` sections: the variable it stands for and its schema. */
interface SectionKey {
  env: string;
  schema: JsonSchema;
  /** Written as `${env.NAME}` or `${file.PATH}`, never as the value. */
  secret?: boolean;
}
type SectionKeys = { [key: string]: SectionKey | SectionKeys };

const text = (description: string): JsonSchema => ({ type: 'string', minLength: 1, description });
const flag = (description: string): JsonSchema => ({ type: 'boolean', description });
const count = (min: number, max: number, description: string): JsonSchema => ({
  type: 'integer',
  minimum: min,
  maximum: max,
  description,
});

/**
 * The process-wide sections the file may hold, each key standing for one variable (read by the same
 * code, with the same checks: auth/config.ts and config.ts). A file with a section owns it: the
 * section's variables set in the environment as well are a problem, not an override.
 */
type SectionName = 'auth' | 'federation' | 'people';

function sections(definitions: readonly ProviderDefinition[]): Record<SectionName, SectionKeys> {
  return {
    auth: {
      mode: {
        env: 'ROLLCALL_AUTH',
        schema: { enum: ['jwt', 'router', 'none'], description: 'Who may call /graphql (see the README).' },
      },
      allowNone: {
        env: 'ROLLCALL_AUTH_ALLOW_NONE',
        schema: flag('mode none away from loopback and demo mode (a warning at every start).'),
      },
      metricsToken: {
        env: 'ROLLCALL_METRICS_TOKEN',
        secret: true,
        schema: text('A bearer token /metrics then requires (at least 32 characters).'),
      },
      scopes: {
        read: { env: 'ROLLCALL_SCOPE_USERS_READ', schema: text('The scope that reads users (users:read).') },
        pii: {
          env: 'ROLLCALL_SCOPE_USERS_PII',
          schema: text('The scope that reads personal data (users:read:pii).'),
        },
        admin: {
          env: 'ROLLCALL_SCOPE_ADMIN',
          schema: text('The scope that reads sources (rollcall:admin).'),
        },
        peopleWrite: {
          env: 'ROLLCALL_SCOPE_PEOPLE_WRITE',
          schema: text('The scope that corrects people by hand (people:write).'),
        },
      },
      jwt: {
        jwksUrl: {
          env: 'ROLLCALL_JWT_JWKS_URL',
          schema: { type: 'string', pattern: '^https?://', description: "The identity provider's JWKS URL." },
        },
        publicKey: {
          env: 'ROLLCALL_JWT_PUBLIC_KEY',
          schema: text('Or one public key: PEM or JWK (e.g. ${file.jwt-public.pem}).'),
        },
        issuer: { env: 'ROLLCALL_JWT_ISSUER', schema: text('The `iss` tokens must carry.') },
        audience: { env: 'ROLLCALL_JWT_AUDIENCE', schema: text('The `aud` tokens must carry.') },
        algorithms: {
          env: 'ROLLCALL_JWT_ALGORITHMS',
          schema: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            minItems: 1,
            uniqueItems: true,
            description: 'Accepted asymmetric algorithms (default RS256, ES256).',
          },
        },
        clockSkewSeconds: {
          env: 'ROLLCALL_JWT_CLOCK_SKEW_SECONDS',
          schema: count(0, 300, 'Tolerated clock skew for exp/nbf, in seconds (default 30).'),
        },
        scopeClaim: {
          env: 'ROLLCALL_JWT_SCOPE_CLAIM',
          schema: text('The claim holding the scopes (default scope; a dotted path for nested claims).'),
        },
        jwksCacheSeconds: {
          env: 'ROLLCALL_JWT_JWKS_CACHE_SECONDS',
          schema: count(10, 86_400, 'How long fetched keys are trusted, in seconds (default 600).'),
        },
      },
      router: {
        secret: {
          env: 'ROLLCALL_ROUTER_SECRET',
          secret: true,
          schema: text('The shared secret the router sends in secretHeader (at least 32 characters).'),
        },
        secretHeader: {
          env: 'ROLLCALL_ROUTER_SECRET_HEADER',
          schema: text('The header carrying it (default x-rollcall-router-secret).'),
        },
        hmacSecret: {
          env: 'ROLLCALL_ROUTER_HMAC_SECRET',
          secret: true,
          schema: text("Hive Gateway's HMAC upstream-signature secret (at least 32 characters)."),
        },
        trustForwardedClaims: {
          env: 'ROLLCALL_ROUTER_TRUST_FORWARDED_CLAIMS',
          schema: flag('Trust claims Hive forwards without their token (default false; see the README).'),
        },
      },
    },
    federation: {
      authDirectives: {
        env: 'ROLLCALL_FEDERATION_AUTH_DIRECTIVES',
        schema: flag('Publish @authenticated/@requiresScopes in the SDL (default true).'),
      },
      nativeKeys: {
        env: 'ROLLCALL_FEDERATION_NATIVE_KEYS',
        schema: {
          description:
            'Which provider types publish their native @key next to id: true (default), false, or a list of providers.',
          oneOf: [
            { type: 'boolean' },
            {
              type: 'array',
              items: { enum: definitions.map((definition) => definition.source.key) },
              minItems: 1,
              uniqueItems: true,
            },
          ],
        },
      },
    },
    people: {
      sharedAddressThreshold: {
        env: 'ROLLCALL_PEOPLE_SHARED_ADDRESS_THRESHOLD',
        schema: count(
          1,
          1000,
          'An address held by more users than this in one source is a shared mailbox and links no one (default 3).',
        ),
      },
      blockedAddresses: {
        env: 'ROLLCALL_PEOPLE_BLOCKED_ADDRESSES',
        schema: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: 320, pattern: '^[^,\\s]+$' },
          uniqueItems: true,
          description:
            'Addresses that never link anyone: local parts (noreply), whole addresses, or *@domain. Replaces the default list (noreply, no-reply, donotreply, mailer-daemon, postmaster, …); [] for none.',
        },
      },
    },
  };
}

const isKey = (entry: SectionKey | SectionKeys): entry is SectionKey =>
  typeof entry.env === 'string' && typeof entry.schema === 'object';

function sectionSchema(keys: SectionKeys, description: string): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    description,
    properties: Object.fromEntries(
      Object.entries(keys).map(([key, entry]) => [
        key,
        isKey(entry)
          ? entry.secret
            ? {
                ...entry.schema,
                description: `${String(entry.schema.description)} Secret: write \${env.NAME} or \${file.PATH}, never the value.`,
              }
            : entry.schema
          : sectionSchema(entry, `${key} settings.`),
      ]),
    ),
  };
}

/** Every key of a section with its path (`auth.jwt.issuer`). */
function keysOf(keys: SectionKeys, path: string): [string, SectionKey][] {
  return Object.entries(keys).flatMap(([key, entry]) =>
    isKey(entry) ? [[`${path}.${key}`, entry] as [string, SectionKey]] : keysOf(entry, `${path}.${key}`),
  );
}

function fieldSchema(field: SourceField): JsonSchema {
  const description = field.secret
    ? `${field.description} Secret: write \${env.NAME} or \${file.PATH}, never the value.`
    : field.description;
  switch (field.type) {
    case 'integer':
      return { type: 'integer', minimum: 1, description };
    case 'integerList':
      return {
        type: 'array',
        items: { type: 'integer', minimum: 1 },
        minItems: 1,
        uniqueItems: true,
        description,
      };
    case 'url':
      return { type: 'string', pattern: '^https?://', description };
    default:
      return { type: 'string', minLength: 1, description };
  }
}

function fieldsSchema(fields: Readonly<Record<string, SourceField>>): JsonSchema {
  const required = Object.entries(fields).flatMap(([key, field]) => (field.required ? [key] : []));
  return {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(fields).map(([key, field]) => [key, fieldSchema(field)])),
    ...(required.length > 0 ? { required } : {}),
  };
}

/**
 * The JSON Schema of the configuration file for these providers (published as
 * `rollcall.config.schema.json`; the loader checks every file against the same object).
 */
export function configSchema(definitions: readonly ProviderDefinition[]): JsonSchema {
  const common = {
    name: {
      type: 'string',
      pattern: SOURCE_NAME.source,
      description:
        'The source name: lower-case letters, digits and dashes, at most 32. Stable: it is part of ids and cursors.',
    },
    enabled: {
      type: 'boolean',
      description: 'false keeps the source declared and checked, but not connected (default true).',
    },
    default: {
      type: 'boolean',
      description:
        "The provider's default source, read when a query names none (else the provider's first declared source).",
    },
    settings: {
      type: 'object',
      additionalProperties: false,
      description: 'Settings of this source only, over the process-wide ROLLCALL_… variables.',
      properties: Object.fromEntries(
        Object.entries(OVERRIDES).map(([key, range]) => [
          key,
          { type: 'integer', minimum: range.min, maximum: range.max, description: range.description },
        ]),
      ),
    },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'rollcall configuration',
    description:
      'The sources rollcall serves (each one account of one provider), its access control and its published SDL.',
    type: 'object',
    additionalProperties: false,
    required: ['sources'],
    properties: {
      auth: sectionSchema(
        sections(definitions).auth,
        'Access control, instead of the ROLLCALL_AUTH… variables (the file then owns them): see the README.',
      ),
      federation: sectionSchema(
        sections(definitions).federation,
        'What the SDL served to routers carries, instead of the ROLLCALL_FEDERATION_… variables.',
      ),
      people: sectionSchema(
        sections(definitions).people,
        'How people are matched across sources, instead of the ROLLCALL_PEOPLE_… variables.',
      ),
      sources: {
        type: 'array',
        minItems: 1,
        description: 'The sources, in the order `users` lists them within a provider.',
        items: {
          type: 'object',
          required: ['name', 'provider', 'credentials'],
          properties: { provider: { enum: definitions.map((d) => d.source.key) } },
          // Per provider: its credentials and options, and nothing else.
          allOf: definitions.map((definition) => ({
            if: { properties: { provider: { const: definition.source.key } }, required: ['provider'] },
            then: {
              additionalProperties: false,
              properties: {
                ...common,
                provider: { const: definition.source.key, description: `${definition.displayName}.` },
                credentials: fieldsSchema(definition.source.credentials),
                options: fieldsSchema(definition.source.options),
              },
            },
          })),
        },
      },
    },
  };
}

/** A file's problems, each naming a path in it; `ConfigError` in config.ts wraps them. */
export class SourcesFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** `sources[2].credentials.authToken` for an Ajv instance path `/sources/2/credentials/authToken`. */
function pathOf(pointer: string, child?: string): string {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment.slice(0, 40))}]`;
  }
  return out || '(the file)';
}

/** One problem per schema error, naming its path and what is allowed, never the value. */
function describe(error: ErrorObject): string | null {
  const at = pathOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${pathOf(error.instancePath, String(params.missingProperty))}: required`;
    case 'additionalProperties': {
      // The key is named only when it looks like one: a secret pasted as a key must not be echoed.
      const key = String(params.additionalProperty);
      const allowed = Object.keys(
        (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
      );
      const list = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
      return /^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(key)
        ? `${pathOf(error.instancePath, key)}: unknown key${list}`
        : `${pathOf(error.instancePath)}: a key that is not allowed here${list}`;
    }
    case 'enum':
      return `${at}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'const':
      return null; // Reported as the provider's enum.
    case 'type':
      return `${at}: must be ${String(params.type)}`;
    case 'pattern':
      return at.endsWith('.name')
        ? `${at}: must be lower-case letters, digits and dashes, 1 to 32 of them`
        : `${at}: must match ${String(params.pattern)}`;
    case 'minimum':
    case 'maximum':
      return `${at}: must be ${error.keyword === 'minimum' ? '≥' : '≤'} ${String(params.limit)}`;
    case 'minItems':
      return `${at}: must have at least ${String(params.limit)} item(s)`;
    case 'minLength':
      return `${at}: must not be empty`;
    case 'uniqueItems':
      return `${at}: must not repeat a value`;
    case 'if':
    case 'oneOf':
    case 'false schema':
      return null; // The branch's own errors say what is wrong.
    default:
      return `${at}: ${error.message ?? 'is not allowed'}`;
  }
}

/** `${env.NAME}`, `${env.NAME:-default}` or `${file.PATH}`. */
const REFERENCE = /\$\{(env|file)\.([^}:]+)(?::-([^}]*))?\}/g;

/** Whether `text` is exactly one reference, without a default (what a secret must be). */
function onlyReference(text: string): boolean {
  return /^\$\{(env\.[^}:]+|file\.[^}]+)\}$/.test(text.trim());
}

interface Expansion {
  env: Record<string, string | undefined>;
  /** The configuration file's folder: relative `${file.…}` and paths resolve against it. */
  base: string;
  problems: string[];
}

function expand(text: string, path: string, context: Expansion): string {
  return text.replace(REFERENCE, (_match, kind: string, name: string, fallback: string | undefined) => {
    if (kind === 'env') {
      const value = context.env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      context.problems.push(`${path}: \${env.${name}} is not set`);
      return '';
    }
    const file = isAbsolute(name) ? name : resolve(context.base, name);
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      // The path is not repeated (it is a value of the file); the key's path says which reference.
      context.problems.push(`${path}: its \${file.…} reference cannot be read (${code})`);
      return '';
    }
  });
}

/** The document as plain data with every string expanded (keys are left as written). */
function expandAll(value: unknown, path: string, context: Expansion): unknown {
  if (typeof value === 'string') return expand(value, path, context);
  if (Array.isArray(value)) return value.map((item, index) => expandAll(item, `${path}[${index}]`, context));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        expandAll(item, path ? `${path}.${key}` : key, context),
      ]),
    );
  return value;
}

/** The environment string a checked file value stands for. */
function asVariable(value: unknown, field: SourceField, base: string): string {
  if (Array.isArray(value)) return value.map(String).join(',');
  const text = String(value);
  return field.type === 'path' && !isAbsolute(text) ? resolve(base, text) : text;
}

interface RawSource {
  name: string;
  provider: string;
  default?: boolean;
  enabled?: boolean;
  credentials: Record<string, unknown>;
  options?: Record<string, unknown>;
  settings?: SourceOverrides;
}

/** The secrets written in the file as values rather than references. */
function literalSecrets(document: YamlNode | null, definitions: readonly ProviderDefinition[]): string[] {
  const problems: string[] = [];
  if (!isMap(document)) return problems;
  for (const [section, keys] of Object.entries(sections(definitions)))
    for (const [path, entry] of keysOf(keys, section)) {
      if (!entry.secret) continue;
      const node = document.getIn(path.split('.'), true);
      if (node === undefined) continue;
      if (!isScalar(node) || typeof node.value !== 'string' || !onlyReference(node.value))
        problems.push(
          `${path}: a secret is never written in the file; write \${env.NAME} (or \${file.PATH})`,
        );
    }
  const sources = document.get('sources', true);
  if (!isSeq(sources)) return problems;
  sources.items.forEach((item, index) => {
    if (!isMap(item)) return;
    const key = item.get('provider');
    const definition = definitions.find((d) => d.source.key === key);
    const credentials = item.get('credentials', true);
    if (!definition || !isMap(credentials)) return;
    for (const [name, field] of Object.entries(definition.source.credentials)) {
      if (!field.secret) continue;
      const node = credentials.get(name, true);
      if (node === undefined) continue;
      if (!isScalar(node) || typeof node.value !== 'string' || !onlyReference(node.value))
        problems.push(
          `sources[${index}].credentials.${name}: a secret is never written in the file; write \${env.NAME} (or \${file.PATH})`,
        );
    }
  });
  return problems;
}

/** The process-wide settings a file's sections stand for. */
export interface FileSettings {
  /** The sections the file holds (`auth`, `federation`, `people`): it owns their variables. */
  sections: SectionName[];
  /** Each set key as the variable it stands for, in the variable's syntax. */
  variables: Record<string, string>;
  /** Every variable of the sections held, with its key's path, for problems to name. */
  labels: Map<string, string>;
  /** The variables of the sections held, set or not (those the environment must not set as well). */
  owned: string[];
}

export interface ConfigFile {
  sources: SourceConfig[];
  settings: FileSettings;
}

/** The sources of the configuration file at `path` (see readConfigFile). */
export function readSourcesFile(
  path: string,
  env: Record<string, string | undefined>,
  definitions: readonly ProviderDefinition[],
): SourceConfig[] {
  return readConfigFile(path, env, definitions).sources;
}

/** A section key's checked value in the syntax of the variable it stands for. */
function sectionVariable(path: string, value: unknown, definitions: readonly ProviderDefinition[]): string {
  if (path === 'federation.nativeKeys' && Array.isArray(value))
    return value
      .map((key) => definitions.find((definition) => definition.source.key === key)?.id ?? String(key))
      .join(',');
  if (path === 'people.blockedAddresses' && Array.isArray(value) && value.length === 0) return 'none';
  return Array.isArray(value) ? value.map(String).join(',') : String(value);
}

function readSections(
  data: Record<string, unknown>,
  definitions: readonly ProviderDefinition[],
): FileSettings {
  const settings: FileSettings = { sections: [], variables: {}, labels: new Map(), owned: [] };
  for (const [section, keys] of Object.entries(sections(definitions)) as [SectionName, SectionKeys][]) {
    if (data[section] === undefined) continue;
    settings.sections.push(section);
    for (const [path, entry] of keysOf(keys, section)) {
      settings.labels.set(entry.env, path);
      settings.owned.push(entry.env);
      let value: unknown = data;
      for (const segment of path.split('.'))
        value = value && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
      if (value !== undefined) settings.variables[entry.env] = sectionVariable(path, value, definitions);
    }
  }
  return settings;
}

/**
 * Reads the configuration file at `path` for these providers: its sources and the variables its
 * sections stand for. `env` feeds `${env.…}` references. Throws SourcesFileError with every problem found.
 */
export function readConfigFile(
  path: string,
  env: Record<string, string | undefined>,
  definitions: readonly ProviderDefinition[],
): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new SourcesFileError([`the configuration file cannot be read (${code})`]);
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    // The parser's own messages quote the source text: only the positions are reported (the first few).
    const positions = document.errors.slice(0, 3).map((error) => {
      const position = error.linePos?.[0];
      return `not valid YAML${position ? ` at line ${position.line}, column ${position.col}` : ''} (${error.code})`;
    });
    throw new SourcesFileError([...new Set(positions)]);
  }
  const problems = literalSecrets(document.contents, definitions);
  const expansion: Expansion = { env, base: dirname(resolve(path)), problems };
  let parsed: unknown;
  try {
    parsed = document.toJS({ maxAliasCount: 100 });
  } catch {
    // The parser refuses to expand aliases past the limit (a "billion laughs" document).
    throw new SourcesFileError(['not valid here: its aliases expand too far (at most 100 alias uses)']);
  }
  const data = expandAll(parsed, '', expansion);
  if (problems.length > 0) throw new SourcesFileError(problems);

  // `verbose` gives each error its schema (for the allowed keys); the data it also gives is never printed.
  const validate = new Ajv({ allErrors: true, strict: false, coerceTypes: true, verbose: true }).compile<
    { sources: RawSource[] } & Record<string, unknown>
  >(configSchema(definitions));
  if (!validate(data)) {
    const described = (validate.errors ?? []).map(describe).filter((line): line is string => line !== null);
    throw new SourcesFileError([...new Set(described)]);
  }

  const sources: SourceConfig[] = [];
  const names = new Map<string, number>();
  data.sources.forEach((raw, index) => {
    const at = `sources[${index}]`;
    const definition = definitions.find((d) => d.source.key === raw.provider);
    if (!definition) return; // The schema refused it.
    const seen = names.get(raw.name);
    if (seen !== undefined) {
      problems.push(`${at}.name: "${raw.name}" is already the name of sources[${seen}]`);
      return;
    }
    names.set(raw.name, index);
    const variables: Record<string, string> = {};
    const labels = new Map<string, string>();
    for (const [group, fields] of [
      ['credentials', definition.source.credentials],
      ['options', definition.source.options],
    ] as const) {
      const values: Record<string, unknown> = (group === 'credentials' ? raw.credentials : raw.options) ?? {};
      for (const [key, field] of Object.entries(fields)) {
        labels.set(field.env, `${at}.${group}.${key}`);
        if (values[key] !== undefined) variables[field.env] = asVariable(values[key], field, expansion.base);
      }
    }
    const reader = new EnvReader(variables, labels);
    const settings = definition.readConfig(reader);
    problems.push(...reader.problems);
    if (settings === null) {
      if (reader.problems.length === 0) problems.push(`${at}.credentials: required`);
      return;
    }
    sources.push({
      name: raw.name,
      provider: definition.id,
      default: raw.default === true,
      enabled: raw.enabled !== false,
      settings,
      overrides: raw.settings ?? {},
    });
  });
  for (const definition of definitions) {
    const marked = sources.filter((source) => source.provider === definition.id && source.default);
    for (const source of marked)
      if (!source.enabled)
        problems.push(
          `sources: "${source.name}" is marked default but not enabled; a default source must be enabled`,
        );
    if (marked.length > 1)
      problems.push(
        `sources: ${marked.map((source) => `"${source.name}"`).join(' and ')} are both marked default for ${definition.source.key}; mark one`,
      );
  }
  if (problems.length > 0) throw new SourcesFileError(problems);
  return { sources, settings: readSections(data, definitions) };
}
