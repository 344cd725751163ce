/**
 * CometChat REST v3 wire calls: `GET /v3/users` one page at a time (`page`/`perPage`) and
 * `GET /v3/users/{uid}` for one user, with the `apikey` header. The filter input is translated to
 * CometChat's query parameters here and nowhere else.
 */
import { codeForStatus, ErrorCode, isUpstreamError, type UpstreamErrorCode } from '../../errors.js';
import type { ErrorDetector, UpstreamClient } from '../../upstream/client.js';
import type { CometChatUserFilter } from '../../generated/resolvers.js';
import {
  validateCometChatList,
  validateCometChatUser,
  type CometChatErrorBody,
  type CometChatWireUser,
} from './wire.js';
import { WORD, type NativeIdRule } from '../core/nativeId.js';

/**
 * A CometChat uid: "alphanumeric with underscore and hyphen; spaces, punctuation and other special
 * characters are not allowed" (CometChat's user docs); at most 100 characters (rollcall's bound).
 */
export const COMETCHAT_UID: NativeIdRule = {
  allowed: "1 to 100 letters, digits, '_' or '-' (CometChat's uid alphabet)",
  maxLength: 100,
  pattern: WORD,
};

/** CometChat's documented maximum `perPage`. */
export const COMETCHAT_MAX_PER_PAGE = 1000;

/** The list parameters a filter stands for (everything but `page`/`perPage`). */
export type CometChatListParams = Record<string, string | boolean>;

interface CometChatPage {
  users: CometChatWireUser[];
  /** `meta.pagination.total`: every user matching the filter. */
  total: number;
}

/**
 * The filter as CometChat query parameters. Arrays go comma-separated: `tags` is documented that way
 * (`style: form, explode: false`), and `roles`/`searchIn` follow it (their serialisation is undocumented;
 * the emulator accepts both forms). `withTags` defaults to true so list items carry `tags` like single
 * fetches do; `withTags: false` leaves them out.
 */
export function listParams(filter: CometChatUserFilter | null | undefined): CometChatListParams {
  const f = filter ?? {};
  const params: CometChatListParams = {};
  if (f.searchKey) params.searchKey = f.searchKey;
  if (f.searchIn && f.searchIn.length > 0)
    params.searchIn = [...new Set(f.searchIn)].map((field) => field.toLowerCase()).join(',');
  if (f.status) params.status = f.status.toLowerCase();
  if (f.role) params.role = f.role;
  if (f.roles && f.roles.length > 0) params.roles = f.roles.join(',');
  if (f.tags && f.tags.length > 0) params.tags = f.tags.join(',');
  params.withTags = f.withTags ?? true;
  if (f.onlyDeactivated !== undefined && f.onlyDeactivated !== null)
    params.onlyDeactivated = f.onlyDeactivated;
  if (f.withDeactivated !== undefined && f.withDeactivated !== null)
    params.withDeactivated = f.withDeactivated;
  return params;
}

const CODES: Record<string, UpstreamErrorCode> = {
  AUTH_ERR_EMPTY_APPID: ErrorCode.UPSTREAM_UNAUTHORIZED,
  AUTH_ERR_INVALID_APPID: ErrorCode.UPSTREAM_UNAUTHORIZED,
  AUTH_ERR_EMPTY_APIKEY: ErrorCode.UPSTREAM_UNAUTHORIZED,
  AUTH_ERR_APIKEY_NOT_FOUND: ErrorCode.UPSTREAM_UNAUTHORIZED,
  AUTH_ERR_NO_ACCESS: ErrorCode.UPSTREAM_FORBIDDEN,
  ERR_PLAN_RESTRICTION: ErrorCode.UPSTREAM_FORBIDDEN,
  ERR_UID_NOT_FOUND: ErrorCode.UPSTREAM_NOT_FOUND,
  ERR_TOO_MANY_REQUESTS: ErrorCode.UPSTREAM_RATE_LIMITED,
};

