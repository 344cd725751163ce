/**
 * A Voximplant Management API emulator for `GetUsers` (Voximplant's GetUsers reference): service-account
 * JWT auth (RS256, `kid`, `iss`, TTL ≤ 1 h), every request shape the official SDKs and docs use, every
 * GetUsers parameter, offset paging, and errors as `{error: {code, msg}}` with HTTP 200; and the user
 * admin methods that change what GetUsers answers, `AddUser`, `SetUserInfo` (deactivation is
 * `user_active=false`) and `DelUser` (Voximplant's Users reference and the official SDKs' request types).
 * Every [UNKNOWN] of the contract is decided here and listed in ./README.md.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportPKCS8,
  generateKeyPair,
  importSPKI,
  type CryptoKey,
} from 'jose';
import {
  EmulatorServer,
  RateLimiter,
  seededRandom,
  type EmulatorOptions,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
} from '../../emulators/base.js';
import { poolSlots, voximplantOperators } from '../../emulators/people.js';
import type {
  VoximplantErrorBody,
  VoximplantGetUsersResponse,
  VoximplantWireAcdQueue,
  VoximplantWireApplication,
  VoximplantWireSkill,
  VoximplantWireUser,
} from './wire.js';

// ---------------------------------------------------------------------------------------------
// Wire types: exactly what Voximplant sends.
// ---------------------------------------------------------------------------------------------

export const VOXIMPLANT_ACD_STATUSES = [
  'OFFLINE',
  'ONLINE',
  'READY',
  'BANNED',
  'IN_SERVICE',
  'AFTER_SERVICE',
  'TIMEOUT',
  'DND',
] as const;

/** An application as the emulator stores and sends it: every ApplicationInfoType field filled. */
interface StoredVoximplantApplication extends VoximplantWireApplication {
  application_id: number;
  application_name: string;
  modified: string;
  secure_record_storage: boolean;
}

/** A skill as the emulator stores and sends it. */
interface StoredVoximplantSkill extends VoximplantWireSkill {
  skill_id: number;
  skill_name: string;
}

/** A queue membership as the emulator stores and sends it. */
interface StoredVoximplantAcdQueue extends VoximplantWireAcdQueue {
  acd_queue_id: number;
  acd_queue_name: string;
  auto_link: boolean;
}

/**
 * A user as the emulator stores and sends it: the wire type with the keys GetUsers always sends filled,
 * and no nulls; the optional ones are absent when the parameters leave them out.
 */
export interface StoredVoximplantUser extends VoximplantWireUser {
  user_name: string;
  user_display_name: string;
  user_active: boolean;
  frozen: boolean;
  parent_accounting: boolean;
  live_balance?: number;
  balance: number;
  fixed_balance: number;
  user_custom_data?: string;
  applications?: StoredVoximplantApplication[];
  skills?: StoredVoximplantSkill[];
  acd_queues?: StoredVoximplantAcdQueue[];
  acd_status?: string;
  acd_status_change_time?: string;
  created: string;
  modified: string;
}

/** The GetUsers body the emulator sends. */
export interface EmulatedVoximplantGetUsers extends VoximplantGetUsersResponse {
  result: StoredVoximplantUser[];
  count: number;
}

/** `AddUser`'s answer. */
export interface VoximplantAddUserResponse {
  result: 1;
  user_id: number;
}

/** `SetUserInfo`'s and `DelUser`'s answer. */
export interface VoximplantDoneResponse {
  result: 1;
}

/** The service-account credentials.json content. */
interface VoximplantCredentials {
  account_email: string;
  account_id: number;
  key_id: string;
  /** PKCS8 PEM; empty when the emulator was given only a public key. */
  private_key: string;
}

// ---------------------------------------------------------------------------------------------
// Options and defaults.
// ---------------------------------------------------------------------------------------------

/** Obviously fake demo identity; the key pair itself is generated at start. */
const VOXIMPLANT_DEMO_ACCOUNT_ID = 1000001;
const VOXIMPLANT_DEMO_ACCOUNT_EMAIL = 'demo@rollcall.invalid';
const VOXIMPLANT_DEMO_KEY_ID = 'rollcall-demo-key-00000000-0000-4000-8000-000000000001';

const VOXIMPLANT_DEFAULT_COUNT = 20;
const VOXIMPLANT_MAX_COUNT = 1000;
const VOXIMPLANT_MAX_TOKEN_TTL_SECONDS = 3600;
const VOXIMPLANT_CLOCK_SKEW_SECONDS = 30;
/** `rateLimit: true` means this many calls per minute. */
const VOXIMPLANT_TEST_RATE_LIMIT_PER_MINUTE = 60;

/** Voximplant API error codes the emulator answers with (`APIErrorCode` in the Node SDK). */
const VoximplantErrorCode = {
  AUTHORIZATION_FAILED: 100,
  INVALID_ARGUMENTS: 101,
  MISSING_CMD: 102,
  UNKNOWN_COMMAND: 103,
  INVALID_APPLICATION_NAME: 107,
  PASSWORD_LENGTH: 112,
  INVALID_APPLICATION_ID: 116,
  INVALID_USER_ID: 117,
  USER_NAME_ISNT_UNIQUE: 118,
  USER_NAME_RESTRICTIONS: 122,
  INVALID_USER_DISPLAY_NAME: 157,
  USER_CUSTOM_DATA_TOO_LONG: 212,
  RATE_LIMIT_EXCEED: 340,
  INVALID_TOKEN_FORMAT: 447,
  INVALID_TOKEN_TTL: 454,
  TOKEN_ISSUED_IN_FUTURE: 455,
  TOKEN_EXPIRED: 456,
} as const;

