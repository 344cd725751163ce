/**
 * `createServer(config)`: the subgraph and its process-wide parts (upstream cache, per-provider breakers and
 * connected providers, schema, Apollo Server with its plugins), behind the HTTP router of src/http/router.ts, with a
 * graceful stop.
 */
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Authenticator } from './auth/authenticate.js';
import { peopleResolvers } from './people/resolvers.js';
import {
  applyPeopleSettings,
  markSourceChanges,
  matchUsers,
  pendingMatches,
  recomputePeople,
  type RecomputeStats,
} from './people/store.js';
import { openDatabase, type Database } from './directory/store/database.js';
import { migrate } from './directory/store/migrations.js';
import { DirectorySync } from './directory/sync.js';
import { createDevelopmentKey, type DevelopmentKey } from './auth/devKey.js';
import { checkPublicKey } from './auth/jwt.js';
import { scopeKey } from './auth/principal.js';
import { ConfigError, type Config } from './config.js';
import type { ContextDependencies, RequestContext } from './context.js';
import { directoryResolvers } from './directory/resolvers.js';
import { EXAMPLE_OPERATION } from './graphql/exampleOperation.js';
import { formatError } from './graphql/formatError.js';
import { inFlightPlugin } from './graphql/plugins/inFlight.js';
import { accessPlugin } from './graphql/plugins/access.js';
import { cacheHintsPlugin } from './graphql/plugins/cacheHints.js';
import { internalErrorLogPlugin } from './graphql/plugins/internalErrorLog.js';
import { partialErrorsPlugin } from './graphql/plugins/partialErrors.js';
import { createRouter } from './http/router.js';
import { operationLimitsPlugin } from './limits.js';
import { createLogger, type Logger } from './logger.js';
import { Metrics } from './metrics.js';
import type { ProviderId } from './providers/core/record.js';
import type { ConnectedSource, ProviderDefinition, SourceHealth } from './providers/core/definition.js';
import { PROVIDERS } from './providers/registry.js';
import { CursorCodec } from './relay/cursor.js';
import { rootResolvers, runtimeResolvers } from './resolvers.js';
import type { ProviderStatusSource, SourceStatusSource } from './providers/core/status.js';
import type { SourceConfig } from './sources/file.js';
import { buildSchema } from './schema.js';
import { MemoryStore, RedisStore, UpstreamCache } from './upstream/cache.js';
import { UpstreamPolicy } from './upstream/policy.js';
import { SupportedOperationTypesRule } from './validation.js';

interface ServerOptions {
  /** Demo mode's development key (main.ts keeps it in a file); a new one in memory when absent. */
  developmentKey?: DevelopmentKey;
  logger?: Logger;
  /** Sources (by name) whose base URL is an in-process emulator (reported as EMULATED). */
  emulated?: ReadonlySet<string>;
  /** The provider definitions (default: the registry); tests substitute one to inject a bug. */
  providers?: readonly ProviderDefinition[];
}

export interface RollcallServer {
  /** Listens on config.port/host (0 = a free port); resolves with the base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
  readonly url: string;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly apollo: ApolloServer<RequestContext>;
  /** Demo mode: a token signed with the development key (null outside demo mode). */
  developmentToken(scopes: readonly string[]): Promise<string | null>;
  /** The directory's database and sync (undefined when ROLLCALL_DIRECTORY=off). */
  readonly directory?: { db: Database; sync: DirectorySync };
}

const CIRCUIT_GAUGE = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

