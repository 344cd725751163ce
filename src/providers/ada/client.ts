/**
 * Ada wire calls: `GET /api/v2/end-users/` (trailing slash) one keyset page at a time or by
 * `external_id`, and `GET /api/v2/end-users/{end_user_id}` for one user, with `Authorization: Bearer`.
 * `meta.next_page_url` is reduced to its `cursor`: rollcall never follows a URL an upstream handed it, and
 * never puts one in a cursor.
 */
import { codeForStatus, ErrorCode, isUpstreamError } from '../../errors.js';
import type { ErrorDetector, UpstreamClient } from '../../upstream/client.js';
import { retryAfterSeconds } from '../../upstream/retryAfter.js';
import type { AdaWireEndUser, AdaWireErrorBody, AdaWireListResponse } from './types.js';
import { WORD, type NativeIdRule } from '../core/nativeId.js';

/**
 * An Ada end user id: Ada's are 24 hex digits; rollcall accepts up to 64 letters, digits, `_` or `-`
 * (its bound: the format is not documented as fixed), which keeps every id a single path segment.
 */
export const ADA_END_USER_ID: NativeIdRule = {
  allowed: "1 to 64 letters, digits, '_' or '-' (an Ada end user id)",
  maxLength: 64,
  pattern: WORD,
};

const LIST_PATH = 'api/v2/end-users/';

export interface AdaPage {
  users: AdaWireEndUser[];
  /** The `cursor` of `meta.next_page_url`; null on the last page, whichever way Ada marks it. */
  next: string | null;
}

/** Reads Ada's `{errors: [{type, message, details}]}` from non-2xx answers. */
export const detectAdaError: ErrorDetector = ({ status, body, headers }) => {
  if (status >= 200 && status < 300) return undefined;
  const first = Array.isArray((body as Partial<AdaWireErrorBody> | undefined)?.errors)
    ? (body as AdaWireErrorBody).errors[0]
    : undefined;
  const message = typeof first?.message === 'string' && first.message !== '' ? first.message : undefined;
  const details = typeof first?.details === 'string' && first.details !== '' ? first.details : undefined;
  return {
    code: codeForStatus(status),
    status,
    upstreamCode: typeof first?.type === 'string' ? first.type : undefined,
    upstreamMessage: message ? (details ? `${message} (${details})` : message) : undefined,
    retryAfter: status === 429 ? retryAfterSeconds(headers) : undefined,
  };
};

function isEndUser(value: unknown): value is AdaWireEndUser {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { end_user_id?: unknown }).end_user_id === 'string' &&
    (value as { end_user_id: string }).end_user_id !== ''
  );
}

export class AdaClient {
  constructor(private readonly upstream: UpstreamClient) {}

  /** One keyset page: `limit` records starting at (or after: Ada does not say) `cursor`. */
  async listPage(cursor: string | null, limit: number): Promise<AdaPage> {
    const { body } = await this.upstream.request<AdaWireListResponse>({
      path: LIST_PATH,
      searchParams: { cursor: cursor ?? undefined, limit },
    });
    if (typeof body !== 'object' || body === null || !('data' in body)) {
      throw this.upstream.badShape('expected {data: [...], meta: {...}}');
    }
    const data = body.data ?? [];
    if (!Array.isArray(data)) throw this.upstream.badShape('"data" is not a list');
    if (!data.every(isEndUser)) throw this.upstream.badShape('an end user has no end_user_id');
    const meta = body.meta;
    if (meta !== undefined && meta !== null && typeof meta !== 'object')
      throw this.upstream.badShape('"meta" is not an object');
    return { users: data, next: this.cursorOf(meta?.next_page_url) };
  }

  /** One end user by id; null when Ada answers 404. */
  async fetchEndUser(endUserId: string): Promise<AdaWireEndUser | null> {
    // A dot segment would be normalised away into another path: it can name no end user.
    if (endUserId === '' || endUserId === '.' || endUserId === '..') return null;
    return this.orNullOn404(
      this.upstream.request<unknown>({
        path: `${LIST_PATH}${encodeURIComponent(endUserId)}`,
        route: `${LIST_PATH}{end_user_id}`,
      }),
    );
  }

  /** The end user with this external id (Ada matches it case-insensitively); null when Ada answers 404. */
  async findByExternalId(externalId: string): Promise<AdaWireEndUser | null> {
    return this.orNullOn404(
      this.upstream.request<unknown>({ path: LIST_PATH, searchParams: { external_id: externalId } }),
    );
  }

  private async orNullOn404(request: Promise<{ body: unknown }>): Promise<AdaWireEndUser | null> {
    try {
      const { body } = await request;
      if (!isEndUser(body)) throw this.upstream.badShape('expected an end user with an end_user_id');
      return body;
    } catch (error) {
      if (isUpstreamError(error, ErrorCode.UPSTREAM_NOT_FOUND)) return null;
      throw error;
    }
  }

  /** The `cursor` query parameter of `meta.next_page_url`; the URL itself is dropped. */
  private cursorOf(nextPageUrl: unknown): string | null {
    if (nextPageUrl === undefined || nextPageUrl === null || nextPageUrl === '') return null;
    if (typeof nextPageUrl !== 'string') throw this.upstream.badShape('"meta.next_page_url" is not a string');
    let cursor: string | null;
    try {
      cursor = new URL(nextPageUrl, 'https://ada.invalid/').searchParams.get('cursor');
    } catch {
      throw this.upstream.badShape('"meta.next_page_url" is not a URL');
    }
    if (!cursor) throw this.upstream.badShape('"meta.next_page_url" has no cursor');
    return cursor;
  }
}
