import { describe, expect, it } from '@jest/globals';
import { CursorCodec } from '../../src/relay/cursor.js';

const codec = new CursorCodec('test-secret');
const decodeError = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error as Error & { extensions: Record<string, unknown> };
  }
  throw new Error('expected a failure');
};

describe('CursorCodec', () => {
  it('round-trips a payload for the connection that issued it', () => {
    const cursor = codec.encode('TWILIO_CONVERSATIONS', { t: 'PT1', p: 1, s: 50, i: 3 });
    expect(codec.decode(cursor, 'TWILIO_CONVERSATIONS', 'after')).toEqual({ t: 'PT1', p: 1, s: 50, i: 3 });
  });

  it('is opaque: no payload text is readable without decoding, and it is URL-safe', () => {
    const cursor = codec.encode('X', { token: 'PT-visible' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('PT-visible');
  });

  it('rejects garbage as malformed with BAD_USER_INPUT naming the argument', () => {
    const error = decodeError(() => codec.decode('%%%', 'X', 'before'));
    expect(error.message).toMatch(/Argument "before" is not a valid cursor.*malformed/);
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'before' });
  });

  it('rejects a modified payload', () => {
    const cursor = codec.encode('X', 5);
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    parts[2] = 6;
    const tampered = Buffer.from(JSON.stringify(parts)).toString('base64url');
    expect(decodeError(() => codec.decode(tampered, 'X', 'after')).message).toMatch(/modified/);
  });

  it('rejects a cursor from another connection', () => {
    const cursor = codec.encode('ADA', 'abc');
    expect(decodeError(() => codec.decode(cursor, 'TWO_CHAT', 'after')).message).toMatch(
      /another connection/,
    );
  });

  it('rejects a cursor signed with another secret', () => {
    const cursor = new CursorCodec('other').encode('X', 1);
    expect(decodeError(() => codec.decode(cursor, 'X', 'after')).message).toMatch(/modified/);
  });

  it('rejects an unsupported version', () => {
    const cursor = Buffer.from(JSON.stringify([2, 'X', 1, 'mac'])).toString('base64url');
    expect(decodeError(() => codec.decode(cursor, 'X', 'after')).message).toMatch(
      /version 2 is not supported/,
    );
  });
});
