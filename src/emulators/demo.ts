/**
 * Demo mode: start every provider's emulator on a free loopback port and produce the environment that
 * points rollcall at them. Used by `npm start` when no provider is configured, by `npm run emulators`,
 * by the integration tests and by the benchmarks.
 */
import type { ProviderId } from '../providers/core/record.js';
import type { ProviderDefinition, RunningEmulator } from '../providers/core/definition.js';
import { PROVIDERS } from '../providers/registry.js';

export interface RunningEmulators {
  byProvider: Map<ProviderId, RunningEmulator>;
  /** The variables that configure every emulated provider. */
  env: Record<string, string>;
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
  const started: (readonly [ProviderId, RunningEmulator])[] = [];
  for (const definition of definitions)
    started.push([
      definition.id,
      await oneAtATime(() => definition.startEmulator({ latencyMs: options.latencyMs })),
    ]);
  const byProvider = new Map<ProviderId, RunningEmulator>(started);
  return {
    byProvider,
    env: Object.assign({}, ...started.map(([, emulator]) => emulator.env)) as Record<string, string>,
    async stop() {
      await Promise.all([...byProvider.values()].map((emulator) => emulator.server.stop()));
    },
  };
}
