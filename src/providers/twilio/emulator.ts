/**
 * A Twilio Conversations Users API emulator, faithful to Twilio's Users reference and Twilio's OpenAPI
 * spec (test/providers/twilio/emulator.test.ts validates it against the official extract).
 *
 * Decisions on what the docs leave open (see README.md here):
 * - `PageSize` above 50 is rejected (400, code 20001) by default; `pageSizeOverMax: 'clamp'` clamps.
 * - Page tokens are opaque strings (`PT…`) that encode an absolute position; next and previous links
 *   use the same token for the same position. An unknown token is 400 with code 21481.
 * - Users are listed by `date_created`, then sid.
 */
import { createHash } from 'node:crypto';
import { twilioSignature } from './signature.js';
import {
  EmulatorServer,
  randomHex,
  seededRandom,
  type EmulatorOptions,
  type EmulatorRequest,
  type EmulatorResponse,
  type Fault,
} from '../../emulators/base.js';
import { poolAccounts, poolSlots, type PoolEntry } from '../../emulators/people.js';
import type { TwilioErrorBody, TwilioListResponse, TwilioWireUser } from './wire.js';

interface TwilioEmulatorOptions extends EmulatorOptions {
  accountSid?: string;
  authToken?: string;
  /** An API key pair accepted as well (`SK…` + secret). */
  apiKeySid?: string;
  apiKeySecret?: string;
  /** How many generated users besides the two from Twilio's docs (default 122, so 124 in all). */
  userCount?: number;
  /** What `PageSize` > 50 does: rejected with 400 (default) or clamped to 50. */
  pageSizeOverMax?: 'reject' | 'clamp';
  /** The data set's seed: another seed, other users (sids, names). */
  seed?: number;
  /**
   * Which demo account's share of the demo people (src/emulators/people.ts) its generated users hold:
   * 0 (`twilio-us`, the default), 1 (`twilio-eu`), or null for none.
   */
  poolAccount?: number | null;
}

/** The demo account's credentials: fake, fixed, and only valid against this emulator. */
const TWILIO_DEMO_ACCOUNT_SID = 'ACdea00000000000000000000000000000';
const TWILIO_DEMO_AUTH_TOKEN = 'demo-twilio-auth-token';
const MAX_PAGE_SIZE = 50;

interface StoredUser {
  wire: TwilioWireUser & { sid: string; identity: string };
  /** Presence, only revealed by single fetches (lists always say null). */
  online: boolean | null;
  notifiable: boolean | null;
}

const FIRST = [
  'Maria',
  'Wei',
  'Aisha',
  'Lucas',
  'Sofia',
  'Kenji',
  'Amara',
  'Noah',
  'Elena',
  'Omar',
  'Priya',
  'Jonas',
  'Fatima',
  'Mateo',
  'Yuki',
  'Liam',
  'Zara',
  'Ivan',
  'Chloe',
  'Tariq',
];
const LAST = [
  'Garcia',
  'Chen',
  'Okafor',
  'Silva',
  'Rossi',
  'Tanaka',
  'Mensah',
  'Muller',
  'Petrova',
  'Haddad',
  'Sharma',
  'Berg',
  'Khan',
  'Lopez',
  'Sato',
  'Walsh',
  'Ali',
  'Novak',
  'Martin',
  'Nasser',
];
const DUTIES = ['agent', 'supervisor', 'tech', 'customer', 'bot'];

export class TwilioEmulator extends EmulatorServer {
  readonly accountSid: string;
  readonly authToken: string;
  readonly serviceSid: string;
  readonly users: StoredUser[];
  private readonly credentials: Set<string>;
  private readonly pageSizeOverMax: 'reject' | 'clamp';
  // `webhookUrl` (EmulatorServer): where the Conversations post-event webhooks go (`onUserAdded`,
  // `onUserUpdated`), signed with the auth token. As on Twilio, a change made through the REST API fires
  // them only when the request carries `X-Twilio-Webhook-Enabled: true`.
  private sidCounter = 0;

