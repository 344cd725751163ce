/**
 * Bearer tokens: verified with `jose` against a JWKS URL (keys cached, refetched when a token names an
 * unknown `kid`, so the identity provider can rotate keys) or one public key, pinning the algorithms and
 * checking issuer, audience, expiry (with a small skew) and `nbf`. Scopes come from the configured claim.
 * What failed is logged at debug for the operator; the client only learns that the token was refused.
 *
 * A verified token is remembered (by its SHA-256, never the token itself) for at most VERIFIED_TTL_MS and
 * never past its own `exp`: a client sends the same token with every request, and verifying a signature
 * costs about 0.4 ms of CPU with WebCrypto, more than executing a cached page. A key withdrawn from the
 * JWKS stops verifying new tokens at the next JWKS refresh, and tokens already seen at most
 * VERIFIED_TTL_MS later.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  importJWK,
  importSPKI,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { createHash, type KeyObject } from 'node:crypto';
import type { JwtSettings } from './config.js';
import type { Principal } from './principal.js';

/** Longer "tokens" are refused unread (a real access token is a few KB at most). */
export const MAX_TOKEN_LENGTH = 16_384;

export type Verified = { ok: true; principal: Principal } | { ok: false; reason: string };

/** How long a verified token is remembered at most (never past its `exp`). */
export const VERIFIED_TTL_MS = 60_000;
/** Verified tokens remembered at most (the oldest are forgotten first). */
const VERIFIED_MAX = 10_000;

interface Remembered {
  principal: Principal;
  /** Until when the verification may be reused: min(now + VERIFIED_TTL_MS, exp + skew). */
  until: number;
}

/** The scopes of a claim: a space-separated string, or an array of strings; anything else grants none. */
export function scopesOf(payload: Record<string, unknown>, claim: string): Set<string> {
  let value: unknown = payload;
  for (const part of claim.split('.'))
    value =
      value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)[part]
        : undefined;
  if (typeof value === 'string') return new Set(value.split(/\s+/).filter(Boolean));
  if (Array.isArray(value)) return new Set(value.filter((item): item is string => typeof item === 'string'));
  return new Set();
}

/** The principal a verified payload names. */
export function principalOf(payload: Record<string, unknown>, scopeClaim: string): Principal {
  return {
    authenticated: true,
    subject: typeof payload.sub === 'string' ? payload.sub.slice(0, 200) : null,
    scopes: scopesOf(payload, scopeClaim),
  };
}

/** Why a token was refused, in a few words for the server's log (never the token, never a claim value). */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key matches its kid';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JWKSTimeout) return 'the JWKS did not answer in time';
  if (error instanceof errors.JOSEError) return error.code;
  return 'malformed';
}

export class JwtVerifier {
  private readonly verified = new Map<string, Remembered>();

  /** Every key source as a key lookup (one key is a lookup that always answers it). */
  private constructor(
    private readonly settings: JwtSettings,
    private readonly keys: JWTVerifyGetKey,
  ) {}

  /** `override`: one key (the development key), or a key lookup of its own instead of the settings'. */
  static async create(
    settings: JwtSettings,
    override?: KeyObject | CryptoKey | JWTVerifyGetKey,
  ): Promise<JwtVerifier> {
    if (typeof override === 'function') return new JwtVerifier(settings, override);
    if (override) return new JwtVerifier(settings, async () => override);
    if (settings.jwksUrl)
      return new JwtVerifier(
        settings,
        createRemoteJWKSet(new URL(settings.jwksUrl), {
          cacheMaxAge: settings.jwksCacheSeconds * 1000,
          // A token with an unknown kid refetches the set at most once a second: a rotated key is picked
          // up at once, and tokens with made-up kids cannot make rollcall hammer the identity provider.
          cooldownDuration: 1_000,
          timeoutDuration: 5_000,
        }),
      );
    const text = (settings.publicKey ?? '').trim();
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as JWK;
      return new JwtVerifier(settings, createLocalJWKSet({ keys: [jwk] }));
    }
    // One PEM key, imported once per algorithm a token names (an RSA key cannot verify ES256 anyway).
    const imported = new Map<string, Promise<CryptoKey | KeyObject>>();
    const getKey: JWTVerifyGetKey = async ({ alg }) => {
      if (!settings.algorithms.includes(alg)) throw new errors.JOSEAlgNotAllowed('algorithm not allowed');
      let key = imported.get(alg);
      if (!key) {
        key = importSPKI(text, alg);
        imported.set(alg, key);
      }
      return key;
    };
    return new JwtVerifier(settings, getKey);
  }

  async verify(token: string, now = Date.now()): Promise<Verified> {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'too long' };
    const digest = createHash('sha256').update(token).digest('base64');
    const remembered = this.verified.get(digest);
    if (remembered && remembered.until > now) return { ok: true, principal: remembered.principal };
    if (remembered) this.verified.delete(digest);
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        ...this.options(),
        currentDate: new Date(now),
      });
      const principal = principalOf(
        payload as JWTPayload & Record<string, unknown>,
        this.settings.scopeClaim,
      );
      this.remember(
        digest,
        principal,
        (payload.exp ?? 0) * 1000 + this.settings.clockSkewSeconds * 1000,
        now,
      );
      return { ok: true, principal };
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
  }

  private remember(digest: string, principal: Principal, expires: number, now: number): void {
    const until = Math.min(now + VERIFIED_TTL_MS, expires);
    if (until <= now) return;
    if (this.verified.size >= VERIFIED_MAX) {
      // Expired entries first; then the oldest (a Map iterates in insertion order).
      for (const [key, entry] of this.verified) if (entry.until <= now) this.verified.delete(key);
      if (this.verified.size >= VERIFIED_MAX) {
        const oldest = this.verified.keys().next();
        if (!oldest.done) this.verified.delete(oldest.value);
      }
    }
    this.verified.set(digest, { principal, until });
  }

  private options() {
    return {
      issuer: this.settings.issuer,
      audience: this.settings.audience,
      algorithms: this.settings.algorithms,
      clockTolerance: this.settings.clockSkewSeconds,
      requiredClaims: ['exp'],
    };
  }
}

/** Checks a public key setting at start (a bad PEM or JWK is a configuration problem, not a 401 later). */
export async function checkPublicKey(text: string, algorithms: readonly string[]): Promise<string | null> {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JWK;
      if ('d' in jwk || 'k' in jwk)
        return 'ROLLCALL_JWT_PUBLIC_KEY must be a public key (this JWK holds private or symmetric material).';
      await importJWK(jwk, jwk.alg ?? algorithms[0]);
      return null;
    }
    for (const alg of algorithms) {
      try {
        await importSPKI(trimmed, alg);
        return null;
      } catch {
        // another algorithm may fit the key
      }
    }
    return `ROLLCALL_JWT_PUBLIC_KEY is not a PEM public key for any of ${algorithms.join(', ')}.`;
  } catch {
    return 'ROLLCALL_JWT_PUBLIC_KEY is neither a PEM public key nor a JWK.';
  }
}
