/**
 * Per-provider protection around every upstream attempt: a concurrency limit, a circuit breaker, and the
 * retry rules (which failures, how long to wait). One `UpstreamPolicy` per provider per process, shared
 * by every request, so a failing provider is protected across requests.
 */
import { ErrorCode, UpstreamError } from '../errors.js';

export type CircuitState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface PolicySettings {
  /** Retries after the first attempt (reads only). */
  retries: number;
  /** First backoff step in ms; doubles each retry, with full jitter. */
  backoffMs: number;
  /** Longest single wait between attempts, in ms (also caps a provider's Retry-After). */
  maxBackoffMs: number;
  /** Upstream calls in flight per provider. */
  concurrency: number;
  /** Consecutive failures that open the circuit. */
  breakerThreshold: number;
  /** How long an open circuit fails fast before letting one probe through, in ms. */
  breakerCooldownMs: number;
}

/** A FIFO counting semaphore. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', abort, { once: true });
    });
    this.active += 1;
  }

  release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }

  get inFlight(): number {
    return this.active;
  }
}

/**
 * The right to make one upstream attempt, from `CircuitBreaker.admit()`. Exactly one of its verdicts
 * counts: `success()` or `failure()` once the provider answered, or `release()` for an attempt that ended
 * without a verdict on the provider's health (a 404, a cancelled call, or a call that never ran because
 * its operation's deadline had passed). Callers `release()` in a `finally`: after a verdict it does
 * nothing, and without one it frees the half-open probe slot, so an admitted probe that never reaches
 * the provider cannot leave the circuit half-open and failing fast forever.
 */
export interface BreakerPermit {
  success(): void;
  failure(): void;
  release(): void;
}

/**
 * Closed → (threshold consecutive failures) → open: calls fail fast with UPSTREAM_UNAVAILABLE and a
 * `retryAfter` → (cooldown) → half-open: one probe goes through; success closes, failure re-opens, and a
 * probe without a verdict lets the next call be the probe.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: CircuitState = 'CLOSED';

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly onChange: (state: CircuitState) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.current === 'OPEN' && this.now() - this.openedAt >= this.cooldownMs)
      this.transition('HALF_OPEN');
    return this.current;
  }

  /** Seconds until an open circuit lets a probe through. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.cooldownMs - (this.now() - this.openedAt)) / 1000));
  }

  /** A permit for one attempt, or null while the circuit fails fast; half-open admits one probe at a time. */
  admit(): BreakerPermit | null {
    const state = this.state;
    if (state === 'OPEN') return null;
    if (state === 'HALF_OPEN') {
      if (this.probing) return null;
      this.probing = true;
    }
    const probe = state === 'HALF_OPEN';
    let settled = false;
    const settle = (verdict: () => void) => {
      if (settled) return;
      settled = true;
      if (probe) this.probing = false;
      verdict();
    };
    return {
      success: () => settle(() => this.succeeded()),
      failure: () => settle(() => this.failed()),
      release: () => settle(() => {}),
    };
  }

  /** Whether a half-open circuit's probe is out (tests). */
  get probeInFlight(): boolean {
    return this.probing;
  }

  private succeeded(): void {
    this.failures = 0;
    if (this.current !== 'CLOSED') this.transition('CLOSED');
  }

  private failed(): void {
    this.failures += 1;
    if (this.current === 'HALF_OPEN' || (this.current === 'CLOSED' && this.failures >= this.threshold)) {
      this.openedAt = this.now();
      this.transition('OPEN');
    }
  }

  private transition(state: CircuitState): void {
    this.current = state;
    this.onChange(state);
  }
}

export class UpstreamPolicy {
  readonly limiter: Semaphore;
  readonly breaker: CircuitBreaker;
  constructor(
    readonly settings: PolicySettings,
    onCircuitChange?: (state: CircuitState) => void,
    /** The breaker's clock, in ms (tests move it). */
    now: () => number = Date.now,
  ) {
    this.limiter = new Semaphore(settings.concurrency);
    this.breaker = new CircuitBreaker(
      settings.breakerThreshold,
      settings.breakerCooldownMs,
      onCircuitChange,
      now,
    );
  }

  /** Rate limits, timeouts, connection failures and 502/503/504 are worth another attempt; nothing else. */
  static retryable(error: UpstreamError): boolean {
    const { code, status } = error.details;
    if (code === ErrorCode.UPSTREAM_RATE_LIMITED || code === ErrorCode.UPSTREAM_TIMEOUT) return true;
    if (code !== ErrorCode.UPSTREAM_UNAVAILABLE) return false;
    return status === undefined || status === 502 || status === 503 || status === 504;
  }

  /** Whether a failure says the provider is unhealthy (what the breaker counts). */
  static unhealthy(error: UpstreamError): boolean {
    const { code } = error.details;
    return code === ErrorCode.UPSTREAM_UNAVAILABLE || code === ErrorCode.UPSTREAM_TIMEOUT;
  }

  /**
   * Wait before retry number `retry` (0-based): the provider's Retry-After, else exponential backoff with
   * full jitter. Null when the provider asks for a longer wait than `maxBackoffMs`: then we do not retry
   * early against its word, and the error carries its `retryAfter` to the client.
   */
  delayMs(
    retry: number,
    retryAfterSeconds: number | undefined,
    random: () => number = Math.random,
  ): number | null {
    if (retryAfterSeconds !== undefined) {
      const wait = retryAfterSeconds * 1000;
      return wait > this.settings.maxBackoffMs ? null : wait;
    }
    const ceiling = Math.min(this.settings.maxBackoffMs, this.settings.backoffMs * 2 ** retry);
    return Math.floor(random() * ceiling);
  }

  /** The error a call gets while the circuit is open. */
  openCircuitError(provider: string, source?: string): UpstreamError {
    return new UpstreamError({
      provider,
      ...(source === undefined ? {} : { source }),
      code: ErrorCode.UPSTREAM_UNAVAILABLE,
      message: 'circuit open after repeated failures; failing fast',
      retryAfter: this.breaker.retryAfterSeconds(),
    });
  }
}
