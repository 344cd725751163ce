/**
 * Hive Gateway's HMAC upstream signature (`@graphql-mesh/hmac-upstream-signature`), verified the way Hive
 * computes it: HMAC-SHA256 with the shared secret over the stable JSON (keys sorted) of `{query,
 * variables}`, base64, in `extensions["hmac-signature"]`. test/auth checks this against the output of
 * Hive's own package. It proves the request came from a holder of the secret; it does not stop a replay of
 * a captured request (no timestamp or nonce is signed), and it does not cover `extensions`, so claims Hive
 * forwards in `extensions.jwt` could be swapped by anyone holding one signed request: rollcall verifies the
 * forwarded token itself (Hive's `forward.token: true`). Keep the subgraph on a private network.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HMAC_EXTENSION = 'hmac-signature';

/** JSON with object keys sorted at every level (json-stable-stringify's output, which Hive uses). */
export function stableStringify(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return stableStringify((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map((item) => stableStringify(item) ?? 'null').join(',')}]`;
  const entries = Object.keys(value)
    .sort()
    .flatMap((key) => {
      const text = stableStringify((value as Record<string, unknown>)[key]);
      return text === undefined ? [] : [`${JSON.stringify(key)}:${text}`];
    });
  return `{${entries.join(',')}}`;
}

/** The signature of a request's parameters (Hive leaves out variables that are null, absent or `{}`). */
export function hmacSignature(secret: string, params: { query?: unknown; variables?: unknown }): string {
  const { variables } = params;
  const empty =
    variables === null ||
    variables === undefined ||
    (typeof variables === 'object' && !Array.isArray(variables) && Object.keys(variables).length === 0);
  const payload = stableStringify({ query: params.query, ...(empty ? {} : { variables }) }) ?? '';
  return createHmac('sha256', secret).update(payload).digest('base64');
}

export function verifyHmacSignature(
  secret: string,
  params: { query?: unknown; variables?: unknown; extensions?: unknown },
): boolean {
  const extensions = params.extensions;
  const given =
    extensions && typeof extensions === 'object'
      ? (extensions as Record<string, unknown>)[HMAC_EXTENSION]
      : undefined;
  if (typeof given !== 'string' || given.length > 200) return false;
  const expected = Buffer.from(hmacSignature(secret, params));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