interface VoximplantEmulatorOptions extends EmulatorOptions {
  accountId?: number;
  accountEmail?: string;
  keyId?: string;
  /** An existing PKCS8 PEM private key: the public key is derived from it and `credentials` carry it. */
  privateKey?: string;
  /** Or only a public key (SPKI PEM or KeyObject): tokens are verified against it, `credentials.private_key` is empty. */
  publicKey?: string | KeyObject;
  /** Off by default; `true` = {@link VOXIMPLANT_TEST_RATE_LIMIT_PER_MINUTE} per minute. */
  rateLimit?: boolean | { perMinute?: number; perSecond?: number };
  /** The largest accepted `count` (default 1000). */
  maxCount?: number;
  /** `count` above the maximum: `reject` with 101 (default) or `clamp` to it. */
  countAboveMax?: 'reject' | 'clamp';
  /**
   * `application_id`/`application_name`: `exactlyOne` (default, as the Python SDK enforces: neither or
   * both → 101) or `atLeastOne` (both allowed and AND-ed, as the docs' curl example sends them).
   */
  applicationFilter?: 'exactlyOne' | 'atLeastOne';
  /** Allowed clock difference for `iat`/`exp`, in seconds (default 30). */
  clockSkewSeconds?: number;
  /**
   * How many users the data set holds (default: the seed, 66). With it, jdoe and asmith (fewer when
   * `userCount` < 2) and generated users up to exactly `userCount`, from the same seed and generator: the
   * same count gives the same users, and 66 gives the default seed.
   */
  userCount?: number;
}

type VerifyKey = CryptoKey | KeyObject;

class VoxError extends Error {
  constructor(
    readonly code: number,
    readonly msg: string,
  ) {
    super(msg);
  }
}

/** The methods the emulator serves; any other is 103 UNKNOWN_COMMAND. */
const COMMANDS = ['GetUsers', 'AddUser', 'SetUserInfo', 'DelUser'] as const;
type Command = (typeof COMMANDS)[number];

const ORDER_BY = ['user_id', 'user_name', 'user_display_name'] as const;
type OrderBy = (typeof ORDER_BY)[number];

/** How many (application filter, order) lists {@link VoximplantEmulator} keeps sorted. */
const SORTED_CACHE_SIZE = 64;

export class VoximplantEmulator extends EmulatorServer {
  /** The credentials.json of this emulator's service account. */
  readonly credentials: VoximplantCredentials;
  /**
   * The whole data set, by user_id, each user with every optional field (`skills`, `acd_queues`,
   * `live_balance`); answers strip them per the request's parameters. Change it only through AddUser,
   * SetUserInfo and DelUser: GetUsers keeps the users of each (application filter, order) sorted, and
   * drops those lists when one of them changed a user or when its length changes (truncating it from
   * outside is fine; editing users in place is not).
   */
  readonly users: StoredVoximplantUser[];
  /** The catalogues the users are bound to. */
  readonly applications: StoredVoximplantApplication[];
  readonly skills: StoredVoximplantSkill[];
  readonly queues: { acd_queue_id: number; acd_queue_name: string }[];
  private readonly maxCount: number;
  private readonly countAboveMax: 'reject' | 'clamp';
  private readonly skew: number;
  private readonly applicationFilter: 'exactlyOne' | 'atLeastOne';
  private readonly limiter: RateLimiter | undefined;
  /** Users of one application filter in one order, by `[application_id, application_name, order_by]`. */
  private readonly sorted = new Map<string, StoredVoximplantUser[]>();
  /** `users.length` when {@link sorted} was last valid. */
  private sortedFor = 0;
  /** The id AddUser gives next: ids are never reused, deleted users' included. */
  private nextUserId: number;

  private constructor(
    options: VoximplantEmulatorOptions,
    credentials: VoximplantCredentials,
    private readonly publicKey: VerifyKey,
  ) {
    super('voximplant', (req) => this.handle(req), options);
    this.credentials = credentials;
    this.maxCount = options.maxCount ?? VOXIMPLANT_MAX_COUNT;
    this.countAboveMax = options.countAboveMax ?? 'reject';
    this.skew = options.clockSkewSeconds ?? VOXIMPLANT_CLOCK_SKEW_SECONDS;
    this.applicationFilter = options.applicationFilter ?? 'exactlyOne';
    const rules: { limit: number; windowMs: number }[] = [];
    if (options.rateLimit === true)
      rules.push({ limit: VOXIMPLANT_TEST_RATE_LIMIT_PER_MINUTE, windowMs: 60_000 });
    else if (options.rateLimit) {
      if (options.rateLimit.perMinute) rules.push({ limit: options.rateLimit.perMinute, windowMs: 60_000 });
      if (options.rateLimit.perSecond) rules.push({ limit: options.rateLimit.perSecond, windowMs: 1_000 });
    }
    this.limiter = rules.length > 0 ? new RateLimiter(rules) : undefined;
    const userCount = options.userCount;
    if (userCount !== undefined && (!Number.isInteger(userCount) || userCount < 0)) {
      throw new RangeError(`VoximplantEmulator: userCount must be a non-negative integer, got ${userCount}`);
    }
    const data = buildData(userCount);
    this.users = data.users;
    this.nextUserId = this.users.reduce((max, u) => Math.max(max, u.user_id), 100) + 1;
    this.applications = data.applications;
    this.skills = data.skills;
    this.queues = data.queues;
  }

