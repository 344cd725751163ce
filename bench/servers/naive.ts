/**
 * Bench child: the naive baseline for `_entities`. A subgraph with rollcall's schema whose
 * `__resolveReference` calls the provider once per entity with plain `fetch`: no DataLoader, no batching,
 * no list walk, no cache, no concurrency limit. It maps answers with rollcall's own mappers, so it serves
 * the same data (bench/run.ts checks that) and differs only in how it talks to the providers.
 *
 * Per entity: 2Chat has no single-user endpoint, so `GET /open/users` (the whole list); Twilio
 * `GET /v1/Users/{sid}`; Ada `GET /api/v2/end-users/{id}`; CometChat `GET /v3/users/{uid}`; Voximplant
 * `GetUsers` with `user_id`.
 */
import { encodeGlobalId } from '../../src/relay/globalId.js';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { toAdaRecord } from '../../src/providers/ada/map.js';
import type { AdaWireEndUser } from '../../src/providers/ada/wire.js';
import { toCometChatRecord } from '../../src/providers/cometchat/map.js';
import type { CometChatSingleResponse } from '../../src/providers/cometchat/wire.js';
import { toTwilioRecord } from '../../src/providers/twilio/map.js';
import type { TwilioWireUser } from '../../src/providers/twilio/wire.js';
import { toTwoChatRecord } from '../../src/providers/twochat/map.js';
import type { TwoChatListResponse, TwoChatWireUser } from '../../src/providers/twochat/wire.js';
import { parseCredentials, VoximplantTokenSource } from '../../src/providers/voximplant/jwt.js';
import { toVoximplantRecord } from '../../src/providers/voximplant/map.js';
import type { VoximplantGetUsersResponse } from '../../src/providers/voximplant/wire.js';
import { loadTypeDefs } from '../../src/schema.js';
import { jsonEnv, runChild } from '../lib/child.js';
import { quietLogger, serveApollo } from '../lib/front.js';
import type { ServerInfo } from '../lib/shared.js';

/** The parsed JSON body, or null on 404. */
async function getJson<T>(url: string, init: RequestInit): Promise<T | null> {
  const response = await fetch(url, init);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${new URL(url).pathname}`);
  return (await response.json()) as T;
}

await runChild(async () => {
  const env = jsonEnv<Record<string, string>>('BENCH_CONFIG');
  const twilioAuth = `Basic ${Buffer.from(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
  const credentials = parseCredentials(env.VOXIMPLANT_CREDENTIALS_JSON, 'VOXIMPLANT_CREDENTIALS_JSON');
  if (!('account' in credentials)) throw new Error(credentials.problem);
  const tokens = new VoximplantTokenSource(credentials.account, { lifetimeSeconds: 3600 });

  /** Each provider's one source, named as rollcall names a source configured by environment variables. */
  const sourceOf = (provider: string, name: string) => ({
    name,
    id: (nativeId: string) => encodeGlobalId(provider, name, nativeId),
  });
  const resolvers = {
    TwoChatUser: {
      __resolveReference: async ({ uuid }: { uuid: string }) => {
        const body = await getJson<TwoChatListResponse>(`${env.TWOCHAT_BASE_URL}/open/users`, {
          headers: { 'x-user-api-key': env.TWOCHAT_API_KEY },
        });
        const users = (body?.data?.users ?? []) as TwoChatWireUser[];
        const user = users.find((u) => u.uuid === uuid);
        return user ? toTwoChatRecord(user, sourceOf('TWO_CHAT', 'twochat')) : null;
      },
    },
    TwilioConversationUser: {
      __resolveReference: async ({ sid }: { sid: string }) => {
        const user = await getJson<TwilioWireUser & { sid: string }>(
          `${env.TWILIO_CONVERSATIONS_BASE_URL}/v1/Users/${encodeURIComponent(sid)}`,
          { headers: { authorization: twilioAuth } },
        );
        return user ? toTwilioRecord(user, sourceOf('TWILIO_CONVERSATIONS', 'twilio')) : null;
      },
    },
    AdaEndUser: {
      __resolveReference: async ({ endUserId }: { endUserId: string }) => {
        const user = await getJson<AdaWireEndUser>(
          `${env.ADA_BASE_URL}/api/v2/end-users/${encodeURIComponent(endUserId)}`,
          { headers: { authorization: `Bearer ${env.ADA_API_KEY}` } },
        );
        return user ? toAdaRecord(user, sourceOf('ADA', 'ada')) : null;
      },
    },
    CometChatUser: {
      __resolveReference: async ({ uid }: { uid: string }) => {
        const body = await getJson<CometChatSingleResponse>(
          `${env.COMETCHAT_BASE_URL}/v3/users/${encodeURIComponent(uid)}`,
          { headers: { apikey: env.COMETCHAT_API_KEY } },
        );
        return body?.data ? toCometChatRecord(body.data, sourceOf('COMETCHAT', 'cometchat')) : null;
      },
    },
    VoximplantUser: {
      __resolveReference: async ({ userId }: { userId: number }) => {
        const form = new URLSearchParams({
          application_id: env.VOXIMPLANT_APPLICATION_ID,
          user_id: String(userId),
          with_skills: 'true',
          with_queues: 'true',
          offset: '0',
          count: '1',
        });
        const body = await getJson<VoximplantGetUsersResponse>(
          `${env.VOXIMPLANT_BASE_URL}/platform_api/GetUsers`,
          {
            method: 'POST',
            headers: {
              authorization: await tokens.authorization(),
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: form.toString(),
          },
        );
        const user = body?.result?.[0];
        return user ? toVoximplantRecord(user, sourceOf('VOXIMPLANT', 'voximplant')) : null;
      },
    },
  };
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: loadTypeDefs(),
      resolvers: resolvers as unknown as GraphQLResolverMap<unknown>,
    }),
    logger: quietLogger,
  });
  const { url, stop } = await serveApollo(apollo);
  const info: ServerInfo = { url };
  return { info, handlers: {}, stop };
});
