import { describe, expect, it } from '@jest/globals';
import { decodeGlobalId, encodeGlobalId } from '../../src/relay/globalId.js';

describe('global ids', () => {
  it('round-trip the provider and native id, including ids with colons', () => {
    for (const nativeId of ['US123', 'user:with:colons', '101']) {
      expect(decodeGlobalId(encodeGlobalId('COMETCHAT', nativeId))).toEqual({
        provider: 'COMETCHAT',
        nativeId,
      });
    }
  });

  it('are opaque base64url strings', () => {
    expect(encodeGlobalId('ADA', 'abc')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('answer null for ids of other systems', () => {
    expect(decodeGlobalId('VXNlcjox')).toBeNull(); // base64 "User:1" (another subgraph's Relay id)
    expect(decodeGlobalId('42')).toBeNull();
    expect(decodeGlobalId('not an id!')).toBeNull();
  });

  it('reject a rollcall id with an unknown version, provider or an empty native id', () => {
    const ours = (text: string) => Buffer.from(text).toString('base64url');
    expect(() => decodeGlobalId(ours('rollcall:v9:ADA:x'))).toThrow(/unsupported version/);
    expect(() => decodeGlobalId(ours('rollcall:v1:MYSPACE:x'))).toThrow(/unknown provider/);
    expect(() => decodeGlobalId(ours('rollcall:v1:ADA:'))).toThrow(/no provider user id/);
  });
});