  /**
   * Builds an emulator (not yet started). Without `privateKey`/`publicKey` it makes its own RS256 key
   * pair, so `credentials` is a complete credentials.json for a service account of this emulator.
   */
  static async create(options: VoximplantEmulatorOptions = {}): Promise<VoximplantEmulator> {
    const identity = {
      account_email: options.accountEmail ?? VOXIMPLANT_DEMO_ACCOUNT_EMAIL,
      account_id: options.accountId ?? VOXIMPLANT_DEMO_ACCOUNT_ID,
      key_id: options.keyId ?? VOXIMPLANT_DEMO_KEY_ID,
    };
    if (options.privateKey) {
      const publicKey = createPublicKey(options.privateKey);
      return new VoximplantEmulator(options, { ...identity, private_key: options.privateKey }, publicKey);
    }
    if (options.publicKey) {
      const publicKey =
        typeof options.publicKey === 'string'
          ? await importSPKI(options.publicKey, 'RS256')
          : options.publicKey;
      return new VoximplantEmulator(options, { ...identity, private_key: '' }, publicKey);
    }
    const pair = await generateKeyPair('RS256', { extractable: true });
    const privateKey = await exportPKCS8(pair.privateKey);
    return new VoximplantEmulator(options, { ...identity, private_key: privateKey }, pair.publicKey);
  }

  /** The application the demo points rollcall at. */
  get defaultApplicationId(): number {
    return this.applications[0].application_id;
  }

  /** Env vars that point rollcall at this running emulator (used by demo mode and tests). */
  /**
   * Voximplant reports its own errors with HTTP 200 (`{error: {code, msg}}`): any other status comes from
   * its front end, as plain text or HTML.
   */
  override errorBody(status: number, _message: string): unknown {
    return status === 404 ? 'Not Found' : `<html><body>${status}</body></html>`;
  }

  override refusal(message: string): Fault {
    return { status: 200, body: { error: { code: 100, msg: message } } };
  }

  /** Demo mode's source: the customer-support and the sales applications (some users are bound to both). */
  demoSourceEnv(): Record<string, string> {
    const { VOXIMPLANT_APPLICATION_ID: _one, ...env } = this.demoEnv();
    const ids = this.applications.slice(0, 2).map((application) => application.application_id);
    return { ...env, VOXIMPLANT_APPLICATION_IDS: ids.join(',') };
  }

  demoEnv(): Record<string, string> {
    if (!this.credentials.private_key) {
      throw new Error(
        'This Voximplant emulator was given only a public key: it has no credentials to hand out.',
      );
    }
    return {
      VOXIMPLANT_CREDENTIALS_JSON: JSON.stringify(this.credentials),
      VOXIMPLANT_APPLICATION_ID: String(this.defaultApplicationId),
      VOXIMPLANT_BASE_URL: this.baseUrl,
    };
  }

