/**
 * A faithful stand-in for Ada's end-users API (Ada's end-users reference): `GET /api/v2/end-users/`
 * (keyset paging by `cursor` + `limit`, or a single lookup by `external_id`) and
 * `GET /api/v2/end-users/{end_user_id}`, with Bearer auth, Ada's `{errors:[…]}` bodies and its
 * 10/s + 100/min rate limits.
 *
 * Every point the provider does not document is a documented default here and an option to flip; see README.md.
 * The data set is seeded, generated once per instance and identical on every run.
 */
import { createHash } from 'node:crypto';
import { signStandardWebhook } from '../core/webhooks.js';
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
import { poolAccounts, poolSlots, type PoolEntry } from '../../emulators/people.js';
import type { AdaWireEndUser, AdaWireErrorBody, AdaWireListResponse, AdaWireProfile } from './wire.js';

/** A `profile.metadata` value: Ada documents strings, booleans and integers. */
type MetadataValue = string | boolean | number;

/** The profile of a stored end user: every documented key present (values may be null). */
interface StoredAdaProfile extends AdaWireProfile {
  first_name: string | null;
  last_name: string | null;
  display_name: string | null;
  avatar: string | null;
  email: string | null;
  language: string | null;
  metadata: Record<string, MetadataValue>;
  system_properties: { sunshine_user_id: string | null };
}

/**
 * An end user as the emulator stores and sends it: the wire type with every key the emulator always
 * fills (only `external_id` is sometimes absent, like in the seed's own example).
 */
export interface StoredAdaEndUser extends AdaWireEndUser {
  profile: StoredAdaProfile;
  created_at: string;
  updated_at: string;
}

export type AdaCursorMode = 'inclusive' | 'exclusive';
/** How the last page says so: `meta: {next_page_url: null}`, `meta: null`, or no `meta` key at all. */
export type AdaLastPageMode = 'null-url' | 'null-meta' | 'no-meta';

export const ADA_DEMO_API_KEY = 'demo-ada-api-key';
const ADA_MAX_LIMIT = 100;
/** The seed's end user, verbatim (its example has no `external_id` key). */
export const ADA_SEED_END_USER_ID = '5f7e0e2c1e7c7e000f0f9c3a';

interface AdaEmulatorOptions extends EmulatorOptions {
  /** The one Bearer key accepted (default {@link ADA_DEMO_API_KEY}). */
  apiKey?: string;
  /** Off by default; `true` = Ada's documented 10 requests/s and 100/min per instance. */
  rateLimit?: boolean | { perSecond?: number; perMinute?: number };
  /** Send `Retry-After: <seconds>` on 429 (default false: Ada documents no such header). */
  retryAfterHeader?: boolean;
  /** Whether the record with id == cursor is the first returned (default) or skipped. */
  cursorMode?: AdaCursorMode;
  /** Last-page shape (default `'null-url'`). */
  lastPage?: AdaLastPageMode;
  /** Page size when `limit` is absent (default 100, the documented maximum). */
  defaultLimit?: number;
  /** Whether `next_page_url` repeats `limit` (default true). */
  echoLimit?: boolean;
  /** `/api/v2/end-users` without the trailing slash: 404 (default) or a 301 to the slashed URL. */
  noTrailingSlash?: 'not-found' | 'redirect';
  /** How many end users the data set holds, the seed's included (default 240). */
  userCount?: number;
}

const LIST_PATH = '/api/v2/end-users/';
const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** Demo mode's webhook signing secret (Ada gives each webhook endpoint a `whsec_…` secret). */
export const ADA_DEMO_WEBHOOK_SECRET = `whsec_${Buffer.from('demo-ada-webhook-signing-key-32b').toString('base64')}`;