export async function createServer(config: Config, options: ServerOptions = {}): Promise<RollcallServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics({ defaultMetrics: true });
  const emulated = options.emulated ?? new Set<string>();

  let store: MemoryStore | RedisStore = new MemoryStore(config.cache.maxEntries, config.cache.maxBytes);
  if (config.cache.redisUrl) {
    const redis = new RedisStore(config.cache.redisUrl, config.cache.redisTimeoutMs, logger);
    // Best effort: a Redis that is down at start only means upstream calls until it comes back.
    if (!(await redis.ready(2000)))
      logger.warn('redis cache not reachable at start; serving from upstream meanwhile');
    store = redis;
  }
  const cache = new UpstreamCache(store, metrics, config.cache.redisUrl ? 'redis' : 'memory');
  const providers = options.providers ?? PROVIDERS;
  /** Every connected source, by provider in registry order, then in its declared order. */
  const connected: { source: SourceConfig; connection: ConnectedSource; policy: UpstreamPolicy }[] = [];
  const health = new Map<string, SourceHealth>();
  for (const definition of providers) {
    for (const source of config.sources.filter(
      (candidate) => candidate.provider === definition.id && candidate.enabled,
    )) {
      const provider = definition.id;
      const labels = { provider, source: source.name };
      const overrides = source.overrides;
      const policy = new UpstreamPolicy(
        {
          retries: overrides.retries ?? config.resilience.retries,
          backoffMs: overrides.retryBackoffMs ?? config.resilience.backoffMs,
          maxBackoffMs: overrides.retryMaxBackoffMs ?? config.resilience.maxBackoffMs,
          concurrency: overrides.concurrency ?? config.resilience.concurrency,
          breakerThreshold: overrides.breakerThreshold ?? config.resilience.breakerThreshold,
          breakerCooldownMs: overrides.breakerCooldownMs ?? config.resilience.breakerCooldownMs,
        },
        (state) => {
          metrics.circuitState.set(labels, CIRCUIT_GAUGE[state]);
          metrics.circuitTransitions.inc({ ...labels, state });
          logger.warn({ ...labels, state }, 'circuit breaker state changed');
        },
      );
      metrics.circuitState.set(labels, 0);
      const sourceHealth: SourceHealth = { lastErrorCode: null };
      health.set(source.name, sourceHealth);
      const timeouts = config.providerTimeouts[provider];
      const connection = source.settings.connect(
        {
          metrics,
          logger: logger.child(labels),
          upstreamTimeoutMs: overrides.timeoutMs ?? timeouts?.timeoutMs ?? config.upstreamTimeoutMs,
          connectTimeoutMs:
            overrides.connectTimeoutMs ?? timeouts?.connectTimeoutMs ?? config.upstreamConnectTimeoutMs,
          policy,
          cache,
          cacheTtlSeconds:
            overrides.cacheTtlSeconds ?? config.cache.providerTtlSeconds[provider] ?? config.cache.ttlSeconds,
          lookupConcurrency: overrides.lookupConcurrency ?? config.lookupConcurrency,
          maxLookupCalls: overrides.maxLookupCalls ?? config.maxLookupCalls,
          health: sourceHealth,
        },
        source.name,
      );
      connected.push({ source, connection, policy });
    }
  }
  /** Each enabled provider's default source: the one marked default, else its first (registry order). */
  const defaults = new Map<ProviderId, string>();
  for (const definition of providers) {
    const own = connected.filter(({ source }) => source.provider === definition.id);
    const chosen = own.find(({ source }) => source.default) ?? own[0];
    if (chosen) defaults.set(definition.id, chosen.source.name);
  }
  const sourceStatuses = (): SourceStatusSource[] =>
    providers.flatMap((definition) =>
      config.sources
        .filter((source) => source.provider === definition.id)
        .map((source): SourceStatusSource => {
          const policy = connected.find((entry) => entry.source === source)?.policy;
          return {
            name: source.name,
            provider: source.provider,
            default: defaults.get(source.provider) === source.name,
            enabled: policy !== undefined,
            mode: policy ? (emulated.has(source.name) ? 'EMULATED' : 'LIVE') : null,
            circuit: policy?.breaker.state ?? null,
            lastErrorCode: health.get(source.name)?.lastErrorCode ?? null,
          };
        }),
    );
  const statuses = (): ProviderStatusSource[] =>
    providers.map((definition) => {
      const own = connected.filter(({ source }) => source.provider === definition.id);
      const enabled = own.length > 0;
      return {
        provider: definition.id,
        enabled,
        mode: enabled ? (own.some(({ source }) => !emulated.has(source.name)) ? 'LIVE' : 'EMULATED') : null,
        // The provider's circuit: its most open source's.
        circuit: enabled
          ? own
              .map(({ policy }) => policy.breaker.state)
              .reduce((worst, state) => (CIRCUIT_GAUGE[state] > CIRCUIT_GAUGE[worst] ? state : worst))
          : null,
      };
    });

  if (config.auth.jwt?.publicKey) {
    const problem = await checkPublicKey(config.auth.jwt.publicKey, config.auth.jwt.algorithms);
    if (problem) throw new ConfigError([problem]);
  }
  const developmentKey = config.auth.developmentKey
    ? (options.developmentKey ?? (await createDevelopmentKey()))
    : undefined;
  const authenticator = await Authenticator.create(config.auth, developmentKey);
  /**
   * `db` for the walks, events and people matching; `requests` for what requests read and write: on
   * PostgreSQL a pool of its own (walks hold connections for minutes, and must not starve requests) whose
   * statements the server cancels at the operation deadline. PGlite has one database for both.
   */
  let directory: { db: Database; requests: Database; sync: DirectorySync } | undefined;
  if (config.directory.enabled) {
    const db = await openDatabase({
      ...(config.directory.databaseUrl ? { url: config.directory.databaseUrl } : {}),
      ...(config.directory.dataDir ? { dataDir: config.directory.dataDir } : {}),
    });
    /** This deployment's sources: people matching reads and writes theirs only. */
    const directorySources = connected.map(({ source }) => source.name);
    try {
      await migrate(db);
      // A changed threshold or block list matches everyone again; removed or added sources, their persons.
      await applyPeopleSettings(db, config.people);
      await markSourceChanges(db, directorySources);
    } catch (error) {
      await db.close().catch(() => undefined);
      throw error;
    }
    /** One people-matching run, in /metrics and the debug log. */
    const observeMatching = async (run: () => Promise<RecomputeStats>): Promise<void> => {
      const started = performance.now();
      const stats = await run();
      if (stats.batches === 0) return;
      const ms = performance.now() - started;
      metrics.peopleMatching.observe(ms / 1000);
      metrics.peopleMatchedUsers.inc(stats.users);
      metrics.peopleMatchingQueries.inc(stats.queries);
      logger.debug({ ...stats, ms: Math.round(ms) }, 'people matched');
    };
    const sync = new DirectorySync(
      db,
      connected.map(({ source, connection }, rank) => ({
        name: source.name,
        provider: source.provider,
        rank,
        session: (request) => connection.session(request),
        intervalMs: (source.overrides.syncIntervalSeconds ?? config.directory.syncIntervalSeconds) * 1000,
        ...(connection.receive ? { receive: connection.receive } : {}),
      })),
      {
        windowSize: 1000,
        operationTimeoutMs: config.operationTimeoutMs,
        windowTimeoutMs: Math.max(config.operationTimeoutMs, 120_000),
        maxUpstreamCalls: config.maxUpstreamCalls,
        retryBaseMs: 5_000,
      },
      logger,
      metrics,
      // Persons follow every change the index takes (only the users it touched are matched again).
      {
        catchUp: (signal) =>
          observeMatching(() => recomputePeople(db, config.people, directorySources, { signal })),
        follow: (source, nativeIds) =>
          observeMatching(() => matchUsers(db, config.people, directorySources, source, nativeIds)),
      },
    );
    metrics.peoplePending = () => pendingMatches(db, directorySources);
    const requests = config.directory.databaseUrl
      ? await openDatabase({
          url: config.directory.databaseUrl,
          statementTimeoutMs: config.operationTimeoutMs,
        })
      : db;
    directory = { db, requests, sync };
  }
  const people = peopleResolvers(providers, directory?.requests, config.people, config.auth.scopes.pii);
  const schema = buildSchema(
    [
      rootResolvers(statuses, sourceStatuses, people.personNode),
      runtimeResolvers(config.limits.maxSize, providers, people.personNode),
      people.resolvers,
      directoryResolvers(providers, undefined, directory?.requests, config.auth.scopes.pii),
      ...providers.map((definition) =>
        definition.resolvers(
          connected
            .filter(({ source }) => source.provider === definition.id)
            .map(({ connection }) => connection),
          defaults.get(definition.id),
        ),
      ),
    ],
    providers,
    {
      scopes: config.auth.scopes,
      authorization: authenticator.perCaller,
      publishAuthDirectives: config.federation.authDirectives,
      nativeKeys: config.federation.nativeKeys,
    },
  );
  const cursors = new CursorCodec(config.cursorSecret);
  const caching =
    config.cache.ttlSeconds > 0 ||
    Object.values(config.cache.providerTtlSeconds).some((ttl) => (ttl ?? 0) > 0);
  const normalise = formatError(config.production);
  const apollo = new ApolloServer<RequestContext>({
    schema,
    logger,
    introspection: config.introspection,
    csrfPrevention: true,
    // main.ts owns SIGINT/SIGTERM and stops Apollo through `stop()`. Apollo's own handlers would call
    // apollo.stop() first, and a second, concurrent stop() (ours) never returns in @apollo/server 5.5
    // (it awaits a barrier only the failure path resolves): the process would hang instead of exiting.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: !config.production,
    formatError: normalise,
    // The front door counts tokens before Apollo parses (checkDocumentSize); this also covers
    // executeOperation, which does not pass through it.
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    validationRules: [SupportedOperationTypesRule],
    plugins: [
      config.landingPage
        ? ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            document: EXAMPLE_OPERATION,
            includeCookies: false,
          })
        : ApolloServerPluginLandingPageDisabled(),
      ...(config.inlineTrace ? [] : [ApolloServerPluginInlineTraceDisabled()]),
      inFlightPlugin(metrics),
      partialErrorsPlugin(normalise),
      accessPlugin,
      internalErrorLogPlugin,
      // Apollo's per-field cache-control plugin is replaced by one decision per operation (cacheHints.ts),
      // which only means something when upstream answers are cached.
      ApolloServerPluginCacheControlDisabled(),
      ...(caching ? [cacheHintsPlugin({ perCaller: authenticator.perCaller })] : []),
      // Whole answers, reused for as long as their cache hints allow (the shortest upstream freshness
      // involved); answers with errors and `providers` are never stored. An answer depends on the scopes
      // of who asked (never on anything else of theirs: the data is the same for everyone), so it is
      // reused only for requests with exactly the same scopes.
      ...(caching && config.responseCache
        ? [
            responseCachePlugin<RequestContext>({
              extraCacheKeyData: async ({ contextValue }) => scopeKey(contextValue.principal),
            }),
          ]
        : []),
      operationLimitsPlugin(config.operationLimits),
    ],
  });
  await apollo.start();

  const contextDeps: ContextDependencies = {
    sources: connected.map(({ connection }) => connection),
    defaults,
    logger,
    cursors,
    limits: config.limits,
    nativeIds: new Map(providers.map((definition) => [definition.id, definition.nativeId])),
  };
  const sockets = new Set<Socket>();
  let url = '';
  let stopping = false;
  const httpServer = http.createServer(
    createRouter({
      config,
      apollo,
      logger,
      metrics,
      store,
      contextDeps,
      statuses,
      authenticator,
      webhooks: directory?.sync,
      ...(directory ? { directoryReachable: () => reachable(directory.db) } : {}),
      stopping: () => stopping,
    }),
  );
  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    metrics,
    logger,
    apollo,
    get url() {
      return url;
    },
    directory,
    async developmentToken(scopes) {
      return developmentKey ? developmentKey.sign(scopes) : null;
    },
    async start() {
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      url = `http://${host}:${port}`;
      await directory?.sync.start();
      // Users marked before this start (a migration, changed settings, a crash mid-match) are matched now.
      void directory?.sync.catchUp();
      return url;
    },
    /**
     * Stops accepting connections, lets the requests in flight finish (their connections close after
     * the answer) for up to ROLLCALL_SHUTDOWN_GRACE_MS, then closes what is left, Apollo and the cache.
     */
    async stop() {
      stopping = true;
      // Walks in flight are cancelled at once: they change nothing, and the next start walks again.
      const syncStopped = directory?.sync.stop();
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      // A connection that finishes its request while stopping is idle again: close it then.
      const sweep = setInterval(() => httpServer.closeIdleConnections(), 50);
      const force = setTimeout(() => sockets.forEach((s) => s.destroy()), config.shutdownGraceMs);
      force.unref();
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
      await apollo.stop();
      await cache.close();
      if (directory) {
        await syncStopped;
        if (directory.requests !== directory.db) await directory.requests.close();
        await directory.db.close();
      }
    },
  };
}

/** Whether `db` answers a trivial query within 2 s (for /ready). */
function reachable(db: Database): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 2_000);
    const settle = (answer: boolean) => {
      clearTimeout(timer);
      resolve(answer);
    };
    db.query('SELECT 1').then(
      () => settle(true),
      () => settle(false),
    );
  });
}