  private async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const match = /^\/platform_api(?:\/([^/]+))?\/?$/.exec(req.path);
    if (!match) return { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } };
    if (req.method !== 'GET' && req.method !== 'POST') {
      return {
        status: 405,
        body: 'Method Not Allowed',
        headers: { 'content-type': 'text/plain', allow: 'GET, POST' },
      };
    }
    try {
      const params = await readParams(req);
      // The path names the command (Go SDK, docs); otherwise the `cmd` field does (Node, Python SDKs).
      const command = match[1] ?? params.get('cmd');
      if (!command) throw new VoxError(VoximplantErrorCode.MISSING_CMD, "The 'cmd' parameter is missing.");
      if (!(COMMANDS as readonly string[]).includes(command)) {
        throw new VoxError(VoximplantErrorCode.UNKNOWN_COMMAND, `Unknown command '${command}'.`);
      }
      await this.authenticate(req);
      const verdict = this.limiter?.check();
      if (verdict && !verdict.ok) {
        throw new VoxError(
          VoximplantErrorCode.RATE_LIMIT_EXCEED,
          `Rate limit exceeded: at most ${verdict.limit} requests per window. Retry in ${verdict.retryAfterSeconds} s.`,
        );
      }
      return { status: 200, body: this.run(command as Command, params) };
    } catch (e) {
      if (!(e instanceof VoxError)) throw e;
      // Voximplant answers API errors with HTTP 200 and an error body.
      const body: VoximplantErrorBody = { error: { code: e.code, msg: e.msg } };
      return { status: 200, body };
    }
  }

  private run(command: Command, params: Map<string, string>): unknown {
    switch (command) {
      case 'GetUsers':
        return this.getUsers(params);
      case 'AddUser':
        return this.addUser(params);
      case 'SetUserInfo':
        return this.setUserInfo(params);
      case 'DelUser':
        return this.delUser(params);
    }
  }

  /** Checks `Authorization: Bearer <JWT>`: format → header → signature → issuer → TTL → time. */
  private async authenticate(req: EmulatorRequest): Promise<void> {
    const fail = (reason: string) =>
      new VoxError(VoximplantErrorCode.AUTHORIZATION_FAILED, `Authorization failed: ${reason}.`);
    const header = req.headers.authorization;
    if (!header) throw fail('no Authorization header');
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!bearer) throw fail('the Authorization header is not a Bearer token');
    const token = bearer[1];

    let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
    let payload: ReturnType<typeof decodeJwt>;
    try {
      if (token.split('.').length !== 3) throw new Error('not a compact JWS');
      protectedHeader = decodeProtectedHeader(token);
      payload = decodeJwt(token);
    } catch {
      throw new VoxError(VoximplantErrorCode.INVALID_TOKEN_FORMAT, 'Invalid token format.');
    }
    if (protectedHeader.alg !== 'RS256') throw fail('only RS256 tokens are accepted');
    if (protectedHeader.kid === undefined) throw fail('the token header has no kid');
    if (protectedHeader.kid !== this.credentials.key_id) throw fail('unknown key id');
    try {
      await compactVerify(token, this.publicKey, { algorithms: ['RS256'] });
    } catch {
      throw fail('invalid token signature');
    }
    if (payload.iss === undefined || String(payload.iss) !== String(this.credentials.account_id)) {
      throw fail('the token issuer is not the key owner account');
    }
    const { iat, exp } = payload;
    if (typeof iat !== 'number' || typeof exp !== 'number') {
      throw new VoxError(
        VoximplantErrorCode.INVALID_TOKEN_FORMAT,
        'Invalid token format: iat and exp are required.',
      );
    }
    if (exp <= iat || exp - iat > VOXIMPLANT_MAX_TOKEN_TTL_SECONDS) {
      throw new VoxError(
        VoximplantErrorCode.INVALID_TOKEN_TTL,
        `Invalid token TTL: exp must be after iat and at most ${VOXIMPLANT_MAX_TOKEN_TTL_SECONDS} s later.`,
      );
    }
    const now = Math.floor(Date.now() / 1000);
    if (iat > now + this.skew) {
      throw new VoxError(VoximplantErrorCode.TOKEN_ISSUED_IN_FUTURE, 'The token is issued in the future.');
    }
    if (now > exp + this.skew)
      throw new VoxError(VoximplantErrorCode.TOKEN_EXPIRED, 'The token has expired.');
  }

  private getUsers(params: Map<string, string>): EmulatedVoximplantGetUsers {
    const p = new ParamReader(params);
    const applicationId = p.int('application_id');
    const applicationName = p.string('application_name');
    if (applicationId === undefined && applicationName === undefined) {
      throw invalid("one of 'application_id' and 'application_name' is required");
    }
    if (
      applicationId !== undefined &&
      applicationName !== undefined &&
      this.applicationFilter === 'exactlyOne'
    ) {
      throw invalid("only one of 'application_id' and 'application_name' may be given");
    }
    const skillId = p.int('skill_id');
    const excludedSkillId = p.int('excluded_skill_id');
    const queueId = p.int('acd_queue_id');
    const excludedQueueId = p.int('excluded_acd_queue_id');
    const userId = p.int('user_id');
    const userName = p.string('user_name')?.toLowerCase();
    const displayName = p.string('user_display_name')?.toLowerCase();
    const userActive = p.bool('user_active');
    const withSkills = p.bool('with_skills') ?? false;
    const withQueues = p.bool('with_queues') ?? false;
    const showingSkillId = p.int('showing_skill_id');
    const returnLiveBalance = p.bool('return_live_balance') ?? true;

    let acdStatuses: Set<string> | undefined;
    const acdRaw = p.string('acd_status');
    if (acdRaw !== undefined) {
      const values = acdRaw
        .split(';')
        .map((v) => v.trim().toUpperCase())
        .filter((v) => v !== '');
      const bad = values.find((v) => !(VOXIMPLANT_ACD_STATUSES as readonly string[]).includes(v));
      if (bad !== undefined) throw invalid(`'acd_status' has an unknown value '${bad}'`);
      acdStatuses = new Set(values);
    }

    let count = p.int('count') ?? VOXIMPLANT_DEFAULT_COUNT;
    if (count < 0) throw invalid("'count' must not be negative");
    if (count > this.maxCount) {
      if (this.countAboveMax === 'clamp') count = this.maxCount;
      else throw invalid(`'count' must not exceed ${this.maxCount}`);
    }
    const offset = p.int('offset') ?? 0;
    if (offset < 0) throw invalid("'offset' must not be negative");
    const orderBy = (p.string('order_by') ?? 'user_name') as OrderBy;
    if (!ORDER_BY.includes(orderBy)) throw invalid(`'order_by' must be one of ${ORDER_BY.join(', ')}`);

    // The users of the application filter, in order, come from a cache: the other filters keep that order,
    // and without them a call costs one page. (The order is total: user_id breaks ties.)
    const inApplication = this.sortedByApplication(applicationId, applicationName?.toLowerCase(), orderBy);
    const filtered =
      skillId !== undefined ||
      excludedSkillId !== undefined ||
      queueId !== undefined ||
      excludedQueueId !== undefined ||
      userId !== undefined ||
      userName !== undefined ||
      displayName !== undefined ||
      userActive !== undefined ||
      acdStatuses !== undefined;
    const matches = !filtered
      ? inApplication
      : inApplication.filter((u) => {
          const skills = u.skills ?? [];
          if (skillId !== undefined && !skills.some((s) => s.skill_id === skillId)) return false;
          if (excludedSkillId !== undefined && skills.some((s) => s.skill_id === excludedSkillId))
            return false;
          const queues = u.acd_queues ?? [];
          if (queueId !== undefined && !queues.some((q) => q.acd_queue_id === queueId)) return false;
          if (excludedQueueId !== undefined && queues.some((q) => q.acd_queue_id === excludedQueueId))
            return false;
          if (userId !== undefined && u.user_id !== userId) return false;
          if (userName !== undefined && !u.user_name.toLowerCase().includes(userName)) return false;
          if (displayName !== undefined && !u.user_display_name.toLowerCase().includes(displayName))
            return false;
          if (userActive !== undefined && u.user_active !== userActive) return false;
          if (acdStatuses && !acdStatuses.has(u.acd_status ?? '')) return false;
          return true;
        });

    const result = matches.slice(offset, offset + count).map((u) => {
      const out: StoredVoximplantUser = structuredClone(u);
      if (!withSkills) delete out.skills;
      else if (showingSkillId !== undefined)
        out.skills = (out.skills ?? []).filter((s) => s.skill_id === showingSkillId);
      if (!withQueues) delete out.acd_queues;
      if (!returnLiveBalance) {
        delete out.live_balance;
        out.balance = out.fixed_balance;
      }
      return out;
    });
    return { result, total_count: matches.length, count: result.length };
  }

  /**
   * AddUser: `user_name`, `user_display_name`, `user_password` and the application (`application_id` or
   * `application_name`) required; `user_active` (default true), `parent_accounting` (default false),
   * `user_custom_data`, `mobile_phone` (accepted, never sent back, as GetUsers never sends it). The user
   * is bound to that one application, with an empty balance, no skills or queues and ACD status OFFLINE.
   */
  private addUser(params: Map<string, string>): VoximplantAddUserResponse {
    const p = new ParamReader(params);
    const userName = p.string('user_name');
    const displayName = p.string('user_display_name');
    const password = p.string('user_password');
    for (const [name, value] of [
      ['user_name', userName],
      ['user_display_name', displayName],
      ['user_password', password],
    ] as const) {
      if (value === undefined) throw invalid(`'${name}' is required`);
    }
    const active = p.bool('user_active') ?? true;
    const parentAccounting = p.bool('parent_accounting') ?? false;
    const application = this.application(p, true)!;
    checkUserName(userName!);
    checkDisplayName(displayName!);
    checkPassword(password!);
    const customData = customDataOf(params);
    this.checkUnique(userName!, [application.application_id]);

    const now = formatVoximplantTime(Math.floor(Date.now() / 1000));
    const user: StoredVoximplantUser = {
      user_id: this.nextUserId++,
      user_name: userName!,
      user_display_name: displayName!,
      user_active: active,
      frozen: false,
      parent_accounting: parentAccounting,
      live_balance: 0,
      balance: 0,
      fixed_balance: 0,
      ...(customData === undefined ? {} : { user_custom_data: customData }),
      applications: [application],
      skills: [],
      acd_queues: [],
      acd_status: 'OFFLINE',
      acd_status_change_time: now,
      created: now,
      modified: now,
    };
    this.users.push(user);
    this.changed();
    return { result: 1, user_id: user.user_id };
  }

  /**
   * SetUserInfo: the user by `user_id` (an application, if given, must be one it is bound to) or by
   * `user_name` within the application (then required); `new_user_name`, `user_display_name`,
   * `user_password` (checked, not kept), `parent_accounting`, `user_active` (false deactivates: the user
   * stays listed, with `user_active: false`), `user_custom_data` (`""` stores an empty string),
   * `mobile_phone` (ignored). `modified` becomes now.
   */
  private setUserInfo(params: Map<string, string>): VoximplantDoneResponse {
    const p = new ParamReader(params);
    const active = p.bool('user_active');
    const parentAccounting = p.bool('parent_accounting');
    const user = this.targets(p, false)[0];
    const newName = p.string('new_user_name');
    const displayName = p.string('user_display_name');
    const password = p.string('user_password');
    if (newName !== undefined) checkUserName(newName);
    if (displayName !== undefined) checkDisplayName(displayName);
    if (password !== undefined) checkPassword(password);
    const customData = customDataOf(params);
    if (newName !== undefined) {
      const apps = (user.applications ?? []).map((a) => a.application_id);
      this.checkUnique(newName, apps, user);
    }

    if (newName !== undefined) user.user_name = newName;
    if (displayName !== undefined) user.user_display_name = displayName;
    if (active !== undefined) user.user_active = active;
    if (parentAccounting !== undefined) user.parent_accounting = parentAccounting;
    if (customData !== undefined) user.user_custom_data = customData;
    user.modified = formatVoximplantTime(Math.floor(Date.now() / 1000));
    this.changed();
    return { result: 1 };
  }

  /**
   * DelUser: `user_id` (`;`-separated ids, or `all`) or `user_name` (`;`-separated, with the application);
   * an application narrows the users to those bound to it. All or nothing: one unknown user → 117 and no
   * user is deleted. Deleted users are gone from GetUsers; their ids are never given again.
   */
  private delUser(params: Map<string, string>): VoximplantDoneResponse {
    const doomed = new Set(this.targets(new ParamReader(params), true));
    for (let i = this.users.length - 1; i >= 0; i--) if (doomed.has(this.users[i])) this.users.splice(i, 1);
    this.changed();
    return { result: 1 };
  }

  /**
   * The users a SetUserInfo (`many` false: exactly one) or DelUser (`many`: a list, or `all`) names by
   * `user_id`, else by `user_name` within the application. `user_id` wins when both are given.
   */
  private targets(p: ParamReader, many: boolean): StoredVoximplantUser[] {
    const rawIds = p.string('user_id')?.trim();
    const rawNames = p.string('user_name');
    if (rawIds === undefined && rawNames === undefined)
      throw invalid("one of 'user_id' and 'user_name' is required");
    const application = this.application(p, rawIds === undefined);
    const inApplication = (u: StoredVoximplantUser) =>
      !application || (u.applications ?? []).some((a) => a.application_id === application.application_id);
    const notFound = (what: string) =>
      new VoxError(
        VoximplantErrorCode.INVALID_USER_ID,
        `The 'user_id' parameter is invalid: no user ${what}.`,
      );

    if (rawIds !== undefined) {
      if (many && rawIds.toLowerCase() === 'all') return this.users.filter(inApplication);
      const parts = many ? rawIds.split(';').map((v) => v.trim()) : [rawIds];
      return [...new Set(parts)].map((part) => {
        if (!/^\d+$/.test(part))
          throw invalid(`'user_id' must be ${many ? "integers or 'all'" : 'an integer'}, got '${part}'`);
        const id = Number(part);
        const user = this.users.find((u) => u.user_id === id);
        if (!user || !inApplication(user))
          throw notFound(`${id}${application ? ` in application ${application.application_id}` : ''}`);
        return user;
      });
    }
    const names = many
      ? rawNames!
          .split(';')
          .map((v) => v.trim())
          .filter((v) => v !== '')
      : [rawNames!];
    return [...new Set(names.map((n) => n.toLowerCase()))].map((name) => {
      const user = this.users.find((u) => inApplication(u) && u.user_name.toLowerCase() === name);
      if (!user) throw notFound(`named '${name}' in application ${application!.application_id}`);
      return user;
    });
  }

  /**
   * The application an admin call names by `application_id` or `application_name` (its full name or the
   * name's first label, case-insensitively: `salesapp` or `salesapp.rollcall-demo.n2.voximplant.com`).
   * Unknown → 116 or 107; both given and naming different applications → 101. Neither: undefined, or
   * 101 when `required`.
   */
  private application(p: ParamReader, required: boolean): StoredVoximplantApplication | undefined {
    const id = p.int('application_id');
    const name = p.string('application_name')?.toLowerCase();
    if (id === undefined && name === undefined) {
      if (required) throw invalid("one of 'application_id' and 'application_name' is required");
      return undefined;
    }
    const byId = id === undefined ? undefined : this.applications.find((a) => a.application_id === id);
    if (id !== undefined && !byId)
      throw new VoxError(
        VoximplantErrorCode.INVALID_APPLICATION_ID,
        `The 'application_id' parameter is invalid: no application ${id}.`,
      );
    const byName =
      name === undefined
        ? undefined
        : this.applications.find((a) => {
            const full = a.application_name.toLowerCase();
            return full === name || full.split('.')[0] === name;
          });
    if (name !== undefined && !byName)
      throw new VoxError(
        VoximplantErrorCode.INVALID_APPLICATION_NAME,
        `Invalid application name: no application '${name}'.`,
      );
    if (byId && byName && byId !== byName)
      throw invalid("'application_id' and 'application_name' name different applications");
    return byId ?? byName;
  }

  /** 118 when another user bound to one of `applicationIds` already has `userName` (case-insensitively). */
  private checkUnique(userName: string, applicationIds: number[], self?: StoredVoximplantUser): void {
    const wanted = userName.toLowerCase();
    const taken = this.users.some(
      (u) =>
        u !== self &&
        u.user_name.toLowerCase() === wanted &&
        (u.applications ?? []).some((a) => applicationIds.includes(a.application_id)),
    );
    if (taken)
      throw new VoxError(
        VoximplantErrorCode.USER_NAME_ISNT_UNIQUE,
        `The user name isn't unique: '${userName}' is taken in the application.`,
      );
  }

  /** After a change: GetUsers' sorted lists are rebuilt on their next use. */
  private changed(): void {
    this.sorted.clear();
    this.sortedFor = this.users.length;
  }

  /**
   * The users bound to the application (by id and/or name, as given), sorted by `orderBy`: computed once
   * per filter and order (the last {@link SORTED_CACHE_SIZE} kept), not per call.
   */
  private sortedByApplication(
    applicationId: number | undefined,
    appName: string | undefined,
    orderBy: OrderBy,
  ): StoredVoximplantUser[] {
    if (this.sortedFor !== this.users.length) {
      this.sorted.clear();
      this.sortedFor = this.users.length;
    }
    const key = JSON.stringify([applicationId ?? null, appName ?? null, orderBy]);
    const hit = this.sorted.get(key);
    if (hit) return hit;
    const users = this.users
      .filter((u) => {
        const apps = u.applications ?? [];
        if (applicationId !== undefined && !apps.some((a) => a.application_id === applicationId))
          return false;
        return appName === undefined || apps.some((a) => a.application_name.toLowerCase().includes(appName));
      })
      .sort(comparator(orderBy));
    if (this.sorted.size >= SORTED_CACHE_SIZE) this.sorted.delete(this.sorted.keys().next().value!);
    this.sorted.set(key, users);
    return users;
  }
}