export class AdaEmulator extends EmulatorServer {
  readonly apiKey: string;
  /**
   * The secret `v1.end_user.created`/`.updated` events are signed with (Standard Webhooks, as Svix
   * delivers Ada's webhooks); they go to `webhookUrl` (EmulatorServer).
   */
  readonly webhookSecret = ADA_DEMO_WEBHOOK_SECRET;
  private created = 0;
  /** The whole data set, sorted ascending by `end_user_id` (strictly increasing). */
  readonly users: StoredAdaEndUser[];
  /** Switch these at run time to test a client against each documented possibility. */
  cursorMode: AdaCursorMode;
  lastPage: AdaLastPageMode;
  private readonly byId: Map<string, StoredAdaEndUser>;
  private readonly byExternalId: Map<string, StoredAdaEndUser>;
  private readonly limits: { limit: number; windowMs: number }[] | undefined;
  private limiter: RateLimiter | undefined;
  private readonly opts: AdaEmulatorOptions;

  constructor(options: AdaEmulatorOptions = {}) {
    super('ada', (req) => this.handle(req), options);
    this.opts = options;
    this.apiKey = options.apiKey ?? ADA_DEMO_API_KEY;
    this.cursorMode = options.cursorMode ?? 'inclusive';
    this.lastPage = options.lastPage ?? 'null-url';
    const defaultLimit = options.defaultLimit ?? ADA_MAX_LIMIT;
    if (!Number.isInteger(defaultLimit) || defaultLimit < 1 || defaultLimit > ADA_MAX_LIMIT) {
      throw new RangeError(
        `AdaEmulator: defaultLimit must be an integer 1..${ADA_MAX_LIMIT}, got ${defaultLimit}`,
      );
    }
    const rateLimit = options.rateLimit ?? false;
    if (rateLimit !== false) {
      const custom = rateLimit === true ? {} : rateLimit;
      this.limits = [
        { limit: custom.perSecond ?? 10, windowMs: 1000 },
        { limit: custom.perMinute ?? 100, windowMs: 60_000 },
      ];
    }
    this.limiter = this.makeLimiter();
    this.users = generateEndUsers(options.userCount ?? 240);
    this.byId = new Map(this.users.map((u) => [u.end_user_id, u]));
    this.byExternalId = new Map(
      this.users.flatMap((u) => (u.external_id ? [[u.external_id.toLowerCase(), u] as const] : [])),
    );
  }

  /** Env vars that point rollcall at this running emulator (used by demo mode and tests). */
  override errorBody(status: number, message: string): unknown {
    return { errors: [{ type: `error_${status}`, message, details: null }] };
  }

  override refusal(message: string): Fault {
    return { status: 401, body: { errors: [{ type: message, message, details: message }] } };
  }

  demoEnv(): Record<string, string> {
    return { ADA_API_KEY: this.apiKey, ADA_BASE_URL: this.baseUrl, ADA_WEBHOOK_SECRET: this.webhookSecret };
  }

  /** Also restarts the rate-limit windows. */
  override reset(): void {
    super.reset();
    this.limiter = this.makeLimiter();
  }

  private makeLimiter(): RateLimiter | undefined {
    return this.limits ? new RateLimiter(this.limits) : undefined;
  }

  private handle(req: EmulatorRequest): EmulatorResponse {
    if (req.path === LIST_PATH.slice(0, -1)) {
      if (this.opts.noTrailingSlash !== 'redirect') return notFound('Not found');
      // Django's APPEND_SLASH answer: a permanent redirect, before any auth.
      const search = req.query.toString();
      return {
        status: 301,
        body: '',
        headers: { location: `${req.baseUrl}${LIST_PATH}${search ? `?${search}` : ''}` },
      };
    }
    const single = /^\/api\/v2\/end-users\/([^/]+)$/.exec(req.path);
    if (req.path !== LIST_PATH && !single) return notFound('Not found');
    const writing = (req.method === 'POST' && !single) || (req.method === 'PATCH' && single);
    if (req.method !== 'GET' && !writing) {
      return adaError(405, 'method_not_allowed', `Method "${req.method}" not allowed.`, null);
    }

    const auth = req.headers.authorization;
    const match = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth) : null;
    if (!match || match[1] !== this.apiKey) {
      return adaError(
        401,
        'unauthorized',
        match ? 'Invalid API key' : 'Missing or malformed Authorization header: expected "Bearer <api key>"',
        null,
      );
    }

