/**
 * A faithful stand-in for 2Chat's `GET /open/users` (2Chat's API reference, developers.2chat.co): a real HTTP server with
 * 2Chat's auth header, envelope, error bodies, ACTIVE-only filtering and per-minute rate limit.
 *
 * Every point the provider does not document is a documented default here and an option to flip; see README.md.
 * The data set is seeded, generated once per instance and identical on every run.
 */
import {
  EmulatorServer,
  RateLimiter,
  randomHex,
  seededRandom,
  type EmulatorOptions,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
} from '../../emulators/base.js';
import { poolAccounts } from '../../emulators/people.js';
import type { TwoChatErrorBody, TwoChatInfoResponse, TwoChatListResponse, TwoChatWireUser } from './wire.js';

/** 2Chat account-user statuses; only `ACTIVE` users are ever sent on the wire. */
type TwoChatUserStatus = 'ACTIVE' | 'PENDING' | 'SUSPENDED' | 'DELETED';

/**
 * A user as the emulator keeps it: the wire user (names and email always present, possibly null) plus the
 * status that decides whether it is listed (not a wire field: `/open/users` sends only ACTIVE users).
 */
interface StoredTwoChatUser extends TwoChatWireUser {
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  status: TwoChatUserStatus;
}

export const TWOCHAT_DEMO_API_KEY = 'demo-2chat-api-key';
/** 2Chat's documented trial limit (api-response-codes page). */
const TWOCHAT_TRIAL_REQUESTS_PER_MINUTE = 30;
/** Reported by `/open/info` when rate limiting is off: the billing page's example paid plan. */
const UNENFORCED_REQUESTS_PER_MINUTE = 80;

interface TwoChatEmulatorOptions extends EmulatorOptions {
  /** The one API key accepted in `X-User-API-Key` (default {@link TWOCHAT_DEMO_API_KEY}). */
  apiKey?: string;
  /** Off by default; `true` = the trial plan's 30 requests/minute. */
  rateLimit?: boolean | { perMinute: number };
  /** Send `Retry-After: <seconds>` on 429 (default true; undocumented by 2Chat). */
  retryAfterHeader?: boolean;
  /** Answer authenticated calls with 402 (trial expired / out of API credits). */
  paymentRequired?: boolean;
  /** Answer `/open/users` with HTTP 200 but `{success:false, error:true, ...}`. */
  okFalseBody?: boolean;
  /** Which field(s) carry the error text (default `'both'`). */
  errorFields?: 'both' | 'error_message' | 'message';
  /** Give a few ACTIVE users `null` names/email (default false: the seed always shows strings). */
  nullableFields?: boolean;
  /** `usage.max_api_request_count` reported by `/open/info` (default 10000). */
  maxApiRequestCount?: number;
}

/** The seed's two users, verbatim, always first in the list. */
const SEED_USERS: StoredTwoChatUser[] = [
  {
    uuid: 'USR4f1c8a73-2e91-4d6b-9c44-1a72bfe0d521',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@example.com',
    status: 'ACTIVE',
  },
  {
    uuid: 'USRb2d7e6c0-5f3a-4811-87ce-c9d208a1f4e2',
    first_name: 'Grace',
    last_name: 'Hopper',
    email: 'grace@example.com',
    status: 'ACTIVE',
  },
];

// prettier-ignore
const FIRST_NAMES = [
  'Alan', 'Barbara', 'Claude', 'Dorothy', 'Edsger', 'Frances', 'Guido', 'Hedy', 'Ivan', 'Joan', 'Ken',
  'Lynn', 'Margaret', 'Niklaus', 'Ole-Johan', 'Radia', 'Sophie', 'Tim', 'Ursula', 'Vint', 'Wendy', 'Xiaowei',
  'Yukihiro', 'Zoë', 'José', 'Anita', 'Bjarne', 'Carol', 'Dennis', 'Evelyn',
];
// prettier-ignore
const LAST_NAMES = [
  'Turing', 'Liskov', 'Shannon', 'Vaughan', 'Dijkstra', 'Allen', 'van Rossum', 'Lamarr', 'Sutherland',
  'Clarke', 'Thompson', 'Conway', 'Hamilton', 'Wirth', 'Dahl', 'Perlman', 'Wilson', 'Berners-Lee', 'Franklin',
  'Cerf', 'Hall', 'Zhang', 'Matsumoto', 'Kovač', 'Núñez', 'Borg', 'Stroustrup', 'Shaw', 'Ritchie', "O'Neil",
];

/**
 * How many users of each status the generated part of the data set holds (plus the 2 seed users before
 * them and the demo people's 42 ACTIVE accounts after them).
 */
const GENERATED_STATUSES: [TwoChatUserStatus, number][] = [
  ['ACTIVE', 28],
  ['PENDING', 4],
  ['SUSPENDED', 3],
  ['DELETED', 3],
];