// ---------------------------------------------------------------------------------------------
// Request parsing.
// ---------------------------------------------------------------------------------------------

function invalid(reason: string): VoxError {
  return new VoxError(VoximplantErrorCode.INVALID_ARGUMENTS, `Invalid arguments: ${reason}.`);
}

/**
 * Merges the query string with a urlencoded, multipart or JSON body. A key present in both takes the
 * body's value; a key repeated within one source takes the last value.
 */
async function readParams(req: EmulatorRequest): Promise<Map<string, string>> {
  const params = new Map<string, string>();
  for (const [key, value] of req.query) params.set(key, value);
  if (req.body.length === 0) return params;
  const contentType = String(req.headers['content-type'] ?? '');
  const type = contentType.split(';')[0].trim().toLowerCase();
  try {
    if (type === 'application/x-www-form-urlencoded') {
      for (const [key, value] of new URLSearchParams(req.body.toString('utf8'))) params.set(key, value);
    } else if (type === 'multipart/form-data') {
      const form = await new Request('http://emulator.invalid/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: new Uint8Array(req.body),
      }).formData();
      for (const [key, value] of form)
        params.set(key, typeof value === 'string' ? value : await value.text());
    } else if (type === 'application/json') {
      const json: unknown = JSON.parse(req.body.toString('utf8'));
      if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not an object');
      for (const [key, value] of Object.entries(json)) {
        if (value === null || value === undefined) continue;
        params.set(key, Array.isArray(value) ? value.map(String).join(';') : String(value));
      }
    }
    // Any other content type: the body is ignored, as a form-parsing server would.
  } catch {
    throw invalid(`the request body could not be parsed as ${type}`);
  }
  return params;
}