    const verdict = this.limiter?.check();
    if (verdict && !verdict.ok) {
      return adaError(
        429,
        'too_many_requests',
        'Rate limit exceeded',
        `Limit of ${verdict.limit} requests per ${verdict.resetAt - Date.now() <= 1000 ? 'second' : 'minute'} reached`,
        this.opts.retryAfterHeader ? { 'retry-after': String(verdict.retryAfterSeconds) } : undefined,
      );
    }

    if (writing) return this.write(req, single ? safeDecode(single[1]).toLowerCase() : undefined);
    if (single) {
      const user = this.byId.get(safeDecode(single[1]).toLowerCase());
      return user ? { status: 200, body: user } : notFound(`End user "${single[1]}" not found`);
    }
    return req.query.has('external_id') ? this.lookupExternal(req) : this.list(req);
  }

  /**
   * `PATCH /api/v2/end-users/{id}` (Ada's profile update: the `profile` keys given replace the stored
   * ones) and `POST /api/v2/end-users/` (emulator only: Ada creates end users from conversations), JSON
   * bodies; each sends its signed `v1.end_user.updated` / `v1.end_user.created` event.
   */
  private write(req: EmulatorRequest, id: string | undefined): EmulatorResponse {
    let body: { profile?: Partial<StoredAdaProfile>; external_id?: string | null };
    try {
      body = JSON.parse(req.body.toString('utf8') || '{}') as typeof body;
    } catch {
      return badRequest('The body is not valid JSON', 'body');
    }
    const now = formatTimestamp(Date.now(), false, 0);
    let user: StoredAdaEndUser;
    if (id === undefined) {
      this.created += 1;
      const seconds = Math.floor(Date.now() / 1000);
      const newId = `${seconds.toString(16).padStart(8, '0')}${createHash('md5').update(`ada:${this.created}`).digest('hex').slice(0, 16)}`;
      user = {
        end_user_id: newId,
        external_id: body.external_id ?? null,
        profile: {
          first_name: null,
          last_name: null,
          display_name: null,
          avatar: null,
          email: null,
          language: null,
          metadata: {},
          system_properties: { sunshine_user_id: null },
          ...body.profile,
        },
        created_at: now,
        updated_at: now,
      };
      const at = this.users.findIndex((other) => other.end_user_id > newId);
      this.users.splice(at === -1 ? this.users.length : at, 0, user);
      this.byId.set(newId, user);
      if (user.external_id) this.byExternalId.set(user.external_id.toLowerCase(), user);
    } else {
      const found = this.byId.get(id);
      if (!found) return notFound(`End user "${id}" not found`);
      user = found;
      user.profile = { ...user.profile, ...body.profile };
      user.updated_at = now;
    }
    this.deliver(id === undefined ? 'v1.end_user.created' : 'v1.end_user.updated', user);
    return { status: id === undefined ? 201 : 200, body: user };
  }

  /** Sends an end-user event to `webhookUrl`, signed as Svix signs Ada's webhooks. */
  private deliver(type: string, user: StoredAdaEndUser): void {
    const url = this.webhookUrl;
    if (!url) return;
    const body = JSON.stringify({
      type,
      timestamp: formatTimestamp(Date.now(), false, 0),
      data: {
        end_user_id: user.end_user_id,
        external_id: user.external_id ?? null,
        profile: user.profile,
        created_at: user.created_at,
        updated_at: user.updated_at,
      },
      tags: [user.end_user_id],
    });
    const id = `msg_${createHash('md5').update(`${type}:${user.end_user_id}:${Date.now()}:${Math.random()}`).digest('hex')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    this.sendEvent(url, body, {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(timestamp),
      'svix-signature': signStandardWebhook(this.webhookSecret, id, timestamp, body),
    });
  }

  private lookupExternal(req: EmulatorRequest): EmulatorResponse {
    if (req.query.has('cursor') || req.query.has('limit')) {
      return badRequest('external_id cannot be combined with cursor or limit', 'external_id');
    }
    const externalId = req.query.get('external_id') ?? '';
    if (externalId.length < 1 || externalId.length > 36) {
      return badRequest(
        'external_id must be 1 to 36 characters long',
        `external_id has ${externalId.length}`,
      );
    }
    const user = this.byExternalId.get(externalId.toLowerCase());
    return user ? { status: 200, body: user } : notFound(`No end user with external_id "${externalId}"`);
  }

  private list(req: EmulatorRequest): EmulatorResponse {
    let limit = this.opts.defaultLimit ?? ADA_MAX_LIMIT;
    const rawLimit = req.query.get('limit');
    if (rawLimit !== null) {
      if (!/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > ADA_MAX_LIMIT) {
        return badRequest(`limit must be an integer between 1 and ${ADA_MAX_LIMIT}`, `limit=${rawLimit}`);
      }
      limit = Number(rawLimit);
    }
    const rawCursor = req.query.get('cursor');
    if (rawCursor !== null && !OBJECT_ID.test(rawCursor)) {
      return badRequest('cursor must be an end user id (24 hex digits)', `cursor=${rawCursor}`);
    }

    // Keyset paging: ids are fixed-length lower-case hex, so string order is id order. A cursor that
    // names no record still works as a position.
    const cursor = rawCursor?.toLowerCase();
    const inclusive = this.cursorMode === 'inclusive';
    const from = cursor === undefined ? 0 : firstAfter(this.users, cursor, inclusive);
    const data = this.users.slice(from, from + limit);
    const next = this.users[from + limit];

    const body: AdaWireListResponse = { data };
    if (next) {
      const nextCursor = inclusive ? next.end_user_id : data[data.length - 1].end_user_id;
      const limitPart = (this.opts.echoLimit ?? true) ? `&limit=${limit}` : '';
      body.meta = { next_page_url: `${req.baseUrl}${LIST_PATH}?cursor=${nextCursor}${limitPart}` };
    } else if (this.lastPage === 'null-url') {
      body.meta = { next_page_url: null };
    } else if (this.lastPage === 'null-meta') {
      body.meta = null;
    }
    return { status: 200, body };
  }
}

/**
 * Binary search in users sorted by `end_user_id`: the index of the first one whose id is at or after
 * `cursor` (`inclusive`) or strictly after it; `users.length` when there is none.
 */
function firstAfter(users: readonly StoredAdaEndUser[], cursor: string, inclusive: boolean): number {
  let lo = 0;
  let hi = users.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const id = users[mid].end_user_id;
    if (inclusive ? id < cursor : id <= cursor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function adaError(
  status: number,
  type: string,
  message: string,
  details: string | null,
  headers?: Record<string, string>,
): EmulatorResponse {
  const body: AdaWireErrorBody = { errors: [{ type, message, details }] };
  return { status, body, headers };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function badRequest(message: string, details: string): EmulatorResponse {
  return adaError(400, 'bad_request', message, details);
}

function notFound(message: string): EmulatorResponse {
  return adaError(404, 'not_found', message, null);
}

// ---------------------------------------------------------------------------------------------------
// Seeded data

const SEED_END_USER: StoredAdaEndUser = {
  end_user_id: ADA_SEED_END_USER_ID,
  profile: {
    first_name: 'Ada',
    last_name: 'Lovelace',
    display_name: 'Ada Lovelace',
    avatar: 'https://example.com/avatars/ada.png',
    email: 'ada.lovelace@ada.cx',
    language: 'en-US',
    metadata: { example_key1: 'example_string_value', example_key2: true, example_key3: 123 },
    system_properties: { sunshine_user_id: ADA_SEED_END_USER_ID },
  },
  created_at: '2020-09-20T00:00:00+00:00',
  updated_at: '2020-09-20T00:00:00+00:00',
};

// prettier-ignore
const FIRST_NAMES = [
  'Amara', 'Bruno', 'Chloé', 'Dmitri', 'Elif', 'Farah', 'Gustavo', 'Hana', 'Ingrid', 'Jamal', 'Kenji', 'Léa',
  'Mateo', 'Nadia', 'Oluwaseun', 'Priya', 'Quentin', 'Rosa', 'Søren', 'Tanvi', 'Uma', 'Viktor', 'Wei',
  'Ximena', 'Yusuf', 'Zanele', 'Ana', 'Björn', 'Camille', 'Diego',
];
// prettier-ignore
const LAST_NAMES = [
  'Okafor', 'Silva', 'Martin', 'Ivanov', 'Yılmaz', 'Haddad', 'Pereira', 'Sato', 'Lindqvist', 'Brooks', 'Tanaka',
  'Dubois', 'García', 'Haddad', 'Adeyemi', 'Sharma', 'Lefèvre', 'Romero', 'Jensen', 'Iyer', 'Nair', 'Novak',
  'Chen', 'Flores', 'Demir', 'Dlamini', 'Costa', 'Andersson', 'Moreau', 'López',
];
const LANGUAGES = [
  'en-US',
  'en-GB',
  'fr-CA',
  'fr-FR',
  'de-DE',
  'es',
  'es-MX',
  'pt-BR',
  'ja-JP',
  'zh-Hans-CN',
  'ar',
];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];

function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** `YYYY-MM-DD` of each UTC day (days since the epoch) formatted so far: large data sets share few days. */
const dayPrefixes = new Map<number, string>();

/** Two digits. */
function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY-MM-DDTHH:mm:ss` in UTC, what `toISOString().slice(0, 19)` gives, a day's prefix formatted once. */
function isoSeconds(epochMs: number): string {
  if (!Number.isSafeInteger(epochMs)) return new Date(epochMs).toISOString().slice(0, 19);
  const day = Math.floor(epochMs / 86_400_000);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86_400_000).toISOString().slice(0, 10);
    dayPrefixes.set(day, prefix);
  }
  const second = Math.floor((epochMs - day * 86_400_000) / 1000);
  return `${prefix}T${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}`;
}

