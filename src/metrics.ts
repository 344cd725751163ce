/**
 * Prometheus metrics, one registry per server instance (tests run several servers in one process).
 * Served as text at `GET /metrics`. Upstream series carry `provider` and `source`: sources come from the
 * configuration, never from a request, so the series stay bounded.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One source's row of the directory state, for the gauges. */
export interface DirectoryStateRow {
  provider: string;
  source: string;
  users: number;
  lastSyncedAt: Date | null;
}

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

  /** Directory walks, by provider, source and outcome. */
  readonly directoryWalks = new Counter({
    name: 'rollcall_directory_walks_total',
    help: 'Directory walks run by this replica, by provider, source and outcome (complete; failed: the index unchanged, retried with backoff; locked: another replica was walking the source; stopped: cancelled at shutdown).',
    labelNames: ['provider', 'source', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly directoryWalkDuration = new Histogram({
    name: 'rollcall_directory_walk_duration_seconds',
    help: 'Complete directory walks run by this replica: their duration in seconds from the first page read to the index updated (people matching is timed on its own), by provider and source.',
    labelNames: ['provider', 'source'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  readonly directoryEvents = new Counter({
    name: 'rollcall_directory_events_total',
    help: 'Provider events received at POST /webhooks/<source>, by provider, source and outcome (applied; refused: the signature did not verify, nothing changed; failed: its users could not be fetched, the provider retries).',
    labelNames: ['provider', 'source', 'outcome'] as const,
    registers: [this.registry],
  });

  /** People matching after walks and events (only the users the index changed are matched again). */
  readonly peopleMatching = new Histogram({
    name: 'rollcall_people_matching_seconds',
    help: 'People matching runs of this replica that matched something (after a walk or an event): their duration in seconds.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });

  readonly peopleMatchedUsers = new Counter({
    name: 'rollcall_people_matched_users_total',
    help: 'Users matched again by this replica (the users the index changed and those sharing an address, a manual link or a person with them).',
    registers: [this.registry],
  });

  readonly peopleMatchingQueries = new Counter({
    name: 'rollcall_people_matching_queries_total',
    help: 'Database statements run by people matching on this replica.',
    registers: [this.registry],
  });

  readonly operationsInFlight = new Gauge({
    name: 'rollcall_graphql_operations_in_flight',
    help: 'GraphQL requests this replica is executing, whether or not their client still waits for the answer.',
    registers: [this.registry],
  });

  /** Set by the directory when it starts: how many users await matching, read at scrape time. */
  peoplePending: (() => Promise<number>) | undefined;

  readonly peoplePendingUsers = new Gauge({
    name: 'rollcall_people_pending_users',
    help: 'Users the index changed that people matching has not matched yet (0 once persons follow the index), read from the directory database at scrape time.',
    registers: [this.registry],
    collect: async () => {
      const pending = await this.peoplePending?.().catch(() => undefined);
      if (pending !== undefined) this.peoplePendingUsers.set(pending);
    },
  });

  /**
   * Set by the directory when it starts: every source's state as the database holds it (shared by the
   * replicas), read when /metrics is scraped.
   */
  directoryState: (() => Promise<readonly DirectoryStateRow[]>) | undefined;

  readonly directoryUsers = new Gauge({
    name: 'rollcall_directory_users',
    help: 'Indexed users (not deleted) per source, as of its last complete walk and the events since, read from the directory database at scrape time.',
    labelNames: ['provider', 'source'] as const,
    registers: [this.registry],
    collect: () => this.collectDirectory(),
  });

  readonly directoryLastSynced = new Gauge({
    name: 'rollcall_directory_last_synced_timestamp_seconds',
    help: "When each source's last complete walk ended (Unix seconds; absent until one did): alert on time() minus this.",
    labelNames: ['provider', 'source'] as const,
    registers: [this.registry],
    collect: () => this.collectDirectory(),
  });

  /** One read of the directory state per scrape, shared by its gauges (collected concurrently). */
  private collecting: Promise<void> | undefined;

  private collectDirectory(): Promise<void> {
    this.collecting ??= (async () => {
      const rows = await this.directoryState?.().catch(() => undefined);
      for (const row of rows ?? []) {
        const labels = { provider: row.provider, source: row.source };
        this.directoryUsers.set(labels, row.users);
        if (row.lastSyncedAt) this.directoryLastSynced.set(labels, row.lastSyncedAt.getTime() / 1000);
      }
    })().finally(() => (this.collecting = undefined));
    return this.collecting;
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'rollcall_' });
  }
}
