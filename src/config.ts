/**
 * Configuration: environment variables (and `.env`, loaded by main.ts) → a typed, validated `Config`.
 * Every problem names the variable and what is allowed; no message ever echoes a value, so a secret
 * put in the wrong variable cannot leak through a start-up error.
 */
import { DEFAULT_PEOPLE_SETTINGS, type PeopleSettings } from './people/settings.js';
import type { OperationLimits } from './limits.js';
import type { PageLimits } from './relay/connection.js';
import type { PolicySettings } from './upstream/policy.js';
import { basename } from 'node:path';
import { EnvReader } from './env.js';
import type { ProviderDefinition } from './providers/core/definition.js';
import type { ProviderId } from './providers/core/record.js';
import { PROVIDERS } from './providers/registry.js';
import { readConfigFile, SourcesFileError, type FileSettings, type SourceConfig } from './sources/file.js';
import { readAuth, type AuthConfig } from './auth/config.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface Config {
  port: number;
  host: string;
  logLevel: string;
  /**
   * Production behaviour: no stack traces or paths in errors, introspection and the landing page off unless
   * enabled. On with NODE_ENV=production, and whenever real credentials are configured (not demo mode)
   * unless NODE_ENV=development.
   */
  production: boolean;
  /** Which row of the README's matrix this is: demo (emulators), development or production. */
  environment: 'demo' | 'development' | 'production';
  /** `json` (machines) or `pretty` (a terminal; the default when stdout is a TTY). */
  logFormat: 'json' | 'pretty';
  /** One structured log line per GraphQL request, at info. */
  accessLog: boolean;
  /** How long a stop waits for requests in flight before closing their connections, in ms. */
  shutdownGraceMs: number;
  /** Origins allowed to call /graphql from a browser (CORS); empty: CORS off. `*` allows any origin. */
  corsOrigins: readonly string[];
  /** `auto`: demo mode when no provider is configured; `on`: always emulate every provider; `off`: never. */
  demo: 'auto' | 'on' | 'off';
  limits: PageLimits;
  cursorSecret: string;
  upstreamTimeoutMs: number;
  upstreamConnectTimeoutMs: number;
  /** Per-provider overrides of the two timeouts (`ROLLCALL_<PROVIDER>_TIMEOUT_MS`, `…_CONNECT_TIMEOUT_MS`). */
  providerTimeouts: Partial<Record<string, { timeoutMs?: number; connectTimeoutMs?: number }>>;
  /** The whole operation's deadline: pending upstream work is cancelled when it passes. */
  operationTimeoutMs: number;
  resilience: PolicySettings;
  cache: {
    /** Default TTL of cached upstream responses in seconds; 0 disables the cache. */
    ttlSeconds: number;
    /** Per-provider TTL overrides (`ROLLCALL_<PROVIDER>_CACHE_TTL_SECONDS`). */
    providerTtlSeconds: Partial<Record<string, number>>;
    /** Entries and estimated bytes of the in-memory LRU (when Redis is not configured). */
    maxEntries: number;
    maxBytes: number;
    /** Shared Redis cache; unset: in-memory. */
    redisUrl?: string;
    /** How long a Redis command may take before the read goes upstream instead. */
    redisTimeoutMs: number;
  };
  lookupConcurrency: number;
  maxLookupCalls: number;
  /** Upstream calls (list pages and lookups) per provider per operation. */
  maxUpstreamCalls: number;
  maxBodyBytes: number;
  operationLimits: OperationLimits;
  introspection: boolean;
  landingPage: boolean;
  /** Whether introspection was enabled explicitly (ROLLCALL_INTROSPECTION=true). */
  introspectionExplicit: boolean;
  inlineTrace: boolean;
  /** Reuse whole GraphQL answers within their cache hints (in memory, per replica). */
  responseCache: boolean;
  /**
   * The sources (accounts) to serve, each as its provider's definition read and checked it: from the
   * configuration file in its order, or from the environment (one per provider with credentials, named
   * after the provider, in registry order). A provider without a source is disabled.
   */
  sources: readonly SourceConfig[];
  /** The configuration file the sources came from, if any. */
  configFile?: string;
  /** Access control: who may call /graphql and /metrics (see auth/config.ts). */
  auth: AuthConfig;
  /** What the SDL served to routers (`_service { sdl }`) carries. */
  federation: FederationConfig;
  /** How people are matched across sources (the directory's persons). */
  people: PeopleSettings;
  /** The index `users` is served from (see directory/). */
  directory: DirectoryConfig;
  /**
   * The URL providers call rollcall at (`https://rollcall.example.com`), without a trailing slash: webhook
   * signatures cover it. Unset: `http://` + the request's Host header.
   */
  publicUrl?: string;
}

