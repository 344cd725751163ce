/**
 * Access-control settings (`ROLLCALL_AUTH` and its companions), read and checked at start like every other
 * setting: problems name the variable, never a value.
 *
 * Modes:
 * - `jwt`: every GraphQL request carries a bearer token verified against a JWKS URL or a public key.
 * - `router`: every request comes from the supergraph router, proven by a shared-secret header or Hive
 *   Gateway's HMAC signature; the end user's identity comes with it (a forwarded token, or Hive's claims).
 * - `none`: no check, every scope. Allowed on loopback and in demo mode; elsewhere only when forced
 *   (`ROLLCALL_AUTH_ALLOW_NONE=true`), with a warning at every start.
 * - demo mode without `ROLLCALL_AUTH`: open to anonymous requests (every scope), and a bearer token signed
 *   with the development key (main.ts prints one) is verified and its scopes apply, so Sandbox shows what
 *   each scope sees.
 */
import type { EnvReader } from '../env.js';

export type AuthMode = 'none' | 'jwt' | 'router';

export interface JwtSettings {
  /** Keys from a JWKS document (cached, refetched when a token names an unknown `kid`). */
  jwksUrl?: string;
  /** Or one public key: PEM (SPKI) or a JWK as JSON. */
  publicKey?: string;
  issuer: string;
  audience: string;
  /** Asymmetric algorithms accepted (HS* are refused: a shared HMAC key would let any holder mint tokens). */
  algorithms: string[];
  /** Tolerated clock skew for `exp`/`nbf`/`iat`, in seconds. */
  clockSkewSeconds: number;
  /** The claim holding the scopes: a space-separated string or an array (a dotted path for nested claims). */
  scopeClaim: string;
  /** How long fetched JWKS keys are trusted before a refetch, in seconds. */
  jwksCacheSeconds: number;
}

export interface RouterSettings {
  /** The shared secret the router sends in `secretHeader` (Apollo Router: headers → insert). */
  secret?: string;
  secretHeader: string;
  /** Hive Gateway's HMAC upstream-signature secret. */
  hmacSecret?: string;
  /**
   * Trust the claims Hive forwards in `extensions.jwt` without their token. Off by default: the HMAC
   * signature does not cover extensions, so the claims could be swapped on a captured request.
   */
  trustForwardedClaims: boolean;
}

/** The scope names the schema's directives use (configurable: they are rewritten in the served SDL). */
export interface ScopeNames {
  read: string;
  pii: string;
  admin: string;
  /** Corrects people by hand (`linkUsers`, `unlinkUser`). */
  peopleWrite: string;
}

export interface AuthConfig {
  mode: AuthMode;
  /** `none` away from loopback, forced by ROLLCALL_AUTH_ALLOW_NONE (a warning at every start). */
  forcedOpen: boolean;
  /** Demo mode's development key verifies tokens, and anonymous requests get every scope. */
  developmentKey: boolean;
  jwt?: JwtSettings;
  router?: RouterSettings;
  scopes: ScopeNames;
  /** A bearer token /metrics then requires (unset: /metrics is open, like /health and /ready). */
  metricsToken?: string;
}

export const DEFAULT_SCOPES: ScopeNames = {
  read: 'users:read',
  pii: 'users:read:pii',
  admin: 'rollcall:admin',
  peopleWrite: 'people:write',
};

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const SCOPE_NAME = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;
const HEADER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Shared secrets must not be guessable: at least this many characters. */
const MIN_SECRET = 32;

export function isLoopback(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);
}

