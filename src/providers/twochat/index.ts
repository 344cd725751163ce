/**
 * 2Chat (`GET /open/users`): what is specific to 2Chat — configuration, its one wire call, mapping.
 * See README.md in this folder for the wire quirks.
 *
 * Paging: none upstream (every ACTIVE user at once): the core's `whole` style, every window a slice of
 * the one list call, fetched at most once per operation. Lookups by uuid read the same list (2Chat has
 * no single-user endpoint); a uuid not in it (unknown, or a user that is not ACTIVE) is null.
 */
import { defineProvider } from '../core/define.js';
import type { ProviderSpec } from '../core/definition.js';
import { detectTwoChatError, TwoChatClient, TWO_CHAT_USER_ID } from './client.js';
import { toTwoChatRecord } from './map.js';
import type { TwoChatUserRecord } from './types.js';
import type { TwoChatWireUser } from './wire.js';

interface TwoChatConfig {
  /** Sent as `X-User-API-Key`. */
  apiKey: string;
  baseUrl: string;
}

const TWOCHAT_DEFAULT_BASE_URL = 'https://api.p.2chat.io';

export const twoChatSpec: ProviderSpec<
  TwoChatConfig,
  TwoChatWireUser,
  TwoChatUserRecord,
  null,
  undefined,
  unknown
> = {
  id: 'TWO_CHAT',
  typename: 'TwoChatUser',
  displayName: '2Chat',
  schema: new URL('../../../schema/providers/two-chat.graphql', import.meta.url),
  graphql: { connection: 'twoChatUsers', lookup: 'twoChatUser', nativeKey: 'uuid' },
  nativeId: TWO_CHAT_USER_ID,
  paging: 'whole',

  source: {
    key: 'twochat',
    credentials: {
      apiKey: {
        env: 'TWOCHAT_API_KEY',
        type: 'string',
        secret: true,
        required: true,
        description: "The account's API key (X-User-API-Key).",
      },
    },
    options: {
      baseUrl: {
        env: 'TWOCHAT_BASE_URL',
        type: 'url',
        description: 'The API base URL (a proxy, an emulator).',
      },
    },
  },
  readConfig(env) {
    const apiKey = env.string('TWOCHAT_API_KEY');
    const baseUrl = env.url('TWOCHAT_BASE_URL');
    if (!apiKey) {
      if (env.string('TWOCHAT_BASE_URL') !== undefined)
        env.problem('TWOCHAT_API_KEY is required when TWOCHAT_BASE_URL is set.');
      return null;
    }
    return { apiKey, baseUrl: baseUrl ?? TWOCHAT_DEFAULT_BASE_URL };
  },

  // Imported only when asked for (demo mode, tests, bench): the production path never loads it.
  emulator: async (options) => new (await import('./emulator.js')).TwoChatEmulator(options),

  http: (config) => ({
    baseUrl: config.baseUrl,
    headers: () => ({ 'x-user-api-key': config.apiKey }),
    detectError: detectTwoChatError,
    credentials: config.apiKey,
  }),

  api(_config, upstream) {
    const client = new TwoChatClient(upstream);
    return { paging: { style: 'whole', list: () => client.listUsers() }, query: () => null };
  },

  toRecord: toTwoChatRecord,
};

export const twoChatProvider = defineProvider(twoChatSpec);
