/**
 * A CometChat REST API v3 emulator: `GET /v3/users` and `GET /v3/users/{uid}` with `apikey` auth,
 * every documented list filter, page-number paging, CometChat's error bodies and per-minute rate
 * limiting (CometChat's REST API reference); and the user admin endpoints that change what the list
 * answers: Create (`POST /v3/users`), Update (`PUT /v3/users/{uid}`), Delete (`DELETE /v3/users/{uid}`),
 * Deactivate (`DELETE /v3/users`) and Reactivate (`PUT /v3/users`). Every [UNKNOWN] of the contract is
 * decided here and listed in ./README.md; the ones a client could reasonably depend on are options.
 */
import { randomBytes } from 'node:crypto';
import {
  EmulatorServer,
  RateLimiter,
  seededRandom,
  type EmulatorOptions,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
} from '../../emulators/base.js';
import {
  SUPPORT_MAILBOX_SPELLINGS,
  poolAccounts,
  poolSlots,
  type PoolEntry,
} from '../../emulators/people.js';
import type {
  CometChatErrorBody,
  CometChatListResponse,
  CometChatPagination,
  CometChatSingleResponse,
  CometChatWireCursor,
  CometChatWireUser,
} from './wire.js';

// ---------------------------------------------------------------------------------------------
// Stored users (the wire types themselves are in wire.ts).
// ---------------------------------------------------------------------------------------------

/**
 * A user as the emulator stores and sends it: the wire type with the keys CometChat always sends filled
 * (`name`, `status`, `role`, `createdAt`, `updatedAt`) and no nulls; the rest absent unless set.
 */
export interface StoredCometChatUser extends CometChatWireUser {
  name: string;
  link?: string;
  avatar?: string;
  metadata?: Record<string, unknown>;
  status: string;
  role: string;
  statusMessage?: string;
  tags?: string[];
  blockedByMe?: boolean;
  hasBlockedMe?: boolean;
  blockedByMeAt?: number;
  blockedAt?: number;
  createdAt: number;
  updatedAt: number;
  lastActiveAt?: number;
  deactivatedAt?: number;
  conversationId?: string;
}

/** Create User's `data`: the stored user, with `authToken` when `withAuthToken` was true. */
export interface CreatedCometChatUser extends StoredCometChatUser {
  authToken?: string;
}

/** The list body the emulator sends: its stored users, every pagination field, and CometChat's `cursor`. */
export interface EmulatedCometChatList extends CometChatListResponse {
  data: StoredCometChatUser[];
  meta: { pagination: { [K in keyof CometChatPagination]-?: number } };
  cursor: CometChatWireCursor;
}

// ---------------------------------------------------------------------------------------------
// Options and defaults.
// ---------------------------------------------------------------------------------------------

/** Obviously fake demo credentials; real keys are 40 hex characters. */
const COMETCHAT_DEMO_API_KEY = 'rollcall-demo-cometchat-fullaccess-key';
export const COMETCHAT_DEMO_AUTH_ONLY_KEY = 'rollcall-demo-cometchat-authonly-key';
const COMETCHAT_DEMO_APP_ID = 'rollcalldemo';

const COMETCHAT_DEFAULT_PER_PAGE = 100;
const COMETCHAT_MAX_PER_PAGE = 1000;
/** `rateLimit: true` means this many calls per minute: small enough for tests to exceed. */
const COMETCHAT_TEST_RATE_LIMIT_PER_MINUTE = 60;

interface CometChatEmulatorOptions extends EmulatorOptions {
  /** The `fullAccess` REST key (default {@link COMETCHAT_DEMO_API_KEY}). */
  apiKey?: string;
  appId?: string;
  /** A key with `authOnly` scope: known, but refused with 403 AUTH_ERR_NO_ACCESS. */
  authOnlyKey?: string;
  /** Off by default; `true` = {@link COMETCHAT_TEST_RATE_LIMIT_PER_MINUTE} per minute. */
  rateLimit?: boolean | { perMinute: number };
  /** `perPage` above 1000: `reject` with 400 ERR_BAD_REQUEST (default) or `clamp` to 1000. */
  perPageAboveMax?: 'reject' | 'clamp';
  /**
   * `count=true`: `ignore` (default: the list is answered as usual; `meta.pagination.total` already
   * is the count) or `countOnly` (`data: []` with honest `meta.pagination`).
   */
  countParam?: 'ignore' | 'countOnly';
  /**
   * How many users the data set holds (default: the hand-made seed, 166). With it, the six superheroes
   * (fewer when `userCount` < 6) and generated users up to exactly `userCount`, from the same seed and
   * generator: the same count gives the same users, and 166 gives the default seed.
   */
  userCount?: number;
}

// ---------------------------------------------------------------------------------------------
// The emulator.
// ---------------------------------------------------------------------------------------------

type ErrorDetails = Record<string, string[]>;

const SEARCH_FIELDS = ['name', 'uid'] as const;
type SearchField = (typeof SEARCH_FIELDS)[number];
const STATUS_FILTER_VALUES = ['available', 'offline'];