function readScopes(read: EnvReader): ScopeNames {
  const names: ScopeNames = {
    read: read.string('ROLLCALL_SCOPE_USERS_READ') ?? DEFAULT_SCOPES.read,
    pii: read.string('ROLLCALL_SCOPE_USERS_PII') ?? DEFAULT_SCOPES.pii,
    admin: read.string('ROLLCALL_SCOPE_ADMIN') ?? DEFAULT_SCOPES.admin,
    peopleWrite: read.string('ROLLCALL_SCOPE_PEOPLE_WRITE') ?? DEFAULT_SCOPES.peopleWrite,
  };
  for (const [variable, value] of [
    ['ROLLCALL_SCOPE_USERS_READ', names.read],
    ['ROLLCALL_SCOPE_USERS_PII', names.pii],
    ['ROLLCALL_SCOPE_ADMIN', names.admin],
    ['ROLLCALL_SCOPE_PEOPLE_WRITE', names.peopleWrite],
  ] as const)
    if (!SCOPE_NAME.test(value))
      read.problem(
        `${variable} must be one OAuth scope token (printable ASCII without spaces, quotes or backslashes).`,
      );
  if (new Set(Object.values(names)).size !== 4)
    read.problem(
      'ROLLCALL_SCOPE_USERS_READ, ROLLCALL_SCOPE_USERS_PII, ROLLCALL_SCOPE_ADMIN and ROLLCALL_SCOPE_PEOPLE_WRITE must differ.',
    );
  return names;
}

function readJwt(read: EnvReader, required: boolean): JwtSettings | undefined {
  const jwksUrl = read.url('ROLLCALL_JWT_JWKS_URL');
  const publicKey = read.string('ROLLCALL_JWT_PUBLIC_KEY');
  const issuer = read.string('ROLLCALL_JWT_ISSUER');
  const audience = read.string('ROLLCALL_JWT_AUDIENCE');
  const any = [jwksUrl, publicKey, issuer, audience].some((value) => value !== undefined);
  if (!any && !required) return undefined;
  if (!jwksUrl && !publicKey)
    read.problem(
      "Set ROLLCALL_JWT_JWKS_URL (the identity provider's JWKS) or ROLLCALL_JWT_PUBLIC_KEY (a PEM or JWK public key).",
    );
  if (jwksUrl && publicKey) read.problem('Set ROLLCALL_JWT_JWKS_URL or ROLLCALL_JWT_PUBLIC_KEY, not both.');
  if (
    jwksUrl &&
    new URL(jwksUrl).protocol !== 'https:' &&
    !isLoopback(new URL(jwksUrl).hostname.replace(/^\[|\]$/g, ''))
  )
    read.problem(
      'ROLLCALL_JWT_JWKS_URL must be https (plain http only on loopback): keys fetched in clear text can be replaced.',
    );
  if (!issuer) read.problem('Set ROLLCALL_JWT_ISSUER: tokens from any other issuer are refused.');
  if (!audience) read.problem('Set ROLLCALL_JWT_AUDIENCE: tokens minted for another service are refused.');
  const algorithms = (read.string('ROLLCALL_JWT_ALGORITHMS') ?? 'RS256,ES256')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (algorithms.length === 0 || !algorithms.every((name) => ASYMMETRIC.includes(name)))
    read.problem(`ROLLCALL_JWT_ALGORITHMS must list asymmetric algorithms from: ${ASYMMETRIC.join(', ')}.`);
  const scopeClaim = read.string('ROLLCALL_JWT_SCOPE_CLAIM') ?? 'scope';
  if (!/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/.test(scopeClaim))
    read.problem('ROLLCALL_JWT_SCOPE_CLAIM must be a claim name, or a dotted path to a nested claim.');
  return {
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(publicKey ? { publicKey } : {}),
    issuer: issuer ?? '',
    audience: audience ?? '',
    algorithms,
    clockSkewSeconds: read.int('ROLLCALL_JWT_CLOCK_SKEW_SECONDS', 30, { min: 0, max: 300 }),
    scopeClaim,
    jwksCacheSeconds: read.int('ROLLCALL_JWT_JWKS_CACHE_SECONDS', 600, { min: 10, max: 86_400 }),
  };
}

