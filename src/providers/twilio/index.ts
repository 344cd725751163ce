/**
 * Twilio Conversations (`GET /v1/Users`): configuration, emulator, adapter and resolvers in one place.
 * See README.md in this folder for the wire quirks.
 */
import type { ProviderDefinition } from '../provider.js';
import { upstreamFor } from '../upstream.js';
import { TwilioAdapter, type TwilioSession } from './adapter.js';
import { detectTwilioError, TwilioClient, TWILIO_USER_ID } from './client.js';
import { twilioResolvers } from './resolvers.js';

export interface TwilioConfig {
  /** `AC…`, or with an API key, the account the key belongs to. */
  accountSid: string;
  /** Basic-auth user: the account sid or an API key sid (`SK…`). */
  username: string;
  /** Basic-auth password: the auth token or the API key secret. */
  password: string;
  serviceSid?: string;
  baseUrl: string;
  pageSize: number;
}

export const twilioProvider: ProviderDefinition<TwilioConfig, TwilioSession> = {
  id: 'TWILIO_CONVERSATIONS',
  typename: 'TwilioConversationUser',
  nativeId: TWILIO_USER_ID,
  displayName: 'Twilio Conversations',

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
    };
  },

  baseUrl: (config) => config.baseUrl,

  // Loaded only when asked for (demo mode, tests, bench): the production path never loads an emulator.
  async startEmulator(options) {
    const { TwilioEmulator } = await import('./emulator.js');
    const server = new TwilioEmulator(options);
    await server.start();
    return { server, env: server.demoEnv() };
  },

  createAdapter(config, runtime) {
    const authorization = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
    const upstream = upstreamFor(runtime, {
      provider: 'TWILIO_CONVERSATIONS',
      baseUrl: config.baseUrl,
      headers: () => ({ authorization }),
      detectError: detectTwilioError,
      credentials: `${config.username}:${config.password}`,
      identifiers: [config.accountSid, config.username, config.serviceSid ?? ''],
    });
    return new TwilioAdapter(new TwilioClient(upstream, config.serviceSid), config.pageSize, runtime);
  },

  resolvers: twilioResolvers,
};