export class CometChatEmulator extends EmulatorServer {
  readonly apiKey: string;
  readonly appId: string;
  readonly authOnlyKey: string;
  /**
   * The whole data set, deactivated users included, in the emulator's list order. Change it only through
   * the admin endpoints (they keep the order and drop the views): unfiltered lists page through views of it
   * built on the first list call, rebuilt only when its length changes or an admin call changed a user
   * (truncating it, as the benchmark does, is fine; editing users in place from outside is not).
   */
  readonly users: StoredCometChatUser[];
  /** Calls allowed per minute, when rate limiting is on. */
  readonly rateLimitPerMinute: number | undefined;
  private readonly limiter: RateLimiter | undefined;
  private readonly perPageAboveMax: 'reject' | 'clamp';
  private readonly countParam: 'ignore' | 'countOnly';
  private views: UserViews | undefined;

  constructor(options: CometChatEmulatorOptions = {}) {
    super('cometchat', (req) => this.handle(req), options);
    this.apiKey = options.apiKey ?? COMETCHAT_DEMO_API_KEY;
    this.appId = options.appId ?? COMETCHAT_DEMO_APP_ID;
    this.authOnlyKey = options.authOnlyKey ?? COMETCHAT_DEMO_AUTH_ONLY_KEY;
    this.perPageAboveMax = options.perPageAboveMax ?? 'reject';
    this.countParam = options.countParam ?? 'ignore';
    const perMinute =
      options.rateLimit === true
        ? COMETCHAT_TEST_RATE_LIMIT_PER_MINUTE
        : options.rateLimit
          ? options.rateLimit.perMinute
          : undefined;
    this.rateLimitPerMinute = perMinute;
    this.limiter =
      perMinute === undefined ? undefined : new RateLimiter([{ limit: perMinute, windowMs: 60_000 }]);
    const userCount = options.userCount;
    if (userCount !== undefined && (!Number.isInteger(userCount) || userCount < 0)) {
      throw new RangeError(`CometChatEmulator: userCount must be a non-negative integer, got ${userCount}`);
    }
    this.users = buildUsers(userCount).sort(compareUsers);
  }

  /** Env vars that point rollcall at this running emulator (used by demo mode and tests). */
  override errorBody(status: number, message: string): unknown {
    const code =
      {
        401: 'AUTH_ERR_APIKEY_NOT_FOUND',
        403: 'AUTH_ERR_NO_ACCESS',
        404: 'ERR_ROUTE_NOT_FOUND',
        429: 'ERR_TOO_MANY_REQUESTS',
      }[status] ?? 'ERR_INTERNAL_SERVER_ERROR';
    return { error: { code, message, devMessage: message, source: 'chat-api' } };
  }

  override refusal(message: string): Fault {
    return { status: 401, body: this.errorBody(401, message) };
  }

  demoEnv(): Record<string, string> {
    return {
      COMETCHAT_API_KEY: this.apiKey,
      COMETCHAT_APP_ID: this.appId,
      COMETCHAT_REGION: 'us',
      COMETCHAT_BASE_URL: this.baseUrl,
    };
  }

  private handle(req: EmulatorRequest): EmulatorResponse {
    // Counted before auth: the limit is per app (the app id is in the hostname), so a rejected
    // key still spends the app's quota.
    let rateHeaders: Record<string, string> = {};
    if (this.limiter && this.rateLimitPerMinute !== undefined) {
      const limit = this.rateLimitPerMinute;
      const verdict = this.limiter.check();
      if (!verdict.ok) {
        const reset = String(Math.ceil(verdict.resetAt / 1000));
        return error(
          429,
          'ERR_TOO_MANY_REQUESTS',
          'Too many requests. Please retry after some time.',
          `The rate limit of ${limit} requests per minute has been exceeded for this app.`,
          undefined,
          {
            'Retry-After': String(verdict.retryAfterSeconds),
            ...rateLimitHeaders(limit, 0),
            'X-Rate-Limit-Reset': reset,
            'X-RateLimit-Reset': reset,
          },
        );
      }
      rateHeaders = rateLimitHeaders(limit, this.limiter.remaining());
    }
    const answer = this.route(req);
    return { ...answer, headers: { ...answer.headers, ...rateHeaders } };
  }

  private route(req: EmulatorRequest): EmulatorResponse {
    const match = /^\/v3\/users(?:\/([^/]+))?\/?$/.exec(req.path);
    if (!match) {
      return error(
        404,
        'ERR_ROUTE_NOT_FOUND',
        `The route ${req.path} does not exist.`,
        'This emulator serves /v3/users (GET, POST, PUT, DELETE) and /v3/users/{uid} (GET, PUT, DELETE) only.',
      );
    }
    const single = match[1] !== undefined;
    const methods = single ? ['GET', 'PUT', 'DELETE'] : ['GET', 'POST', 'PUT', 'DELETE'];
    if (!methods.includes(req.method)) {
      return error(
        405,
        'ERR_METHOD_NOT_ALLOWED',
        `The ${req.method} method is not supported for this route.`,
        `This route supports ${methods.join(', ')} only.`,
      );
    }
    const auth = this.authenticate(req);
    if (auth) return auth;
    if (single) {
      const uid = decodeURIComponent(match[1]);
      if (req.method === 'PUT') return this.updateUser(uid, readBody(req));
      if (req.method === 'DELETE') return this.deleteUser(uid, readBody(req));
      return this.getUser(uid);
    }
    if (req.method === 'POST') return this.createUser(readBody(req));
    if (req.method === 'PUT') return this.setActive(readBody(req), true);
    if (req.method === 'DELETE') return this.setActive(readBody(req), false);
    return this.listUsers(req.query);
  }

