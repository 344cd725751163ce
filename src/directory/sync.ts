/**
 * Keeps the index in sync with each source: a full walk at start and every `intervalMs`, window after
 * window at `windowSize` users (the provider engine reads each window at the provider's largest pages),
 * through the source's own session: the same upstream client, budget, retries, circuit breaker,
 * metrics and traces as live queries (it never reads the cache — a walk is the provider's list as it is
 * now — but refreshes it). A walk reads one window at a time, so it holds one of the source's
 * concurrent upstream calls at most: live queries keep the others.
 *
 * A walk stages what it reads and applies it in one transaction when it is complete: users upserted,
 * users it did not see marked deleted; a user an event fetched after the walk read it keeps the event's
 * copy (each row remembers when its fetch began). A walk that fails midway changes nothing, is recorded (state,
 * last error) and retried with backoff. Each source is walked under a lock named after it (a PostgreSQL
 * advisory lock: with several replicas on one server, one walks a source while the others serve).
 */
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ProviderId } from '../providers/core/record.js';
import type { ProviderSession, RequestKey } from '../providers/core/session.js';
import type { CursorPayload } from '../relay/cursor.js';
import { withOperationDeadline } from '../upstream/scope.js';
import { WebhookRefused, type WebhookReceipt, type WebhookRequest } from '../providers/core/webhooks.js';
import type { Database } from './store/database.js';
import {
  applyWalk,
  discardWalk,
  isLatestWalk,
  markDeleted,
  rankSources,
  stageWalkPage,
  upsertUsers,
  type IndexedUser,
} from './store/users.js';

export interface SyncSource {
  name: string;
  provider: ProviderId;
  /** Its place in the configured order (SOURCE order and ties). */
  rank: number;
  session(request: RequestKey): ProviderSession;
  /** Between complete walks of this source. */
  intervalMs: number;
  /** Verifies a provider event and names its users (absent: the source takes no events). */
  receive?(request: WebhookRequest): WebhookReceipt;
}

/** What `POST /webhooks/<source>` answers. */
export interface WebhookAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface SyncSettings {
  /** Users per window read (each window one operation scope, with its own budget and deadline). */
  windowSize: number;
  operationTimeoutMs: number;
  /**
   * One window's deadline: a window reads up to 20 provider pages one after another (Twilio: 50 users a
   * page), so it gets longer than a query; each call keeps its own timeout and retries.
   */
  windowTimeoutMs: number;
  maxUpstreamCalls: number;
  /** The first retry's delay after a failed walk (doubling, at most `intervalMs`). */
  retryBaseMs: number;
}

export type WalkOutcome =
  | { walked: true; users: number; calls: number }
  | { walked: false; reason: 'locked' | 'stopped' | 'superseded' }
  | { walked: false; reason: 'failed'; error: string };