export interface DirectoryConfig {
  /** Off: `users` walks the providers live, as before the index (ROLLCALL_DIRECTORY=off). */
  enabled: boolean;
  /** A PostgreSQL server shared by every replica; unset: PGlite in the process. */
  databaseUrl?: string;
  /** PGlite's folder; unset: in memory (demo mode, tests). */
  dataDir?: string;
  /** Between complete walks of a source (per source: `settings.syncIntervalSeconds`). */
  syncIntervalSeconds: number;
}

export interface FederationConfig {
  /** `@authenticated`/`@requiresScopes` (off for @apollo/gateway, which refuses them; see schema.ts). */
  authDirectives: boolean;
  /** The providers whose types publish their native `@key` next to `id` (Hive Gateway needs `id` only). */
  nativeKeys: readonly ProviderId[];
}

/** A source given as the variables its provider reads (demo mode: one per emulator). */
export interface DeclaredSource {
  name: string;
  provider: ProviderId;
  default?: boolean;
  env: Record<string, string>;
}

/**
 * The built-in cursor key: cursors stay valid across restarts and replicas without configuration. Set
 * ROLLCALL_CURSOR_SECRET to make them tamper-proof against clients who read this source.
 */
export const DEFAULT_CURSOR_SECRET = 'rollcall-default-cursor-key-v1';

/** REDIS_URL may carry a password (redis://:secret@host): validated, never echoed. */
function redisUrl(read: EnvReader): string | undefined {
  const raw = read.string('REDIS_URL');
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('protocol');
    return raw;
  } catch {
    read.problem('REDIS_URL must be a redis:// or rediss:// URL.');
    return undefined;
  }
}

/** Origins for ROLLCALL_CORS_ORIGINS: `*`, or comma-separated `scheme://host[:port]` without a path. */
/** `ROLLCALL_DIRECTORY`, `ROLLCALL_DATABASE_URL`, `ROLLCALL_DATA_DIR`, `ROLLCALL_SYNC_INTERVAL_SECONDS`. */
function directorySettings(read: EnvReader, demo: boolean): DirectoryConfig {
  const enabled = read.oneOf('ROLLCALL_DIRECTORY', ['on', 'off'], 'on') === 'on';
  const raw = read.string('ROLLCALL_DATABASE_URL');
  let databaseUrl: string | undefined;
  if (raw !== undefined) {
    try {
      const url = new URL(raw);
      if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error('protocol');
      databaseUrl = raw;
    } catch {
      // The value may hold a password: never echoed.
      read.problem('ROLLCALL_DATABASE_URL must be a postgres:// or postgresql:// URL.');
    }
  }
  const dataDir = read.string('ROLLCALL_DATA_DIR') ?? (demo ? undefined : 'rollcall-data');
  return {
    enabled,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(dataDir && !databaseUrl ? { dataDir } : {}),
    syncIntervalSeconds: read.int('ROLLCALL_SYNC_INTERVAL_SECONDS', 300, { min: 5, max: 604_800 }),
  };
}

