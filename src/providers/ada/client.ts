/**
 * Ada wire calls: `GET /api/v2/end-users/` (trailing slash) one keyset page at a time or by
 * `external_id`, and `GET /api/v2/end-users/{end_user_id}` for one user, with `Authorization: Bearer`.
 * `meta.next_page_url` is reduced to its `cursor`: rollcall never follows a URL an upstream handed it, and
 * never puts one in a cursor.
 */
import { codeForStatus, ErrorCode, isUpstreamError, UpstreamError } from '../../errors.js';
import type { ErrorDetector, UpstreamClient, UpstreamResponse } from '../../upstream/client.js';
import { validateAdaEndUser, validateAdaList, type AdaWireEndUser, type AdaWireErrorBody } from './wire.js';
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

interface AdaPage {
  users: AdaWireEndUser[];
  /** The `cursor` of `meta.next_page_url`; null on the last page, whichever way Ada marks it. */
  next: string | null;
}

/** Reads Ada's `{errors: [{type, message, details}]}` from non-2xx answers. */
export const detectAdaError: ErrorDetector = ({ status, body }) => {
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
  };
};

export class AdaClient {
  constructor(private readonly upstream: UpstreamClient) {}

  /** One keyset page: `limit` records starting at (or after: Ada does not say) `cursor`. */
  async listPage(cursor: string | null, limit: number): Promise<AdaPage> {
    const { body } = await this.upstream.request({
      path: LIST_PATH,
      searchParams: { cursor: cursor ?? undefined, limit },
      schema: validateAdaList,
    });
    return { users: body.data ?? [], next: cursorOf(body.meta?.next_page_url) };
  }

  /** One end user by id; null when Ada answers 404. */
  async fetchEndUser(endUserId: string): Promise<AdaWireEndUser | null> {
    // A dot segment would be normalised away into another path: it can name no end user.
    if (endUserId === '' || endUserId === '.' || endUserId === '..') return null;
    return this.orNullOn404(
      this.upstream.request({
        path: `${LIST_PATH}${encodeURIComponent(endUserId)}`,
        route: `${LIST_PATH}{end_user_id}`,
        schema: validateAdaEndUser,
      }),
    );
  }

  /** The end user with this external id (Ada matches it case-insensitively); null when Ada answers 404. */
  async findByExternalId(externalId: string): Promise<AdaWireEndUser | null> {
    return this.orNullOn404(
      this.upstream.request({
        path: LIST_PATH,
        searchParams: { external_id: externalId },
        schema: validateAdaEndUser,
      }),
    );
  }

  private async orNullOn404(
    request: Promise<UpstreamResponse<AdaWireEndUser>>,
  ): Promise<AdaWireEndUser | null> {
    try {
      return (await request).body;
    } catch (error) {
      if (isUpstreamError(error, ErrorCode.UPSTREAM_NOT_FOUND)) return null;
      throw error;
    }
  }
}

/**
 * The `cursor` query parameter of `meta.next_page_url`; the URL itself is dropped. The response schema
 * already requires a `cursor` parameter in a non-empty link, so this fails only for one URL parsing cannot
 * read (a semantic check, not a shape one).
 */
function cursorOf(nextPageUrl: string | null | undefined): string | null {
  if (nextPageUrl === undefined || nextPageUrl === null || nextPageUrl === '') return null;
  let cursor: string | null = null;
  try {
    cursor = new URL(nextPageUrl, 'https://ada.invalid/').searchParams.get('cursor');
  } catch {
    cursor = null;
  }
  if (!cursor)
    throw new UpstreamError({
      provider: 'ADA',
      code: ErrorCode.UPSTREAM_BAD_RESPONSE,
      message: 'unexpected response shape: /meta/next_page_url has no cursor',
    });
  return cursor;
}
