/**
 * Voximplant (Management API `GetUsers`): what is specific to Voximplant — configuration (a service
 * account signing short-lived JWTs), wire calls, filters and order, mapping. See README.md in this folder
 * for the wire quirks.
 *
 * Paging: `offset`/`count` with `total_count`: the core's `offset` style (a cursor is an absolute
 * position in the filtered, ordered list; every window is one call over one application, while a source
 * of several applications reads each whole and merges them, see VoximplantClient.list). Lookups: one id
 * is GetUsers with `user_id`; several walk the default list 100 users a call when that is cheaper
 * (GetUsers takes one `user_id` per call).
 */
import { readFileSync } from 'node:fs';
import type {
  QueryVoximplantUsersArgs,
  VoximplantUserFilter,
  VoximplantUserOrder,
} from '../../generated/resolvers.js';
import { defineProvider } from '../core/define.js';
import type { ProviderSpec } from '../core/definition.js';
import type { EnvReader } from '../../env.js';
import {
  detectVoximplantError,
  getUsersQuery,
  VoximplantClient,
  type GetUsersQuery,
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
  /**
   * The source's applications: one id, one name (part), or several ids whose users are listed once each
   * (GetUsers filters on exactly one application per call).
   */
  applications: VoximplantApplication[];
  baseUrl: string;
}

const VARIABLES = [
  'VOXIMPLANT_CREDENTIALS',
  'VOXIMPLANT_CREDENTIALS_JSON',
  'VOXIMPLANT_APPLICATION_ID',
  'VOXIMPLANT_APPLICATION_IDS',
  'VOXIMPLANT_APPLICATION_NAME',
  'VOXIMPLANT_BASE_URL',
] as const;

export const voximplantSpec: ProviderSpec<
  VoximplantConfig,
  VoximplantWireUser,
  VoximplantUserRecord,
  GetUsersQuery,
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
      applicationIds: {
        env: 'VOXIMPLANT_APPLICATION_IDS',
        type: 'integerList',
        description:
          'Or several applications: each user bound to any of them is listed once (each application is read whole to merge them).',
      },
      applicationName: {
        env: 'VOXIMPLANT_APPLICATION_NAME',
        type: 'string',
        description:
          "Or the applications whose name contains this (GetUsers' partial match: the account's domain part, e.g. myaccount.n2.voximplant.com, names them all).",
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

    const applications = readApplications(env);
    const baseUrl = env.url('VOXIMPLANT_BASE_URL') ?? 'https://api.voximplant.com';
    if ('problem' in credentials || !applications) return null;
    return { account: credentials.account, applications, baseUrl };
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
    const client = new VoximplantClient(upstream, config.applications, WALK_SIZE);
    return {
      paging: {
        style: 'offset',
        walkSize: WALK_SIZE,
        list: async (query, offset, count) => {
          const page = await client.list(query, offset, count);
          return { items: page.users, total: page.total };
        },
      },
      // The configured applications are part of every query, unless the filter names another.
      query: (list) => getUsersQuery(config.applications, list?.filter, list?.orderBy),
      fetchOne: (userId) => client.fetchUser(Number(userId)),
    };
  },

  toRecord: toVoximplantRecord,
};

const POSITIVE_ID = /^[1-9]\d{0,15}$/;

/** The source's applications from exactly one of the three variables; null (with a problem) otherwise. */
function readApplications(env: EnvReader): VoximplantApplication[] | null {
  const id = env.string('VOXIMPLANT_APPLICATION_ID');
  const ids = env.string('VOXIMPLANT_APPLICATION_IDS');
  const name = env.string('VOXIMPLANT_APPLICATION_NAME');
  const given = [id, ids, name].filter((value) => value !== undefined).length;
  if (given === 0) {
    env.problem(
      'Set VOXIMPLANT_APPLICATION_ID, VOXIMPLANT_APPLICATION_IDS or VOXIMPLANT_APPLICATION_NAME: Voximplant lists users per application (queries may override it).',
    );
    return null;
  }
  if (given > 1) {
    env.problem(
      'Set only one of VOXIMPLANT_APPLICATION_ID, VOXIMPLANT_APPLICATION_IDS and VOXIMPLANT_APPLICATION_NAME (GetUsers filters on one application per call).',
    );
    return null;
  }
  if (name !== undefined) return [{ applicationName: name }];
  const parts = (id ?? ids ?? '').split(',').map((part) => part.trim());
  const label = id !== undefined ? 'VOXIMPLANT_APPLICATION_ID' : 'VOXIMPLANT_APPLICATION_IDS';
  if (!parts.every((part) => POSITIVE_ID.test(part) && Number.isSafeInteger(Number(part)))) {
    env.problem(
      id !== undefined
        ? `${label} must be a positive integer.`
        : `${label} must be positive integers separated by commas.`,
    );
    return null;
  }
  if (id !== undefined && parts.length > 1) {
    env.problem(`${label} takes one application; list several in VOXIMPLANT_APPLICATION_IDS.`);
    return null;
  }
  const unique = [...new Set(parts.map(Number))];
  if (unique.length > MAX_APPLICATIONS) {
    env.problem(`${label} lists more than ${MAX_APPLICATIONS} applications.`);
    return null;
  }
  return unique.map((applicationId) => ({ applicationId }));
}

/** Each listed application costs at least one call per uncached list: a source reads at most this many. */
const MAX_APPLICATIONS = 20;

export const voximplantProvider = defineProvider(voximplantSpec);
