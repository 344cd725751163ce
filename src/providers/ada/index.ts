/**
 * Ada (`GET /api/v2/end-users/`): what is specific to Ada — configuration, wire calls, paging style,
 * mapping, its `externalId` filter. See README.md in this folder for the wire quirks.
 *
 * Paging: keyset (`cursor` = an end-user id, `limit` 1–100, the next cursor in `meta.next_page_url`), no
 * total and no way back: the core's `keyset` style, so `last`/`before` are BAD_USER_INPUT. The
 * `externalId` filter is one `?external_id=` call: a connection of zero or one user. Lookups:
 * `GET /api/v2/end-users/{id}` per id, or a walk of the list 100 at a time when that is cheaper.
 */
import type { EnvReader } from '../../env.js';
import { isWebhookSecret } from '../core/webhooks.js';
import { receiveAdaEvent } from './events.js';
import type { QueryAdaEndUsersArgs } from '../../generated/resolvers.js';
import { defineProvider } from '../core/define.js';
import type { ProviderSpec } from '../core/definition.js';
import { checkText } from '../core/nativeId.js';
import { AdaClient, detectAdaError, ADA_END_USER_ID } from './client.js';
import { toAdaRecord } from './map.js';
import type { AdaEndUserRecord } from './types.js';
import type { AdaWireEndUser } from './wire.js';

/** Ada's documented maximum `limit`. */
const ADA_MAX_LIMIT = 100;
/** Ada's documented maximum `external_id` length. */
const ADA_MAX_EXTERNAL_ID = 36;
const EXTERNAL_ID = {
  allowed: `1 to ${ADA_MAX_EXTERNAL_ID} characters (Ada's limit) without control characters`,
  maxLength: ADA_MAX_EXTERNAL_ID,
};

/** The native filter of `adaEndUsers`. */
interface AdaFilter {
  externalId: string;
}

/** What Ada's list is asked for: everyone, or the one end user with this external id. */
interface AdaQuery {
  externalId: string | null;
}

interface AdaConfig {
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** `https://{handle}[.{region}].ada.support`, or ADA_BASE_URL. */
  baseUrl: string;
  /** The webhook endpoint's signing secret (`whsec_…`), when events are set up. */
  webhookSecret?: string;
}

/** Ada's regional hosts: `{handle}.{region}.ada.support`; no region is `{handle}.ada.support`. */
const ADA_REGIONS = ['eu', 'maple', 'us2'] as const;
/** An Ada handle is one DNS label: the `example` of `https://example.ada.support`. */
const HANDLE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const adaSpec: ProviderSpec<
  AdaConfig,
  AdaWireEndUser,
  AdaEndUserRecord,
  AdaQuery,
  AdaFilter,
  Partial<QueryAdaEndUsersArgs>
> = {
  id: 'ADA',
  typename: 'AdaEndUser',
  displayName: 'Ada',
  schema: new URL('../../../schema/providers/ada.graphql', import.meta.url),
  graphql: {
    connection: 'adaEndUsers',
    lookup: 'adaEndUser',
    nativeKey: 'endUserId',
    filter: ({ externalId }) =>
      externalId === undefined || externalId === null ? undefined : { externalId },
  },
  nativeId: ADA_END_USER_ID,
  paging: 'keyset',
  forwardOnly: 'its end-users API has no backward paging',

  source: {
    key: 'ada',
    credentials: {
      apiKey: {
        env: 'ADA_API_KEY',
        type: 'string',
        secret: true,
        required: true,
        description: "The bot's Platform API key.",
      },
      webhookSecret: {
        env: 'ADA_WEBHOOK_SECRET',
        type: 'string',
        secret: true,
        description:
          'The signing secret (whsec_…) of the Ada webhook endpoint pointed at /webhooks/<source> (v1.end_user.created, v1.end_user.updated).',
      },
    },
    options: {
      handle: { env: 'ADA_HANDLE', type: 'string', description: "The bot's handle (its subdomain)." },
      region: {
        env: 'ADA_REGION',
        type: 'string',
        description: "The bot's region: us (default), eu or maple.",
      },
      baseUrl: {
        env: 'ADA_BASE_URL',
        type: 'url',
        description: 'The API base URL instead of handle and region.',
      },
    },
  },
  readConfig(env) {
    const base = readAdaConfig(env);
    const webhookSecret = env.string('ADA_WEBHOOK_SECRET');
    if (webhookSecret !== undefined && !isWebhookSecret(webhookSecret))
      env.problem("ADA_WEBHOOK_SECRET must be the endpoint's signing secret: whsec_ followed by base64.");
    return base && webhookSecret ? { ...base, webhookSecret } : base;
  },

  // Imported only when asked for (demo mode, tests, bench): the production path never loads it.
  emulator: async (options) => new (await import('./emulator.js')).AdaEmulator(options),

  events: { secret: (config) => config.webhookSecret, receive: receiveAdaEvent },

  http(config) {
    const authorization = `Bearer ${config.apiKey}`;
    return {
      baseUrl: config.baseUrl,
      headers: () => ({ authorization }),
      detectError: detectAdaError,
      credentials: config.apiKey,
    };
  },

  api(_config, upstream) {
    const client = new AdaClient(upstream);
    return {
      paging: {
        style: 'keyset',
        maxLimit: ADA_MAX_LIMIT,
        cursorPattern: /^[A-Za-z0-9_-]{1,128}$/,
        list: async (_query, after, limit) => {
          const page = await client.listPage(after, limit);
          return { items: page.users, next: page.next };
        },
        exactMatch: {
          of: (query) => query.externalId,
          fetch: (externalId) => client.findByExternalId(externalId),
        },
      },
      query: (filter) => ({
        externalId: filter === undefined ? null : checkText(EXTERNAL_ID, filter.externalId, 'externalId'),
      }),
      fetchOne: (endUserId) => client.fetchEndUser(endUserId),
    };
  },

  toRecord: toAdaRecord,
};

export const adaProvider = defineProvider(adaSpec);

/** Ada's account settings from its variables (without the webhook secret); null when disabled. */
function readAdaConfig(env: EnvReader): AdaConfig | null {
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
    const lower = rawRegion.toLowerCase();
    region = lower;
    if (!(ADA_REGIONS as readonly string[]).includes(lower)) {
      env.problem(
        `ADA_REGION must be one of ${ADA_REGIONS.join(', ')}; leave it unset for https://{handle}.ada.support.`,
      );
      return null;
    }
  }
  return { apiKey, baseUrl: `https://${handle}${region ? `.${region}` : ''}.ada.support` };
}
