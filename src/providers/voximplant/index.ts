/**
 * Voximplant (Management API `GetUsers`): configuration, emulator, adapter and resolvers in one place.
 * See README.md in this folder for the wire quirks.
 */
import { readFileSync } from 'node:fs';
import type { ProviderDefinition } from '../provider.js';
import { upstreamFor } from '../upstream.js';
import { VoximplantAdapter, type VoximplantSession } from './adapter.js';
import {
  detectVoximplantError,
  VoximplantClient,
  type VoximplantApplication,
  VOXIMPLANT_USER_ID,
} from './client.js';
import { parseCredentials, VoximplantTokenSource, type VoximplantServiceAccount } from './jwt.js';
import { voximplantResolvers } from './resolvers.js';

export interface VoximplantConfig {
  /** The service account from credentials.json; the private key only as a KeyObject. */
  account: VoximplantServiceAccount;
  /** The default application filter (GetUsers needs exactly one of id and name). */
  application: VoximplantApplication;
  baseUrl: string;
}

const VARIABLES = [
  'VOXIMPLANT_CREDENTIALS',
  'VOXIMPLANT_CREDENTIALS_JSON',
  'VOXIMPLANT_APPLICATION_ID',
  'VOXIMPLANT_APPLICATION_NAME',
  'VOXIMPLANT_BASE_URL',
] as const;

export const voximplantProvider: ProviderDefinition<VoximplantConfig, VoximplantSession> = {
  id: 'VOXIMPLANT',
  typename: 'VoximplantUser',
  nativeId: VOXIMPLANT_USER_ID,
  displayName: 'Voximplant',

  readConfig(env) {
    if (VARIABLES.every((name) => env.string(name) === undefined)) return null;
    const path = env.string('VOXIMPLANT_CREDENTIALS');
    const json = env.string('VOXIMPLANT_CREDENTIALS_JSON');
    if (!path && !json) {
      env.problem(
        'Set VOXIMPLANT_CREDENTIALS (the path of the service account credentials.json) or VOXIMPLANT_CREDENTIALS_JSON (its content) when any Voximplant setting is set.',
      );
      return null;
    }
    if (path && json) {
      env.problem(
        'Set either VOXIMPLANT_CREDENTIALS (a path) or VOXIMPLANT_CREDENTIALS_JSON (the content), not both.',
      );
      return null;
    }
    let text = json as string;
    if (path) {
      try {
        text = readFileSync(path, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        env.problem(`VOXIMPLANT_CREDENTIALS names a file that cannot be read (${code}).`);
        return null;
      }
    }
    const credentials = parseCredentials(
      text,
      path ? 'VOXIMPLANT_CREDENTIALS' : 'VOXIMPLANT_CREDENTIALS_JSON',
    );
    if ('problem' in credentials) env.problem(credentials.problem);

    const applicationId = env.string('VOXIMPLANT_APPLICATION_ID');
    const applicationName = env.string('VOXIMPLANT_APPLICATION_NAME');
    let application: VoximplantApplication | undefined;
    if (applicationId && applicationName) {
      env.problem(
        'Set either VOXIMPLANT_APPLICATION_ID or VOXIMPLANT_APPLICATION_NAME, not both (GetUsers filters on one).',
      );
    } else if (applicationId) {
      const id = Number(applicationId);
      if (/^\d+$/.test(applicationId) && Number.isSafeInteger(id) && id > 0)
        application = { applicationId: id };
      else env.problem('VOXIMPLANT_APPLICATION_ID must be a positive integer.');
    } else if (applicationName) {
      application = { applicationName };
    } else {
      env.problem(
        'Set VOXIMPLANT_APPLICATION_ID or VOXIMPLANT_APPLICATION_NAME: Voximplant lists users per application (queries may override it).',
      );
    }
    const baseUrl = env.url('VOXIMPLANT_BASE_URL') ?? 'https://api.voximplant.com';
    if ('problem' in credentials || !application) return null;
    return { account: credentials.account, application, baseUrl };
  },

  // Backward paging is native, and a zero-size window learns the total in one small call.
  capabilities: { backward: true, countable: true },

  baseUrl: (config) => config.baseUrl,

  // Loaded only when asked for (demo mode, tests, bench): the production path never loads an emulator.
  async startEmulator(options) {
    const { VoximplantEmulator } = await import('./emulator.js');
    const server = await VoximplantEmulator.create(options);
    await server.start();
    return { server, env: server.demoEnv() };
  },

  createAdapter(config, runtime) {
    const tokens = new VoximplantTokenSource(config.account);
    const upstream = upstreamFor(runtime, {
      provider: 'VOXIMPLANT',
      baseUrl: config.baseUrl,
      headers: async () => ({ authorization: await tokens.authorization() }),
      detectError: detectVoximplantError,
      // The key pair identifies the account; the token changes every few minutes and must not.
      credentials: `${config.account.accountId}:${config.account.keyId}`,
      identifiers: [String(config.account.accountId), config.account.keyId],
    });
    return new VoximplantAdapter(new VoximplantClient(upstream, config.application), runtime);
  },

  resolvers: voximplantResolvers,
};
