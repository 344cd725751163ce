/**
 * Voximplant Management API wire calls: `GetUsers` as `POST {base}/platform_api/GetUsers` with a
 * form-encoded body (the method in the path like the Go SDK and the docs; form fields like the Python
 * SDK; values as strings, booleans `true`/`false`, lists `;`-joined). The GraphQL filter becomes GetUsers
 * parameters here and nowhere else.
 *
 * Voximplant reports API errors with HTTP 200 and `{error: {code, msg}}`, so `detectVoximplantError`
 * inspects every answer, not only non-2xx ones.
 */
import {
  BadUserInputError,
  codeForStatus,
  ErrorCode,
  isUpstreamError,
  type UpstreamErrorCode,
} from '../../errors.js';
import type { ErrorDetector, UpstreamClient } from '../../upstream/client.js';
import type { VoximplantUserFilter, VoximplantUserOrder } from '../../generated/resolvers.js';
import { validateVoximplantGetUsers, type VoximplantErrorBody, type VoximplantWireUser } from './wire.js';
import { checkText, FILTER_TEXT, type NativeIdRule } from '../core/nativeId.js';

/** The largest user id GraphQL's Int (and so `voximplantUser(userId:)`) can carry. */
const MAX_VOXIMPLANT_USER_ID = 2 ** 31 - 1;

/** A Voximplant user id: a decimal integer; zero, negative or beyond Int ids cannot exist (a miss). */
export const VOXIMPLANT_USER_ID: NativeIdRule = {
  allowed: 'a decimal integer (a Voximplant user id)',
  maxLength: 20,
  pattern: /^-?\d+$/,
  impossible: (id) => !/^[1-9]\d{0,9}$/.test(id) || Number(id) > MAX_VOXIMPLANT_USER_ID,
};

/** Exactly one of the two: GetUsers' mandatory application filter. */
export type VoximplantApplication = { applicationId: number } | { applicationName: string };

export type GetUsersParams = Record<string, string | number | boolean>;

/**
 * A GetUsers list: the applications it covers and the other parameters. GetUsers filters on exactly one
 * application per call, so a list over several is read application by application and merged (see
 * {@link VoximplantClient.list}).
 */
export interface GetUsersQuery {
  applications: readonly VoximplantApplication[];
  params: GetUsersParams;
}

interface VoximplantPage {
  users: VoximplantWireUser[];
  /** `total_count`: every user matching the parameters. */
  total: number;
}

const ORDER_BY: Record<VoximplantUserOrder, string> = {
  USER_ID: 'user_id',
  USER_NAME: 'user_name',
  USER_DISPLAY_NAME: 'user_display_name',
};

function applicationParams(application: VoximplantApplication): GetUsersParams {
  return 'applicationId' in application
    ? { application_id: application.applicationId }
    : { application_name: application.applicationName };
}

const given = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

/**
 * The GetUsers list (without `offset`/`count`) of a filter and order. The filter's application, when
 * given, replaces the configured ones; giving both an id and a name is BAD_USER_INPUT (GetUsers takes
 * exactly one). `with_skills` and `with_queues` default to true so list items carry skills and queues
 * like lookups do; the filter can turn them off. `order_by` is sent only when asked (Voximplant's
 * default is `user_name`).
 */
export function getUsersQuery(
  configured: readonly VoximplantApplication[],
  filter: VoximplantUserFilter | null | undefined,
  orderBy: VoximplantUserOrder | null | undefined,
): GetUsersQuery {
  const f = filter ?? {};
  if (given(f.applicationId) && given(f.applicationName)) {
    throw new BadUserInputError(
      'Give "filter.applicationId" or "filter.applicationName", not both: Voximplant filters on exactly one application.',
      { argument: 'filter' },
    );
  }
  for (const [name, value] of Object.entries({
    applicationName: f.applicationName,
    userName: f.userName,
    userDisplayName: f.userDisplayName,
  }))
    if (value) checkText(FILTER_TEXT, value, `filter.${name}`);
  for (const [name, value] of Object.entries({
    applicationId: f.applicationId,
    skillId: f.skillId,
    excludedSkillId: f.excludedSkillId,
    acdQueueId: f.acdQueueId,
    excludedAcdQueueId: f.excludedAcdQueueId,
    userId: f.userId,
    showingSkillId: f.showingSkillId,
  }))
    if (given(value) && value < 1)
      throw new BadUserInputError(
        `"filter.${name}" must be a positive integer (Voximplant ids start at 1); got ${value}.`,
        { argument: `filter.${name}` },
      );
  const applications: readonly VoximplantApplication[] = given(f.applicationId)
    ? [{ applicationId: f.applicationId }]
    : given(f.applicationName) && f.applicationName !== ''
      ? [{ applicationName: f.applicationName }]
      : configured;
  const params: GetUsersParams = {};
  const ints = {
    skill_id: f.skillId,
    excluded_skill_id: f.excludedSkillId,
    acd_queue_id: f.acdQueueId,
    excluded_acd_queue_id: f.excludedAcdQueueId,
    user_id: f.userId,
    showing_skill_id: f.showingSkillId,
  };
  for (const [name, value] of Object.entries(ints)) if (given(value)) params[name] = value;
  if (f.userName) params.user_name = f.userName;
  if (f.userDisplayName) params.user_display_name = f.userDisplayName;
  if (given(f.userActive)) params.user_active = f.userActive;
  if (f.acdStatus && f.acdStatus.length > 0) params.acd_status = [...new Set(f.acdStatus)].join(';');
  params.with_skills = f.withSkills ?? true;
  params.with_queues = f.withQueues ?? true;
  if (given(f.returnLiveBalance)) params.return_live_balance = f.returnLiveBalance;
  if (orderBy) params.order_by = ORDER_BY[orderBy];
  return { applications, params };
}

