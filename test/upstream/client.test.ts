/**
 * The upstream client's circuit breaker against a real emulator, on a fake clock (issue 13, finding 7):
 * a half-open probe that is admitted but never reaches the provider (its operation's deadline had
 * already passed) must give its slot back, or the circuit stays half-open and fails every later call
 * fast, forever, with zero upstream calls.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, UpstreamError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { detectTwilioError } from '../../src/providers/twilio/client.js';
import { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { validateTwilioList } from '../../src/providers/twilio/wire.js';
import { UpstreamClient } from '../../src/upstream/client.js';
import { UpstreamPolicy } from '../../src/upstream/policy.js';
import { withOperationDeadline } from '../../src/upstream/scope.js';

let emulator: TwilioEmulator;
beforeAll(async () => {
  emulator = new TwilioEmulator();
  await emulator.start();
});
afterAll(() => emulator.stop());

const COOLDOWN_MS = 30_000;

function client(now: () => number) {
  const policy = new UpstreamPolicy(
    {
      retries: 0,
      backoffMs: 0,
      maxBackoffMs: 0,
      concurrency: 4,
      breakerThreshold: 1,
      breakerCooldownMs: COOLDOWN_MS,
    },
    undefined,
    now,
  );
  const env = emulator.demoEnv();
  const authorization = `Basic ${Buffer.from(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
  const upstream = new UpstreamClient({
    provider: 'TWILIO_CONVERSATIONS',
    source: 'twilio',
    baseUrl: emulator.baseUrl,
    headers: () => ({ authorization }),
    timeoutMs: 2000,
    policy,
    metrics: new Metrics(),
    logger: createLogger('silent'),
    detectError: detectTwilioError,
  });
  return { policy, upstream };
}

const read = (upstream: UpstreamClient) =>
  upstream.request({ path: 'v1/Users', searchParams: { PageSize: 1 }, schema: validateTwilioList });

/** `upstream` bound to an operation whose deadline has already passed (its signal is aborted). */
function afterDeadline(upstream: UpstreamClient): UpstreamClient {
  const controller = new AbortController();
  controller.abort(new Error('operation deadline passed'));
  return upstream.forOperation({
    signal: controller.signal,
    deadline: Date.now() - 1,
    upstreamCalls: new Map(),
  });
}

describe('circuit breaker probes', () => {
  it('a half-open probe whose operation deadline already passed frees its slot; the next call probes and closes', async () => {
    let now = 1_000_000;
    const { policy, upstream } = client(() => now);
    emulator.reset();

    // One failure opens the circuit (threshold 1).
    emulator.injectFault({ status: 503, body: { code: 20503, message: 'down', status: 503 }, times: 1 });
    await expect(
      withOperationDeadline(5000, (operation) => read(upstream.forOperation(operation))),
    ).rejects.toMatchObject({
      details: { code: ErrorCode.UPSTREAM_UNAVAILABLE },
    });
    expect(policy.breaker.state).toBe('OPEN');
    await expect(
      withOperationDeadline(5000, (operation) => read(upstream.forOperation(operation))),
    ).rejects.toThrow(/circuit open/);
    expect(emulator.calls).toHaveLength(1);

    // The cool-down ends; the first call admitted as the probe belongs to an operation already past its
    // deadline: it fails with UPSTREAM_TIMEOUT without reaching the provider...
    now += COOLDOWN_MS;
    expect(policy.breaker.state).toBe('HALF_OPEN');
    const late = await read(afterDeadline(upstream)).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(UpstreamError);
    expect((late as UpstreamError).details.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(emulator.calls).toHaveLength(1);
    // ...and gives the probe slot back.
    expect(policy.breaker.probeInFlight).toBe(false);

    // Hours later (fake clock), a call goes upstream as the probe, succeeds, and closes the circuit.
    now += 5 * 3600_000;
    const response = await withOperationDeadline(5000, (operation) => read(upstream.forOperation(operation)));
    expect(response.status).toBe(200);
    expect(emulator.calls).toHaveLength(2);
    expect(policy.breaker.state).toBe('CLOSED');
  });

  it('a probe that ends without a verdict on health (a 404) frees its slot too', async () => {
    let now = 2_000_000;
    const { policy, upstream } = client(() => now);
    emulator.reset();
    emulator.injectFault({ status: 503, body: { code: 20503, message: 'down', status: 503 }, times: 1 });
    await expect(
      withOperationDeadline(5000, (operation) => read(upstream.forOperation(operation))),
    ).rejects.toBeInstanceOf(UpstreamError);
    now += COOLDOWN_MS;
    emulator.injectFault({ status: 404, body: { code: 20404, message: 'nope', status: 404 }, times: 1 });
    await expect(
      withOperationDeadline(5000, (operation) => read(upstream.forOperation(operation))),
    ).rejects.toMatchObject({
      details: { code: ErrorCode.UPSTREAM_NOT_FOUND },
    });
    expect(policy.breaker.state).toBe('HALF_OPEN');
    expect(policy.breaker.probeInFlight).toBe(false);
    await withOperationDeadline(5000, (operation) => read(upstream.forOperation(operation)));
    expect(policy.breaker.state).toBe('CLOSED');
  });
});
