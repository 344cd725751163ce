/**
 * Connection cursors: opaque, versioned, bound to the connection that issued them, and checked for
 * tampering. A cursor carries a small JSON payload chosen by the provider adapter (a page token and an
 * index, an offset, an end-user id…) — never a URL, a credential or anything a client could steer into
 * an upstream request other than a position.
 *
 * Wire form: base64url of JSON `[version, connection, payload, mac]`, where `mac` is a truncated
 * HMAC-SHA256 over `connection` and `payload` keyed by `ROLLCALL_CURSOR_SECRET`. The key must be the same
 * on every replica (cursors outlive the replica that issued them); the built-in default makes cursors
 * stable across restarts, and a deployment that wants tamper-proof cursors sets its own.
 */
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { BadUserInputError } from '../errors.js';

const VERSION = 1;

/** Signatures kept for reuse (each entry is a cursor's payload and its 16-character signature). */
const MAC_MEMO_ENTRIES = 10_000;

/** A JSON value an adapter stores in a cursor. */
export type CursorPayload =
  | string
  | number
  | boolean
  | null
  | CursorPayload[]
  | { [key: string]: CursorPayload };

export class CursorCodec {
  private readonly key: KeyObject;
  /** Recent signatures by connection and payload, oldest first. */
  private readonly macs = new Map<string, string>();

  constructor(secret: string) {
    // The key is prepared once: every edge of every page is signed with it.
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  encode(connection: string, payload: CursorPayload): string {
    const body = JSON.stringify(payload);
    // `[version, connection, payload, mac]`, with the payload serialised once (the mac is base64url).
    const text = `[${VERSION},${JSON.stringify(connection)},${body},"${this.mac(connection, body)}"]`;
    return Buffer.from(text, 'utf8').toString('base64url');
  }

  /**
   * Decodes a cursor that must have been issued by `connection`. `argument` names the GraphQL argument
   * (`after`/`before`) in the error. Throws BAD_USER_INPUT saying what was wrong.
   */
  decode(cursor: string, connection: string, argument: string): CursorPayload {
    const fail = (why: string) =>
      new BadUserInputError(`Argument "${argument}" is not a valid cursor for this connection: ${why}.`, {
        argument,
      });
    let parsed: unknown;
    try {
      if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
      parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw fail("it is malformed (use a cursor from this connection's edges or pageInfo)");
    }
    if (!Array.isArray(parsed) || parsed.length !== 4) throw fail('it is malformed');
    const [version, issuedBy, payload, mac] = parsed as [unknown, unknown, CursorPayload, unknown];
    if (version !== VERSION)
      throw fail(`cursor version ${String(version)} is not supported (expected ${VERSION})`);
    if (typeof issuedBy !== 'string' || typeof mac !== 'string') throw fail('it is malformed');
    if (!this.verify(issuedBy, JSON.stringify(payload), mac)) throw fail('it has been modified');
    if (issuedBy !== connection) throw fail('it was issued by another connection or with other arguments');
    return payload;
  }

  private mac(connection: string, body: string): string {
    // The same cursors come back page after page (every client's first pages, every edge of a popular
    // window): a bounded memo spares the HMAC, which otherwise is the largest share of rollcall's own CPU
    // on a cached page (50 edges, 50 signatures).
    const memoKey = `${connection}\0${body}`;
    const known = this.macs.get(memoKey);
    if (known !== undefined) return known;
    const mac = createHmac('sha256', this.key)
      .update(connection)
      .update('\0')
      .update(body)
      .digest('base64url')
      .slice(0, 16);
    if (this.macs.size >= MAC_MEMO_ENTRIES) this.macs.delete(this.macs.keys().next().value ?? memoKey);
    this.macs.set(memoKey, mac);
    return mac;
  }

  private verify(connection: string, body: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(connection, body));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