/**
 * Our own words per code. CometChat's `message`/`devMessage` are never passed on: for an unknown key they
 * quote the key itself.
 */
function describe(
  code: UpstreamErrorCode,
  upstreamCode: string | undefined,
  status: number,
  body: CometChatErrorBody | undefined,
): string {
  switch (upstreamCode) {
    case 'AUTH_ERR_NO_ACCESS':
      return 'the API key lacks the fullAccess scope (use the REST API key)';
    case 'ERR_PLAN_RESTRICTION':
      return "the app's plan does not allow this call";
    case 'ERR_BAD_REQUEST': {
      const fields = Object.keys(body?.error.details ?? {});
      return `CometChat rejected the request parameters${fields.length ? ` (${fields.join(', ')})` : ''}`;
    }
  }
  switch (code) {
    case ErrorCode.UPSTREAM_UNAUTHORIZED:
      return 'the API key or app id was refused (check COMETCHAT_API_KEY and COMETCHAT_APP_ID)';
    case ErrorCode.UPSTREAM_RATE_LIMITED:
      return 'rate limit exceeded';
    case ErrorCode.UPSTREAM_NOT_FOUND:
      return 'not found';
    default:
      return `CometChat failed to serve the request (HTTP ${status}${upstreamCode ? `, ${upstreamCode}` : ''})`;
  }
}

/**
 * Reads CometChat's error body `{error: {code, message, devMessage, source, details}}`: on any non-2xx
 * answer, and on a 2xx answer that carries one anyway. (The upstream client reads the wait of a 429 or an
 * `ERR_TOO_MANY_REQUESTS` from `Retry-After` or either spelling of the rate-limit reset header.)
 */
export const detectCometChatError: ErrorDetector = ({ status, body }) => {
  const ok = status >= 200 && status < 300;
  const errorBody =
    body &&
    typeof body === 'object' &&
    'error' in body &&
    typeof (body as CometChatErrorBody).error === 'object' &&
    (body as CometChatErrorBody).error !== null
      ? (body as CometChatErrorBody)
      : undefined;
  if (ok && !errorBody) return undefined;
  const upstreamCode = typeof errorBody?.error.code === 'string' ? errorBody.error.code : undefined;
  const code =
    (upstreamCode ? CODES[upstreamCode] : undefined) ??
    (ok ? ErrorCode.UPSTREAM_BAD_RESPONSE : codeForStatus(status));
  const upstreamMessage = typeof errorBody?.error.message === 'string' ? errorBody.error.message : undefined;
  return {
    code,
    status,
    upstreamCode,
    reason: describe(code, upstreamCode, status, errorBody),
    upstreamMessage,
  };
};

export class CometChatClient {
  constructor(private readonly upstream: UpstreamClient) {}

  /** One page (1-based) of the users matching `params`. */
  async listPage(params: CometChatListParams, page: number, perPage: number): Promise<CometChatPage> {
    const { body } = await this.upstream.request({
      path: 'v3/users',
      searchParams: { ...params, page, perPage },
      schema: validateCometChatList,
    });
    return { users: body.data, total: body.meta.pagination.total };
  }

  /**
   * One user by uid; null when CometChat answers ERR_UID_NOT_FOUND (unknown or deactivated). Any other
   * 404 (a wrong base URL answering "no such route") stays an error rather than a silent miss.
   */
  async fetchUser(uid: string): Promise<CometChatWireUser | null> {
    // "." and ".." survive encodeURIComponent and would be normalised into another path (the list, /v3/).
    if (uid === '' || uid === '.' || uid === '..') return null;
    try {
      const { body } = await this.upstream.request({
        path: `v3/users/${encodeURIComponent(uid)}`,
        route: 'v3/users/{uid}',
        schema: validateCometChatUser,
      });
      return body.data;
    } catch (error) {
      if (
        isUpstreamError(error, ErrorCode.UPSTREAM_NOT_FOUND) &&
        error.details.upstreamCode === 'ERR_UID_NOT_FOUND'
      )
        return null;
      throw error;
    }
  }
}
