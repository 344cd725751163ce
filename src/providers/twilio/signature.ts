/**
 * Twilio's request signature (`X-Twilio-Signature`), as the twilio package computes it (webhooks.js:
 * `getExpectedTwilioSignature`, `validateRequest`, `validateRequestWithBody`; test/providers/twilio/
 * events.test.ts checks these against the package's own output):
 *
 * - form-encoded bodies: base64(HMAC-SHA1(auth token, URL + every parameter name and value, sorted by
 *   name; a repeated parameter's values de-duplicated and sorted));
 * - JSON bodies (Event Streams): the URL carries `bodySHA256=<hex SHA-256 of the body>` and only the URL
 *   is signed, the body checked against the hash.
 *
 * The URL is tried as given, without its port and with the scheme's default port, as the package does.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignedParams = Record<string, string | string[]>;

export function twilioSignature(authToken: string, url: string, params: SignedParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    for (const item of Array.isArray(value) ? [...new Set(value)].sort() : [value]) data += name + item;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

function withoutPort(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#]*?)(:\d+)?(?=[/?#]|$)/i, '$1');
}

function withDefaultPort(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match || /:\d+$/.test(match[2])) return url;
  const port = match[1].toLowerCase() === 'https://' ? ':443' : ':80';
  return match[1] + match[2] + port + url.slice(match[0].length);
}

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Whether `signature` is Twilio's over `url` and `params` (URL tried with and without its port). */
export function verifyTwilioSignature(
  authToken: string,
  signature: string,
  url: string,
  params: SignedParams,
): boolean {
  return [url, withoutPort(url), withDefaultPort(url)].some((candidate) =>
    same(signature, twilioSignature(authToken, candidate, params)),
  );
}

/** The JSON-body variant: the URL's `bodySHA256` must be the body's hash, and the URL signed. */
export function verifyTwilioBody(authToken: string, signature: string, url: string, body: string): boolean {
  let hash: string | null;
  try {
    hash = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  if (!hash) return false;
  const expected = createHash('sha256').update(Buffer.from(body, 'utf8')).digest('hex');
  return same(hash, expected) && verifyTwilioSignature(authToken, signature, url, {});
}
