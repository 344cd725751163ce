/**
 * Prometheus metrics, one registry per server instance (tests run several servers in one process).
 * Served as text at `GET /metrics`. Upstream series carry `provider` and `source`: sources come from the
 * configuration, never from a request, so the series stay bounded.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  /** Every upstream call, by provider, source and outcome (`status` is the HTTP status, or `timeout`/`network`). */
  readonly upstreamRequests = new Counter({
    name: 'rollcall_upstream_requests_total',
    help: 'Upstream provider API calls, by provider, source and HTTP status (or timeout/network for calls with no response).',
    labelNames: ['provider', 'source', 'status'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'rollcall_upstream_request_duration_seconds',
    help: 'Upstream provider API call latency in seconds, by provider and source.',
    labelNames: ['provider', 'source'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamErrors = new Counter({
    name: 'rollcall_upstream_errors_total',
    help: 'Upstream calls that ended in an error, by provider, source and rollcall error code.',
    labelNames: ['provider', 'source', 'code'] as const,
    registers: [this.registry],
  });

  readonly upstreamRetries = new Counter({
    name: 'rollcall_upstream_retries_total',
    help: 'Upstream call retries, by provider, source and the error code that caused them.',
    labelNames: ['provider', 'source', 'code'] as const,
    registers: [this.registry],
  });

  /** 0 closed, 1 half-open, 2 open. */
  readonly circuitState = new Gauge({
    name: 'rollcall_circuit_state',
    help: 'Circuit breaker state per source (and its provider): 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider', 'source'] as const,
    registers: [this.registry],
  });

  readonly circuitTransitions = new Counter({
    name: 'rollcall_circuit_transitions_total',
    help: 'Circuit breaker state changes per source (and its provider), by the state entered.',
    labelNames: ['provider', 'source', 'state'] as const,
    registers: [this.registry],
  });

  readonly cacheRequests = new Counter({
    name: 'rollcall_cache_requests_total',
    help: 'Upstream response cache lookups by provider, source and result (hit, miss, invalid: an entry that failed its response schema was dropped and the call went upstream, error: the cache failed and the call went upstream).',
    labelNames: ['provider', 'source', 'result'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'rollcall_' });
  }
}
