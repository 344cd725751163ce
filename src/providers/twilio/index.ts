/**
 * Twilio Conversations (`GET /v1/Users`): what is specific to Twilio — configuration, wire calls, paging
 * style, mapping. Everything else (sessions, loaders, windows, lookups, resolvers) is the provider core's.
 * See README.md in this folder for the wire quirks.
 *
 * Paging: page tokens (`meta.next_page_url` / `previous_page_url`), at most 50 users a page, no total:
 * the core's `token` style. Lookups: `GET /v1/Users/{Sid}` (a sid or an identity) per id, or a walk of
 * the list when that is cheaper; list pages answer lookups by sid and by identity.
 */
import { receiveTwilioEvent } from './events.js';
import { UpstreamError } from '../../errors.js';
import { defineProvider } from '../core/define.js';
import type { ProviderSpec } from '../core/definition.js';
import { detectTwilioError, TwilioClient, TWILIO_USER_ID } from './client.js';
import { toTwilioRecord } from './map.js';
import type { TwilioUserRecord } from './types.js';
import type { TwilioWireUser } from './wire.js';

/** Twilio's "Invalid PageToken" (https://www.twilio.com/docs/api/errors/21481). */
const INVALID_PAGE_TOKEN = 21481;

interface TwilioConfig {
  /** `AC…`, or with an API key, the account the key belongs to. */
  accountSid: string;
  /** Basic-auth user: the account sid or an API key sid (`SK…`). */
  username: string;
  /** Basic-auth password: the auth token or the API key secret. */
  password: string;
  serviceSid?: string;
  baseUrl: string;
  pageSize: number;
  /** The account's auth token, when given: what Twilio signs its webhooks with. */
  authToken?: string;
}

export const twilioSpec: ProviderSpec<
  TwilioConfig,
  TwilioWireUser,
  TwilioUserRecord,
  null,
  undefined,
  unknown
> = {
  id: 'TWILIO_CONVERSATIONS',
  typename: 'TwilioConversationUser',
  displayName: 'Twilio Conversations',
  schema: new URL('../../../schema/providers/twilio-conversations.graphql', import.meta.url),
  graphql: { connection: 'twilioConversationUsers', lookup: 'twilioConversationUser', nativeKey: 'sid' },
  nativeId: TWILIO_USER_ID,
  paging: 'token',
  keysOf: (record) => [record.sid, record.identity],

  source: {
    key: 'twilio',
    credentials: {
      accountSid: {
        env: 'TWILIO_ACCOUNT_SID',
        type: 'string',
        required: true,
        description: 'The account (or subaccount) SID, AC followed by 32 characters.',
      },
      authToken: {
        env: 'TWILIO_AUTH_TOKEN',
        type: 'string',
        secret: true,
        description: "The account's auth token (or use an API key pair).",
      },
      apiKeySid: { env: 'TWILIO_API_KEY_SID', type: 'string', description: 'An API key SID (SK…).' },
      apiKeySecret: {
        env: 'TWILIO_API_KEY_SECRET',
        type: 'string',
        secret: true,
        description: "The API key's secret.",
      },
    },
    options: {
      conversationsServiceSid: {
        env: 'TWILIO_CONVERSATIONS_SERVICE_SID',
        type: 'string',
        description:
          "A Conversation Service (IS…) whose users to list instead of the account's default service.",
      },
      baseUrl: {
        env: 'TWILIO_CONVERSATIONS_BASE_URL',
        type: 'url',
        description: 'The Conversations API base URL (a proxy, an emulator).',
      },
      pageSize: {
        env: 'TWILIO_PAGE_SIZE',
        type: 'integer',
        description: 'Users per upstream page, 1 to 50.',
      },
    },
  },
  readConfig(env) {
    const accountSid = env.string('TWILIO_ACCOUNT_SID');
    const authToken = env.string('TWILIO_AUTH_TOKEN');
    const keySid = env.string('TWILIO_API_KEY_SID');
    const keySecret = env.string('TWILIO_API_KEY_SECRET');
    if (!accountSid && !authToken && !keySid && !keySecret) return null;
    if (!accountSid) {
      env.problem('TWILIO_ACCOUNT_SID is required when any Twilio credential is set (it starts with AC).');
      return null;
    }
    if (!/^AC[0-9a-zA-Z]{32}$/.test(accountSid))
      env.problem('TWILIO_ACCOUNT_SID must be "AC" followed by 32 characters.');
    let username = accountSid;
    let password = authToken;
    if (keySid || keySecret) {
      if (!keySid || !keySecret) {
        env.problem('TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET must be set together.');
        return null;
      }
      if (!keySid.startsWith('SK')) env.problem('TWILIO_API_KEY_SID must start with SK.');
      username = keySid;
      password = keySecret;
    } else if (!authToken) {
      env.problem(
        'Set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY_SID with TWILIO_API_KEY_SECRET, with TWILIO_ACCOUNT_SID.',
      );
      return null;
    }
    const serviceSid = env.string('TWILIO_CONVERSATIONS_SERVICE_SID');
    if (serviceSid && !serviceSid.startsWith('IS'))
      env.problem('TWILIO_CONVERSATIONS_SERVICE_SID must start with IS.');
    return {
      accountSid,
      username,
      password: password as string,
      serviceSid,
      baseUrl: env.url('TWILIO_CONVERSATIONS_BASE_URL') ?? 'https://conversations.twilio.com',
      pageSize: env.int('TWILIO_PAGE_SIZE', 50, { min: 1, max: 50 }),
      ...(authToken ? { authToken } : {}),
    };
  },

  // Imported only when asked for (demo mode, tests, bench): the production path never loads it.
  // Demo mode shows two accounts (a subaccount per region): each its own credentials and users.
  demoSources: ['twilio-us', 'twilio-eu'],
  emulator: async ({ latencyMs, account = 0 } = {}) =>
    new (await import('./emulator.js')).TwilioEmulator(
      account === 0
        ? { latencyMs }
        : {
            latencyMs,
            accountSid: `ACdea${String(account).padStart(29, '0')}`,
            authToken: `demo-twilio-auth-token-${account}`,
            seed: 20031 + account,
            userCount: 40,
            // Its share of the demo people (src/emulators/people.ts); twilio-us holds the rest.
            poolAccount: account,
          },
    ),

  http(config) {
    const authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
    return {
      baseUrl: config.baseUrl,
      headers: () => ({ authorization }),
      detectError: detectTwilioError,
      credentials: `${config.username}:${config.password}`,
      identifiers: [config.accountSid, config.username, config.serviceSid ?? ''],
    };
  },

  api(config, upstream) {
    const client = new TwilioClient(upstream, config.serviceSid);
    return {
      paging: {
        style: 'token',
        pageSize: config.pageSize,
        maxPageSize: 50,
        // Twilio's tokens are short URL-safe strings (`PA…`, `PT…`).
        tokenPattern: /^[A-Za-z0-9._~+/=-]{1,256}$/,
        list: async (_query, from, size) => {
          const page = await client.listPage(from, size);
          return { items: page.users, next: page.next, previous: page.previous };
        },
        refusesToken: (error) =>
          error instanceof UpstreamError && error.details.upstreamCode === INVALID_PAGE_TOKEN,
      },
      query: () => null,
      fetchOne: (sidOrIdentity) => client.fetchUser(sidOrIdentity),
    };
  },

  toRecord: toTwilioRecord,
  // Webhooks are signed with the account's auth token: a source given only an API key takes none.
  events: { secret: (config) => config.authToken, receive: receiveTwilioEvent },
};

export const twilioProvider = defineProvider(twilioSpec);