/**
 * `ROLLCALL_PEOPLE_SHARED_ADDRESS_THRESHOLD` (default 3) and `ROLLCALL_PEOPLE_BLOCKED_ADDRESSES`
 * (comma-separated local parts, addresses or `*@domain`; `none` for none; default: noreply and kin).
 */
function peopleSettings(read: EnvReader): PeopleSettings {
  const raw = read.string('ROLLCALL_PEOPLE_BLOCKED_ADDRESSES');
  let blockedAddresses: readonly string[] = DEFAULT_PEOPLE_SETTINGS.blockedAddresses;
  if (raw !== undefined) {
    const listed = raw.trim().toLowerCase() === 'none' ? [] : raw.split(',').map((entry) => entry.trim());
    if (listed.some((entry) => entry === '' || /\s/.test(entry) || entry.length > 320))
      read.problem(
        'ROLLCALL_PEOPLE_BLOCKED_ADDRESSES must be a comma-separated list of local parts (noreply), addresses or *@domain, or none.',
      );
    else blockedAddresses = listed;
  }
  return {
    sharedAddressThreshold: read.int(
      'ROLLCALL_PEOPLE_SHARED_ADDRESS_THRESHOLD',
      DEFAULT_PEOPLE_SETTINGS.sharedAddressThreshold,
      { min: 1, max: 1000 },
    ),
    blockedAddresses,
  };
}

/** `ROLLCALL_FEDERATION_NATIVE_KEYS`: true (every provider, the default), false, or a list of providers. */
function nativeKeys(read: EnvReader, providerIds: readonly ProviderId[]): ProviderId[] {
  const raw = read.string('ROLLCALL_FEDERATION_NATIVE_KEYS');
  if (raw === undefined) return [...providerIds];
  if (/^(true|false|yes|no|on|off|1|0)$/i.test(raw))
    return read.bool('ROLLCALL_FEDERATION_NATIVE_KEYS') ? [...providerIds] : [];
  const listed = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = listed.filter((name) => !providerIds.includes(name));
  if (unknown.length > 0 || listed.length === 0) {
    read.problem(
      `ROLLCALL_FEDERATION_NATIVE_KEYS must be true, false, or a comma-separated list of providers from: ${providerIds.join(', ')}.`,
    );
    return [...providerIds];
  }
  return providerIds.filter((id) => listed.includes(id));
}

function corsOrigins(read: EnvReader): string[] {
  const raw = read.string('ROLLCALL_CORS_ORIGINS');
  if (raw === undefined) return [];
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') continue;
    try {
      const url = new URL(origin);
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin.replace(/\/$/, ''))
        throw new Error('not an origin');
    } catch {
      read.problem(
        'ROLLCALL_CORS_ORIGINS must be * or comma-separated origins such as https://app.example.com (scheme, host and port only).',
      );
      return [];
    }
  }
  return origins.map((origin) => origin.replace(/\/$/, ''));
}

interface LoadOptions {
  /** The providers are the built-in emulators (demo mode, tests): never production unless NODE_ENV says so. */
  demo?: boolean;
  /** Whether stdout is a terminal (the default log format is pretty there). */
  tty?: boolean;
  /** The provider definitions to read settings for (default: the registry). */
  providers?: readonly ProviderDefinition[];
  /**
   * The configuration file (default: ROLLCALL_CONFIG; main.ts also finds `rollcall.config.yaml` in the
   * working directory). With one, the sources are the file's and the providers' variables are not read.
   */
  configFile?: string;
  /** Sources given directly (demo mode), instead of the file or the providers' variables. */
  sources?: readonly DeclaredSource[];
}