  private authenticate(req: EmulatorRequest): EmulatorResponse | undefined {
    const raw = req.headers.apikey;
    const key = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? '';
    if (!key) {
      return error(
        401,
        'AUTH_ERR_EMPTY_APIKEY',
        'The apikey header is empty or missing.',
        'Please pass the REST API key of the app in the apikey header.',
      );
    }
    if (key === this.authOnlyKey) {
      return error(
        403,
        'AUTH_ERR_NO_ACCESS',
        `The key ${key} cannot be used to perform this operation. Please use API key with a correct scope to perform the operation.`,
        `The ${key} key does not have enough clearance. To perform the operation, please use the API key with the correct scope.`,
      );
    }
    if (key !== this.apiKey) {
      return error(
        401,
        'AUTH_ERR_APIKEY_NOT_FOUND',
        `The apikey ${key} does not exist for the app ${this.appId}.`,
        `The apikey ${key} could not be found. Please verify the apikey and the app id.`,
      );
    }
    return undefined;
  }

  private getUser(uid: string): EmulatorResponse {
    // UIDs are stored lower-cased (CometChat lower-cases them on create), so lookups are too.
    const wanted = uid.toLowerCase();
    const user = this.users.find((u) => u.uid === wanted && u.deactivatedAt === undefined);
    if (!user) return uidNotFound(uid);
    // The single fetch has no withTags switch: it always includes tags when the user has any.
    const body: CometChatSingleResponse = { data: structuredClone(user) };
    return { status: 200, body };
  }

  /**
   * Create User (`POST /v3/users`): `uid` and `name` required; `avatar`, `link`, `role`, `statusMessage`,
   * `metadata`, `tags`, `withAuthToken`. The uid is lower-cased (CometChat's documented behaviour) and
   * must be new, deactivated users included: CometChat keeps a deactivated (soft-deleted) user's uid.
   */
  private createUser(body: Record<string, unknown>): EmulatorResponse {
    const rules = new BodyRules(body);
    const uid = rules.string('uid', { required: true, max: 100 });
    const name = rules.string('name', { required: true, max: 100 });
    const fields = profileFields(rules);
    const withAuthToken = rules.boolean('withAuthToken');
    const refused = rules.refusal() ?? checkUid(uid!) ?? checkRole(fields.role);
    if (refused) return refused;

    const wanted = uid!.toLowerCase();
    if (this.users.some((u) => u.uid === wanted)) {
      // [ASSUMPTION] HTTP 400, as for CometChat's other refused inputs (no source gives the status).
      return error(
        400,
        'ERR_UID_ALREADY_EXISTS',
        `The uid ${wanted} already exists. Please use another uid or try after permanently deleting the user.`,
        `A user with the uid ${wanted} already exists, deactivated users included.`,
      );
    }
    const now = nowSeconds();
    const user = orderKeys({
      uid: wanted,
      name: name!,
      ...withoutEmpty(fields),
      status: 'offline',
      role: fields.role ?? 'default',
      createdAt: now,
      // [ASSUMPTION] The create example has no updatedAt; the emulator's users always carry one (the list
      // cursor reads it), so a new user's is its createdAt.
      updatedAt: now,
    });
    this.place(undefined, user);
    const data: CreatedCometChatUser = structuredClone(user);
    // Auth tokens look like the docs' example: `<uid>_<createdAt><30 hex>`; the emulator does not keep them.
    if (withAuthToken) data.authToken = `${wanted}_${now}${randomBytes(15).toString('hex')}`;
    return { status: 200, body: { data } };
  }

  /**
   * Update User (`PUT /v3/users/{uid}`): any of `name`, `avatar`, `link`, `role`, `statusMessage`,
   * `metadata`, `tags` replaces the stored value, then `unset` (`avatar`, `link`, `metadata`) removes
   * fields. A deactivated user is not found, as on the single fetch.
   */
  private updateUser(uid: string, body: Record<string, unknown>): EmulatorResponse {
    const wanted = uid.toLowerCase();
    const current = this.users.find((u) => u.uid === wanted && u.deactivatedAt === undefined);
    if (!current) return uidNotFound(uid);
    const rules = new BodyRules(body);
    const name = rules.string('name', { max: 100, filled: true });
    const fields = profileFields(rules);
    const unset = rules.stringList('unset', { within: UNSETTABLE });
    const refused = rules.refusal() ?? checkRole(fields.role);
    if (refused) return refused;

    const next: StoredCometChatUser = {
      ...structuredClone(current),
      ...(name === undefined ? {} : { name }),
    };
    for (const [key, value] of Object.entries(fields) as [ProfileField, unknown][]) {
      if (value === undefined) continue;
      // An empty list, object or status message clears the field: optional keys are absent, never empty.
      if (isEmpty(value)) delete next[key];
      else Object.assign(next, { [key]: value });
    }
    // [ASSUMPTION] `unset` is applied after the values given, so a field both given and unset is removed.
    for (const key of unset ?? []) delete next[key as (typeof UNSETTABLE)[number]];
    next.updatedAt = Math.max(nowSeconds(), current.updatedAt);
    const user = orderKeys(next);
    this.place(current, user);
    const answer: CometChatSingleResponse = { data: structuredClone(user) };
    return { status: 200, body: answer };
  }