/** `2020-09-20T00:00:00+00:00` (API pages) or `2023-12-08T19:06:04.890000` (webhook examples, no zone). */
function formatTimestamp(epochMs: number, withZone: boolean, micros: number): string {
  const iso = isoSeconds(epochMs);
  return withZone ? `${iso}+00:00` : `${iso}.${String(micros).padStart(6, '0')}`;
}

function generateEndUsers(count: number): StoredAdaEndUser[] {
  const random = seededRandom(0xada2);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const seedSeconds = parseInt(ADA_SEED_END_USER_ID.slice(0, 8), 16);
  const users: StoredAdaEndUser[] = [];
  // ObjectIds start with their creation second: strictly increasing seconds give strictly increasing ids.
  let seconds = Date.UTC(2019, 2, 1) / 1000;
  // Spread creation over about six years whatever the count.
  const maxStep = Math.max(2, Math.floor((2 * 6 * 365 * 86_400) / count));
  let counter = Math.floor(random() * 0xffffff);
  // The demo people's Ada accounts (src/emulators/people.ts) go to every fourth named user (1, 2, 3, 4,
  // 7, … are named; every fifth is anonymous): 42 of them among the first ~210.
  const slots = poolSlots(poolAccounts('ada'), { from: 1, to: count, stride: 4, eligible: named });
  for (let i = 1; i < count; i++) {
    seconds += 1 + Math.floor(random() * maxStep);
    if (seconds === seedSeconds) seconds += 1;
    counter = (counter + 1) % 0x1000000;
    const id = `${seconds.toString(16).padStart(8, '0')}${randomHex(random, 10)}${counter.toString(16).padStart(6, '0')}`;
    users.push(makeEndUser(i, id, seconds, random, pick, slots.get(i)));
  }
  users.push(structuredClone(SEED_END_USER));
  users.sort((a, b) => (a.end_user_id < b.end_user_id ? -1 : 1));
  return users;
}

