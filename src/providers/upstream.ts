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
  },
): UpstreamClient {
  const { credentials, ...rest } = options;
  return new UpstreamClient({
    ...rest,
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
