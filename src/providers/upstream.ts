/**
 * The upstream client of one provider, with the process's settings filled in: timeouts, metrics, logger
 * and the provider's policy (retries, breaker, concurrency). Provider folders give only what is theirs.
 */
import { fingerprint } from '../upstream/cache.js';
import { UpstreamClient, type ErrorDetector } from '../upstream/client.js';
import type { ProviderId } from './ids.js';
import type { ProviderRuntime } from './provider.js';

export function upstreamFor(
  runtime: ProviderRuntime,
  options: {
    provider: ProviderId;
    baseUrl: string;
    headers?: () => Record<string, string> | Promise<Record<string, string>>;
    detectError: ErrorDetector;
    /**
     * The credential material that identifies the account (hashed at once, never stored): cached
     * responses are shared only between calls made with the same credentials.
     */
    credentials: string;
    /** Account identifiers to keep out of logs (see UpstreamClientOptions.identifiers). */
    identifiers?: readonly string[];
  },
): UpstreamClient {
  const { credentials, identifiers = [], ...rest } = options;
  // The host names the account for some providers ({appId}.api-eu.cometchat.io, {handle}.ada.support).
  const host = new URL(options.baseUrl).hostname;
  const account = /^[\d.]+$|^\[/.test(host) ? [] : [host, host.split('.')[0]];
  return new UpstreamClient({
    ...rest,
    identifiers: [...identifiers, ...account].filter((id) => id.length >= 3),
    cache: runtime.cache,
    cacheTtlSeconds: runtime.cacheTtlSeconds,
    credentialsFingerprint: fingerprint(credentials),
    timeoutMs: runtime.upstreamTimeoutMs,
    connectTimeoutMs: runtime.connectTimeoutMs,
    policy: runtime.policy,
    metrics: runtime.metrics,
    logger: runtime.logger,
  });
}
