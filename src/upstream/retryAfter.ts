/**
 * How long an upstream asked us to wait, in whole seconds, from the headers providers send:
 * `Retry-After` (seconds or an HTTP date) and the reset timestamps of `X-Rate-Limit-Reset` /
 * `X-RateLimit-Reset` (unix seconds). Undefined when none is present or parseable.
 */
export function retryAfterSeconds(
  headers: Record<string, string | string[] | undefined>,
  now: number = Date.now(),
): number | undefined {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    const trimmed = retryAfter.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  }
  const reset = header('x-rate-limit-reset') ?? header('x-ratelimit-reset');
  if (reset !== undefined && /^\d+$/.test(reset.trim())) {
    const value = Number(reset.trim());
    // Unix seconds when it looks like a timestamp, otherwise a delta in seconds.
    return value > 1_000_000_000 ? Math.max(0, Math.ceil(value - now / 1000)) : value;
  }
  return undefined;
}
