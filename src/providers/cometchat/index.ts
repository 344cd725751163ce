/**
 * CometChat (`GET /v3/users`): configuration, emulator, adapter and resolvers in one place.
 * See README.md in this folder for the wire quirks.
 */
import type { ProviderDefinition } from '../provider.js';
import { upstreamFor } from '../upstream.js';
import { CometChatAdapter, type CometChatSession } from './adapter.js';
import { CometChatClient, detectCometChatError, COMETCHAT_UID } from './client.js';
import { cometChatResolvers } from './resolvers.js';

export const COMETCHAT_REGIONS = ['us', 'eu', 'in'] as const;

export interface CometChatConfig {
  /** The REST API key (fullAccess scope), sent as the `apikey` header. */
  apiKey: string;
  /** `https://{appId}.api-{region}.cometchat.io`, or COMETCHAT_BASE_URL. No `/v3` suffix. */
  baseUrl: string;
  /** The app id, when given: an account identifier kept out of logs. */
  appId?: string;
}

export const cometChatProvider: ProviderDefinition<CometChatConfig, CometChatSession> = {
  id: 'COMETCHAT',
  typename: 'CometChatUser',
  nativeId: COMETCHAT_UID,
  displayName: 'CometChat',

  readConfig(env) {
    const apiKey = env.string('COMETCHAT_API_KEY');
    const appId = env.string('COMETCHAT_APP_ID');
    const region = env.string('COMETCHAT_REGION');
    const explicitBase = env.string('COMETCHAT_BASE_URL');
    if (!apiKey && !appId && !region && !explicitBase) return null;
    if (!apiKey) {
      env.problem(
        'COMETCHAT_API_KEY (the REST API key with fullAccess scope) is required when any CometChat setting is set.',
      );
      return null;
    }
    if (region !== undefined && !(COMETCHAT_REGIONS as readonly string[]).includes(region))
      env.problem(`COMETCHAT_REGION must be one of ${COMETCHAT_REGIONS.join(', ')}.`);
    if (appId !== undefined && !/^[A-Za-z0-9-]{1,63}$/.test(appId))
      env.problem('COMETCHAT_APP_ID must be a CometChat app id (letters, digits and dashes).');
    // The OpenAPI `servers` entry ends in /v3; rollcall's paths carry it, so a pasted /v3 is dropped.
    const base = env.url('COMETCHAT_BASE_URL')?.replace(/\/v3$/, '');
    if (explicitBase !== undefined) return base === undefined ? null : { apiKey, baseUrl: base, appId };
    if (!appId || !region) {
      env.problem(
        'Set COMETCHAT_APP_ID and COMETCHAT_REGION (us, eu or in), or COMETCHAT_BASE_URL, with COMETCHAT_API_KEY.',
      );
      return null;
    }
    return { apiKey, baseUrl: `https://${appId.toLowerCase()}.api-${region}.cometchat.io`, appId };
  },

  // Backward paging is native, and a zero-size window learns the total in one small call.
  capabilities: { backward: true, countable: true },

  baseUrl: (config) => config.baseUrl,

  // Loaded only when asked for (demo mode, tests, bench): the production path never loads an emulator.
  async startEmulator(options) {
    const { CometChatEmulator } = await import('./emulator.js');
    const server = new CometChatEmulator(options);
    await server.start();
    return { server, env: server.demoEnv() };
  },

  createAdapter(config, runtime) {
    const upstream = upstreamFor(runtime, {
      provider: 'COMETCHAT',
      baseUrl: config.baseUrl,
      headers: () => ({ apikey: config.apiKey }),
      detectError: detectCometChatError,
      credentials: config.apiKey,
      identifiers: config.appId ? [config.appId] : [],
    });
    return new CometChatAdapter(new CometChatClient(upstream), runtime);
  },

  resolvers: cometChatResolvers,
};
