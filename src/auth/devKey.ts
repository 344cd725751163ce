/**
 * Demo mode's development key: an ES256 key pair that signs tokens for local use (main.ts prints one with
 * every scope at start; `npm run token` mints others). Trusted only in demo mode, whose data is generated.
 * main.ts keeps it in a file (mode 0600, in the OS temp directory by default) so tokens minted by
 * `npm run token` verify against the running demo and survive its restarts; servers created without one
 * (tests) hold a key in memory.
 */
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { JwtSettings } from './config.js';

export const DEVELOPMENT_ISSUER = 'rollcall-development';
export const DEVELOPMENT_AUDIENCE = 'rollcall';
const ALG = 'ES256';

export interface DevelopmentKey {
  publicKey: CryptoKey;
  /** A token for `scopes`, valid `ttlSeconds` (default 12 hours). */
  sign(scopes: readonly string[], options?: { ttlSeconds?: number; subject?: string }): Promise<string>;
}

/** How demo mode verifies development tokens. */
export const DEVELOPMENT_JWT: JwtSettings = {
  issuer: DEVELOPMENT_ISSUER,
  audience: DEVELOPMENT_AUDIENCE,
  algorithms: [ALG],
  clockSkewSeconds: 30,
  scopeClaim: 'scope',
  jwksCacheSeconds: 600,
};

/** Where main.ts and `npm run token` keep the development key unless ROLLCALL_DEV_KEY_FILE says. */
export function defaultDevelopmentKeyFile(): string {
  let user = 'user';
  try {
    user = userInfo().username.replace(/[^A-Za-z0-9_-]/g, '') || user;
  } catch {
    // no user name (some containers): one file for everyone on the machine's temp dir
  }
  return join(tmpdir(), `rollcall-dev-key-${user}.json`);
}

function keyOf(privateJwk: JWK, publicKey: CryptoKey): DevelopmentKey {
  let privateKey: Promise<CryptoKey | Uint8Array> | undefined;
  return {
    publicKey,
    async sign(scopes, options = {}) {
      privateKey ??= importJWK(privateJwk, ALG);
      return new SignJWT({ scope: scopes.join(' ') })
        .setProtectedHeader({ alg: ALG, typ: 'JWT' })
        .setIssuer(DEVELOPMENT_ISSUER)
        .setAudience(DEVELOPMENT_AUDIENCE)
        .setSubject(options.subject ?? 'developer')
        .setIssuedAt()
        .setExpirationTime(`${options.ttlSeconds ?? 12 * 3600}s`)
        .sign(await privateKey);
    },
  };
}

/** A new key, in memory only. */
export async function createDevelopmentKey(): Promise<DevelopmentKey> {
  const pair = await generateKeyPair(ALG, { extractable: true });
  return keyOf(await exportJWK(pair.privateKey), pair.publicKey);
}

/** The key kept in `path`, made (and written, readable by this user only) when there is none or it is bad. */
export async function loadOrCreateDevelopmentKey(path: string): Promise<DevelopmentKey> {
  try {
    const jwk = JSON.parse(readFileSync(path, 'utf8')) as JWK;
    const { d: _d, ...publicJwk } = jwk;
    const publicKey = await importJWK(publicJwk, ALG);
    if (publicKey instanceof Uint8Array) throw new Error('not an EC key');
    return keyOf(jwk, publicKey);
  } catch {
    const pair = await generateKeyPair(ALG, { extractable: true });
    const privateJwk = await exportJWK(pair.privateKey);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(privateJwk), { mode: 0o600 });
    return keyOf(privateJwk, pair.publicKey);
  }
}
