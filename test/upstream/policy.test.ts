import { describe, expect, it } from '@jest/globals';
import { UpstreamError } from '../../src/errors.js';
import { CircuitBreaker, Semaphore, UpstreamPolicy } from '../../src/upstream/policy.js';
import { retryAfterSeconds } from '../../src/upstream/retryAfter.js';

const settings = {
  retries: 2,
  backoffMs: 100,
  maxBackoffMs: 5000,
  concurrency: 2,
  breakerThreshold: 3,
  breakerCooldownMs: 1000,
};
const error = (code: UpstreamError['details']['code'], status?: number) =>
  new UpstreamError({ provider: 'ADA', code, status, message: 'x' });

describe('retry rules', () => {
  it.each([
    ['UPSTREAM_RATE_LIMITED', 429, true],
    ['UPSTREAM_TIMEOUT', undefined, true],
    ['UPSTREAM_UNAVAILABLE', undefined, true],
    ['UPSTREAM_UNAVAILABLE', 502, true],
    ['UPSTREAM_UNAVAILABLE', 503, true],
    ['UPSTREAM_TIMEOUT', 504, true],
    ['UPSTREAM_UNAVAILABLE', 500, false],
    ['UPSTREAM_UNAUTHORIZED', 401, false],
    ['UPSTREAM_NOT_FOUND', 404, false],
    ['UPSTREAM_BAD_RESPONSE', 200, false],
  ] as const)('%s with status %s is retryable: %s', (code, status, expected) => {
    expect(UpstreamPolicy.retryable(error(code, status))).toBe(expected);
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = new UpstreamPolicy(settings);
    expect([0, 1, 2, 10].map((retry) => policy.delayMs(retry, undefined, () => 0.999))).toEqual([
      99, 199, 399, 4995,
    ]);
    expect(policy.delayMs(3, undefined, () => 0)).toBe(0);
  });

  it("honours the provider's Retry-After, and refuses to retry early when it asks for longer than the cap", () => {
    const policy = new UpstreamPolicy(settings);
    expect(policy.delayMs(0, 2)).toBe(2000);
    expect(policy.delayMs(0, 60)).toBeNull();
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds, HTTP dates and rate-limit reset headers in either spelling', () => {
    expect(retryAfterSeconds({ 'retry-after': '7' }, now)).toBe(7);
    expect(retryAfterSeconds({ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, now)).toBe(30);
    expect(retryAfterSeconds({ 'x-rate-limit-reset': String(now / 1000 + 12) }, now)).toBe(12);
    expect(retryAfterSeconds({ 'x-ratelimit-reset': String(now / 1000 + 5) }, now)).toBe(5);
    expect(retryAfterSeconds({}, now)).toBeUndefined();
    expect(retryAfterSeconds({ 'retry-after': 'soon' }, now)).toBeUndefined();
  });
});

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, fails fast, half-opens after the cool-down for one probe, and closes on success', () => {
    let now = 0;
    const states: string[] = [];
    const breaker = new CircuitBreaker(
      3,
      1000,
      (s) => states.push(s),
      () => now,
    );
    const call = (verdict: 'success' | 'failure') => {
      const permit = breaker.admit();
      expect(permit).not.toBeNull();
      permit![verdict]();
      permit!.release();
    };
    call('failure');
    call('failure');
    call('success');
    call('failure');
    call('failure');
    expect(breaker.state).toBe('CLOSED');
    call('failure');
    expect(breaker.state).toBe('OPEN');
    expect(breaker.admit()).toBeNull();
    expect(breaker.retryAfterSeconds()).toBe(1);
    now = 1000;
    expect(breaker.state).toBe('HALF_OPEN');
    const probe = breaker.admit();
    expect(probe).not.toBeNull();
    expect(breaker.admit()).toBeNull();
    probe!.failure();
    expect(breaker.state).toBe('OPEN');
    now = 2000;
    const second = breaker.admit();
    expect(second).not.toBeNull();
    second!.success();
    expect(breaker.state).toBe('CLOSED');
    expect(states).toEqual(['OPEN', 'HALF_OPEN', 'OPEN', 'HALF_OPEN', 'CLOSED']);
  });
});

describe('CircuitBreaker permits', () => {
  it('frees the half-open probe slot when the probe ends without a verdict, and only once', () => {
    let now = 0;
    const breaker = new CircuitBreaker(
      1,
      1000,
      () => {},
      () => now,
    );
    breaker.admit()!.failure();
    now = 1000;
    const probe = breaker.admit()!;
    expect(breaker.probeInFlight).toBe(true);
    expect(breaker.admit()).toBeNull();
    probe.release();
    expect(breaker.probeInFlight).toBe(false);
    expect(breaker.state).toBe('HALF_OPEN');
    const next = breaker.admit()!;
    // A late verdict of the released permit changes nothing: only `next` is the probe now.
    probe.failure();
    expect(breaker.state).toBe('HALF_OPEN');
    expect(breaker.admit()).toBeNull();
    next.success();
    next.release();
    expect(breaker.state).toBe('CLOSED');
  });

  it('keeps the probe slot when a call admitted while closed ends without a verdict', () => {
    let now = 0;
    const breaker = new CircuitBreaker(
      1,
      1000,
      () => {},
      () => now,
    );
    const early = breaker.admit()!; // admitted while CLOSED, still in flight
    breaker.admit()!.failure();
    now = 1000;
    const probe = breaker.admit()!;
    early.release(); // must not free the probe's slot
    expect(breaker.admit()).toBeNull();
    probe.success();
    expect(breaker.state).toBe('CLOSED');
  });
});

describe('Semaphore', () => {
  it('admits up to its limit and hands slots over in order', async () => {
    const semaphore = new Semaphore(2);
    await semaphore.acquire();
    await semaphore.acquire();
    const order: number[] = [];
    const third = semaphore.acquire().then(() => order.push(3));
    const fourth = semaphore.acquire().then(() => order.push(4));
    expect(semaphore.inFlight).toBe(2);
    semaphore.release();
    await third;
    semaphore.release();
    await fourth;
    expect(order).toEqual([3, 4]);
  });

  it('gives up waiting when the operation is aborted', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    semaphore.release();
    expect(semaphore.inFlight).toBe(0);
  });
});
