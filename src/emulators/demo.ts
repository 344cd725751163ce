/**
 * Demo mode: start every provider's emulator on a free loopback port and produce the environment that
 * points rollcall at them. Used by `npm start` when no provider is configured, by `npm run emulators`,
 * by the integration tests and by the benchmarks.
 */
import type { ProviderId } from '../providers/ids.js';
import type { AnyProviderDefinition, RunningEmulator } from '../providers/provider.js';
import { PROVIDERS } from '../providers/registry.js';

export interface RunningEmulators {
  byProvider: Map<ProviderId, RunningEmulator>;
  /** The variables that configure every emulated provider. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startEmulators(
  options: { latencyMs?: number; providers?: readonly AnyProviderDefinition[] } = {},
): Promise<RunningEmulators> {
  const definitions = options.providers ?? PROVIDERS;
  const started = await Promise.all(
    definitions.map(
      async (definition) =>
        [definition.id, await definition.startEmulator({ latencyMs: options.latencyMs })] as const,
    ),
  );
  const byProvider = new Map<ProviderId, RunningEmulator>(started);
  return {
    byProvider,
    env: Object.assign({}, ...started.map(([, emulator]) => emulator.env)) as Record<string, string>,
    async stop() {
      await Promise.all([...byProvider.values()].map((emulator) => emulator.server.stop()));
    },
  };
}