  constructor(options: TwilioEmulatorOptions = {}) {
    super('twilio', (request) => this.handle(request), options);
    this.accountSid = options.accountSid ?? TWILIO_DEMO_ACCOUNT_SID;
    this.authToken = options.authToken ?? TWILIO_DEMO_AUTH_TOKEN;
    this.pageSizeOverMax = options.pageSizeOverMax ?? 'reject';
    this.credentials = new Set([`${this.accountSid}:${this.authToken}`]);
    if (options.apiKeySid && options.apiKeySecret)
      this.credentials.add(`${options.apiKeySid}:${options.apiKeySecret}`);
    const random = seededRandom(options.seed ?? 20031);
    this.serviceSid = `IS${randomHex(random, 32)}`;
    const poolAccount = options.poolAccount === undefined ? 0 : options.poolAccount;
    this.users = generateUsers(
      random,
      this.accountSid,
      this.serviceSid,
      options.userCount ?? 122,
      poolAccount === null ? [] : poolAccounts('twilio', poolAccount),
    );
  }

  /** Environment that points rollcall at this emulator. */
  override errorBody(status: number, message: string): unknown {
    const code = 20000 + status;
    return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
  }

  override refusal(message: string): Fault {
    return { status: 401, body: { code: 20003, message, more_info: message, status: 401 } };
  }

  demoEnv(): Record<string, string> {
    return {
      TWILIO_ACCOUNT_SID: this.accountSid,
      TWILIO_AUTH_TOKEN: this.authToken,
      TWILIO_CONVERSATIONS_BASE_URL: this.baseUrl,
    };
  }

  /** The users in list order, as the list endpoint sends them. */
  listed(): TwilioWireUser[] {
    return this.users.map((u) => this.wire(u, false));
  }

  private handle(request: EmulatorRequest): EmulatorResponse {
    if (!this.authorised(request.headers.authorization)) {
      return error(401, 20003, 'Authenticate');
    }
    if (request.method !== 'GET' && request.method !== 'POST') return error(405, 20004, 'Method not allowed');
    const match = /^\/v1(?:\/Services\/([^/]+))?\/Users(?:\/([^/]+))?\/?$/.exec(request.path);
    if (!match) return error(404, 20404, `The requested resource ${request.path} was not found`);
    const [, service, sid] = match;
    if (service !== undefined && service !== this.serviceSid) {
      return error(404, 20404, `The requested resource ${request.path} was not found`);
    }
    if (request.method === 'POST')
      return this.write(request, sid === undefined ? undefined : decodeURIComponent(sid));
    const collectionPath = service ? `/v1/Services/${service}/Users` : '/v1/Users';
    if (sid !== undefined) return this.fetch(decodeURIComponent(sid), request.path);
    return this.list(request, collectionPath);
  }

  /**
   * Create User (`POST /v1/Users`: Identity required; FriendlyName, Attributes, RoleSid) and Update User
   * (`POST /v1/Users/{Sid}`: FriendlyName, Attributes, RoleSid), form-encoded as Twilio's API takes them.
   */
  private write(request: EmulatorRequest, sid: string | undefined): EmulatorResponse {
    const form = new URLSearchParams(request.body.toString('utf8'));
    const attributes = form.get('Attributes');
    if (attributes !== null) {
      try {
        JSON.parse(attributes);
      } catch {
        return error(400, 50001, 'Attributes must be valid JSON');
      }
    }
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    let user: StoredUser;
    let created = false;
    if (sid === undefined) {
      const identity = form.get('Identity');
      if (!identity) return error(400, 20001, 'Missing required parameter Identity in the post body');
      if (this.users.some((u) => u.wire.identity === identity))
        return error(409, 50201, `User with provided identity ${identity} already exists`);
      this.sidCounter += 1;
      user = {
        wire: {
          sid: `US${createHash('md5').update(`${this.accountSid}:${identity}:${this.sidCounter}`).digest('hex')}`,
          account_sid: this.accountSid,
          chat_service_sid: this.serviceSid,
          role_sid: form.get('RoleSid') ?? this.users[0]?.wire.role_sid ?? null,
          identity,
          friendly_name: form.get('FriendlyName'),
          attributes: attributes ?? '{}',
          is_online: null,
          is_notifiable: null,
          date_created: now,
          date_updated: now,
          url: null,
        },
        online: null,
        notifiable: null,
      };
      this.users.push(user);
      created = true;
    } else {
      const found = this.users.find((u) => u.wire.sid === sid || u.wire.identity === sid);
      if (!found) return error(404, 20404, `The requested resource ${request.path} was not found`);
      user = found;
      if (form.has('FriendlyName')) user.wire.friendly_name = form.get('FriendlyName');
      if (attributes !== null) user.wire.attributes = attributes;
      if (form.has('RoleSid')) user.wire.role_sid = form.get('RoleSid');
      user.wire.date_updated = now;
    }
    if (String(request.headers['x-twilio-webhook-enabled']).toLowerCase() === 'true')
      this.deliver(created ? 'onUserAdded' : 'onUserUpdated', user);
    return { status: created ? 201 : 200, body: this.wire(user, true) };
  }