/** A failure as the directory records it: its code and message, which never hold a secret or URL. */
function describeFailure(error: unknown): string {
  if (error && typeof error === 'object' && 'extensions' in error && 'message' in error) {
    const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${String((error as { message: unknown }).message)}`.slice(
      0,
      500,
    );
  }
  return 'INTERNAL_SERVER_ERROR: the walk failed';
}

/** What follows the index (the persons: people/store.ts), told after every change. */
export interface IndexFollower {
  /** Matches everything marked for it until none is left, or `signal` aborts (between batches). */
  catchUp(signal: AbortSignal): Promise<void>;
  /** Matches these users of `source` (an event's) and what they touch, now, whatever else awaits. */
  follow(source: string, nativeIds: readonly string[]): Promise<void>;
}

export class DirectorySync {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly walks = new Map<string, Promise<WalkOutcome>>();
  /** Events' people matching in flight: stop() waits for it. */
  private readonly following = new Set<Promise<void>>();
  /** The catch-up run in flight (one at a time), and whether a change came in since it began. */
  private catching: Promise<void> | undefined;
  private catchAgain = false;
  private stopped = false;
  /** Aborts the walks' upstream calls when the server stops. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: Database,
    private readonly sources: readonly SyncSource[],
    private readonly settings: SyncSettings,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    /** What follows the index (the persons), told after every change. */
    private readonly follower?: IndexFollower,
  ) {
    if (metrics)
      metrics.directoryState = async () =>
        (
          await this.db.query<{
            source: string;
            provider: string;
            users: unknown;
            last_synced_at: Date | null;
          }>(
            'SELECT source, provider, users, last_synced_at FROM directory_sources WHERE source = ANY($1::text[])',
            [this.sources.map((source) => source.name)],
          )
        ).map((row) => ({
          source: row.source,
          provider: row.provider,
          users: Number(row.users),
          lastSyncedAt: row.last_synced_at === null ? null : new Date(row.last_synced_at),
        }));
  }

  private count(source: SyncSource, outcome: string, kind: 'directoryWalks' | 'directoryEvents'): void {
    this.metrics?.[kind].inc({ provider: source.provider, source: source.name, outcome });
  }

  /** Records the sources, ranks their users, and schedules each source's first walk (at once, unless a
   *  replica or an earlier run of this one completed a walk less than an interval ago). */
  async start(): Promise<void> {
    for (const source of this.sources)
      await this.db.query(
        'INSERT INTO directory_sources (source, provider) VALUES ($1, $2) ON CONFLICT (source) DO NOTHING',
        [source.name, source.provider],
      );
    await rankSources(this.db, new Map(this.sources.map((source) => [source.name, source.rank])));
    const rows = await this.db.query<{ source: string; next_sync_at: Date | null; completed: boolean }>(
      'SELECT source, next_sync_at, completed FROM directory_sources WHERE source = ANY($1::text[])',
      [this.sources.map((source) => source.name)],
    );
    for (const source of this.sources) {
      const row = rows.find((candidate) => candidate.source === source.name);
      const due = row?.completed && row.next_sync_at ? new Date(row.next_sync_at).getTime() - Date.now() : 0;
      // A walk due now starts before start() returns: a walkNow() from then on joins it.
      if (due > 0) this.schedule(source, due);
      else this.walkThenSchedule(source);
    }
  }

  /**
   * Walks `source` now (or joins the walk in progress). A complete walk puts the source's next one an
   * interval away: a retry pending after an earlier failure has nothing left to do.
   */
  async walkNow(name: string): Promise<WalkOutcome> {
    const source = this.sources.find((candidate) => candidate.name === name);
    if (!source) throw new Error(`no source ${name}`);
    const outcome = await this.walk(source);
    if (outcome.walked && !this.stopped && this.timers.has(source.name))
      this.schedule(source, source.intervalMs);
    return outcome;
  }

  /**
   * `POST /webhooks/<source>`: 404 for a source that takes no events, 401 (and nothing changes) when the
   * signature does not verify, else the users the events name fetched again and indexed (200), or 503
   * when that fetch failed (the provider retries its delivery).
   */
  async receive(name: string, request: WebhookRequest): Promise<WebhookAnswer> {
    const source = this.sources.find((candidate) => candidate.name === name);
    if (!source?.receive)
      return {
        status: 404,
        body: {
          error: `no source here takes events at /webhooks/${name.slice(0, 64)} (Twilio and Ada sources with their webhook secret do)`,
        },
      };
    let receipt: WebhookReceipt;
    try {
      receipt = source.receive(request);
    } catch (error) {
      if (!(error instanceof WebhookRefused)) throw error;
      this.logger.debug({ source: name, reason: error.message }, 'webhook refused');
      this.count(source, 'refused', 'directoryEvents');
      return { status: 401, body: { error: 'unauthenticated: the request signature does not verify' } };
    }
    try {
      const users = await this.refresh(name, receipt.ids);
      await this.db.query('UPDATE directory_sources SET last_event_at = now() WHERE source = $1', [name]);
      this.count(source, 'applied', 'directoryEvents');
      return { status: 200, body: { users: receipt.ids.length, indexed: users } };
    } catch (error) {
      this.count(source, 'failed', 'directoryEvents');
      this.logger.warn({ source: name, err: describeFailure(error) }, 'webhook: fetching its users failed');
      return {
        status: 503,
        body: { error: 'the event verified, but its users could not be fetched; retry' },
      };
    }
  }

  /**
   * Applies a provider event: the users it names are fetched again, fresh (never from the cache: the
   * event says they changed), and upserted; one the provider no longer has is marked deleted. Returns
   * how many were upserted. Idempotent: the same event again fetches and writes the same.
   */
  async refresh(name: string, ids: readonly string[]): Promise<number> {
    const source = this.sources.find((candidate) => candidate.name === name);
    if (!source) throw new Error(`no source ${name}`);
    if (ids.length === 0) return 0;
    const observedAt = new Date();
    const records = await withOperationDeadline(
      this.settings.operationTimeoutMs,
      (operation) => {
        operation.fresh = true;
        const session = source.session({ requestId: `directory:event:${name}:${Date.now()}`, operation });
        return Promise.all(ids.map((id) => session.byId(id)));
      },
      { maxUpstreamCalls: this.settings.maxUpstreamCalls, signal: this.stopping.signal },
    );
    const found = records.filter((record) => record !== null);
    const missing = ids.filter((_id, index) => records[index] === null);
    await this.db.transaction(async (tx) => {
      const [state] = await tx.query<{ walks: unknown }>(
        'SELECT walks FROM directory_sources WHERE source = $1',
        [name],
      );
      // Known users keep their place in the walk order; new ones go last until the next walk places them.
      const placed = await tx.query<{ native_id: string; position: unknown }>(
        'SELECT native_id, position FROM directory_users WHERE source = $1 AND native_id = ANY($2::text[])',
        [name, found.map((record) => record.providerUserId)],
      );
      const [last] = await tx.query<{ n: unknown }>(
        'SELECT COALESCE(max(position), 0) AS n FROM directory_users WHERE source = $1',
        [name],
      );
      let next = Number(last?.n ?? 0);
      await upsertUsers(
        tx,
        found.map((record) => ({
          record,
          rank: source.rank,
          position: Number(
            placed.find((row) => row.native_id === record.providerUserId)?.position ?? (next += 1),
          ),
        })),
        // The walk in progress (if any) counts them as seen: it will not mark them deleted.
        Number(state?.walks ?? 0),
        observedAt,
      );
      await markDeleted(tx, name, missing, observedAt);
    });
    await this.follow(name, ids);
    return found.length;
  }

  /**
   * Lets what follows the index catch up on everything marked (a walk's users, what was written before
   * this process started). One run at a time: a call during a run is answered by one more run after it,
   * so concurrent walks never interleave their matching batches (each would wait on the other's lock).
   * A failure is logged, not the walk's.
   */
  catchUp(): Promise<void> {
    const follower = this.follower;
    if (!follower || this.stopped) return Promise.resolve();
    this.catchAgain = true;
    this.catching ??= (async () => {
      try {
        while (this.catchAgain && !this.stopped) {
          this.catchAgain = false;
          await follower.catchUp(this.stopping.signal).catch((error: unknown) => {
            if (!this.stopped)
              this.logger.error({ err: describeFailure(error) }, 'directory: matching people failed');
          });
        }
      } finally {
        this.catching = undefined;
      }
    })();
    return this.catching;
  }

  /**
   * Lets the persons follow an event's users at once, whatever backlog a walk left: the webhook answers
   * when its users' persons are right, in the time of those users only. A failure is logged, and the
   * catch-up takes them.
   */
  private async follow(source: string, nativeIds: readonly string[]): Promise<void> {
    if (!this.follower || this.stopped) return;
    const following = this.follower.follow(source, nativeIds).catch((error: unknown) => {
      if (this.stopped) return;
      this.logger.error({ source, err: describeFailure(error) }, 'directory: matching people failed');
      void this.catchUp();
    });
    this.following.add(following);
    try {
      await following;
    } finally {
      this.following.delete(following);
    }
  }

  /**
   * Refreshes the planner's statistics after a walk that changed the index much (a source's first walk,
   * or its users changing by more than a tenth). PGlite runs no autovacuum, and PostgreSQL's may come a
   * minute later: without statistics the planner sorts whole tables instead of reading an order's index
   * (a page costs 4–5 times more).
   */
  private async refreshStatistics(before: number | null, after: number): Promise<void> {
    if (before !== null && Math.abs(after - before) <= 0.1 * Math.max(before, after)) return;
    await this.db.exec('ANALYZE directory_users').catch((error: unknown) => {
      this.logger.warn({ err: describeFailure(error) }, 'directory: refreshing statistics failed');
    });
  }

  /** Stops scheduling, cancels the walks in flight (their upstream calls abort; they change nothing). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.walks.values()]);
    await Promise.allSettled([...this.following, this.catching]);
  }

  private schedule(source: SyncSource, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(source.name));
    const timer = setTimeout(() => {
      this.timers.delete(source.name);
      this.walkThenSchedule(source);
    }, delayMs);
    timer.unref();
    this.timers.set(source.name, timer);
  }

  /** Walks `source`, then schedules its next walk: an interval later, or sooner (backoff) after a failure. */
  private walkThenSchedule(source: SyncSource): void {
    void this.walk(source).then(async (outcome) => {
      if (outcome.walked || outcome.reason !== 'failed') return this.schedule(source, source.intervalMs);
      const [row] = await this.db
        .query<{
          failures: number;
        }>('SELECT failures FROM directory_sources WHERE source = $1', [source.name])
        .catch(() => []);
      const failures = Math.max(1, Number(row?.failures ?? 1));
      this.schedule(source, Math.min(source.intervalMs, this.settings.retryBaseMs * 2 ** (failures - 1)));
    });
  }

  private walk(source: SyncSource): Promise<WalkOutcome> {
    const running = this.walks.get(source.name);
    if (running) return running;
    const walk = this.db
      .withLock(`directory:${source.name}`, () => this.walkLocked(source))
      .then((locked) => (locked.acquired ? locked.value : ({ walked: false, reason: 'locked' } as const)))
      .catch((error: unknown) => {
        this.logger.error(
          { source: source.name, err: describeFailure(error) },
          'directory walk could not run',
        );
        return { walked: false, reason: 'failed', error: describeFailure(error) } as const;
      })
      .then((outcome) => {
        this.count(source, outcome.walked ? 'complete' : outcome.reason, 'directoryWalks');
        return outcome;
      })
      .finally(() => this.walks.delete(source.name));
    this.walks.set(source.name, walk);
    return walk;
  }

  private async walkLocked(source: SyncSource): Promise<WalkOutcome> {
    const began = performance.now();
    const [started] = await this.db.query<{ walks: unknown }>(
      `UPDATE directory_sources SET walks = walks + 1,
         state = CASE WHEN completed THEN state ELSE 'SYNCING' END
       WHERE source = $1 RETURNING walks`,
      [source.name],
    );
    const walk = Number(started.walks);
    await discardWalk(this.db, source.name, walk, true);
    let calls = 0;
    try {
      let after: CursorPayload | null = null;
      let position = 0;
      for (let window = 0; ; window += 1) {
        if (this.stopped) {
          await discardWalk(this.db, source.name, walk);
          return { walked: false, reason: 'stopped' };
        }
        const observedAt = new Date();
        const page = await withOperationDeadline(
          this.settings.windowTimeoutMs,
          async (operation) => {
            // The provider's list as it is now: cached pages would hide changes (and deletions).
            operation.fresh = true;
            const result = await source
              .session({ requestId: `directory:${source.name}:${walk}:${window}`, operation })
              .page({ direction: 'forward', size: this.settings.windowSize, after });
            calls += operation.upstreamCalls.get(source.name) ?? 0;
            return result;
          },
          { maxUpstreamCalls: this.settings.maxUpstreamCalls, signal: this.stopping.signal },
        );
        const users: IndexedUser[] = page.edges.map((edge) => ({
          record: edge.node,
          rank: source.rank,
          position: (position += 1),
        }));
        await stageWalkPage(this.db, users, walk, observedAt);
        if (!page.hasNextPage || page.edges.length === 0) break;
        after = page.edges[page.edges.length - 1].cursor;
      }
      const applied = await this.db.transaction(async (tx) => {
        // Another walk began since (this replica lost its lock): that walk decides, this one is dropped.
        if (!(await isLatestWalk(tx, source.name, walk))) {
          await discardWalk(tx, source.name, walk);
          return null;
        }
        const [before] = await tx.query<{ users: unknown; completed: boolean }>(
          'SELECT users, completed FROM directory_sources WHERE source = $1',
          [source.name],
        );
        const users = await applyWalk(tx, source.name, walk);
        await tx.query(
          `UPDATE directory_sources SET state = 'READY', completed = true, users = $2, failures = 0,
             last_synced_at = now(), last_error = NULL,
             next_sync_at = now() + make_interval(secs => $3)
           WHERE source = $1`,
          [source.name, users, source.intervalMs / 1000],
        );
        return { users, before: before?.completed ? Number(before.users) : null };
      });
      if (applied === null) {
        this.logger.warn(
          { source: source.name, walk },
          'directory walk superseded by a later walk (this replica lost its lock); not applied',
        );
        return { walked: false, reason: 'superseded' };
      }
      // The walk's duration: reading and applying it (the statistics and people matching follow it).
      this.metrics?.directoryWalkDuration.observe(
        { provider: source.provider, source: source.name },
        (performance.now() - began) / 1000,
      );
      const count = applied.users;
      await this.refreshStatistics(applied.before, count);
      await this.catchUp();
      this.logger.info(
        { source: source.name, users: count, upstreamCalls: calls },
        'directory walk complete',
      );
      return { walked: true, users: count, calls };
    } catch (error) {
      await discardWalk(this.db, source.name, walk).catch(() => undefined);
      // Stopped (the server shutting down): not a failure of the source. A failure of a superseded walk
      // is recorded nowhere: the walk that took over owns the source's state.
      if (this.stopped) return { walked: false, reason: 'stopped' };
      const failure = describeFailure(error);
      await this.db
        .query(
          `UPDATE directory_sources SET state = CASE WHEN completed THEN 'STALE' ELSE 'FAILED' END,
             failures = failures + 1, last_error = $2,
             next_sync_at = now() + make_interval(secs => LEAST($3::float8, $4::float8 * power(2, failures)))
           WHERE source = $1 AND walks = $5`,
          [source.name, failure, source.intervalMs / 1000, this.settings.retryBaseMs / 1000, walk],
        )
        .catch(() => undefined);
      this.logger.warn(
        { source: source.name, err: failure },
        'directory walk failed; the index is unchanged',
      );
      return { walked: false, reason: 'failed', error: failure };
    }
  }
}