/** The sources of `declared`, each read by its provider from its own variables. */
function declaredSources(
  declared: readonly DeclaredSource[],
  definitions: readonly ProviderDefinition[],
  read: EnvReader,
): SourceConfig[] {
  return declared.flatMap((source) => {
    const definition = definitions.find((d) => d.id === source.provider);
    if (!definition) return [];
    const reader = new EnvReader(source.env);
    const settings = definition.readConfig(reader);
    for (const problem of reader.problems) read.problem(`source ${source.name}: ${problem}`);
    if (settings === null) return [];
    return [
      {
        name: source.name,
        provider: definition.id,
        default: source.default === true,
        enabled: true,
        settings,
        overrides: {},
      },
    ];
  });
}

/** One source per provider whose variables are set, named after the provider. */
function environmentSources(definitions: readonly ProviderDefinition[], read: EnvReader): SourceConfig[] {
  return definitions.flatMap((definition) => {
    const settings = definition.readConfig(read);
    return settings === null
      ? []
      : [
          {
            name: definition.source.key,
            provider: definition.id,
            default: true,
            enabled: true,
            settings,
            overrides: {},
          },
        ];
  });
}

/**
 * A reader over the environment with the file's section keys in place of their variables. A variable of
 * a section the file holds, set in the environment as well, is a problem: the file owns the section.
 */
