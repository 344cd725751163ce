/** Reading one provider's settings as the whole configuration does. */
import { ConfigError, loadConfig } from '../../src/config.js';
import type { ProviderSpec } from '../../src/providers/core/definition.js';
import type { UserRecord } from '../../src/providers/core/record.js';
import { EnvReader } from '../../src/env.js';

/**
 * The settings `spec` reads from `env`, after checking that the whole configuration loads from it (a
 * problem throws ConfigError) and enables the provider exactly when the spec gives settings.
 */
export function settingsOf<C, W, R extends UserRecord, Q, F, A>(
  spec: ProviderSpec<C, W, R, Q, F, A>,
  env: Record<string, string>,
): C | undefined {
  // On loopback: live credentials elsewhere need access control, which is not what this checks.
  const enabled = loadConfig({ HOST: '127.0.0.1', ...env }).sources.some(
    (source) => source.provider === spec.id,
  );
  const settings = spec.readConfig(new EnvReader(env)) ?? undefined;
  if (enabled !== (settings !== undefined)) throw new Error(`${spec.id}: loadConfig and its spec disagree`);
  return settings;
}

/**
 * The problems loadConfig reports for `env` (none: []), served on loopback unless `env` gives HOST: live
 * credentials on a reachable address also need access control, which is not what these checks are about.
 */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig({ HOST: '127.0.0.1', ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
