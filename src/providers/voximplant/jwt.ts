/**
 * Voximplant service-account authentication: credentials.json parsing and the RS256 JWT every
 * Management API call carries as `Authorization: Bearer <JWT>`.
 *
 * The token's header names the key (`kid` = key_id); its claims are `iss` = account_id (a number, as
 * the official SDKs send it), `iat` and `exp`. Voximplant accepts lifetimes up to 3600 s; rollcall signs
 * short ones (300 s, `iat` backdated 5 s for clock skew like the Python SDK) and reuses a token until 60 s
 * before it expires, so a busy instance signs about once every four minutes instead of once per call.
 * Concurrent calls needing a new token share one signing. Tokens and keys are never logged: the private
 * key lives only as a KeyObject (which prints no key material), never as the PEM text.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

export interface VoximplantServiceAccount {
  accountId: number;
  keyId: string;
  privateKey: KeyObject;
}

type CredentialsResult = { account: VoximplantServiceAccount } | { problem: string };

/**
 * Reads credentials.json content (`{account_id, key_id, private_key, account_email?}`, or the Go SDK's
 * `{result: {...}}` wrapping). Problems name `variable` and the field, never a value: not even a JSON
 * parse error's message, which quotes the text.
 */
export function parseCredentials(text: string, variable: string): CredentialsResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {
      problem: `${variable} is not valid JSON (expected the content of a Voximplant credentials.json).`,
    };
  }
  if (parsed && typeof parsed === 'object' && 'result' in parsed && !('private_key' in parsed))
    parsed = (parsed as { result: unknown }).result;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return { problem: `${variable} must be a JSON object with account_id, key_id and private_key.` };
  const raw = parsed as Record<string, unknown>;
  const accountId =
    typeof raw.account_id === 'number'
      ? raw.account_id
      : typeof raw.account_id === 'string' && /^\d+$/.test(raw.account_id)
        ? Number(raw.account_id)
        : NaN;
  if (!Number.isSafeInteger(accountId) || accountId <= 0)
    return { problem: `${variable}: account_id must be a positive integer.` };
  if (typeof raw.key_id !== 'string' || raw.key_id.trim() === '')
    return { problem: `${variable}: key_id must be a non-empty string.` };
  if (typeof raw.private_key !== 'string' || !raw.private_key.includes('PRIVATE KEY'))
    return { problem: `${variable}: private_key must be a PEM-encoded RSA private key.` };
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(raw.private_key);
  } catch {
    return { problem: `${variable}: private_key could not be read as a PEM-encoded private key.` };
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    return { problem: `${variable}: private_key must be an RSA key (Voximplant signs with RS256).` };
  // RS256 needs a modulus of at least 2048 bits (jose refuses to sign with less): found at start, not
  // as a failure of every call.
  if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    return {
      problem: `${variable}: private_key must be an RSA key of at least 2048 bits (RS256 requires it).`,
    };
  return { account: { accountId, keyId: raw.key_id.trim(), privateKey } };
}

export interface TokenSourceOptions {
  /** The clock, in ms (tests move it). */
  now?: () => number;
  /** `exp - iat`, in seconds (default 300; Voximplant allows up to 3600). */
  lifetimeSeconds?: number;
  /** Renew this many seconds before `exp` (default 60). */
  refreshMarginSeconds?: number;
}

export const TOKEN_LIFETIME_SECONDS = 300;
export const TOKEN_REFRESH_MARGIN_SECONDS = 60;
const BACKDATE_SECONDS = 5;

/** Hands out `Bearer` values, signing a new JWT only when the current one is about to expire. */
export class VoximplantTokenSource {
  /** How many tokens were signed (tests assert reuse). */
  signings = 0;
  private current: { token: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly now: () => number;
  private readonly lifetime: number;
  private readonly margin: number;

  constructor(
    private readonly account: VoximplantServiceAccount,
    options: TokenSourceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.lifetime = options.lifetimeSeconds ?? TOKEN_LIFETIME_SECONDS;
    this.margin = options.refreshMarginSeconds ?? TOKEN_REFRESH_MARGIN_SECONDS;
  }

  async authorization(): Promise<string> {
    return `Bearer ${await this.token()}`;
  }

  token(): Promise<string> {
    if (this.current && this.now() / 1000 < this.current.renewAt) return Promise.resolve(this.current.token);
    this.pending ??= this.sign().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async sign(): Promise<string> {
    const iat = Math.floor(this.now() / 1000) - BACKDATE_SECONDS;
    const exp = iat + this.lifetime;
    let token: string;
    try {
      // jose types `iss` as a string; Voximplant's SDKs send the account id as a number.
      token = await new SignJWT({ iss: this.account.accountId } as unknown as JWTPayload)
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.account.keyId })
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(this.account.privateKey);
    } catch (error) {
      // Not an upstream failure: nothing was sent. A bug or a key the start-up checks let through; the
      // server logs it with its stack and answers INTERNAL_SERVER_ERROR.
      throw new Error('Voximplant: could not sign the service-account token', { cause: error });
    }
    this.signings += 1;
    this.current = { token, renewAt: exp - this.margin };
    return token;
  }
}