/**
 * GetUsers' order as the merge of several applications' lists reproduces it: the `order_by` field
 * compared case-insensitively, then `user_id` (Voximplant's collation is not documented: this is the
 * emulator's, see providers.md).
 */
function orderOf(params: GetUsersParams): (a: VoximplantWireUser, b: VoximplantWireUser) => number {
  const field =
    params.order_by === 'user_id' || params.order_by === 'user_display_name' ? params.order_by : 'user_name';
  return (a, b) => {
    if (field !== 'user_id') {
      const x = String(a[field] ?? '').toLowerCase();
      const y = String(b[field] ?? '').toLowerCase();
      if (x !== y) return x < y ? -1 : 1;
    }
    return a.user_id - b.user_id;
  };
}

interface CodeInfo {
  code: UpstreamErrorCode;
  message: string;
}

const TOKEN_REFUSED = 'the service-account token was refused';

/** Voximplant's API error codes (`APIErrorCode` in the Node SDK) → rollcall's codes, in our words. */
const CODES: Record<number, CodeInfo> = {
  100: {
    code: ErrorCode.UPSTREAM_UNAUTHORIZED,
    message:
      'authorization failed (check the service-account credentials: the key may be revoked or belong to another account)',
  },
  447: { code: ErrorCode.UPSTREAM_UNAUTHORIZED, message: `${TOKEN_REFUSED} as malformed` },
  454: { code: ErrorCode.UPSTREAM_UNAUTHORIZED, message: `${TOKEN_REFUSED}: its lifetime is not accepted` },
  455: {
    code: ErrorCode.UPSTREAM_UNAUTHORIZED,
    message: `${TOKEN_REFUSED} as issued in the future (check the clock)`,
  },
  456: { code: ErrorCode.UPSTREAM_UNAUTHORIZED, message: `${TOKEN_REFUSED} as expired (check the clock)` },
  104: {
    code: ErrorCode.UPSTREAM_FORBIDDEN,
    message:
      "the service account's role may not call GetUsers (it needs Owner, Admin, Developer, Supervisor or User manager)",
  },
  340: { code: ErrorCode.UPSTREAM_RATE_LIMITED, message: 'rate limit exceeded' },
  515: { code: ErrorCode.UPSTREAM_RATE_LIMITED, message: 'too many identical operations at once' },
  // rollcall validates everything a client controls before calling, so invalid arguments are our fault.
  101: {
    code: ErrorCode.UPSTREAM_BAD_RESPONSE,
    message: 'Voximplant refused the GetUsers arguments rollcall sent',
  },
  102: { code: ErrorCode.UPSTREAM_BAD_RESPONSE, message: 'Voximplant did not see the GetUsers command' },
  103: { code: ErrorCode.UPSTREAM_BAD_RESPONSE, message: 'Voximplant does not know the GetUsers command' },
  117: { code: ErrorCode.UPSTREAM_NOT_FOUND, message: 'no such user' },
};

function errorOf(body: unknown): { code?: unknown; msg?: unknown } | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { error, errors } = body as VoximplantErrorBody;
  if (error && typeof error === 'object') return error;
  if (Array.isArray(errors) && errors.length > 0 && errors[0] && typeof errors[0] === 'object')
    return errors[0];
  return undefined;
}

