/** Retries, Retry-After, the breaker, the concurrency limit and the operation deadline, over real HTTP. */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { twilioProvider } from '../../src/providers/twilio/index.js';
import { startHarness, type Harness } from '../support/harness.js';
import { inFlightReaches } from '../support/safety.js';

const PAGE = '{ twilioConversationUsers(first: 1) { edges { node { sid } } } }';
let h: Harness;
afterEach(() => h?.stop());
const twilio = () => h.emulator<TwilioEmulator>('TWILIO_CONVERSATIONS');
const metric = async (name: string) => {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(name));
};

describe('retries', () => {
  it('waits what Retry-After says before retrying a 429, and counts the retry in /metrics', async () => {
    h = await startHarness({ providers: [twilioProvider] });
    twilio().injectFault({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { code: 20429, message: 'Too many', status: 429 },
      times: 1,
    });
    const { errors } = await h.query(PAGE);
    expect(errors).toBeUndefined();
    const [first, second] = twilio().calls;
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
    expect(await metric('rollcall_upstream_retries_total')).toEqual([
      'rollcall_upstream_retries_total{provider="TWILIO_CONVERSATIONS",source="twilio",code="UPSTREAM_RATE_LIMITED"} 1',
    ]);
  });

  it('does not retry when Retry-After asks for longer than the backoff cap, and passes retryAfter on', async () => {
    h = await startHarness({ providers: [twilioProvider], env: { ROLLCALL_RETRY_MAX_BACKOFF_MS: '1000' } });
    twilio().injectFault({
      status: 429,
      headers: { 'retry-after': '120' },
      body: { code: 20429, message: 'x', status: 429 },
    });
    const { errors } = await h.query(PAGE);
    expect(errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfter: 120 });
    expect(twilio().calls).toHaveLength(1);
  });

  it('retries a timeout and never retries past the operation deadline', async () => {
    h = await startHarness({
      providers: [twilioProvider],
      env: {
        ROLLCALL_UPSTREAM_TIMEOUT_MS: '200',
        ROLLCALL_OPERATION_TIMEOUT_MS: '500',
        ROLLCALL_RETRY_BACKOFF_MS: '1',
      },
    });
    twilio().injectFault({ delayMs: 2000 });
    const started = Date.now();
    const { errors } = await h.query(PAGE);
    expect(errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      provider: 'TWILIO_CONVERSATIONS',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(twilio().calls.length).toBeLessThanOrEqual(3);
  });
});

describe('operation deadline', () => {
  it('cancels pending upstream work and answers with UPSTREAM_TIMEOUT when the deadline passes', async () => {
    h = await startHarness({ providers: [twilioProvider], env: { ROLLCALL_OPERATION_TIMEOUT_MS: '300' } });
    twilio().injectFault({ delayMs: 3000 });
    const started = Date.now();
    const { data, errors } = await h.query(
      '{ providers { provider } twilioConversationUsers(first: 1) { edges { cursor } } }',
    );
    expect(Date.now() - started).toBeLessThan(2000);
    // The failed field alone is null: `providers` keeps its data.
    expect(data).toEqual({ providers: expect.any(Array), twilioConversationUsers: null });
    expect(errors?.[0]).toMatchObject({
      message: expect.stringMatching(/deadline/),
      extensions: { code: 'UPSTREAM_TIMEOUT', provider: 'TWILIO_CONVERSATIONS' },
    });
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, fails fast without calling upstream, then probes and closes', async () => {
    h = await startHarness({
      providers: [twilioProvider],
      env: { ROLLCALL_BREAKER_THRESHOLD: '3', ROLLCALL_BREAKER_COOLDOWN_MS: '400', ROLLCALL_RETRIES: '0' },
    });
    twilio().injectFault({ status: 500, body: { code: 20500, message: 'x', status: 500 }, times: 3 });
    for (let i = 0; i < 3; i += 1)
      expect((await h.query(PAGE)).errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const status = await h.query<{ providers: { provider: string; circuit: string }[] }>(
      '{ providers { provider circuit } }',
    );
    expect(status.data!.providers.find((p) => p.provider === 'TWILIO_CONVERSATIONS')?.circuit).toBe('OPEN');
    expect(await metric('rollcall_circuit_state')).toContain(
      'rollcall_circuit_state{provider="TWILIO_CONVERSATIONS",source="twilio"} 2',
    );

    const fast = await h.query(PAGE);
    expect(fast.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/circuit open/),
      extensions: { code: 'UPSTREAM_UNAVAILABLE', retryAfter: 1 },
    });
    expect(twilio().calls).toHaveLength(3);

    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await h.query(PAGE)).errors).toBeUndefined();
    expect(twilio().calls).toHaveLength(4);
    expect(await metric('rollcall_circuit_state')).toContain(
      'rollcall_circuit_state{provider="TWILIO_CONVERSATIONS",source="twilio"} 0',
    );
    expect(await metric('rollcall_circuit_transitions_total')).toEqual([
      'rollcall_circuit_transitions_total{provider="TWILIO_CONVERSATIONS",source="twilio",state="OPEN"} 1',
      'rollcall_circuit_transitions_total{provider="TWILIO_CONVERSATIONS",source="twilio",state="HALF_OPEN"} 1',
      'rollcall_circuit_transitions_total{provider="TWILIO_CONVERSATIONS",source="twilio",state="CLOSED"} 1',
    ]);
  });
});

describe('concurrency limit', () => {
  it('keeps at most the configured number of calls in flight per provider, across requests', async () => {
    h = await startHarness({ providers: [twilioProvider], env: { ROLLCALL_PROVIDER_CONCURRENCY: '3' } });
    // Every call waits until the limit's worth is in flight: the overlap does not depend on timing.
    const release = twilio().hold();
    const identities = twilio()
      .users.slice(10, 22)
      .map((u) => u.wire.identity);
    const answers = Promise.all(
      identities.map((identity) => h.query(`{ twilioConversationUser(sid: "${identity}") { sid } }`)),
    );
    await inFlightReaches(twilio(), 3);
    // Time for a fourth to arrive were the limit broken (passing never depends on it).
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    const results = await answers;
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    expect(twilio().calls).toHaveLength(12);
    expect(twilio().maxInFlight).toBe(3);
  });
});
