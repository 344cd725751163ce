/**
 * A sixth provider, Zulip, that lives only in the tests: this folder (spec, emulator, SDL) plus one
 * registry line — `[...PROVIDERS, zulipProvider]` in sixth.test.ts — is everything it takes. It uses the
 * core's `whole` paging with a single-user fetch, a combination no built-in provider has.
 */
import { codeForStatus, ErrorCode, isUpstreamError } from '../../../src/errors.js';
import { defineProvider } from '../../../src/providers/core/define.js';
import type { ProviderSpec } from '../../../src/providers/core/definition.js';
import type { UserRecord } from '../../../src/providers/core/record.js';
import type { ErrorDetector } from '../../../src/upstream/client.js';
import { compileResponseSchema, type JSONSchemaType } from '../../../src/upstream/schema.js';

/** A member as `GET /api/v1/users` sends it (the fields rollcall reads). */
export interface ZulipWireUser {
  user_id: number;
  email?: string | null;
  full_name?: string | null;
  is_active?: boolean | null;
  is_bot?: boolean | null;
  avatar_url?: string | null;
  date_joined?: string | null;
}

const nullable = <T extends 'string' | 'boolean'>(type: T) => ({ type, nullable: true }) as const;
const member: JSONSchemaType<ZulipWireUser> = {
  type: 'object',
  required: ['user_id'],
  properties: {
    user_id: { type: 'integer' },
    email: nullable('string'),
    full_name: nullable('string'),
    is_active: nullable('boolean'),
    is_bot: nullable('boolean'),
    avatar_url: nullable('string'),
    date_joined: nullable('string'),
  },
};
const validateMembers = compileResponseSchema<{ members: ZulipWireUser[] }>({
  type: 'object',
  required: ['members'],
  properties: { members: { type: 'array', items: member } },
});
const validateMember = compileResponseSchema<{ user: ZulipWireUser }>({
  type: 'object',
  required: ['user'],
  properties: { user: member },
});

interface ZulipUserRecord extends UserRecord {
  __typename: 'ZulipUser';
  userId: string;
  isBot: boolean | null;
}

interface ZulipConfig {
  site: string;
  email: string;
  apiKey: string;
}

/** Zulip's errors: `{result: "error", msg, code}` with the HTTP status; an unknown user id is HTTP 400 "No such user". */
const detectZulipError: ErrorDetector = ({ status, body }) => {
  if (status >= 200 && status < 300) return undefined;
  const error = typeof body === 'object' && body !== null ? body : {};
  const message = 'msg' in error && typeof error.msg === 'string' ? error.msg : undefined;
  return {
    code: status === 400 && message === 'No such user' ? ErrorCode.UPSTREAM_NOT_FOUND : codeForStatus(status),
    status,
    upstreamCode: 'code' in error && typeof error.code === 'string' ? error.code : undefined,
    upstreamMessage: message,
  };
};

export const zulipSpec: ProviderSpec<ZulipConfig, ZulipWireUser, ZulipUserRecord, null, undefined, unknown> =
  {
    id: 'ZULIP',
    typename: 'ZulipUser',
    displayName: 'Zulip',
    schema: new URL('./zulip.graphql', import.meta.url),
    graphql: { connection: 'zulipUsers', lookup: 'zulipUser', nativeKey: 'userId' },
    nativeId: { allowed: 'a Zulip user id (1 to 12 digits)', maxLength: 12, pattern: /^\d+$/ },
    paging: 'whole',

    source: {
      key: 'zulip',
      credentials: {
        email: { env: 'ZULIP_EMAIL', type: 'string', required: true, description: "The bot's email." },
        apiKey: {
          env: 'ZULIP_API_KEY',
          type: 'string',
          secret: true,
          required: true,
          description: "The bot's API key.",
        },
      },
      options: {
        site: { env: 'ZULIP_SITE', type: 'url', description: 'The organisation URL.' },
      },
    },

    readConfig(env) {
      const site = env.url('ZULIP_SITE');
      const email = env.string('ZULIP_EMAIL');
      const apiKey = env.string('ZULIP_API_KEY');
      if (!site && !email && !apiKey) return null;
      if (!site || !email || !apiKey) {
        env.problem('Set ZULIP_SITE, ZULIP_EMAIL and ZULIP_API_KEY together.');
        return null;
      }
      return { site, email, apiKey };
    },

    emulator: async (options) => new (await import('./emulator.js')).ZulipEmulator(options),

    http: (config) => {
      const authorization = `Basic ${Buffer.from(`${config.email}:${config.apiKey}`).toString('base64')}`;
      return {
        baseUrl: config.site,
        headers: () => ({ authorization }),
        detectError: detectZulipError,
        credentials: `${config.email}:${config.apiKey}`,
        identifiers: [config.email],
      };
    },

    api: (_config, upstream) => ({
      paging: {
        style: 'whole',
        async list() {
          const { body } = await upstream.request({ path: 'api/v1/users', schema: validateMembers });
          return body.members;
        },
      },
      query: () => null,
      async fetchOne(userId) {
        try {
          const { body } = await upstream.request({
            path: `api/v1/users/${userId}`,
            route: 'api/v1/users/{user_id}',
            schema: validateMember,
          });
          return body.user;
        } catch (error) {
          if (isUpstreamError(error, ErrorCode.UPSTREAM_NOT_FOUND)) return null;
          throw error;
        }
      },
    }),

    toRecord: (user, source) => ({
      __typename: 'ZulipUser',
      id: source.id(String(user.user_id)),
      provider: 'ZULIP',
      source: source.name,
      providerUserId: String(user.user_id),
      displayName: user.full_name ?? null,
      firstName: null,
      lastName: null,
      email: user.email ?? null,
      avatarUrl: user.avatar_url ?? null,
      active: user.is_active ?? null,
      createdAt: user.date_joined ? new Date(user.date_joined) : null,
      updatedAt: null,
      raw: user,
      userId: String(user.user_id),
      isBot: user.is_bot ?? null,
    }),
  };

export const zulipProvider = defineProvider(zulipSpec);
