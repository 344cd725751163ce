/**
 * Demo mode: start every provider's emulators (one per demo source: Twilio shows two accounts) on free
 * loopback ports, and produce the sources and the environment that point rollcall at them. Used by
 * `npm start` when no provider is configured, by `npm run emulators`, by the integration tests and by
 * the benchmarks.
 */
import type { DeclaredSource } from '../config.js';
import type { ProviderId } from '../providers/core/record.js';
import type { ProviderDefinition, RunningEmulator } from '../providers/core/definition.js';
import { PROVIDERS } from '../providers/registry.js';

export interface RunningEmulators {
  /** Each provider's first demo account (the one its variables in `env` point at). */
  byProvider: Map<ProviderId, RunningEmulator>;
  /** The variables that configure every emulated provider (one source each: its first account). */
  env: Record<string, string>;
  /**
   * Every demo source (Twilio has two accounts; Voximplant's lists two applications), each with its
   * emulator and the variables reading it.
   */
  sources: (DeclaredSource & { emulator: RunningEmulator })[];
  stop(): Promise<void>;
}

/**
 * Emulators start one at a time, process-wide: each emulator module is imported lazily on its first start,
 * and Jest's ESM loader (the tests) fails on concurrent first imports that share a dependency. A start
 * takes milliseconds.
 */
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(start: () => Promise<T>): Promise<T> {
  const run = queue.then(start);
  queue = run.catch(() => undefined);
  return run;
}

export async function startEmulators(
  options: { latencyMs?: number; providers?: readonly ProviderDefinition[] } = {},
): Promise<RunningEmulators> {
  const definitions = options.providers ?? PROVIDERS;
  const sources: RunningEmulators['sources'] = [];
  for (const definition of definitions)
    for (const [account, name] of definition.demoSources.entries()) {
      const emulator = await oneAtATime(() =>
        definition.startEmulator({ latencyMs: options.latencyMs, account }),
      );
      sources.push({ name, provider: definition.id, env: emulator.sourceEnv, emulator });
    }
  const byProvider = new Map<ProviderId, RunningEmulator>();
  for (const source of sources)
    if (!byProvider.has(source.provider)) byProvider.set(source.provider, source.emulator);
  return {
    byProvider,
    env: Object.assign({}, ...[...byProvider.values()].map((emulator) => emulator.env)) as Record<
      string,
      string
    >,
    sources,
    async stop() {
      await Promise.all(sources.map((source) => source.emulator.server.stop()));
    },
  };
}
