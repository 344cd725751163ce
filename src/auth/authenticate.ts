/**
 * The front door's check of every GraphQL request, before Apollo sees it: who is asking (a Principal) or
 * why not (a reason for the server's log only: the client gets a plain 401).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AuthConfig } from './config.js';
import { DEVELOPMENT_JWT, type DevelopmentKey } from './devKey.js';
import { verifyHmacSignature } from './hmac.js';
import { JwtVerifier, principalOf, type Verified } from './jwt.js';
import { OPEN_PRINCIPAL, type Principal } from './principal.js';

/** What the check reads of a request. */
export interface AuthRequest {
  header(name: string): string | undefined;
  /** The GraphQL request's parameters (`query`, `variables`, `extensions`), as parsed. */
  params: { query?: unknown; variables?: unknown; extensions?: unknown } | undefined;
}

const ANONYMOUS: Principal = { authenticated: false, subject: null, scopes: new Set() };
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Equal in constant time (lengths hidden too: both sides are hashed first). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export class Authenticator {
  private constructor(
    private readonly config: AuthConfig,
    private readonly jwt: JwtVerifier | undefined,
  ) {}

  static async create(config: AuthConfig, developmentKey?: DevelopmentKey): Promise<Authenticator> {
    if (config.developmentKey) {
      if (!developmentKey) throw new Error('demo mode needs its development key');
      return new Authenticator(config, await JwtVerifier.create(DEVELOPMENT_JWT, developmentKey.publicKey));
    }
    return new Authenticator(config, config.jwt ? await JwtVerifier.create(config.jwt) : undefined);
  }

  get mode(): AuthConfig['mode'] {
    return this.config.mode;
  }

  /** Whether answers depend on who asks (then they are private, and shared only between equal scopes). */
  get perCaller(): boolean {
    return this.config.mode !== 'none' || this.config.developmentKey;
  }

  async authenticate(request: AuthRequest): Promise<Verified> {
    const authorization = request.header('authorization');
    const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    if (authorization !== undefined && bearer === undefined)
      return { ok: false, reason: 'not a bearer token' };

    switch (this.config.mode) {
      case 'none':
        // Demo mode: anonymous requests see everything; a development token is checked and its scopes apply.
        if (this.config.developmentKey && bearer !== undefined && this.jwt) return this.jwt.verify(bearer);
        return { ok: true, principal: OPEN_PRINCIPAL };
      case 'jwt':
        if (bearer === undefined || !this.jwt) return { ok: false, reason: 'no bearer token' };
        return this.jwt.verify(bearer);
      case 'router':
        return this.fromRouter(request, bearer);
    }
  }

  /**
   * Router mode: the request must prove it comes from the router (its secret header, or Hive's signature
   * over the query and variables); then the user is the forwarded token's, or the claims Hive forwarded in
   * `extensions.jwt` (trusted only under a verified signature), or nobody (anonymous).
   */
  private async fromRouter(request: AuthRequest, bearer: string | undefined): Promise<Verified> {
    const router = this.config.router;
    if (!router) return { ok: false, reason: 'router mode without settings' };
    const header = request.header(router.secretHeader);
    const bySecret = router.secret !== undefined && header !== undefined && sameSecret(header, router.secret);
    const signed =
      router.hmacSecret !== undefined &&
      request.params !== undefined &&
      verifyHmacSignature(router.hmacSecret, request.params);
    if (!bySecret && !signed) return { ok: false, reason: 'no proof that the request comes from the router' };
    if (bearer !== undefined) {
      if (!this.jwt)
        return { ok: false, reason: 'a forwarded token, but no ROLLCALL_JWT_* settings to verify it' };
      return this.jwt.verify(bearer);
    }
    const extensions = request.params?.extensions;
    const forwarded =
      signed && extensions && typeof extensions === 'object'
        ? (extensions as Record<string, unknown>).jwt
        : undefined;
    if (forwarded !== undefined) {
      // Hive's signature covers the query and variables, not the extensions: the claims alone could have
      // been swapped, so the token Hive forwards beside them is verified instead (forward.token: true).
      const token = forwardedToken(forwarded);
      if (token !== null && this.jwt) return this.jwt.verify(token);
      const payload = forwardedPayload(forwarded);
      if (payload && router.trustForwardedClaims)
        return { ok: true, principal: principalOf(payload, this.config.jwt?.scopeClaim ?? 'scope') };
      return {
        ok: false,
        reason: this.jwt
          ? 'extensions.jwt without its token (set forward.token: true in Hive Gateway)'
          : 'extensions.jwt, but no ROLLCALL_JWT_* settings to verify its token',
      };
    }
    return { ok: true, principal: ANONYMOUS };
  }

  /** /metrics: open unless ROLLCALL_METRICS_TOKEN is set, then that bearer token only. */
  metricsAllowed(authorization: string | undefined): boolean {
    const token = this.config.metricsToken;
    if (token === undefined) return true;
    const bearer = authorization === undefined ? undefined : BEARER.exec(authorization)?.[1];
    return bearer !== undefined && sameSecret(bearer, token);
  }
}

/** The raw token Hive forwards in `extensions.jwt.token` (`{value, prefix}`) with forward.token: true. */
function forwardedToken(forwarded: unknown): string | null {
  if (!forwarded || typeof forwarded !== 'object' || Array.isArray(forwarded)) return null;
  const token = (forwarded as { token?: unknown }).token;
  const value = token && typeof token === 'object' ? (token as { value?: unknown }).value : token;
  return typeof value === 'string' ? value : null;
}

/** Hive Gateway forwards `{ payload, token? }` (the verified token's claims) in `extensions.jwt`. */
function forwardedPayload(forwarded: unknown): Record<string, unknown> | null {
  if (!forwarded || typeof forwarded !== 'object' || Array.isArray(forwarded)) return null;
  const payload = (forwarded as { payload?: unknown }).payload;
  return payload && typeof payload === 'object' && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : null;
}