function generateUsers(nullableFields: boolean): StoredTwoChatUser[] {
  const random = seededRandom(0x2c4a7);
  const statuses = GENERATED_STATUSES.flatMap(([status, count]) =>
    Array<TwoChatUserStatus>(count).fill(status),
  );
  for (let i = statuses.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [statuses[i], statuses[j]] = [statuses[j], statuses[i]];
  }
  const emails = new Set(SEED_USERS.map((u) => u.email));
  const users: StoredTwoChatUser[] = SEED_USERS.map((u) => ({ ...u }));
  statuses.forEach((status, i) => {
    const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)];
    const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)];
    const hex = randomHex(random, 32);
    const uuidBody = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    // 2Chat's own docs hyphenate the prefix inconsistently (`USR4f1c…` vs `USR-3f8c…`): serve both.
    const uuid = i % 13 === 6 ? `USR-${uuidBody}` : `USR${uuidBody}`;
    const local = `${first}.${last}`
      .normalize('NFD')
      .replace(/[^A-Za-z.]/g, '')
      .toLowerCase();
    let email = `${local}@example.com`;
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@example.com`;
    emails.add(email);
    users.push({ uuid, first_name: first, last_name: last, email, status });
  });
  // Then the demo people's 2Chat accounts (src/emulators/people.ts), ACTIVE, the address as spelled there.
  const poolRandom = seededRandom(0x2c4a8);
  for (const { human, account } of poolAccounts('twochat')) {
    const hex = randomHex(poolRandom, 32);
    users.push({
      uuid: `USR${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
      first_name: human.firstName,
      last_name: human.lastName,
      email: account.email,
      status: 'ACTIVE',
    });
  }
  if (nullableFields) {
    // The first three generated ACTIVE users each lose one field: first_name, last_name, email.
    const targets = users.slice(SEED_USERS.length).filter((u) => u.status === 'ACTIVE');
    targets[0].first_name = null;
    targets[1].last_name = null;
    targets[2].email = null;
  }
  return users;
}

export class TwoChatEmulator extends EmulatorServer {
  readonly apiKey: string;
  /** The whole data set in list order, non-ACTIVE users included. */
  readonly users: StoredTwoChatUser[];
  /** Switch these at run time to test the error paths. */
  paymentRequired: boolean;
  okFalseBody: boolean;
  /** Authenticated calls that cost a credit (what `/open/info` reports as `usage.api_request_count`). */
  apiRequestCount = 0;
  private readonly perMinute: number | undefined;
  private limiter: RateLimiter | undefined;
  private readonly opts: TwoChatEmulatorOptions;

  constructor(options: TwoChatEmulatorOptions = {}) {
    super('2chat', (req) => this.handle(req), options);
    this.opts = options;
    this.apiKey = options.apiKey ?? TWOCHAT_DEMO_API_KEY;
    this.paymentRequired = options.paymentRequired ?? false;
    this.okFalseBody = options.okFalseBody ?? false;
    const rateLimit = options.rateLimit ?? false;
    this.perMinute =
      rateLimit === false
        ? undefined
        : rateLimit === true
          ? TWOCHAT_TRIAL_REQUESTS_PER_MINUTE
          : rateLimit.perMinute;
    this.limiter = this.makeLimiter();
    this.users = generateUsers(options.nullableFields ?? false);
  }

  /** Env vars that point rollcall at this running emulator (used by demo mode and tests). */
  override errorBody(_status: number, message: string): unknown {
    return { success: false, error: true, error_message: message };
  }

  override refusal(message: string): Fault {
    return { status: 401, body: { success: false, error: true, error_message: message, message } };
  }

  demoEnv(): Record<string, string> {
    return { TWOCHAT_API_KEY: this.apiKey, TWOCHAT_BASE_URL: this.baseUrl };
  }

  /** The users `/open/users` sends, in wire shape and order. */
  activeUsers(): TwoChatWireUser[] {
    return this.users
      .filter((u) => u.status === 'ACTIVE')
      .map(({ uuid, first_name, last_name, email }) => ({ uuid, first_name, last_name, email }));
  }

  /** Also restarts the rate-limit window and the credit counter. */
  override reset(): void {
    super.reset();
    this.limiter = this.makeLimiter();
    this.apiRequestCount = 0;
  }

  private makeLimiter(): RateLimiter | undefined {
    return this.perMinute === undefined
      ? undefined
      : new RateLimiter([{ limit: this.perMinute, windowMs: 60_000 }]);
  }

  private error(status: number, text: string, headers?: Record<string, string>): EmulatorResponse {
    const fields = this.opts.errorFields ?? 'both';
    const body: TwoChatErrorBody = { success: false, error: true };
    if (fields !== 'message') body.error_message = text;
    if (fields !== 'error_message') body.message = text;
    return { status, body, headers };
  }

  private handle(req: EmulatorRequest): EmulatorResponse {
    const route = req.path === '/open/users' ? 'users' : req.path === '/open/info' ? 'info' : undefined;
    if (!route) return this.error(404, 'Not found');
    // 406 is 2Chat's documented "unsupported operation".
    if (req.method !== 'GET') return this.error(406, `Unsupported operation: ${req.method} ${req.path}`);

    const key = req.headers['x-user-api-key'];
    if (typeof key !== 'string' || key !== this.apiKey) return this.error(401, 'Invalid API key');

    const verdict = this.limiter?.check();
    if (verdict && !verdict.ok) {
      const headers: Record<string, string> =
        (this.opts.retryAfterHeader ?? true) ? { 'retry-after': String(verdict.retryAfterSeconds) } : {};
      return this.error(429, 'Too many requests', headers);
    }

    if (route === 'info') {
      this.apiRequestCount += 1;
      const max = this.opts.maxApiRequestCount ?? 10_000;
      const body: TwoChatInfoResponse = {
        success: true,
        limits: { requests_per_minute: this.perMinute ?? UNENFORCED_REQUESTS_PER_MINUTE },
        usage: {
          api_request_count: this.paymentRequired ? max : this.apiRequestCount,
          max_api_request_count: max,
        },
      };
      return { status: 200, body };
    }

    if (this.paymentRequired) {
      return this.error(
        402,
        'Payment required: your trial has expired or you have run out of API credits. Upgrade your plan to continue.',
      );
    }
    this.apiRequestCount += 1;
    if (this.okFalseBody)
      return this.error(200, 'Could not list the users of this account. Please try again later.');
    const body: TwoChatListResponse = { success: true, data: { users: this.activeUsers() } };
    return { status: 200, body };
  }
}