function fileReader(
  env: Record<string, string | undefined>,
  settings: FileSettings,
  file: string,
  read: EnvReader,
): EnvReader {
  const merged: Record<string, string | undefined> = { ...env };
  for (const name of settings.owned) {
    if (env[name]?.trim())
      read.problem(
        `${name} is set, and ${file} has an ${settings.labels.get(name)?.split('.')[0]} section, which owns it: write it there as ${settings.labels.get(name)}, or remove it from the environment.`,
      );
    merged[name] = settings.variables[name];
  }
  return new EnvReader(merged, settings.labels);
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  options: LoadOptions = {},
): Config {
  const read = new EnvReader(env);
  const demoFlag = read.bool('ROLLCALL_DEMO');
  const maxSize = read.int('ROLLCALL_MAX_PAGE_SIZE', 100, { min: 1, max: 1000 });
  const defaultSize = read.int('ROLLCALL_DEFAULT_PAGE_SIZE', 20, { min: 0, max: 1000 });
  if (defaultSize > maxSize)
    read.problem('ROLLCALL_DEFAULT_PAGE_SIZE must not exceed ROLLCALL_MAX_PAGE_SIZE.');

  const definitions = options.providers ?? PROVIDERS;
  const providerIds = definitions.map((definition) => definition.id);
  const configFile = options.sources ? undefined : (options.configFile ?? read.string('ROLLCALL_CONFIG'));
  let sources: SourceConfig[] = [];
  let fileSettings: FileSettings | undefined;
  if (options.sources) sources = declaredSources(options.sources, definitions, read);
  else if (configFile) {
    try {
      ({ sources, settings: fileSettings } = readConfigFile(configFile, env, definitions));
    } catch (error) {
      if (!(error instanceof SourcesFileError)) throw error;
      for (const problem of error.problems) read.problem(`${basename(configFile)}: ${problem}`);
    }
  } else sources = environmentSources(definitions, read);
  // The settings of the file's `auth:`/`federation:` sections, read by the same code as the variables
  // they stand for, with problems naming the file's keys.
  const sectionRead =
    configFile && fileSettings ? fileReader(env, fileSettings, basename(configFile), read) : read;
  // Real credentials mean real users' data: production unless a developer says otherwise.
  const live = !options.demo && sources.some((source) => source.enabled);
  const production = env.NODE_ENV === 'production' || (live && env.NODE_ENV !== 'development');
  const introspectionFlag = read.bool('ROLLCALL_INTROSPECTION');
  const host = read.string('HOST') ?? '0.0.0.0';
  const publicUrl = read.url('ROLLCALL_PUBLIC_URL');

  const config: Config = {
    port: read.int('PORT', 4000, { min: 0, max: 65535 }),
    host,
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    production,
    environment: production ? 'production' : options.demo ? 'demo' : 'development',
    logFormat: read.oneOf('LOG_FORMAT', ['json', 'pretty'], options.tty ? 'pretty' : 'json'),
    accessLog: read.bool('ROLLCALL_ACCESS_LOG') ?? true,
    shutdownGraceMs: read.int('ROLLCALL_SHUTDOWN_GRACE_MS', 10_000, { min: 0, max: 600_000 }),
    corsOrigins: corsOrigins(read),
    demo: demoFlag === undefined ? 'auto' : demoFlag ? 'on' : 'off',
    limits: { defaultSize, maxSize },
    cursorSecret: read.string('ROLLCALL_CURSOR_SECRET') ?? DEFAULT_CURSOR_SECRET,
    upstreamTimeoutMs: read.int('ROLLCALL_UPSTREAM_TIMEOUT_MS', 10_000, { min: 1, max: 300_000 }),
    upstreamConnectTimeoutMs: read.int('ROLLCALL_UPSTREAM_CONNECT_TIMEOUT_MS', 3_000, {
      min: 1,
      max: 300_000,
    }),
    providerTimeouts: Object.fromEntries(
      providerIds.map((id) => [
        id,
        {
          timeoutMs: read.optionalInt(`ROLLCALL_${id}_TIMEOUT_MS`, { min: 1, max: 300_000 }),
          connectTimeoutMs: read.optionalInt(`ROLLCALL_${id}_CONNECT_TIMEOUT_MS`, { min: 1, max: 300_000 }),
        },
      ]),
    ),
    operationTimeoutMs: read.int('ROLLCALL_OPERATION_TIMEOUT_MS', 15_000, { min: 1, max: 600_000 }),
    cache: {
      ttlSeconds: read.int('ROLLCALL_CACHE_TTL_SECONDS', 30, { min: 0, max: 86_400 }),
      providerTtlSeconds: Object.fromEntries(
        providerIds.flatMap((id) => {
          const ttl = read.optionalInt(`ROLLCALL_${id}_CACHE_TTL_SECONDS`, { min: 0, max: 86_400 });
          return ttl === undefined ? [] : [[id, ttl]];
        }),
      ),
      maxEntries: read.int('ROLLCALL_CACHE_MAX_ENTRIES', 5000, { min: 1, max: 10_000_000 }),
      maxBytes: read.int('ROLLCALL_CACHE_MAX_MB', 64, { min: 1, max: 65_536 }) * 1024 * 1024,
      redisUrl: redisUrl(read),
      redisTimeoutMs: read.int('ROLLCALL_REDIS_TIMEOUT_MS', 100, { min: 1, max: 60_000 }),
    },
    resilience: {
      retries: read.int('ROLLCALL_RETRIES', 2, { min: 0, max: 10 }),
      backoffMs: read.int('ROLLCALL_RETRY_BACKOFF_MS', 100, { min: 0, max: 60_000 }),
      maxBackoffMs: read.int('ROLLCALL_RETRY_MAX_BACKOFF_MS', 5_000, { min: 0, max: 300_000 }),
      concurrency: read.int('ROLLCALL_PROVIDER_CONCURRENCY', 8, { min: 1, max: 1000 }),
      breakerThreshold: read.int('ROLLCALL_BREAKER_THRESHOLD', 5, { min: 1, max: 1000 }),
      breakerCooldownMs: read.int('ROLLCALL_BREAKER_COOLDOWN_MS', 30_000, { min: 1, max: 3_600_000 }),
    },
    lookupConcurrency: read.int('ROLLCALL_LOOKUP_CONCURRENCY', 8, { min: 1, max: 64 }),
    // By default room for a probing list page plus one single fetch per id of the largest `nodes` batch.
    maxLookupCalls: read.int('ROLLCALL_MAX_LOOKUP_CALLS', Math.max(50, maxSize + 1), { min: 1, max: 10_000 }),
    maxBodyBytes: read.int('ROLLCALL_MAX_BODY_BYTES', 1_048_576, { min: 1024, max: 67_108_864 }),
    maxUpstreamCalls: read.int('ROLLCALL_MAX_UPSTREAM_CALLS', 100, { min: 1, max: 100_000 }),
    operationLimits: {
      maxTokens: read.int('ROLLCALL_MAX_TOKENS', 1000, { min: 10, max: 1_000_000 }),
      maxNesting: read.int('ROLLCALL_MAX_NESTING', 64, { min: 2, max: 500 }),
      maxIntrospectionCost: read.optionalInt('ROLLCALL_MAX_INTROSPECTION_COST', {
        min: 0,
        max: 1_000_000_000,
      }),
      maxDepth: read.int('ROLLCALL_MAX_DEPTH', 15, { min: 1, max: 1000 }),
      maxAliases: read.int('ROLLCALL_MAX_ALIASES', 30, { min: 0, max: 100_000 }),
      maxRootFields: read.int('ROLLCALL_MAX_ROOT_FIELDS', 30, { min: 1, max: 100_000 }),
      maxCost: read.int('ROLLCALL_MAX_COST', 5000, { min: 1, max: 100_000_000 }),
      defaultPageSize: defaultSize,
    },
    introspection: introspectionFlag ?? !production,
    introspectionExplicit: introspectionFlag === true,
    landingPage: read.bool('ROLLCALL_LANDING_PAGE') ?? !production,
    inlineTrace: read.bool('ROLLCALL_INLINE_TRACE') ?? true,
    responseCache: read.bool('ROLLCALL_RESPONSE_CACHE') ?? true,
    sources,
    ...(configFile ? { configFile } : {}),
    // Nothing live (demo mode, or no source at all) means no personal data to protect.
    auth: readAuth(sectionRead, { demo: options.demo === true || !live, host }),
    directory: directorySettings(read, options.demo === true || !live),
    ...(publicUrl ? { publicUrl } : {}),
    federation: {
      authDirectives: sectionRead.bool('ROLLCALL_FEDERATION_AUTH_DIRECTIVES') ?? true,
      nativeKeys: nativeKeys(sectionRead, providerIds),
    },
    people: peopleSettings(sectionRead),
  };
  if (sectionRead !== read && configFile && fileSettings) {
    const paths = [...fileSettings.labels.values()];
    for (const problem of sectionRead.problems)
      read.problems.push(
        paths.some((path) => problem.includes(path)) ? `${basename(configFile)}: ${problem}` : problem,
      );
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

/**
 * The defaults that are unsafe with real users' data, one sentence each, for a warning at every start
 * (nothing in demo mode, whose data is generated).
 */
export function unsafeDefaults(config: Config): string[] {
  if (config.environment === 'demo') return [];
  const warnings: string[] = [];
  if (config.cursorSecret === DEFAULT_CURSOR_SECRET)
    warnings.push(
      'ROLLCALL_CURSOR_SECRET is not set: cursors are signed with the built-in key, which anyone can read in the source. Set a secret, the same on every replica.',
    );
  if (config.introspection)
    warnings.push(
      config.production
        ? 'ROLLCALL_INTROSPECTION=true: anyone who reaches the port can read the whole schema.'
        : 'introspection is on (NODE_ENV=development): anyone who reaches the port can read the whole schema.',
    );
  if (config.landingPage)
    warnings.push('the Sandbox landing page is on: set ROLLCALL_LANDING_PAGE=false outside development.');
  if (config.auth.forcedOpen)
    warnings.push(
      `ROLLCALL_AUTH=none with ROLLCALL_AUTH_ALLOW_NONE=true on HOST=${config.host}: access control is OFF; anyone who reaches the port reads every configured account's users, personal data included. Use ROLLCALL_AUTH=jwt or router.`,
    );
  if (!config.production)
    warnings.push('NODE_ENV=development with real credentials: errors carry stack traces with file paths.');
  return warnings;
}
