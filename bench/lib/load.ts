/**
 * One measurement: autocannon against one target for a fixed time, after a discarded warm-up run.
 *
 * Latency percentiles come from every response's own time (autocannon's `response` event, float ms),
 * not from autocannon's histogram, whose whole-millisecond buckets are too coarse for a +2 ms target.
 * Throughput is completed responses over the measured duration.
 */
import autocannon from 'autocannon';

export interface LoadTarget {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** When set, every response must equal it byte for byte (else it counts as a mismatch). */
  expectBody?: string;
}

export interface LoadOptions {
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

export interface LoadStats {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  /** Connection errors, timeouts, non-2xx answers and body mismatches. */
  errors: number;
}

export function graphqlTarget(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  expectBody?: string,
  headers: Record<string, string> = {},
): LoadTarget {
  return {
    url: `${url}/graphql`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(variables ? { query, variables } : { query }),
    expectBody,
  };
}

async function run(target: LoadTarget, seconds: number, connections: number, latencies?: number[]) {
  const instance = autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    body: target.body,
    connections,
    duration: seconds,
    timeout: 20,
    expectBody: target.expectBody,
  });
  if (latencies) {
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
    });
  }
  return await instance;
}

export async function measure(
  target: LoadTarget,
  options: LoadOptions,
  hooks: { beforeMeasured?: () => Promise<void> } = {},
): Promise<LoadStats> {
  if (options.warmupSeconds > 0) await run(target, options.warmupSeconds, options.connections);
  await hooks.beforeMeasured?.();
  const latencies: number[] = [];
  const result = await run(target, options.seconds, options.connections, latencies);
  const seconds = result.duration > 0 ? result.duration : options.seconds;
  return latencyStats(latencies, seconds, result.errors + result.non2xx + result.mismatches);
}

/** Stats of `latencies` (ms, any order) measured over `seconds`. */
export function latencyStats(latencies: readonly number[], seconds: number, errors: number): LoadStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : NaN);
  return {
    requests: sorted.length,
    seconds,
    rps: seconds > 0 ? sorted.length / seconds : 0,
    p50: at(0.5),
    p99: at(0.99),
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    errors,
  };
}

/**
 * Like `measure`, for a request autocannon cannot send: `connections` workers each run `send` in a loop
 * (the next as soon as the last finished), for the warm-up then the measured seconds. Each call's time is
 * a latency sample; a call that throws counts as an error.
 */
export async function measureLoop(
  send: () => Promise<void>,
  options: LoadOptions,
  hooks: { beforeMeasured?: () => Promise<void> } = {},
): Promise<LoadStats> {
  const loop = async (seconds: number, latencies?: number[]) => {
    const until = performance.now() + seconds * 1000;
    let errors = 0;
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (performance.now() < until) {
          const started = performance.now();
          try {
            await send();
            latencies?.push(performance.now() - started);
          } catch {
            errors += 1;
          }
        }
      }),
    );
    return errors;
  };
  if (options.warmupSeconds > 0) await loop(options.warmupSeconds);
  await hooks.beforeMeasured?.();
  const latencies: number[] = [];
  const started = performance.now();
  const errors = await loop(options.seconds, latencies);
  return latencyStats(latencies, (performance.now() - started) / 1000, errors);
}