  /**
   * Delete User (`DELETE /v3/users/{uid}`): without `permanent: true` the user is deactivated (CometChat's
   * soft delete, which its error guide equates with deactivation); with it the user is gone, uid included.
   */
  private deleteUser(uid: string, body: Record<string, unknown>): EmulatorResponse {
    const rules = new BodyRules(body);
    const permanent = rules.boolean('permanent') ?? false;
    const refused = rules.refusal();
    if (refused) return refused;
    const wanted = uid.toLowerCase();
    // A permanent delete also reaches deactivated users (the way to free their uid).
    const current = this.users.find((u) => u.uid === wanted && (permanent || u.deactivatedAt === undefined));
    if (!current) return uidNotFound(uid);
    if (permanent) this.place(current, undefined);
    else this.place(current, deactivated(current, nowSeconds()));
    return {
      status: 200,
      body: { data: { success: true, message: `User with ${wanted} has been deleted successfully.` } },
    };
  }

  /**
   * Deactivate Users (`DELETE /v3/users`, `uidsToDeactivate`) and Reactivate Users (`PUT /v3/users`,
   * `uidsToActivate`), at most 25 uids a call (CometChat's documented limit). Unknown uids are skipped;
   * the answer names every uid of the request that exists and is now in the asked state, in request order
   * (`deactivatedUids`; `nonDeactivatedUids` for reactivation, the key CometChat's reference shows).
   */
  private setActive(body: Record<string, unknown>, active: boolean): EmulatorResponse {
    const field = active ? 'uidsToActivate' : 'uidsToDeactivate';
    const rules = new BodyRules(body);
    const uids = rules.stringList(field, { required: true, maxItems: MAX_UIDS_PER_CALL });
    const refused = rules.refusal();
    if (refused) return refused;
    const now = nowSeconds();
    const done: string[] = [];
    for (const wanted of new Set(uids!.map((u) => u.toLowerCase()))) {
      const current = this.users.find((u) => u.uid === wanted);
      if (!current) continue;
      done.push(wanted);
      // Already in the asked state: left as it is (its timestamps too).
      if ((current.deactivatedAt === undefined) === active) continue;
      this.place(current, active ? reactivated(current, now) : deactivated(current, now));
    }
    const data = active ? { nonDeactivatedUids: done } : { deactivatedUids: done };
    return { status: 200, body: { data } };
  }

  /**
   * Replaces `current` by `next` in `users` (either may be absent: a create, a permanent delete), keeping
   * the list order, and drops the list views so the next list call sees the change.
   */
  private place(current: StoredCometChatUser | undefined, next: StoredCometChatUser | undefined): void {
    if (current) {
      const index = this.users.indexOf(current);
      if (index >= 0) this.users.splice(index, 1);
    }
    if (next) {
      let lo = 0;
      let hi = this.users.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareUsers(this.users[mid], next) < 0) lo = mid + 1;
        else hi = mid;
      }
      this.users.splice(lo, 0, next);
    }
    this.views = undefined;
  }

  private listUsers(query: URLSearchParams): EmulatorResponse {
    const details: ErrorDetails = {};
    const fail = (field: string, message: string) => (details[field] ??= []).push(message);

    const bool = (name: string): boolean => {
      const value = single(query, name);
      if (value === undefined || value === '') return false;
      const lower = value.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      fail(name, `The ${name} field must be true or false.`);
      return false;
    };
    const int = (name: string, fallback: number): number => {
      const value = single(query, name);
      if (value === undefined || value === '') return fallback;
      if (!/^[+-]?\d+$/.test(value.trim())) {
        fail(name, `The ${name} must be an integer.`);
        return fallback;
      }
      return Number(value);
    };

    const withTags = bool('withTags');
    const onlyDeactivated = bool('onlyDeactivated');
    const withDeactivated = bool('withDeactivated');
    const count = bool('count');

    const status = single(query, 'status');
    if (status !== undefined && status !== '' && !STATUS_FILTER_VALUES.includes(status)) {
      fail('status', 'The selected status is invalid.');
    }

    const searchKey = single(query, 'searchKey') ?? '';
    const searchInValues = list(query, 'searchIn');
    const searchIn: SearchField[] = [];
    for (const value of searchInValues) {
      if ((SEARCH_FIELDS as readonly string[]).includes(value)) searchIn.push(value as SearchField);
      else fail('searchIn', 'The selected searchIn is invalid.');
    }

    const role = single(query, 'role');
    const roles = list(query, 'roles');
    const tags = list(query, 'tags');

    let perPage = int('perPage', COMETCHAT_DEFAULT_PER_PAGE);
    if (perPage < 1) fail('perPage', 'The per page must be at least 1.');
    else if (perPage > COMETCHAT_MAX_PER_PAGE) {
      if (this.perPageAboveMax === 'clamp') perPage = COMETCHAT_MAX_PER_PAGE;
      else fail('perPage', `The per page may not be greater than ${COMETCHAT_MAX_PER_PAGE}.`);
    }
    const page = int('page', 1);
    if (page < 1) fail('page', 'The page must be at least 1.');

    if (Object.keys(details).length > 0) {
      return error(
        400,
        'ERR_BAD_REQUEST',
        'Failed to validate the data sent with the request.',
        'Failed to validate the data sent with the request.',
        details,
      );
    }

    // Filters: each narrows the set; values within one list filter are OR-ed. Without any, the answer
    // pages through a precomputed view (active, all or deactivated users), so a call costs one page.
    const prefix = searchKey.toLowerCase();
    const fields: SearchField[] = searchIn.length > 0 ? searchIn : ['name', 'uid'];
    const roleSet = new Set([...(role ? [role] : []), ...roles]);
    const views = this.currentViews();
    const view = onlyDeactivated ? views.deactivated : withDeactivated ? this.users : views.active;
    const filtered = Boolean(status) || roleSet.size > 0 || tags.length > 0 || prefix !== '';
    const matches = !filtered
      ? view
      : view.filter((u) => {
          if (status && u.status !== status) return false;
          if (roleSet.size > 0 && !roleSet.has(u.role)) return false;
          if (tags.length > 0 && !(u.tags ?? []).some((t) => tags.includes(t))) return false;
          if (prefix && !fields.some((f) => u[f].toLowerCase().startsWith(prefix))) return false;
          return true;
        });

    const total = matches.length;
    const start = (page - 1) * perPage;
    const pageItems = count && this.countParam === 'countOnly' ? [] : matches.slice(start, start + perPage);
    const data = pageItems.map((u) => toWire(u, withTags));
    const newest = (users: StoredCometChatUser[]) => users.reduce((max, u) => Math.max(max, u.updatedAt), 0);
    const body: EmulatedCometChatList = {
      data,
      meta: {
        pagination: {
          total,
          count: data.length,
          per_page: perPage,
          current_page: page,
          // Laravel/Fractal convention: an empty result still has one (empty) page.
          total_pages: Math.max(1, Math.ceil(total / perPage)),
        },
      },
      cursor: { updatedAt: newest(pageItems) || views.newest, affix: 'prepend' },
    };
    return { status: 200, body };
  }

  /** The views unfiltered lists page through, (re)built when `users` has changed length. */
  private currentViews(): UserViews {
    if (this.views?.length !== this.users.length) {
      this.views = {
        length: this.users.length,
        active: this.users.filter((u) => u.deactivatedAt === undefined),
        deactivated: this.users.filter((u) => u.deactivatedAt !== undefined),
        newest: this.users.reduce((max, u) => Math.max(max, u.updatedAt), 0),
      };
    }
    return this.views;
  }
}

