/**
 * Voximplant (Management API `GetUsers`): what is specific to Voximplant — configuration (a service
 * account signing short-lived JWTs), wire calls, filters and order, mapping. See README.md in this folder
 * for the wire quirks.
 *
 * Paging: `offset`/`count` with `total_count`: the core's `offset` style (a cursor is an absolute
 * position in the filtered, ordered list; every window is one call). Lookups: one id is GetUsers with
 * `user_id`; several walk the default list 100 users a call when that is cheaper (GetUsers takes one
 * `user_id` per call).
 */
import { readFileSync } from 'node:fs';
import type {
  QueryVoximplantUsersArgs,
  VoximplantUserFilter,
  VoximplantUserOrder,
} from '../../generated/resolvers.js';
import { defineProvider } from '../core/define.js';
import type { ProviderSpec } from '../core/definition.js';
import {
  detectVoximplantError,
  getUsersParams,
  VoximplantClient,
  type GetUsersParams,
  type VoximplantApplication,
  VOXIMPLANT_USER_ID,
} from './client.js';
import { parseCredentials, VoximplantTokenSource, type VoximplantServiceAccount } from './jwt.js';
import { toVoximplantRecord } from './map.js';
import type { VoximplantUserRecord } from './types.js';
import type { VoximplantWireUser } from './wire.js';

/** The filter and the order of `voximplantUsers`: both bind the cursors (positions mean nothing under another). */
interface VoximplantList {
  filter?: VoximplantUserFilter | null;
  orderBy?: VoximplantUserOrder | null;
}

/**
 * Users per call when lookups walk the list. Voximplant does not document GetUsers' maximum `count`; 100
 * is what `first: 100` windows already send.
 */
const WALK_SIZE = 100;

interface VoximplantConfig {
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

export const voximplantSpec: ProviderSpec<
  VoximplantConfig,
  VoximplantWireUser,
  VoximplantUserRecord,
  GetUsersParams,
  VoximplantList,
  Partial<QueryVoximplantUsersArgs>
> = {
  id: 'VOXIMPLANT',
  typename: 'VoximplantUser',
  displayName: 'Voximplant',
  schema: new URL('../../../schema/providers/voximplant.graphql', import.meta.url),
  graphql: {
    connection: 'voximplantUsers',
    lookup: 'voximplantUser',
    nativeKey: 'userId',
    filter: ({ filter, orderBy }) => ({ filter, orderBy }),
  },
  nativeId: VOXIMPLANT_USER_ID,
  paging: 'offset',

  source: {
    key: 'voximplant',
    credentials: {
      file: {
        env: 'VOXIMPLANT_CREDENTIALS',
        type: 'path',
        description:
          "The path of the service account's credentials.json (relative to the configuration file).",
      },
      json: {
        env: 'VOXIMPLANT_CREDENTIALS_JSON',
        type: 'string',
        secret: true,
        description: "The content of the service account's credentials.json (or give its path as file).",
      },
    },
    options: {
      applicationId: {
        env: 'VOXIMPLANT_APPLICATION_ID',
        type: 'integer',
        description: 'The application whose users to list.',
      },
      applicationName: {
        env: 'VOXIMPLANT_APPLICATION_NAME',
        type: 'string',
        description: 'Or the application by (part of) its name.',
      },
      baseUrl: { env: 'VOXIMPLANT_BASE_URL', type: 'url', description: 'The Management API base URL.' },
    },
  },
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

  // Imported only when asked for (demo mode, tests, bench): the production path never loads it.
  emulator: async (options) => (await import('./emulator.js')).VoximplantEmulator.create(options),

  http(config) {
    const tokens = new VoximplantTokenSource(config.account);
    return {
      baseUrl: config.baseUrl,
      headers: async () => ({ authorization: await tokens.authorization() }),
      detectError: detectVoximplantError,
      // The key pair identifies the account; the token changes every few minutes and must not.
      credentials: `${config.account.accountId}:${config.account.keyId}`,
      identifiers: [String(config.account.accountId), config.account.keyId],
    };
  },

  api(config, upstream) {
    const client = new VoximplantClient(upstream, config.application);
    return {
      paging: {
        style: 'offset',
        walkSize: WALK_SIZE,
        list: async (params, offset, count) => {
          const page = await client.getUsers(params, offset, count);
          return { items: page.users, total: page.total };
        },
      },
      // The configured application is part of every query, unless the filter names another.
      query: (list) => getUsersParams(config.application, list?.filter, list?.orderBy),
      fetchOne: (userId) => client.fetchUser(Number(userId)),
    };
  },

  toRecord: toVoximplantRecord,
};

export const voximplantProvider = defineProvider(voximplantSpec);
