/**
 * The operation scope: the deadline and abort signal of the GraphQL operation an upstream call belongs
 * to. The server enters it around each operation; the upstream layer reads it wherever the call is made
 * (DataLoader batches included, since AsyncLocalStorage follows the promise and tick chain).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';

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
}

/** Records that the operation used an upstream response that stays fresh for `ms` more. */
export function recordFreshness(ms: number): void {
  const scope = operationScope.getStore();
  if (scope) scope.freshnessMs = Math.min(scope.freshnessMs ?? Number.POSITIVE_INFINITY, Math.max(0, ms));
}

export const operationScope = new AsyncLocalStorage<OperationScope>();

/** Runs `fn` within a scope whose signal aborts after `timeoutMs`. */
export async function withOperationDeadline<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // Every upstream call in flight listens on this signal (and stops listening when it settles), so an
  // operation with more than 10 concurrent calls is normal, not a leak: no MaxListenersExceededWarning.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new Error('operation deadline passed')), timeoutMs);
  timer.unref();
  try {
    return await operationScope.run({ signal: controller.signal, deadline: Date.now() + timeoutMs }, fn);
  } finally {
    clearTimeout(timer);
  }
}
