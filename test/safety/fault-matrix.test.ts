/**
 * The fault matrix (issue 8): every provider × every upstream fault, over real HTTP against the real
 * emulators. For each case:
 * 1. the provider's own connection answers with the expected code (`extensions.code`, `.provider`) after
 *    the expected number of upstream attempts, read from the emulator's call log;
 * 2. `users` still answers every other provider's users, exactly, plus one error at `path: ["users"]`
 *    naming the failing provider (and `hasNextPage`, so the next page retries it);
 * 3. once the fault is cleared, the server is healthy: `GET /health` is 200 and a normal query succeeds.
 *
 * Settings: 2 retries (3 attempts), a 5 ms backoff step, at most 1000 ms between attempts (so a
 * Retry-After above 1 s is not retried), a 1 s upstream timeout (a normal answer on a busy machine stays
 * well inside it; the slow faults hold theirs 2.5 s), and a breaker threshold no case reaches. Each provider gets its own harness (rollcall + all five emulators); the providers' cases run
 * concurrently, each provider's one at a time.
 *
 * | fault                                              | code                  | attempts |
 * | -------------------------------------------------- | --------------------- | -------- |
 * | HTTP 401                                           | UPSTREAM_UNAUTHORIZED | 1        |
 * | HTTP 403                                           | UPSTREAM_FORBIDDEN    | 1        |
 * | HTTP 404                                           | UPSTREAM_NOT_FOUND    | 1        |
 * | HTTP 429 without Retry-After                       | UPSTREAM_RATE_LIMITED | 3        |
 * | HTTP 429, Retry-After: 1 (≤ max backoff)           | UPSTREAM_RATE_LIMITED | 3 (1 s apart), retryAfter 1 |
 * | HTTP 429, Retry-After: 120 (> max backoff)         | UPSTREAM_RATE_LIMITED | 1, retryAfter 120 |
 * | HTTP 429, Retry-After: an HTTP date 2 min ahead    | UPSTREAM_RATE_LIMITED | 1, retryAfter ≈ 120 |
 * | HTTP 500                                           | UPSTREAM_UNAVAILABLE  | 1        |
 * | HTTP 502                                           | UPSTREAM_UNAVAILABLE  | 3        |
 * | HTTP 503                                           | UPSTREAM_UNAVAILABLE  | 3        |
 * | timeout (no answer for 700 ms)                     | UPSTREAM_TIMEOUT      | 3        |
 * | connection reset (socket destroyed, no answer)     | UPSTREAM_UNAVAILABLE  | 3        |
 * | HTTP 200, malformed JSON                           | UPSTREAM_BAD_RESPONSE | 1        |
 * | HTTP 200, valid JSON of the wrong shape            | UPSTREAM_BAD_RESPONSE | 1        |
 * | slow body (first byte, the rest 700 ms later)      | UPSTREAM_TIMEOUT      | 3        |
 * | Voximplant: HTTP 200 `{error: {code: 100}}` (auth) | UPSTREAM_UNAUTHORIZED | 1        |
 * | Voximplant: HTTP 200 `{error: {code: 340}}` (rate) | UPSTREAM_RATE_LIMITED | 3        |
 * | 2Chat: HTTP 402 (trial expired / no credits)       | UPSTREAM_FORBIDDEN    | 1        |
 * | 2Chat: HTTP 200 `{success: false, error: true}`    | UPSTREAM_UNAVAILABLE  | 1        |
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ProviderId } from '../../src/providers/core/record.js';
import { PROVIDER_IDS, PROVIDERS } from '../../src/providers/registry.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FAULT_CASES as CASES, type FaultCase as Case } from '../support/faults.js';
import { CONNECTION, http, serial, settle } from '../support/safety.js';

const ENV = {
  ROLLCALL_RETRIES: '2',
  ROLLCALL_RETRY_BACKOFF_MS: '5',
  ROLLCALL_RETRY_MAX_BACKOFF_MS: '1000',
  ROLLCALL_UPSTREAM_TIMEOUT_MS: '1000',
  ROLLCALL_OPERATION_TIMEOUT_MS: '10000',
  ROLLCALL_BREAKER_THRESHOLD: '1000',
  ROLLCALL_MAX_PAGE_SIZE: '1000',
  ROLLCALL_MAX_COST: '100000',
};

// ---------------------------------------------------------------------------------------------
// One harness per failing provider, started on first use, with the healthy directory as a baseline.
// ---------------------------------------------------------------------------------------------

interface Setup {
  h: Harness;
  /** Every user id of every provider, in `users` order, when nothing fails. */
  baseline: { id: string; provider: ProviderId }[];
  run: <T>(fn: () => Promise<T>) => Promise<T>;
}

const USERS = '{ users(first: 1000) { edges { node { id provider } } pageInfo { hasNextPage } } }';
type UsersData = {
  users: { edges: { node: { id: string; provider: ProviderId } }[]; pageInfo: { hasNextPage: boolean } };
};

