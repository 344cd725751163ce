/**
 * The operation scope: the deadline, abort signal and upstream budget of the GraphQL operation an
 * upstream call belongs to. The server creates it around each operation and hands it on explicitly: the
 * request context holds it, each provider session gets an upstream client bound to it
 * (`UpstreamClient.forOperation`), and the cache-hint plugin reads the freshness it collected.
 */
import { setMaxListeners } from 'node:events';
import { OperationLimitError } from '../errors.js';

export interface OperationScope {
  /** Aborted when the operation deadline passes: pending upstream calls are cancelled. */
  signal: AbortSignal;
  /** Epoch ms after which no new attempt or retry starts. */
  deadline: number;
  /**
   * The shortest freshness (ms) of the upstream responses this operation used, for its Cache-Control;
   * undefined while it used none.
   */
  freshnessMs?: number;
  /** Upstream reads each source (account) may serve this operation (list pages and lookups alike). */
  maxUpstreamCalls?: number;
  /** Upstream reads made so far, per source name (cache hits included). */
  upstreamCalls: Map<string, number>;
  /** Reads the upstream cache answered, per source name. */
  cacheHits?: Map<string, number>;
  /** Read upstream even when the cache has an answer (a provider event said the data changed). */
  fresh?: boolean;
}

/** A source as the scope counts it: its provider and its name. */
interface ScopeSource {
  provider: string;
  source: string;
}

/** Records that the cache answered a read of `source` (for the access log). */
export function recordCacheHit(scope: OperationScope, { source }: ScopeSource): void {
  scope.cacheHits ??= new Map();
  scope.cacheHits.set(source, (scope.cacheHits.get(source) ?? 0) + 1);
}

/**
 * Spends one upstream read of `source` from the operation's budget, or throws OPERATION_LIMIT_EXCEEDED
 * when it is spent: every walk (a `last` without `before` over a provider that cannot jump to the end, a
 * batch of lookups) stops there instead of reading a whole account. Each source (account) has its own
 * budget: they are separate rate limits upstream.
 */
export function spendUpstreamCall(scope: OperationScope, { provider, source }: ScopeSource): void {
  if (scope.maxUpstreamCalls === undefined) return;
  const spent = scope.upstreamCalls.get(source) ?? 0;
  if (spent >= scope.maxUpstreamCalls) {
    throw new OperationLimitError(
      `${provider} (${source}): this operation reached its budget of ${scope.maxUpstreamCalls} upstream calls to the source (ROLLCALL_MAX_UPSTREAM_CALLS). Ask for less in one operation: page forward with "first"/"after" from a cursor instead of "last" without "before", use smaller windows, or fewer ids.`,
      { limit: 'upstreamCalls', maximum: scope.maxUpstreamCalls, provider, source },
    );
  }
  scope.upstreamCalls.set(source, spent + 1);
}

/** Records that the operation used an upstream response that stays fresh for `ms` more. */
export function recordFreshness(scope: OperationScope, ms: number): void {
  scope.freshnessMs = Math.min(scope.freshnessMs ?? Number.POSITIVE_INFINITY, Math.max(0, ms));
}

/** Runs `fn` within a scope whose signal aborts after `timeoutMs`, with an optional upstream budget. */
export async function withOperationDeadline<T>(
  timeoutMs: number,
  fn: (scope: OperationScope) => Promise<T>,
  options: { maxUpstreamCalls?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const controller = new AbortController();
  // Every upstream call in flight listens on this signal (and stops listening when it settles), so an
  // operation with more than 10 concurrent calls is normal, not a leak: no MaxListenersExceededWarning.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new Error('operation deadline passed')), timeoutMs);
  timer.unref();
  // An outer signal (a server stopping) ends the operation too.
  const stop = () => controller.abort(new Error('stopping'));
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const scope: OperationScope = {
      signal: controller.signal,
      deadline: Date.now() + timeoutMs,
      maxUpstreamCalls: options.maxUpstreamCalls,
      upstreamCalls: new Map(),
    };
    return await fn(scope);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
  }
}