/** Every fifth user is an anonymous chat visitor: no name, email or avatar (Ada's most common record). */
function named(i: number): boolean {
  return i % 5 !== 0;
}

function makeEndUser(
  i: number,
  id: string,
  seconds: number,
  random: () => number,
  pick: <T>(list: readonly T[]) => T,
  /** A demo person: its name and address replace the drawn ones (drawn all the same: the next users stay). */
  pool: PoolEntry | undefined,
): StoredAdaEndUser {
  const drawnFirst = named(i) ? pick(FIRST_NAMES) : null;
  const drawnLast = !named(i) || random() < 0.1 ? null : pick(LAST_NAMES);
  const first = pool ? pool.human.firstName : drawnFirst;
  const last = pool ? pool.human.lastName : drawnLast;
  const roll = random();
  const display_name =
    first === null ? null : roll < 0.7 ? [first, last].filter(Boolean).join(' ') : roll < 0.85 ? first : null;
  const drawnEmail =
    first === null || random() < 0.15 ? null : `${ascii(first)}.${ascii(last ?? 'user')}${i}@example.com`;
  const email = pool ? pool.account.email : drawnEmail;
  const avatar = first !== null && random() < 0.4 ? `https://cdn.example.com/avatars/${id}.png` : null;
  const language = random() < 0.12 ? null : pick(LANGUAGES);

  // Metadata mixes all three documented value kinds; about one user in six has none at all.
  const metadata: Record<string, MetadataValue> = {};
  if (i % 6 !== 1) {
    metadata.plan = pick(PLANS);
    if (random() < 0.6) metadata.vip = random() < 0.3;
    if (random() < 0.7) metadata.visits = Math.floor(random() * 500);
    if (random() < 0.3) metadata.region = pick(['emea', 'amer', 'apac']);
    if (random() < 0.25) metadata.beta_tester = random() < 0.5;
    if (random() < 0.2) metadata.order_count = Math.floor(random() * 40);
  }

  // external_id: CRM keys in mixed case, UUIDs (the 36-char maximum) or short handles; often null, and
  // on a few records the key is missing altogether.
  const kind = i % 20;
  let external_id: string | null | undefined;
  if (kind === 3) external_id = undefined;
  else if (kind % 3 === 0) external_id = null;
  else if (kind % 3 === 1) external_id = `CRM-${String(10_000 + i).padStart(6, '0')}`;
  else if (i % 2 === 0) {
    const h = randomHex(random, 32);
    external_id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  } else external_id = `shopper_${i}`;

  const withZone = i % 2 === 0;
  const createdMs = seconds * 1000;
  const updatedMs = Math.max(
    createdMs,
    Math.min(createdMs + Math.floor(random() * 400 * 86_400_000), Date.UTC(2025, 11, 31)),
  );
  const user: StoredAdaEndUser = {
    end_user_id: id,
    ...(external_id === undefined ? {} : { external_id }),
    profile: {
      first_name: first,
      last_name: last,
      display_name,
      avatar,
      email,
      language,
      metadata,
      system_properties: { sunshine_user_id: random() < 0.7 ? randomHex(random, 24) : null },
    },
    created_at: formatTimestamp(createdMs, withZone, withZone ? 0 : Math.floor(random() * 1000) * 1000),
    updated_at: formatTimestamp(updatedMs, withZone, withZone ? 0 : Math.floor(random() * 1000) * 1000),
  };
  return user;
}
