/**
 * CometChat (`GET /v3/users`): what is specific to CometChat — configuration, wire calls, filters,
 * mapping. See README.md in this folder for the wire quirks.
 *
 * Paging: `page` (1-based) + `perPage` up to 1000 with `meta.pagination.total`: the core's `page` style
 * (a cursor is an absolute position; each window takes the fewest, smallest pages that cover it).
 * Lookups: one `GET /v3/users/{uid}` for a lone uid; a batch reads the default list 1000 users a page
 * when that takes fewer calls. The default list hides deactivated users exactly as the single fetch
 * does, so both agree on misses. CometChat lower-cases uids on create, so lookups do too.
 */
import type { CometChatUserFilter, QueryCometChatUsersArgs } from '../../generated/resolvers.js';
import { defineProvider } from '../core/define.js';
import type { ProviderSpec } from '../core/definition.js';
import { checkText, checkTextList, FILTER_TEXT, type TextRule } from '../core/nativeId.js';
import {
  CometChatClient,
  COMETCHAT_MAX_PER_PAGE,
  COMETCHAT_UID,
  detectCometChatError,
  listParams,
  type CometChatListParams,
} from './client.js';
import { toCometChatRecord } from './map.js';
import type { CometChatUserRecord } from './types.js';
import type { CometChatWireUser } from './wire.js';

const COMETCHAT_REGIONS = ['us', 'eu', 'in'] as const;

interface CometChatConfig {
  /** The REST API key (fullAccess scope), sent as the `apikey` header. */
  apiKey: string;
  /** `https://{appId}.api-{region}.cometchat.io`, or COMETCHAT_BASE_URL. No `/v3` suffix. */
  baseUrl: string;
  /** The app id, when given: an account identifier kept out of logs. */
  appId?: string;
}

/** A value of a list filter, which CometChat receives comma-separated. */
const LIST_VALUE: TextRule = {
  allowed: '1 to 100 characters without commas (CometChat separates them with commas) or control characters',
  maxLength: 100,
  pattern: /^[^,]+$/,
};
/** Values per list filter (rollcall's bound). */
const MAX_LIST_VALUES = 25;

/**
 * The filter's list parameters, after rejecting values CometChat cannot take: over-long or
 * control-character text, and list values its comma-separated lists cannot carry. An empty `searchKey`
 * or `role` filters nothing.
 */
function checkedParams(filter: CometChatUserFilter | undefined): CometChatListParams {
  if (filter?.searchKey) checkText(FILTER_TEXT, filter.searchKey, 'filter.searchKey');
  if (filter?.role) checkText(FILTER_TEXT, filter.role, 'filter.role');
  for (const name of ['tags', 'roles'] as const)
    checkTextList(LIST_VALUE, filter?.[name] ?? [], `filter.${name}`, MAX_LIST_VALUES);
  return listParams(filter);
}

export const cometChatSpec: ProviderSpec<
  CometChatConfig,
  CometChatWireUser,
  CometChatUserRecord,
  CometChatListParams,
  CometChatUserFilter,
  Partial<QueryCometChatUsersArgs>
> = {
  id: 'COMETCHAT',
  typename: 'CometChatUser',
  displayName: 'CometChat',
  schema: new URL('../../../schema/providers/cometchat.graphql', import.meta.url),
  graphql: {
    connection: 'cometChatUsers',
    lookup: 'cometChatUser',
    nativeKey: 'uid',
    filter: ({ filter }) => filter ?? undefined,
  },
  nativeId: COMETCHAT_UID,
  paging: 'page',
  lookupKey: (uid) => uid.trim().toLowerCase(),

  source: {
    key: 'cometchat',
    credentials: {
      apiKey: {
        env: 'COMETCHAT_API_KEY',
        type: 'string',
        secret: true,
        required: true,
        description: "The app's REST API key (fullAccess scope).",
      },
    },
    options: {
      appId: { env: 'COMETCHAT_APP_ID', type: 'string', description: "The app's id." },
      region: { env: 'COMETCHAT_REGION', type: 'string', description: "The app's region: us, eu or in." },
      baseUrl: {
        env: 'COMETCHAT_BASE_URL',
        type: 'url',
        description: 'The API base URL (a proxy, an emulator).',
      },
    },
  },
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

  // Imported only when asked for (demo mode, tests, bench): the production path never loads it.
  emulator: async (options) => new (await import('./emulator.js')).CometChatEmulator(options),

  http: (config) => ({
    baseUrl: config.baseUrl,
    headers: () => ({ apikey: config.apiKey }),
    detectError: detectCometChatError,
    credentials: config.apiKey,
    identifiers: config.appId ? [config.appId] : [],
  }),

  api(_config, upstream) {
    const client = new CometChatClient(upstream);
    return {
      paging: {
        style: 'page',
        maxPerPage: COMETCHAT_MAX_PER_PAGE,
        list: async (params, page, perPage) => {
          const result = await client.listPage(params, page, perPage);
          return { items: result.users, total: result.total };
        },
      },
      query: checkedParams,
      fetchOne: (uid) => client.fetchUser(uid),
    };
  },

  toRecord: toCometChatRecord,
};

export const cometChatProvider = defineProvider(cometChatSpec);