function readRouter(read: EnvReader): RouterSettings {
  const secret = read.string('ROLLCALL_ROUTER_SECRET');
  const hmacSecret = read.string('ROLLCALL_ROUTER_HMAC_SECRET');
  const secretHeader = (
    read.string('ROLLCALL_ROUTER_SECRET_HEADER') ?? 'x-rollcall-router-secret'
  ).toLowerCase();
  if (!secret && !hmacSecret)
    read.problem(
      "ROLLCALL_AUTH=router needs ROLLCALL_ROUTER_SECRET (a header the router adds) or ROLLCALL_ROUTER_HMAC_SECRET (Hive Gateway's HMAC signature), or both.",
    );
  for (const [variable, value] of [
    ['ROLLCALL_ROUTER_SECRET', secret],
    ['ROLLCALL_ROUTER_HMAC_SECRET', hmacSecret],
  ] as const)
    if (value !== undefined && value.length < MIN_SECRET)
      read.problem(`${variable} must be at least ${MIN_SECRET} characters (e.g. openssl rand -hex 32).`);
  if (!HEADER_NAME.test(secretHeader))
    read.problem('ROLLCALL_ROUTER_SECRET_HEADER must be a header name (letters, digits and dashes).');
  if (['authorization', 'content-type', 'host', 'cookie'].includes(secretHeader))
    read.problem('ROLLCALL_ROUTER_SECRET_HEADER must be a header of its own, not a standard one.');
  return {
    ...(secret ? { secret } : {}),
    secretHeader,
    ...(hmacSecret ? { hmacSecret } : {}),
    trustForwardedClaims: read.bool('ROLLCALL_ROUTER_TRUST_FORWARDED_CLAIMS') === true,
  };
}

export function readAuth(read: EnvReader, context: { demo: boolean; host: string }): AuthConfig {
  const chosen = read.string('ROLLCALL_AUTH');
  const scopes = readScopes(read);
  const metricsToken = read.string('ROLLCALL_METRICS_TOKEN');
  if (metricsToken !== undefined && metricsToken.length < MIN_SECRET)
    read.problem(`ROLLCALL_METRICS_TOKEN must be at least ${MIN_SECRET} characters.`);
  const base = {
    scopes,
    ...(metricsToken ? { metricsToken } : {}),
  };
  const allowNone = read.bool('ROLLCALL_AUTH_ALLOW_NONE') === true;
  if (chosen === undefined) {
    if (context.demo) return { ...base, mode: 'none', forcedOpen: false, developmentKey: true };
    if (isLoopback(context.host)) return { ...base, mode: 'none', forcedOpen: false, developmentKey: false };
    read.problem(
      `Set ROLLCALL_AUTH to jwt or router: HOST=${context.host} is reachable from other machines, and rollcall serves personal data. (ROLLCALL_AUTH=none with ROLLCALL_AUTH_ALLOW_NONE=true turns access control off anyway.)`,
    );
    return { ...base, mode: 'none', forcedOpen: false, developmentKey: false };
  }
  if (chosen !== 'none' && chosen !== 'jwt' && chosen !== 'router') {
    read.problem('ROLLCALL_AUTH must be one of: jwt, router, none.');
    return { ...base, mode: 'none', forcedOpen: false, developmentKey: false };
  }
  if (chosen === 'none') {
    const open = context.demo || isLoopback(context.host);
    if (!open && !allowNone)
      read.problem(
        `ROLLCALL_AUTH=none is allowed only on loopback or in demo mode (HOST=${context.host}); set ROLLCALL_AUTH_ALLOW_NONE=true to force it.`,
      );
    return { ...base, mode: 'none', forcedOpen: !open, developmentKey: false };
  }
  if (chosen === 'jwt')
    return { ...base, mode: 'jwt', forcedOpen: false, developmentKey: false, jwt: readJwt(read, true) };
  const jwt = readJwt(read, false);
  return {
    ...base,
    mode: 'router',
    forcedOpen: false,
    developmentKey: false,
    router: readRouter(read),
    ...(jwt ? { jwt } : {}),
  };
}
