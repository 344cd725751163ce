/**
 * The upstream client of one provider, with the process's settings filled in: timeouts, metrics, logger
 * and the provider's policy (retries, breaker, concurrency). Provider folders give only what is theirs.
 */
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
  },
): UpstreamClient {
  return new UpstreamClient({
    ...options,
    timeoutMs: runtime.upstreamTimeoutMs,
    connectTimeoutMs: runtime.connectTimeoutMs,
    policy: runtime.policy,
    metrics: runtime.metrics,
    logger: runtime.logger,
  });
}
