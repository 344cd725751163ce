/**
 * 2Chat wire calls: `GET /open/users` with `X-User-API-Key`. There is no paging and no single-user
 * endpoint, so this one call is all the client does.
 */
import { codeForStatus, ErrorCode } from '../../errors.js';
import type { ErrorDetector, UpstreamClient } from '../../upstream/client.js';
import { validateTwoChatList, type TwoChatErrorBody, type TwoChatWireUser } from './wire.js';
import { type NativeIdRule } from '../core/nativeId.js';

/**
 * A 2Chat user uuid: an opaque string (`USR…`, hyphenated inconsistently), so only its length is bounded
 * (rollcall's bound: real uuids are about 40 characters). Lookups read the list, never a path.
 */
export const TWO_CHAT_USER_ID: NativeIdRule = {
  allowed: '1 to 128 characters without control characters (a 2Chat uuid, "USR…")',
  maxLength: 128,
};

function errorText(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { error_message: errorMessage, message } = body as Partial<TwoChatErrorBody>;
  if (typeof errorMessage === 'string' && errorMessage.trim() !== '') return errorMessage;
  if (typeof message === 'string' && message.trim() !== '') return message;
  return undefined;
}

/**
 * Reads 2Chat's `{success: false, error: true, error_message | message}` from any status: 2Chat can
 * report a failure with HTTP 200, so `success` is checked, not just the status.
 */
export const detectTwoChatError: ErrorDetector = ({ status, body }) => {
  const failedBody =
    typeof body === 'object' &&
    body !== null &&
    ((body as { success?: unknown }).success === false || (body as { error?: unknown }).error === true);
  const ok = status >= 200 && status < 300;
  if (ok && !failedBody) return undefined;
  const upstreamMessage = errorText(body);
  if (ok) {
    // A failure reported with HTTP 200 carries no status to classify it: 2Chat could not serve the
    // request (the key was accepted, and /open/users takes no input), so it is an upstream outage.
    return {
      code: ErrorCode.UPSTREAM_UNAVAILABLE,
      status,
      reason: `reported a failure with HTTP ${status} (success: false)`,
      upstreamMessage,
    };
  }
  if (status === 402) {
    return {
      code: ErrorCode.UPSTREAM_FORBIDDEN,
      status,
      reason: 'payment required: the trial expired or the account is out of API credits (HTTP 402)',
      upstreamMessage,
    };
  }
  return { code: codeForStatus(status), status, upstreamMessage };
};

export class TwoChatClient {
  constructor(private readonly upstream: UpstreamClient) {}

  /** Every ACTIVE user of the account, in 2Chat's order. */
  async listUsers(): Promise<TwoChatWireUser[]> {
    const { body } = await this.upstream.request({ path: 'open/users', schema: validateTwoChatList });
    return body.data.users;
  }
}
