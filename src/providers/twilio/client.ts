/**
 * Twilio Conversations wire calls: `GET /v1/Users` (or the service-scoped twin) one page at a time, and
 * `GET /v1/Users/{Sid}` for one user. Paging links are reduced to their `PageToken` and `Page`: rollcall
 * never follows a URL an upstream handed it, and never puts one in a cursor.
 */
import { codeForStatus, ErrorCode, isUpstreamError } from '../../errors.js';
import type { ErrorDetector, UpstreamClient } from '../../upstream/client.js';
import { validateTwilioList, validateTwilioUser, type TwilioWireUser } from './wire.js';
import { isDotSegment, type NativeIdRule } from '../core/nativeId.js';

/**
 * `GET /v1/Users/{Sid}` takes a sid (`US` + 32 hex digits) or an identity, which is free text: only its
 * length is bounded (rollcall's bound, 256 characters). `.` and `..` cannot be fetched by path: a miss.
 */
export const TWILIO_USER_ID: NativeIdRule = {
  allowed:
    'a user sid ("US" and 32 hex digits) or an identity of 1 to 256 characters without control characters',
  maxLength: 256,
  impossible: isDotSegment,
};

/** Where a page starts: Twilio's token (null for the first page) and the client-state page index. */
interface TwilioPageRef {
  token: string | null;
  page: number;
}

interface TwilioPage {
  users: TwilioWireUser[];
  next: TwilioPageRef | null;
  previous: TwilioPageRef | null;
}

/** Twilio error codes rollcall words precisely (https://www.twilio.com/docs/api/errors). */
const REASONS: Record<number, string> = {
  20003: 'Twilio refused the credentials (check TWILIO_ACCOUNT_SID and the auth token or API key)',
  20404: 'Twilio has no such resource (check TWILIO_CONVERSATIONS_SERVICE_SID)',
  20429: 'Twilio rate-limited the request (too many concurrent requests)',
  21481: 'Twilio refused the page token (the cursor is from a list that changed or expired)',
};

/**
 * Reads Twilio's error body `{code, message, more_info, status}` from non-2xx answers. Twilio's
 * `message` quotes request URLs and the account sid: it goes to the debug log only.
 */
export const detectTwilioError: ErrorDetector = ({ status, body }) => {
  if (status >= 200 && status < 300) return undefined;
  const error = (body ?? {}) as { code?: unknown; message?: unknown };
  const upstreamCode = typeof error.code === 'number' ? error.code : undefined;
  const reason = upstreamCode !== undefined ? REASONS[upstreamCode] : undefined;
  return {
    code: codeForStatus(status),
    status,
    upstreamCode,
    reason: reason ? `${reason} (HTTP ${status})` : undefined,
    upstreamMessage: typeof error.message === 'string' ? error.message : undefined,
  };
};

function refFromUrl(url: string | null | undefined): TwilioPageRef | null {
  if (!url) return null;
  try {
    const params = new URL(url).searchParams;
    const page = Number(params.get('Page') ?? '0');
    return { token: params.get('PageToken'), page: Number.isInteger(page) && page >= 0 ? page : 0 };
  } catch {
    return null;
  }
}

export class TwilioClient {
  private readonly usersPath: string;
  /** The users path as a template (the service sid is an account identifier). */
  private readonly usersRoute: string;

  constructor(
    private readonly upstream: UpstreamClient,
    serviceSid: string | undefined,
  ) {
    this.usersPath = serviceSid ? `v1/Services/${encodeURIComponent(serviceSid)}/Users` : 'v1/Users';
    this.usersRoute = serviceSid ? 'v1/Services/{ChatServiceSid}/Users' : 'v1/Users';
  }

  async listPage(ref: TwilioPageRef, pageSize: number): Promise<TwilioPage> {
    const { body } = await this.upstream.request({
      path: this.usersPath,
      route: this.usersRoute,
      searchParams: {
        PageSize: pageSize,
        Page: ref.token === null && ref.page === 0 ? undefined : ref.page,
        PageToken: ref.token ?? undefined,
      },
      schema: validateTwilioList,
    });
    return {
      users: body.users,
      next: refFromUrl(body.meta.next_page_url),
      previous: refFromUrl(body.meta.previous_page_url),
    };
  }

  /** One user by sid or identity; null when Twilio answers 404. */
  async fetchUser(sidOrIdentity: string): Promise<TwilioWireUser | null> {
    // "." and ".." survive encodeURIComponent and would be normalised into another path.
    if (sidOrIdentity === '' || sidOrIdentity === '.' || sidOrIdentity === '..') return null;
    try {
      const { body } = await this.upstream.request({
        path: `${this.usersPath}/${encodeURIComponent(sidOrIdentity)}`,
        route: `${this.usersRoute}/{Sid}`,
        schema: validateTwilioUser,
      });
      return body;
    } catch (error) {
      if (isUpstreamError(error, ErrorCode.UPSTREAM_NOT_FOUND)) return null;
      throw error;
    }
  }
}
