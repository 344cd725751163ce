/**
 * Ada (`GET /api/v2/end-users/`): configuration, emulator, adapter and resolvers in one place.
 * See README.md in this folder for the wire quirks.
 */
import type { ProviderDefinition } from '../provider.js';
import { upstreamFor } from '../upstream.js';
import { AdaAdapter, type AdaSession } from './adapter.js';
import { AdaClient, detectAdaError, ADA_END_USER_ID } from './client.js';
import { adaResolvers } from './resolvers.js';

export interface AdaConfig {
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** `https://{handle}[.{region}].ada.support`, or ADA_BASE_URL. */
  baseUrl: string;
}

/** Ada's regional hosts: `{handle}.{region}.ada.support`; no region is `{handle}.ada.support`. */
export const ADA_REGIONS = ['eu', 'maple', 'us2'] as const;
/** An Ada handle is one DNS label: the `example` of `https://example.ada.support`. */
const HANDLE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const adaProvider: ProviderDefinition<AdaConfig, AdaSession> = {
  id: 'ADA',
  typename: 'AdaEndUser',
  nativeId: ADA_END_USER_ID,
  displayName: 'Ada',

  readConfig(env) {
    const apiKey = env.string('ADA_API_KEY');
    const rawHandle = env.string('ADA_HANDLE');
    const rawRegion = env.string('ADA_REGION');
    const hasBaseUrl = env.string('ADA_BASE_URL') !== undefined;
    if (!apiKey) {
      if (rawHandle || rawRegion || hasBaseUrl)
        env.problem('ADA_API_KEY is required when ADA_HANDLE, ADA_REGION or ADA_BASE_URL is set.');
      return null;
    }
    if (rawHandle && hasBaseUrl) {
      env.problem('Set either ADA_HANDLE (with an optional ADA_REGION) or ADA_BASE_URL, not both.');
      return null;
    }
    if (hasBaseUrl) {
      if (rawRegion) env.problem('ADA_REGION only applies with ADA_HANDLE; ADA_BASE_URL is used as is.');
      const baseUrl = env.url('ADA_BASE_URL');
      return baseUrl ? { apiKey, baseUrl } : null;
    }
    if (!rawHandle) {
      env.problem(
        'ADA_HANDLE (your Ada handle, e.g. "example" for https://example.ada.support) or ADA_BASE_URL is required with ADA_API_KEY.',
      );
      return null;
    }
    const handle = rawHandle.toLowerCase();
    if (!HANDLE.test(handle)) {
      env.problem(
        'ADA_HANDLE must be the handle of your Ada instance: letters, digits and inner hyphens only (the "example" of https://example.ada.support).',
      );
      return null;
    }
    let region: string | undefined;
    if (rawRegion) {
      region = rawRegion.toLowerCase();
      if (!(ADA_REGIONS as readonly string[]).includes(region)) {
        env.problem(
          `ADA_REGION must be one of ${ADA_REGIONS.join(', ')}; leave it unset for https://{handle}.ada.support.`,
        );
        return null;
      }
    }
    return { apiKey, baseUrl: `https://${handle}${region ? `.${region}` : ''}.ada.support` };
  },

  baseUrl: (config) => config.baseUrl,

  // Loaded only when asked for (demo mode, tests, bench): the production path never loads an emulator.
  async startEmulator(options) {
    const { AdaEmulator } = await import('./emulator.js');
    const server = new AdaEmulator(options);
    await server.start();
    return { server, env: server.demoEnv() };
  },

  createAdapter(config, runtime) {
    const authorization = `Bearer ${config.apiKey}`;
    const upstream = upstreamFor(runtime, {
      provider: 'ADA',
      baseUrl: config.baseUrl,
      headers: () => ({ authorization }),
      detectError: detectAdaError,
      credentials: config.apiKey,
    });
    return new AdaAdapter(new AdaClient(upstream), runtime);
  },

  resolvers: adaResolvers,

  // Ada pages forward only and never tells a total.
  capabilities: { backward: false, countable: false },
};
