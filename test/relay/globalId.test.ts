import { describe, expect, it } from '@jest/globals';
import { decodeGlobalId, encodeGlobalId } from '../../src/relay/globalId.js';

/** The providers these ids may name (the registry's, in the server). */
const KNOWN: ReadonlySet<string> = new Set([
  'TWO_CHAT',
  'TWILIO_CONVERSATIONS',
  'ADA',
  'COMETCHAT',
  'VOXIMPLANT',
]);

describe('global ids', () => {
  it('round-trip the provider and native id, including ids with colons', () => {
    for (const nativeId of ['US123', 'user:with:colons', '101']) {
      expect(decodeGlobalId(encodeGlobalId('COMETCHAT', 'cometchat-eu', nativeId), KNOWN)).toEqual({
        provider: 'COMETCHAT',
        source: 'cometchat-eu',
        nativeId,
      });
    }
  });

  it('still decode v1 ids, issued before sources: no source (their provider default source answers)', () => {
    const v1 = Buffer.from('rollcall:v1:COMETCHAT:user:with:colons').toString('base64url');
    expect(decodeGlobalId(v1, KNOWN)).toEqual({
      provider: 'COMETCHAT',
      source: null,
      nativeId: 'user:with:colons',
    });
  });

  it('are opaque base64url strings', () => {
    expect(encodeGlobalId('ADA', 'ada', 'abc')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('answer null for ids of other systems', () => {
    expect(decodeGlobalId('VXNlcjox', KNOWN)).toBeNull(); // base64 "User:1" (another subgraph's Relay id)
    expect(decodeGlobalId('42', KNOWN)).toBeNull();
    expect(decodeGlobalId('not an id!', KNOWN)).toBeNull();
  });

  it('reject a rollcall id with an unknown version, provider or an empty native id', () => {
    const ours = (text: string) => Buffer.from(text).toString('base64url');
    expect(() => decodeGlobalId(ours('rollcall:v9:ADA:x'), KNOWN)).toThrow(/unsupported version/);
    expect(() => decodeGlobalId(ours('rollcall:v1:MYSPACE:x'), KNOWN)).toThrow(/unknown provider/);
    expect(() => decodeGlobalId(ours('rollcall:v1:ADA:'), KNOWN)).toThrow(/no provider user id/);
    expect(() => decodeGlobalId(ours('rollcall:v2:ADA:ada:'), KNOWN)).toThrow(/no provider user id/);
    expect(() => decodeGlobalId(ours('rollcall:v2:ADA:Not_A_Source:x'), KNOWN)).toThrow(/no valid source/);
    expect(() => decodeGlobalId(ours('rollcall:v2:ADA'), KNOWN)).toThrow(/no valid source/);
  });
});
