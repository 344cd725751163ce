/**
 * The JWT verifier on its own: a verified token is remembered (no second signature check for the same
 * token), never past its own expiry nor VERIFIED_TTL_MS, and a refused token is never remembered.
 */
import { describe, expect, it } from '@jest/globals';
import { generateKeyPair, SignJWT, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import type { JwtSettings } from '../../src/auth/config.js';
import { JwtVerifier, VERIFIED_TTL_MS } from '../../src/auth/jwt.js';

const SETTINGS: JwtSettings = {
  publicKey: 'unused: the tests give the verifier its key lookup',
  issuer: 'https://idp.test',
  audience: 'rollcall-test',
  algorithms: ['ES256'],
  clockSkewSeconds: 30,
  scopeClaim: 'scope',
  jwksCacheSeconds: 600,
};

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  let lookups = 0;
  const keys: JWTVerifyGetKey = async () => {
    lookups += 1;
    return publicKey;
  };
  const verifier = await JwtVerifier.create(SETTINGS, keys);
  const sign = (now: number, lifetimeSeconds: number, key: CryptoKey = privateKey) =>
    new SignJWT({ scope: 'users:read' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(SETTINGS.issuer)
      .setAudience(SETTINGS.audience)
      .setSubject('user-1')
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + lifetimeSeconds)
      .sign(key);
  return { verifier, sign, lookups: () => lookups };
}

describe('JwtVerifier', () => {
  it('checks a token signature once, and answers the same token again from memory', async () => {
    const { verifier, sign, lookups } = await setup();
    const now = Date.now();
    const token = await sign(now, 3600);
    const first = await verifier.verify(token, now);
    expect(first).toMatchObject({ ok: true, principal: { subject: 'user-1' } });
    expect(lookups()).toBe(1);
    for (const later of [1_000, 30_000, VERIFIED_TTL_MS - 1])
      expect(await verifier.verify(token, now + later)).toEqual(first);
    expect(lookups()).toBe(1);
    // Past VERIFIED_TTL_MS the signature is checked again.
    expect(await verifier.verify(token, now + VERIFIED_TTL_MS + 1)).toEqual(first);
    expect(lookups()).toBe(2);
  });

  it('never answers a remembered token past its expiry (with the configured skew)', async () => {
    const { verifier, sign } = await setup();
    const now = Date.now();
    const token = await sign(now, 10);
    expect((await verifier.verify(token, now)).ok).toBe(true);
    expect((await verifier.verify(token, now + 10_000 + 29_000)).ok).toBe(true);
    expect(await verifier.verify(token, now + 10_000 + 31_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('never remembers a refused token', async () => {
    const { verifier, sign, lookups } = await setup();
    const other = await generateKeyPair('ES256');
    const now = Date.now();
    const forged = await sign(now, 3600, other.privateKey);
    expect(await verifier.verify(forged, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(await verifier.verify(forged, now + 1)).toEqual({ ok: false, reason: 'bad signature' });
    expect(lookups()).toBe(2);
  });
});