/** `[a-z0-9][a-z0-9_-]{2,49}` (AddUser's reference), else 122. */
function checkUserName(userName: string): void {
  if (!/^[a-z0-9][a-z0-9_-]{2,49}$/.test(userName))
    throw new VoxError(
      VoximplantErrorCode.USER_NAME_RESTRICTIONS,
      `The user name '${userName}' is invalid: it must match [a-z0-9][a-z0-9_-]{2,49}.`,
    );
}

/** Shorter than 256 characters (AddUser's reference), else 157. An empty value counts as absent. */
function checkDisplayName(displayName: string): void {
  if ([...displayName].length >= 256)
    throw new VoxError(
      VoximplantErrorCode.INVALID_USER_DISPLAY_NAME,
      "The 'user_display_name' parameter is invalid: its length must be less than 256.",
    );
}

/**
 * At least 8 characters with an upper-case and a lower-case letter, a digit and another character
 * (AddUser's reference). [ASSUMPTION] Refused with 112 PASSWORD_LENGTH, the SDKs' code for a too short
 * password (no source names the code of the other rules).
 */
function checkPassword(password: string): void {
  const strong =
    password.length >= 8 &&
    /[A-Z]/.test(password) &&
    /[a-z]/.test(password) &&
    /[0-9]/.test(password) &&
    /[^A-Za-z0-9]/.test(password);
  if (!strong)
    throw new VoxError(
      VoximplantErrorCode.PASSWORD_LENGTH,
      'The password must be at least 8 characters long and contain at least one uppercase and lowercase letter, one number, and one special character.',
    );
}