/** Subsets of `users` in list order, and the newest `updatedAt` of all users. */
interface UserViews {
  /** `users.length` when built. */
  length: number;
  active: StoredCometChatUser[];
  deactivated: StoredCometChatUser[];
  newest: number;
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

function error(
  status: number,
  code: string,
  message: string,
  devMessage: string,
  details?: ErrorDetails,
  headers?: Record<string, string>,
): EmulatorResponse {
  const body: CometChatErrorBody = {
    error: { message, devMessage, source: 'chat-api', ...(details ? { details } : {}), code },
  };
  return { status, body, headers };
}

function uidNotFound(uid: string): EmulatorResponse {
  return error(
    404,
    'ERR_UID_NOT_FOUND',
    `The UID ${uid} does not exist, please make sure you have created a user with UID ${uid}.`,
    `The UID ${uid} does not exist, so please make sure you have created a user with UID ${uid}.`,
  );
}

/** CometChat's documented uid alphabet (alpha-dash); upper case is allowed and lower-cased on create. */
const UID_PATTERN = /^[A-Za-z0-9_-]+$/;

function checkUid(uid: string): EmulatorResponse | undefined {
  if (UID_PATTERN.test(uid)) return undefined;
  // [ASSUMPTION] HTTP 400; the code is the one CometChat's Users reference lists for a malformed uid.
  return error(
    400,
    'ERR_INVALID_UID',
    `The uid ${uid} is invalid. Allowed characters are alphanumeric characters, underscore and hyphen.`,
    `The uid ${uid} is not in a valid format: it may contain a-z, 0-9, underscore and hyphen, without spaces.`,
  );
}

/**
 * The roles the emulated app has: CometChat's `default` and the custom roles its users hold. A role must
 * exist before a user can have it ("The role must be created before-hand using the create role API").
 */
function checkRole(role: string | undefined): EmulatorResponse | undefined {
  if (role === undefined || ROLES.some(([known]) => known === role)) return undefined;
  // [ASSUMPTION] HTTP 404, as for ERR_UID_NOT_FOUND.
  return error(
    404,
    'ERR_ROLE_NOT_FOUND',
    `The role ${role} does not exist.`,
    `The role ${role} does not exist. Please create it before assigning it to a user.`,
  );
}

/** At most this many uids per Deactivate/Reactivate call (CometChat's Reactivate reference). */
const MAX_UIDS_PER_CALL = 25;
/** The fields Update User's `unset` may name (CometChat's Update User reference). */
const UNSETTABLE = ['avatar', 'link', 'metadata'] as const;
/** Tags: at most 25 a user, 100 characters each; metadata at most 5 KB as JSON (CometChat's constraints). */
const MAX_TAGS = 25;
const MAX_METADATA_BYTES = 5 * 1024;

type ProfileField = 'avatar' | 'link' | 'role' | 'statusMessage' | 'metadata' | 'tags';

/** The optional profile fields Create and Update User share, validated into `rules`. */
function profileFields(rules: BodyRules): {
  [K in ProfileField]: StoredCometChatUser[K] | undefined;
} {
  return {
    avatar: rules.string('avatar', { max: 3000 }),
    link: rules.string('link', { max: 3000 }),
    role: rules.string('role', { filled: true }),
    statusMessage: rules.string('statusMessage'),
    metadata: rules.object('metadata', { maxBytes: MAX_METADATA_BYTES }),
    tags: rules.stringList('tags', { maxItems: MAX_TAGS, maxLength: 100 }),
  };
}

function isEmpty(value: unknown): boolean {
  if (value === '' || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** The given fields that hold something: optional keys are absent rather than empty. */
function withoutEmpty<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => !isEmpty(value))) as Partial<T>;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * `user` deactivated at `now`: offline (a deactivated user cannot be connected), `updatedAt` =
 * `deactivatedAt` as in the seed.
 */
function deactivated(user: StoredCometChatUser, now: number): StoredCometChatUser {
  const at = Math.max(now, user.updatedAt);
  return orderKeys({ ...structuredClone(user), status: 'offline', updatedAt: at, deactivatedAt: at });
}

function reactivated(user: StoredCometChatUser, now: number): StoredCometChatUser {
  const { deactivatedAt: _gone, ...rest } = structuredClone(user);
  return orderKeys({ ...rest, updatedAt: Math.max(now, user.updatedAt) });
}

/**
 * A write's JSON body. [ASSUMPTION] Read as JSON whatever the Content-Type; a body that is not a JSON
 * object counts as empty (a Laravel back end sees no input then), so the required fields are reported.
 */
function readBody(req: EmulatorRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(req.body.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Laravel-style validation of a write's body, as CometChat's 400 ERR_BAD_REQUEST fixture shows it: every
 * failing field collected into `details` (`{field: [message]}`), in Laravel's wording. A key that is
 * absent is not validated unless required; `null` is a value of the wrong type (no rule here is nullable).
 */
class BodyRules {
  private readonly details: ErrorDetails = {};
  constructor(private readonly body: Record<string, unknown>) {}

  private fail(field: string, message: string): undefined {
    (this.details[field] ??= []).push(message.replace(':attribute', displayName(field)));
    return undefined;
  }

  private present(field: string, required: boolean | undefined): boolean {
    const value = this.body[field];
    if (value !== undefined && !(required && (value === null || value === ''))) return true;
    if (required) this.fail(field, 'The :attribute field is required.');
    return false;
  }

  string(field: string, options: { required?: boolean; max?: number; filled?: boolean } = {}) {
    if (!this.present(field, options.required)) return undefined;
    const value = this.body[field];
    if (typeof value !== 'string') return this.fail(field, 'The :attribute must be a string.');
    if (options.filled && value.trim() === '')
      return this.fail(field, 'The :attribute field must have a value.');
    if (options.max !== undefined && [...value].length > options.max)
      return this.fail(field, `The :attribute may not be greater than ${options.max} characters.`);
    return value;
  }

  boolean(field: string): boolean | undefined {
    if (!this.present(field, false)) return undefined;
    const value = this.body[field];
    if (value === true || value === 1 || value === '1' || value === 'true') return true;
    if (value === false || value === 0 || value === '0' || value === 'false') return false;
    return this.fail(field, 'The :attribute field must be true or false.');
  }

  object(field: string, options: { maxBytes?: number } = {}): Record<string, unknown> | undefined {
    if (!this.present(field, false)) return undefined;
    const value = this.body[field];
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return this.fail(field, 'The :attribute must be an object.');
    if (options.maxBytes !== undefined && Buffer.byteLength(JSON.stringify(value)) > options.maxBytes)
      return this.fail(field, `The :attribute may not be greater than ${options.maxBytes / 1024} kilobytes.`);
    return value as Record<string, unknown>;
  }

  stringList(
    field: string,
    options: { required?: boolean; maxItems?: number; maxLength?: number; within?: readonly string[] } = {},
  ): string[] | undefined {
    if (!this.present(field, options.required)) return undefined;
    const value = this.body[field];
    if (!Array.isArray(value)) return this.fail(field, 'The :attribute must be an array.');
    if (options.required && value.length === 0) return this.fail(field, 'The :attribute field is required.');
    if (options.maxItems !== undefined && value.length > options.maxItems)
      return this.fail(field, `The :attribute may not have more than ${options.maxItems} items.`);
    const failures = value.map((item: unknown, index) => {
      const key = `${field}.${index}`;
      if (typeof item !== 'string') return this.fail(key, 'The :attribute must be a string.') ?? true;
      if (options.maxLength !== undefined && [...item].length > options.maxLength)
        return (
          this.fail(key, `The :attribute may not be greater than ${options.maxLength} characters.`) ?? true
        );
      if (options.within && !options.within.includes(item))
        return this.fail(key, 'The selected :attribute is invalid.') ?? true;
      return false;
    });
    return failures.includes(true) ? undefined : (value as string[]);
  }

  /** The 400 answer when any field failed. */
  refusal(): EmulatorResponse | undefined {
    if (Object.keys(this.details).length === 0) return undefined;
    const message = 'Failed to validate the data sent with the request.';
    return error(400, 'ERR_BAD_REQUEST', message, message, this.details);
  }
}

/** Laravel's displayable attribute: `statusMessage` → `status message`, `tags.0` as is. */
function displayName(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

function rateLimitHeaders(limit: number, remaining: number): Record<string, string> {
  return {
    'X-Rate-Limit': String(limit),
    'X-Rate-Limit-Remaining': String(remaining),
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
  };
}

/** The last value of a scalar parameter. */
function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  return values.length > 0 ? values[values.length - 1] : undefined;
}

/**
 * An array parameter in every serialisation a client may use: comma-separated (`tags=a,b`),
 * repeated (`tags=a&tags=b`), PHP-style (`tags[]=a&tags[]=b`), or any mix.
 */
function list(query: URLSearchParams, name: string): string[] {
  return [...query.getAll(name), ...query.getAll(`${name}[]`)]
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** A list item: `tags` only with `withTags`. */
function toWire(user: StoredCometChatUser, withTags: boolean): StoredCometChatUser {
  const copy = structuredClone(user);
  if (!withTags) delete copy.tags;
  return copy;
}

/** List order: by name (case-insensitive), then uid. It matches the seed page's order. */
function compareUsers(a: StoredCometChatUser, b: StoredCometChatUser): number {
  const an = a.name.toLowerCase();
  const bn = b.name.toLowerCase();
  if (an !== bn) return an < bn ? -1 : 1;
  return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Seeded data.
// ---------------------------------------------------------------------------------------------

const AVATAR_BASE = 'https://data-us.cometchat.io/assets/images/avatars';
/** The seed's conversation ids are all relative to superhero4 (the viewing user of the example). */
const VIEWER = 'superhero4';

function conversationWith(uid: string): string | undefined {
  if (uid === VIEWER) return undefined;
  const [a, b] = [uid, VIEWER].sort();
  return `${a}_user_${b}`;
}

/** The seed's superheroes; superhero2, 3 and 6 carry the seed's data verbatim. */
function superheroes(): StoredCometChatUser[] {
  return [
    {
      uid: 'superhero1',
      name: 'Iron Man',
      avatar: `${AVATAR_BASE}/ironman.png`,
      status: 'available',
      role: 'default',
      tags: ['avengers'],
      createdAt: 1629869270,
      updatedAt: 1638350012,
      lastActiveAt: 1638350012,
      conversationId: conversationWith('superhero1'),
    },
    {
      uid: 'superhero2',
      name: 'Captain America',
      avatar: `${AVATAR_BASE}/captainamerica.png`,
      status: 'offline',
      role: 'default',
      createdAt: 1629869270,
      updatedAt: 1630308676,
      conversationId: 'superhero2_user_superhero4',
    },
    {
      uid: 'superhero3',
      name: 'Captain America',
      link: 'https://data-us.cometchat.io/assets',
      avatar: `${AVATAR_BASE}/captainamerica.png`,
      metadata: { contactNumber: '0123456789' },
      status: 'offline',
      role: 'default',
      blockedByMe: true,
      blockedByMeAt: 1638346853,
      blockedAt: 1638346853,
      createdAt: 1629869270,
      updatedAt: 1638351060,
      conversationId: 'superhero3_user_superhero4',
    },
    {
      uid: 'superhero4',
      name: 'Wolverine',
      avatar: `${AVATAR_BASE}/wolverine.png`,
      status: 'available',
      role: 'admin',
      statusMessage: 'On a mission',
      tags: ['x-men', 'vip'],
      createdAt: 1629869270,
      updatedAt: 1638354900,
      lastActiveAt: 1638354900,
    },
    {
      uid: 'superhero5',
      name: 'Cyclops',
      avatar: `${AVATAR_BASE}/cyclops.png`,
      status: 'offline',
      role: 'default',
      tags: ['x-men'],
      createdAt: 1629869270,
      updatedAt: 1637000000,
      lastActiveAt: 1636990000,
      deactivatedAt: 1637000000,
      conversationId: conversationWith('superhero5'),
    },
    {
      uid: 'superhero6',
      name: 'Barry Allen',
      link: 'http://placehold.it',
      avatar: 'http://placehold.it/120x120&text=image1',
      metadata: { email: 'user@email.com', contactNumber: '0123456789' },
      status: 'offline',
      role: 'manager',
      createdAt: 1638354015,
      updatedAt: 1638354799,
      conversationId: 'superhero4_user_superhero6',
    },
  ];
}

// prettier-ignore
const FIRST_NAMES = [
  'Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Dennis', 'Barbara', 'Ken', 'Radia', 'Edsger',
  'Frances', 'Donald', 'Hedy', 'Tim', 'Katherine', 'John', 'Annie', 'Vint', 'Shafi', 'Niklaus',
  'Sophie', 'Bjarne', 'Jean', 'Guido', 'Karen', 'Leslie', 'Mary', 'Robin', 'Sally', 'Yukihiro',
];
// prettier-ignore
const LAST_NAMES = [
  'Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', 'Ritchie', 'Liskov', 'Thompson',
  'Perlman', 'Dijkstra', 'Allen', 'Knuth', 'Lamarr', 'Berners-Lee', 'Johnson', 'McCarthy',
  'Easley', 'Cerf', 'Goldwasser', 'Wirth', 'Wilson', 'Stroustrup', 'Bartik', 'van Rossum',
  'Jones', 'Lamport', 'Keller', 'Milner', 'Floyd', 'Matsumoto',
];
const ROLES: [string, number][] = [
  ['default', 0.58],
  ['manager', 0.12],
  ['admin', 0.08],
  ['moderator', 0.12],
  ['support-agent', 0.1],
];
const TAGS = ['vip', 'beta', 'staff', 'eu', 'us', 'apac', 'premium'];
const STATUS_MESSAGES = ['In a meeting', 'Working remotely', 'On vacation', 'Available for chat', 'Busy'];
const DEPARTMENTS = ['engineering', 'sales', 'support', 'marketing', 'finance'];

/** How many generated users join the six superheroes by default. */
const GENERATED_USERS = 160;
/**
 * The generated users (by index) whose status is the unexpected `away`: one in every
 * {@link AWAY_EVERY} from index {@link AWAY_INDEX} on, unless deactivated (the default seed has one).
 */
const AWAY_INDEX = 42;
const AWAY_EVERY = 1000;

/** Every 13th generated user from index 5 on is deactivated. */
function isDeactivated(i: number): boolean {
  return i % 13 === 5;
}

/** A generated user that is a demo person, or one of the users sharing the support mailbox. */
type DemoSlot = { kind: 'person'; entry: PoolEntry } | { kind: 'support'; email: string };

/**
 * The data set, unsorted: the superheroes, then generated users. Without `total`, the hand-made seed
 * (six superheroes and {@link GENERATED_USERS} generated users); with it, exactly `total` users.
 */
function buildUsers(total?: number): StoredCometChatUser[] {
  const heroes = superheroes().map(orderKeys);
  if (total !== undefined && total < heroes.length) return heroes.slice(0, total);
  const generated = total === undefined ? GENERATED_USERS : total - heroes.length;
  const random = seededRandom(0xc0ffee04);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
  const weighted = (items: [string, number][]): string => {
    let r = random();
    for (const [value, weight] of items) {
      if ((r -= weight) < 0) return value;
    }
    return items[items.length - 1][0];
  };

  const users = heroes;
  // The demo people's CometChat accounts (src/emulators/people.ts), then the shared support mailbox, go
  // to every third active generated user: 47 of them among the first ~150.
  const demo: DemoSlot[] = [
    ...poolAccounts('cometchat').map((entry): DemoSlot => ({ kind: 'person', entry })),
    ...SUPPORT_MAILBOX_SPELLINGS.map((email): DemoSlot => ({ kind: 'support', email })),
  ];
  const slots = poolSlots(demo, { from: 0, to: generated, stride: 3, eligible: (i) => !isDeactivated(i) });
  for (let i = 0; i < generated; i++) {
    const slot = slots.get(i);
    const person = slot?.kind === 'person' ? slot.entry : undefined;
    // Drawn for every user, so that a demo person leaves the users after it unchanged.
    const drawnFirst = pick(FIRST_NAMES);
    const drawnLast = pick(LAST_NAMES);
    const first = person ? person.human.firstName : drawnFirst;
    const last = person ? person.human.lastName : drawnLast;
    // uid starts with the last name and the name with the first, so `searchIn` makes a difference.
    const uid = `${last}-${first}-${i + 1}`.toLowerCase().replace(/[^a-z0-9_-]/g, '');
    const createdAt = between(1609459200, 1690000000);
    const updatedAt = createdAt + between(0, 30_000_000);
    const deactivated = isDeactivated(i);
    const user: StoredCometChatUser = {
      uid,
      name: `${first} ${last}`,
      status: 'offline',
      role: weighted(ROLES),
      createdAt,
      updatedAt,
    };
    if (random() < 0.15) user.link = `https://example.com/people/${uid}`;
    if (random() < 0.5) user.avatar = `https://example.com/avatars/${uid}.png`;
    if (random() < 0.3) {
      user.metadata = { email: `${uid}@example.com`, department: pick(DEPARTMENTS) };
    }
    if (slot) {
      // Apps keep the address in metadata (as CometChat's own examples do), spelled as the pool says.
      const email = slot.kind === 'person' ? slot.entry.account.email : slot.email;
      const department = user.metadata?.department ?? DEPARTMENTS[i % DEPARTMENTS.length];
      user.metadata = { email, department };
    }
    if (!deactivated) user.status = random() < 0.35 ? 'available' : 'offline';
    if (i % AWAY_EVERY === AWAY_INDEX && !deactivated) user.status = 'away';
    if (random() < 0.2) user.statusMessage = pick(STATUS_MESSAGES);
    if (random() < 0.4) {
      const count = 1 + Math.floor(random() * 3);
      user.tags = [...new Set(Array.from({ length: count }, () => pick(TAGS)))];
    }
    const block = random();
    if (block < 0.04) {
      const at = between(createdAt, updatedAt + 1);
      Object.assign(user, { blockedByMe: true, blockedByMeAt: at, blockedAt: at });
    } else if (block < 0.07) {
      Object.assign(user, { hasBlockedMe: true, blockedAt: between(createdAt, updatedAt + 1) });
    }
    if (random() < 0.8) user.lastActiveAt = between(createdAt, updatedAt + 1);
    if (deactivated) user.deactivatedAt = updatedAt;
    user.conversationId = conversationWith(uid);
    users.push(orderKeys(user));
  }
  return users;
}

/** Key order as CometChat sends it (as the seed shows). */
function orderKeys(user: StoredCometChatUser): StoredCometChatUser {
  // prettier-ignore
  const order: (keyof StoredCometChatUser)[] = [
    'uid', 'name', 'link', 'avatar', 'metadata', 'status', 'role', 'statusMessage', 'tags', 'blockedByMe',
    'hasBlockedMe', 'blockedByMeAt', 'blockedAt', 'createdAt', 'updatedAt', 'lastActiveAt', 'deactivatedAt',
    'conversationId',
  ];
  const out: Record<string, unknown> = {};
  for (const key of order) if (user[key] !== undefined) out[key] = user[key];
  return out as unknown as StoredCometChatUser;
}