const setups = new Map<ProviderId, Promise<Setup>>();
function setup(provider: ProviderId): Promise<Setup> {
  let started = setups.get(provider);
  if (!started) {
    started = (async () => {
      const h = await startHarness({ env: ENV });
      const { data, errors } = await h.query<UsersData>(USERS);
      expect(errors).toBeUndefined();
      expect(data!.users.pageInfo.hasNextPage).toBe(false);
      const baseline = data!.users.edges.map((e) => e.node);
      for (const id of PROVIDER_IDS) expect(baseline.some((u) => u.provider === id)).toBe(true);
      h.reset();
      return { h, baseline, run: serial() };
    })();
    setups.set(provider, started);
  }
  return started;
}
afterAll(async () => {
  await Promise.all([...setups.values()].map(async (s) => (await s).h.stop()));
});

async function check(provider: ProviderId, c: Case): Promise<void> {
  const { h, baseline, run } = await setup(provider);
  await run(async () => {
    const failing = h.emulator(provider);
    const others = PROVIDER_IDS.filter((p) => p !== provider).map((p) => h.emulator(p));
    h.reset();
    failing.injectFault(c.fault(failing));
    const field = CONNECTION[provider];

    // 1. The provider's own connection: the code, the provider, and the attempts.
    const own = await h.query(`{ ${field}(first: 5) { edges { node { id } } } }`);
    expect(own.status).toBe(200);
    expect(own.data).toEqual({ [field]: null });
    expect(own.errors).toHaveLength(1);
    const error = own.errors![0];
    expect(error).toMatchObject({ path: [field], extensions: { code: c.code, provider } });
    for (const [key, value] of Object.entries(c.extensions ?? {}))
      expect(error.extensions?.[key]).toEqual(value);
    c.retryAfter?.(error.extensions?.retryAfter);
    await settle(failing);
    expect(failing.calls).toHaveLength(c.attempts);
    if (c.gapMs !== undefined)
      for (let i = 1; i < failing.calls.length; i += 1)
        expect(failing.calls[i].at - failing.calls[i - 1].at).toBeGreaterThanOrEqual(c.gapMs);
    for (const other of others) expect(other.calls).toHaveLength(0);

    // 2. `users`: every other provider's users, exactly, and one error naming the failing provider.
    failing.resetCalls();
    const users = await h.query<UsersData>(USERS);
    expect(users.data!.users.edges.map((e) => e.node)).toEqual(
      baseline.filter((u) => u.provider !== provider),
    );
    expect(users.data!.users.pageInfo.hasNextPage).toBe(true);
    expect(users.errors).toEqual([
      expect.objectContaining({
        path: ['users'],
        extensions: expect.objectContaining({ code: c.code, provider }),
      }),
    ]);

    // 3. Healthy afterwards.
    failing.clearFaults();
    await settle(failing);
    const health = await http(`${h.url}/health`);
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: 'ok' });
    const again = await h.query<Record<string, { edges: unknown[] }>>(
      `{ ${field}(first: 5) { edges { node { id } } } providers { provider circuit } }`,
    );
    expect(again.errors).toBeUndefined();
    expect(again.data![field].edges).toHaveLength(5);
    expect(again.data!.providers).toContainEqual({ provider, circuit: 'CLOSED' });
  });
}

// Fault-major order: the first cases to run concurrently are five different providers.
const MATRIX = CASES.flatMap((c) =>
  PROVIDER_IDS.filter((p) => !c.only || c.only === p).map((provider) => ({ provider, c })),
);

describe('fault matrix', () => {
  it.concurrent.each(MATRIX.map(({ provider, c }) => [provider, c.name, c.code, c.attempts, c] as const))(
    '%s × %s → %s after %i attempt(s)',
    async (provider, _name, _code, _attempts, c) => {
      await check(provider, c);
    },
  );

  it('counts the retries in /metrics and leaves every breaker closed', async () => {
    for (const provider of PROVIDER_IDS) {
      const { h } = await setup(provider);
      const text = await (await fetch(`${h.url}/metrics`)).text();
      // The provider's one source, named after it (configured by its variables).
      const source = PROVIDERS.find((definition) => definition.id === provider)?.source.key;
      for (const code of ['UPSTREAM_RATE_LIMITED', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT'])
        expect(text).toMatch(
          new RegExp(
            `^rollcall_upstream_retries_total\\{provider="${provider}",source="${source}",code="${code}"\\} [1-9]`,
            'm',
          ),
        );
      expect(text).toContain(`rollcall_circuit_state{provider="${provider}",source="${source}"} 0`);
    }
  });
});

describe('with the response cache on', () => {
  it('does not keep a 200 answer its provider could not read: the next operation asks again', async () => {
    const h = await startHarness({ env: { ...ENV, ROLLCALL_CACHE_TTL_SECONDS: '30' } });
    try {
      for (const provider of PROVIDER_IDS) {
        const field = CONNECTION[provider];
        const query = `{ ${field}(first: 5) { edges { node { id } } } }`;
        const emulator = h.emulator(provider);
        emulator.injectFault({ status: 200, body: { unexpected: [1, 2, 3] }, times: 1 });
        const bad = await h.query(query);
        expect(bad.errors?.[0].extensions).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', provider });
        const good = await h.query<Record<string, { edges: unknown[] }>>(query);
        expect(good.errors).toBeUndefined();
        expect(good.data![field].edges).toHaveLength(5);
        expect(emulator.calls).toHaveLength(2);
        // …and the good answer is cached as usual.
        expect((await h.query(query)).errors).toBeUndefined();
        expect(emulator.calls).toHaveLength(2);
      }
    } finally {
      await h.stop();
    }
  });
});