/**
 * `user_custom_data` as given, `""` included (it clears the data: the seed's users show both an absent
 * and an empty value); undefined when absent. Longer than 8191 characters → 212 (the SDKs' limit).
 */
function customDataOf(params: Map<string, string>): string | undefined {
  const value = params.get('user_custom_data');
  if (value !== undefined && [...value].length >= 8192)
    throw new VoxError(
      VoximplantErrorCode.USER_CUSTOM_DATA_TOO_LONG,
      "The 'user_custom_data' parameter length must be less than 8192.",
    );
  return value;
}

/** Typed access to request parameters; an empty value counts as absent. */
class ParamReader {
  constructor(private readonly params: Map<string, string>) {}

  string(name: string): string | undefined {
    const value = this.params.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  int(name: string): number | undefined {
    const value = this.string(name)?.trim();
    if (value === undefined) return undefined;
    // A `;`-separated user_id list is rejected here too: GetUsers takes a single id.
    if (!/^-?\d+$/.test(value)) throw invalid(`'${name}' must be an integer, got '${value}'`);
    return Number(value);
  }

  bool(name: string): boolean | undefined {
    const value = this.string(name)?.trim().toLowerCase();
    if (value === undefined) return undefined;
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    throw invalid(`'${name}' must be a boolean (true or false), got '${value}'`);
  }
}

function comparator(orderBy: OrderBy): (a: StoredVoximplantUser, b: StoredVoximplantUser) => number {
  return (a, b) => {
    if (orderBy !== 'user_id') {
      const av = a[orderBy].toLowerCase();
      const bv = b[orderBy].toLowerCase();
      if (av !== bv) return av < bv ? -1 : 1;
    }
    return a.user_id - b.user_id;
  };
}

// ---------------------------------------------------------------------------------------------
// Seeded data.
// ---------------------------------------------------------------------------------------------

/** Two digits. */
function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DD` of each UTC day (days since the epoch) formatted so far: large data sets share few days. */
const dayPrefixes = new Map<number, string>();

/** `YYYY-MM-DD HH:mm:ss` in UTC, Voximplant's timestamp format. */
function formatVoximplantTime(epochSeconds: number): string {
  if (!Number.isSafeInteger(epochSeconds)) {
    return new Date(epochSeconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }
  const day = Math.floor(epochSeconds / 86_400);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 10);
    dayPrefixes.set(day, prefix);
  }
  const second = epochSeconds - day * 86_400;
  return `${prefix} ${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}`;
}

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

// prettier-ignore
const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Elijah', 'Sophia', 'Lucas', 'Mia', 'Mateo', 'Amelia', 'Levi',
  'Harper', 'Ezra', 'Luna', 'Kai', 'Nora', 'Omar', 'Priya', 'Chen', 'Fatima', 'Ivan', 'Yuki', 'Zanele',
];
// prettier-ignore
const LAST_NAMES = [
  'Garcia', 'Nguyen', 'Smith', 'Kowalski', 'Okafor', 'Petrov', 'Tanaka', 'Silva', 'Müller', 'Brown',
  'Haddad', 'Johansson', 'Rossi', 'Kim', 'Dubois', 'Patel', 'Novak', 'Ali', 'Jensen', 'Moreau',
];
const CUSTOM_DATA = [
  '{"department":"support","shift":"day"}',
  '{"department":"sales"}',
  'tier-2',
  '',
  '{"crm_id":"C-1042"}',
];

/** The applications demo mode's source lists (`demoSourceEnv`: the first two). */
const DEMO_APPLICATION_IDS = [10001, 10002];

/** How many users join the seed's jdoe and asmith by default. */
const GENERATED_USERS = 64;

/**
 * The catalogues and the users, by user_id. Without `total`, the seed (jdoe, asmith and
 * {@link GENERATED_USERS} generated users); with it, exactly `total` users.
 */
function buildData(total?: number) {
  const random = seededRandom(0x5a11ed05);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const t = (iso: string) => Math.floor(Date.parse(`${iso}Z`) / 1000);

  const applications: StoredVoximplantApplication[] = [
    {
      application_id: 10001,
      application_name: 'customersupportapp.rollcall-demo.n2.voximplant.com',
      modified: '2023-03-01 10:00:00',
      secure_record_storage: false,
    },
    {
      application_id: 10002,
      application_name: 'salesapp.rollcall-demo.n2.voximplant.com',
      modified: '2023-05-17 08:30:12',
      secure_record_storage: true,
    },
    {
      application_id: 10003,
      application_name: 'ivrbots.rollcall-demo.n2.voximplant.com',
      modified: '2023-09-02 14:45:00',
      secure_record_storage: false,
    },
  ];
  const skills: StoredVoximplantSkill[] = [
    { skill_id: 201, skill_name: 'English' },
    { skill_id: 202, skill_name: 'Spanish' },
    { skill_id: 203, skill_name: 'Billing' },
    { skill_id: 204, skill_name: 'Technical support' },
    { skill_id: 205, skill_name: 'VIP care' },
  ];
  const queues = [
    { acd_queue_id: 301, acd_queue_name: 'support-l1' },
    { acd_queue_id: 302, acd_queue_name: 'support-l2' },
    { acd_queue_id: 303, acd_queue_name: 'sales-inbound' },
  ];

  const users: StoredVoximplantUser[] = [];
  const names = new Set<string>(['jdoe', 'asmith']);
  /** Per user-name base, the suffix to try next: every smaller one is taken (names are never freed). */
  const nextSuffix = new Map<string, number>();
  const createdFrom = t('2022-01-01T00:00:00');
  const createdTo = t('2023-06-01T00:00:00');
  const make = (
    id: number,
    userName: string,
    displayName: string,
    overrides?: Partial<StoredVoximplantUser> & { appIds?: number[] },
  ): StoredVoximplantUser => {
    const created = between(createdFrom, createdTo);
    const modified = created + between(3600, 30_000_000);
    const appIds = overrides?.appIds ?? (random() < 0.25 ? [10001, 10002] : [pick([10001, 10002, 10003])]);
    const userSkills = skills.filter(() => random() < 0.35);
    const userQueues = queues.filter(() => random() < 0.35).map((q) => ({ ...q, auto_link: random() < 0.5 }));
    const acdStatus = pick(VOXIMPLANT_ACD_STATUSES);
    const parentAccounting = random() < 0.2;
    const fixed = parentAccounting ? 0 : round4(random() * 50);
    const live = acdStatus === 'IN_SERVICE' && !parentAccounting ? round4(fixed - random() * 0.5) : fixed;
    const customData = random() < 0.6 ? pick(CUSTOM_DATA) : undefined;
    const user: StoredVoximplantUser = {
      user_id: id,
      user_name: userName,
      user_display_name: displayName,
      user_active: random() >= 0.1,
      frozen: random() < 0.05,
      parent_accounting: parentAccounting,
      live_balance: live,
      balance: live,
      fixed_balance: fixed,
      ...(customData === undefined ? {} : { user_custom_data: customData }),
      applications: applications.filter((a) => appIds.includes(a.application_id)),
      skills: userSkills,
      acd_queues: userQueues,
      acd_status: acdStatus,
      acd_status_change_time: formatVoximplantTime(modified + between(0, 2_000_000)),
      created: formatVoximplantTime(created),
      modified: formatVoximplantTime(modified),
    };
    if (overrides === undefined) return user;
    const { appIds: _ignored, ...rest } = overrides;
    return { ...user, ...rest };
  };

  // The seed's two users, with the seed's values.
  users.push(
    make(101, 'jdoe', 'John Doe', {
      appIds: [10001],
      user_active: true,
      frozen: false,
      parent_accounting: false,
      live_balance: 15.75,
      balance: 15.75,
      fixed_balance: 15.75,
      modified: '2024-04-20 09:15:42',
    }),
    make(102, 'asmith', 'Alice Smith', {
      appIds: [10001, 10002],
      user_active: true,
      frozen: false,
      parent_accounting: false,
      live_balance: 8.5,
      balance: 8.5,
      fixed_balance: 8.5,
      modified: '2024-04-19 16:47:10',
    }),
  );
  if (total !== undefined && total < users.length) users.length = total;
  const generated = total === undefined ? GENERATED_USERS : total - users.length;
  const firstGenerated = users.length;
  for (let i = 0; i < generated; i++) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const base = `${first[0]}${last}`
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z]/g, '');
    // The first free of base, base2, base3, …: the search resumes where this base's last one ended.
    let userName = base;
    if (names.has(userName)) {
      let n = nextSuffix.get(base) ?? 2;
      while (names.has(`${base}${n}`)) n++;
      userName = `${base}${n}`;
      nextSuffix.set(base, n + 1);
    }
    names.add(userName);
    const user = make(103 + i, userName, `${first} ${last}`);
    // Every ACD status is represented, whatever the dice say.
    if (i < VOXIMPLANT_ACD_STATUSES.length) user.acd_status = VOXIMPLANT_ACD_STATUSES[i];
    users.push(user);
  }
  // The demo people's operators (src/emulators/people.ts): every third generated user bound to an
  // application demo mode lists (10001 or 10002) takes one's name, once all are drawn (so nobody else
  // changes). `first-last` cannot clash with a generated user name (those have no hyphen).
  const listed = (i: number) =>
    (users[firstGenerated + i].applications ?? []).some((a) =>
      DEMO_APPLICATION_IDS.includes(a.application_id),
    );
  const slots = poolSlots(voximplantOperators(), { from: 0, to: generated, stride: 3, eligible: listed });
  for (const [i, human] of slots) {
    const user = users[firstGenerated + i];
    user.user_name = `${human.firstName}-${human.lastName}`.toLowerCase();
    user.user_display_name = `${human.firstName} ${human.lastName}`;
  }
  return { users, applications, skills, queues };
}