/**
 * Reads `{error: {code, msg}}` (or `{errors: [...]}`) from every answer, HTTP 200 included, and maps the
 * code; `msg` is not passed on (its wording is undocumented). A non-2xx answer without such a body maps by
 * status.
 */
export const detectVoximplantError: ErrorDetector = ({ status, body }) => {
  const error = errorOf(body);
  if (error) {
    const upstreamCode =
      typeof error.code === 'number' ? error.code : typeof error.code === 'string' ? error.code : undefined;
    const known = typeof upstreamCode === 'number' ? CODES[upstreamCode] : undefined;
    const code =
      known?.code ??
      (status >= 200 && status < 300 ? ErrorCode.UPSTREAM_BAD_RESPONSE : codeForStatus(status));
    return {
      code,
      status,
      upstreamCode,
      reason: known?.message ?? `Voximplant error ${String(upstreamCode ?? 'without a code')}`,
      upstreamMessage: typeof error.msg === 'string' ? error.msg : undefined,
    };
  }
  if (status >= 200 && status < 300) return undefined;
  return { code: codeForStatus(status), status };
};

export class VoximplantClient {
  /** Merged reads of several applications in flight, shared by the windows asking for them at once. */
  private readonly merging = new Map<string, Promise<VoximplantWireUser[]>>();

  /**
   * @param applications the source's applications (one, or several to merge)
   * @param walkSize users per call when several applications are read whole
   */
  constructor(
    private readonly upstream: UpstreamClient,
    readonly applications: readonly VoximplantApplication[],
    private readonly walkSize: number,
  ) {}

  /**
   * One window of a list. Over one application it is one GetUsers call. Over several, each user once:
   * GetUsers filters on one application per call and a user bound to two is in both lists, so the
   * position of a user in the union is known only from every list whole — each application is read
   * whole (`walkSize` users a call: its first page tells its total, the rest follow at once), the lists
   * merge in the query's order without duplicates (a user's `applications` lists every application it
   * is bound to, whichever list it came from), and the window is cut from the union. The upstream cache
   * then serves the next windows' calls.
   */
  async list(query: GetUsersQuery, offset: number, count: number): Promise<VoximplantPage> {
    const [only, ...others] = query.applications;
    if (others.length === 0)
      return this.getUsers({ ...applicationParams(only), ...query.params }, offset, count);
    const key = JSON.stringify(query);
    let merged = this.merging.get(key);
    if (!merged) {
      merged = this.merge(query).finally(() => this.merging.delete(key));
      this.merging.set(key, merged);
    }
    const users = await merged;
    return { users: users.slice(offset, offset + count), total: users.length };
  }

  private async merge(query: GetUsersQuery): Promise<VoximplantWireUser[]> {
    const lists = await Promise.all(
      query.applications.map(async (application) => {
        const params = { ...applicationParams(application), ...query.params };
        const first = await this.getUsers(params, 0, this.walkSize);
        const rest = [];
        for (let offset = this.walkSize; offset < first.total; offset += this.walkSize)
          rest.push(this.getUsers(params, offset, this.walkSize));
        return [first, ...(await Promise.all(rest))].flatMap((page) => page.users);
      }),
    );
    const byId = new Map<number, VoximplantWireUser>();
    for (const user of lists.flat()) if (!byId.has(user.user_id)) byId.set(user.user_id, user);
    return [...byId.values()].sort(orderOf(query.params));
  }

  /** One GetUsers window. Error 117 (invalid user id) under a `user_id` filter is an empty result. */
  async getUsers(params: GetUsersParams, offset: number, count: number): Promise<VoximplantPage> {
    try {
      return await this.call({ ...params, offset, count });
    } catch (error) {
      if (params.user_id !== undefined && isUpstreamError(error, ErrorCode.UPSTREAM_NOT_FOUND))
        return { users: [], total: 0 };
      throw error;
    }
  }

  /**
   * One user of the source's applications by id (GetUsers with `user_id`, one application after the
   * other until one has it); null when none has.
   */
  async fetchUser(userId: number): Promise<VoximplantWireUser | null> {
    for (const application of this.applications) {
      const page = await this.getUsers(
        { ...applicationParams(application), user_id: userId, with_skills: true, with_queues: true },
        0,
        1,
      );
      const user = page.users.find((found) => found.user_id === userId);
      if (user) return user;
    }
    return null;
  }

  private async call(form: GetUsersParams): Promise<VoximplantPage> {
    const { body } = await this.upstream.request({
      method: 'POST',
      path: 'platform_api/GetUsers',
      form,
      schema: validateVoximplantGetUsers,
    });
    return { users: body.result, total: body.total_count };
  }
}