  /** Sends the post-event webhook of `user`'s change, signed as Twilio signs it. */
  private deliver(eventType: 'onUserAdded' | 'onUserUpdated', user: StoredUser): void {
    const url = this.webhookUrl;
    if (!url) return;
    const params: Record<string, string> = {
      AccountSid: this.accountSid,
      ChatServiceSid: this.serviceSid,
      EventType: eventType,
      Source: 'API',
      UserSid: user.wire.sid,
      Identity: user.wire.identity,
      Attributes: user.wire.attributes ?? '{}',
      DateCreated: user.wire.date_created ?? '',
      ...(user.wire.friendly_name ? { FriendlyName: user.wire.friendly_name } : {}),
      ...(user.wire.role_sid ? { RoleSid: user.wire.role_sid } : {}),
      ...(eventType === 'onUserUpdated' ? { DateUpdated: user.wire.date_updated ?? '' } : {}),
    };
    this.sendEvent(url, new URLSearchParams(params).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(this.authToken, url, params),
    });
  }

  private authorised(header: string | undefined): boolean {
    if (!header?.startsWith('Basic ')) return false;
    return this.credentials.has(Buffer.from(header.slice(6), 'base64').toString('utf8'));
  }

  private fetch(sidOrIdentity: string, path: string): EmulatorResponse {
    const user = this.users.find((u) => u.wire.sid === sidOrIdentity || u.wire.identity === sidOrIdentity);
    if (!user) return error(404, 20404, `The requested resource ${path} was not found`);
    return { status: 200, body: this.wire(user, true) };
  }

  private list(request: EmulatorRequest, collectionPath: string): EmulatorResponse {
    const rawSize = request.query.get('PageSize');
    let pageSize = MAX_PAGE_SIZE;
    if (rawSize !== null) {
      pageSize = Number(rawSize);
      if (!/^\d+$/.test(rawSize) || pageSize < 1) {
        return error(400, 20001, 'Invalid PageSize: must be an integer from 1 to 50');
      }
      if (pageSize > MAX_PAGE_SIZE) {
        if (this.pageSizeOverMax === 'reject')
          return error(400, 20001, 'Invalid PageSize: must be an integer from 1 to 50');
        pageSize = MAX_PAGE_SIZE;
      }
    }
    const rawPage = request.query.get('Page');
    const page = rawPage !== null && /^\d+$/.test(rawPage) ? Number(rawPage) : 0;
    const token = request.query.get('PageToken');
    let offset = 0;
    if (token !== null) {
      const decoded = decodeToken(token);
      if (decoded === null || decoded > this.users.length) return error(400, 21481, 'Invalid PageToken');
      offset = decoded;
    } else if (rawPage !== null && page > 0) {
      // Page without PageToken: Twilio's docs call Page "client state"; we position by it as the
      // simplest faithful reading (see README.md).
      offset = Math.min(page * pageSize, this.users.length);
    }
    const slice = this.users.slice(offset, offset + pageSize);
    const link = (p: number, o: number | null) => {
      const params = new URLSearchParams({ PageSize: String(pageSize), Page: String(p) });
      if (o !== null) params.set('PageToken', encodeToken(o));
      return `${request.baseUrl}${collectionPath}?${params}`;
    };
    const hasNext = offset + pageSize < this.users.length;
    const body: TwilioListResponse = {
      users: slice.map((u) => this.wire(u, false)),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: link(0, null),
        previous_page_url: offset > 0 ? link(Math.max(0, page - 1), Math.max(0, offset - pageSize)) : null,
        url: `${request.baseUrl}${collectionPath}?${request.query}`,
        next_page_url: hasNext ? link(page + 1, offset + pageSize) : null,
        key: 'users',
      },
    };
    return { status: 200, body };
  }

  /** The wire form: lists always say null for presence (as Twilio documents), fetches fill it. */
  private wire(user: StoredUser, single: boolean): TwilioWireUser {
    return {
      ...user.wire,
      url: `${this.baseUrlOrTwilio()}/v1/Users/${user.wire.sid}`,
      links: { user_conversations: `${this.baseUrlOrTwilio()}/v1/Users/${user.wire.sid}/Conversations` },
      is_online: single ? user.online : null,
      is_notifiable: single ? user.notifiable : null,
    };
  }

  private baseUrlOrTwilio(): string {
    try {
      return this.baseUrl;
    } catch {
      return 'https://conversations.twilio.com';
    }
  }
}

