/**
 * The upstream client of one source (an account of a provider), with the process's settings filled in: timeouts, metrics, logger
 * and the provider's policy (retries, breaker, concurrency). Provider folders give only what is theirs
 * (`HttpSettings`: base URL, headers, error detector, credentials, account identifiers).
 */
import { fingerprint } from '../../upstream/cache.js';
import { UpstreamClient } from '../../upstream/client.js';
import type { HttpSettings, ProviderRuntime } from './definition.js';
import type { ProviderId } from './record.js';

export function upstreamFor(
  runtime: ProviderRuntime,
  provider: ProviderId,
  settings: HttpSettings,
  source: string,
): UpstreamClient {
  const { credentials, identifiers = [], ...rest } = settings;
  // The host names the account for some providers ({appId}.api-eu.cometchat.io, {handle}.ada.support).
  const host = new URL(settings.baseUrl).hostname;
  const account = /^[\d.]+$|^\[/.test(host) ? [] : [host, host.split('.')[0]];
  return new UpstreamClient({
    ...rest,
    provider,
    source,
    identifiers: [...identifiers, ...account].filter((id) => id.length >= 3),
    cache: runtime.cache,
    cacheTtlSeconds: runtime.cacheTtlSeconds,
    credentialsFingerprint: fingerprint(credentials),
    timeoutMs: runtime.upstreamTimeoutMs,
    connectTimeoutMs: runtime.connectTimeoutMs,
    policy: runtime.policy,
    metrics: runtime.metrics,
    logger: runtime.logger,
    health: runtime.health,
  });
}
