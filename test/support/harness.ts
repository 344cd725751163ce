/**
 * Integration harness: real emulators and a real rollcall server, all on port 0, talking HTTP.
 *
 *   const h = await startHarness();              // every registered provider, emulated
 *   const { data, errors } = await h.query('{ providers { provider } }');
 *   h.emulator('TWILIO_CONVERSATIONS').calls     // what rollcall sent upstream
 *   await h.stop();
 */
import { loadConfig } from '../../src/config.js';
import type { EmulatorServer } from '../../src/emulators/base.js';
import { startEmulators, type RunningEmulators } from '../../src/emulators/demo.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/core/record.js';
import type { ProviderDefinition } from '../../src/providers/core/definition.js';
import { PROVIDERS } from '../../src/providers/registry.js';
import { createServer, type RollcallServer } from '../../src/server.js';

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  headers: Headers;
}

export interface Harness {
  url: string;
  server: RollcallServer;
  emulators: RunningEmulators;
  /** A provider's (first) emulator. */
  emulator<E extends EmulatorServer = EmulatorServer>(provider: ProviderId): E;
  /** The emulator of one demo source (`twilio-eu`). */
  sourceEmulator<E extends EmulatorServer = EmulatorServer>(name: string): E;
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>>;
  /** Clears every emulator's call log, faults and latency. */
  reset(): void;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** The providers whose emulators start (default: the registry's). */
  providers?: readonly ProviderDefinition[];
  /** The server's provider definitions (default: the registry), e.g. the registry plus a test provider. */
  registry?: readonly ProviderDefinition[];
  /** Extra or overriding environment (e.g. ROLLCALL_MAX_PAGE_SIZE, wrong credentials). */
  env?: Record<string, string>;
  latencyMs?: number;
  /**
   * Serve demo mode's sources (two Twilio accounts, `twilio-us` and `twilio-eu`, and one source of every
   * other provider) instead of one source per provider from the emulators' variables.
   */
  demoSources?: boolean;
}

/** A rollcall server against already running emulators (a replica), with its own process state. */
export interface Replica {
  url: string;
  server: RollcallServer;
  query<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResult<T>>;
  /** The current text of GET /metrics. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startReplica(
  emulators: RunningEmulators,
  env: Record<string, string> = {},
  /** Where rollcall logs (default: nowhere); test/support/safety.ts has one that keeps every line. */
  logger: Logger = createLogger('silent'),
  /** The provider definitions the server uses (default: the registry), e.g. one with an injected bug. */
  providers?: readonly ProviderDefinition[],
  /** Serve the emulators' demo sources (see HarnessOptions.demoSources). */
  demoSources = false,
): Promise<Replica> {
  // The providers are emulators: demo semantics (development unless NODE_ENV=production is given).
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      // Most tests count the upstream calls of one operation; the cross-request cache would hide them.
      // The cache tests (test/upstream/cache.test.ts) switch it on.
      ROLLCALL_CACHE_TTL_SECONDS: '0',
      // Most tests are about the live paths and count their upstream calls: the directory's walks would
      // add calls of their own. The directory tests (test/directory/index*) switch it on.
      ROLLCALL_DIRECTORY: 'off',
      ...emulators.env,
      ...env,
    },
    { demo: true, providers, ...(demoSources ? { sources: emulators.sources } : {}) },
  );
  const server = await createServer(config, {
    logger,
    // Every source here reads an emulator.
    emulated: new Set(config.sources.map((source) => source.name)),
    providers,
  });
  const url = await server.start();
  return {
    url,
    server,
    async query<T>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphQLResult<T>, 'status' | 'headers'>;
      return { ...body, status: response.status, headers: response.headers };
    },
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    stop: () => server.stop(),
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const emulators = await startEmulators({
    providers: options.providers ?? PROVIDERS,
    latencyMs: options.latencyMs,
  });
  const replica = await startReplica(
    emulators,
    options.env,
    undefined,
    options.registry,
    options.demoSources,
  );
  return {
    url: replica.url,
    server: replica.server,
    emulators,
    emulator<E extends EmulatorServer>(provider: ProviderId): E {
      const running = emulators.byProvider.get(provider);
      if (!running) throw new Error(`no emulator for ${provider}`);
      return running.server as E;
    },
    sourceEmulator<E extends EmulatorServer>(name: string): E {
      const found = emulators.sources.find((source) => source.name === name);
      if (!found) throw new Error(`no emulator for source ${name}`);
      return found.emulator.server as E;
    },
    query: (query, variables) => replica.query(query, variables),
    reset() {
      for (const { emulator } of emulators.sources) emulator.server.reset();
    },
    async stop() {
      await replica.stop();
      await emulators.stop();
    },
  };
}