function error(status: number, code: number, message: string): EmulatorResponse {
  const body: TwilioErrorBody = {
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  };
  return { status, body };
}

function encodeToken(offset: number): string {
  return `PT${Buffer.from(`o:${offset}`).toString('base64url')}`;
}

function decodeToken(token: string): number | null {
  if (!token.startsWith('PT')) return null;
  const match = /^o:(\d+)$/.exec(Buffer.from(token.slice(2), 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The pool's accounts of one demo account go to the generated users 0, 4, 8, … (0, 2, 4, … for a small
 * account): `twilio-us` holds 28 of them among its first 112 generated users, `twilio-eu` 14 among its 40.
 */
function poolStride(accounts: number, count: number): number {
  return Math.max(1, Math.min(4, Math.floor(count / Math.max(1, accounts))));
}

function generateUsers(
  random: () => number,
  accountSid: string,
  serviceSid: string,
  count: number,
  pool: readonly PoolEntry[],
): StoredUser[] {
  const roles = [`RL${randomHex(random, 32)}`, `RL${randomHex(random, 32)}`];
  const users: StoredUser[] = [];
  const make = (
    identity: string,
    friendlyName: string | null,
    attributes: string,
    created: number,
    role: string,
  ) => {
    const wire = {
      sid: `US${randomHex(random, 32)}`,
      account_sid: accountSid,
      chat_service_sid: serviceSid,
      role_sid: role,
      identity,
      friendly_name: friendlyName,
      attributes,
      is_online: null,
      is_notifiable: null,
      date_created: iso(created),
      date_updated: iso(created + Math.floor(random() * 86_400_000 * 30)),
      url: null,
    };
    const presence = random();
    users.push({
      wire,
      online: presence < 0.15 ? null : presence < 0.55,
      notifiable: presence < 0.15 ? null : random() < 0.5,
    });
  };
  // The two users of Twilio's own documentation example.
  make('admin', 'name', '{ "duty": "tech" }', Date.parse('2019-12-16T22:18:37Z'), roles[0]);
  make('agent0034', 'John from customs', '{ "duty": "agent" }', Date.parse('2020-03-24T20:38:21Z'), roles[0]);
  let created = Date.parse('2020-04-01T09:00:00Z');
  const slots = poolSlots(pool, { from: 0, to: count, stride: poolStride(pool.length, count) });
  for (let n = 0; n < count; n += 1) {
    const first = FIRST[Math.floor(random() * FIRST.length)];
    const last = LAST[Math.floor(random() * LAST.length)];
    const kind = random();
    const identity =
      kind < 0.4
        ? `${first}.${last}.${n}`.toLowerCase()
        : kind < 0.8
          ? `${first.toLowerCase()}${n}@example.com`
          : `user_${n}`;
    const friendly = random() < 0.8 ? `${first} ${last}` : null;
    const attributes: Record<string, string | number> =
      random() < 0.3
        ? {}
        : {
            duty: DUTIES[n % DUTIES.length],
            team: random() < 0.5 ? 'blue' : 'green',
            level: 1 + (n % 5),
          };
    created += Math.floor(3_600_000 + random() * 86_400_000 * 10);
    const role = roles[n % 7 === 0 ? 1 : 0];
    const slot = slots.get(n);
    if (slot) {
      // A demo person, drawn like any other (so the users after it are unchanged): its address is the
      // identity, or `attributes.email` beside the generated attributes with the handle as identity.
      const { human, account } = slot;
      const name = `${human.firstName} ${human.lastName}`;
      if (account.twilio?.field === 'identity')
        make(account.email, name, JSON.stringify(attributes), created, role);
      else make(human.handle, name, JSON.stringify({ ...attributes, email: account.email }), created, role);
      continue;
    }
    make(identity, friendly, JSON.stringify(attributes), created, role);
  }
  return users;
}
