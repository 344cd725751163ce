/**
 * 2Chat (`GET /open/users`): configuration, emulator, adapter and resolvers in one place.
 * See README.md in this folder for the wire quirks.
 */
import type { ProviderDefinition } from '../provider.js';
import { upstreamFor } from '../upstream.js';
import { TwoChatAdapter, type TwoChatSession } from './adapter.js';
import { detectTwoChatError, TwoChatClient, TWO_CHAT_USER_ID } from './client.js';
import { twoChatResolvers } from './resolvers.js';

export interface TwoChatConfig {
  /** Sent as `X-User-API-Key`. */
  apiKey: string;
  baseUrl: string;
}

export const TWOCHAT_DEFAULT_BASE_URL = 'https://api.p.2chat.io';

export const twoChatProvider: ProviderDefinition<TwoChatConfig, TwoChatSession> = {
  id: 'TWO_CHAT',
  typename: 'TwoChatUser',
  nativeId: TWO_CHAT_USER_ID,
  displayName: '2Chat',

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

  baseUrl: (config) => config.baseUrl,

  // Loaded only when asked for (demo mode, tests, bench): the production path never loads an emulator.
  async startEmulator(options) {
    const { TwoChatEmulator } = await import('./emulator.js');
    const server = new TwoChatEmulator(options);
    await server.start();
    return { server, env: server.demoEnv() };
  },

  createAdapter(config, runtime) {
    const upstream = upstreamFor(runtime, {
      provider: 'TWO_CHAT',
      baseUrl: config.baseUrl,
      headers: () => ({ 'x-user-api-key': config.apiKey }),
      detectError: detectTwoChatError,
      credentials: config.apiKey,
    });
    return new TwoChatAdapter(new TwoChatClient(upstream));
  },

  resolvers: twoChatResolvers,

  // Every window is a slice of the one list call, so backward paging and the total are free.
  capabilities: { backward: true, countable: true },
};
