/**
 * rollcall composed into a supergraph with two other subgraphs (in-process composition, no Rover), and
 * served through a real @apollo/gateway over HTTP to the real rollcall server and emulators.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { composeServices } from '@apollo/composition';
import { composeServices as composeGuild } from '@theguild/federation-composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';
import { startHarness, type Harness } from '../support/harness.js';
import {
  ACTIVITY_SDL,
  CRM_SDL,
  lifetimeValue,
  startActivity,
  startCrm,
  startTickets,
  TICKETS_SDL,
  type TestSubgraph,
} from './subgraphs.js';

interface Listed {
  id: string;
  sid?: string;
  uid?: string;
}

let rollcall: Harness;
let activity: TestSubgraph;
let tickets: TestSubgraph;
let crm: TestSubgraph;
let gateway: ApolloServer;
let gatewayUrl: string;
/** The same supergraph as composed by The Guild's engine, served by a second gateway. */
let guildGateway: ApolloServer;
let guildGatewayUrl: string;
/** Twilio users and their persons (the CRM's deal contacts). */
let contacts: { id: string; person: { id: string } }[];
let twilioUsers: Listed[];
let cometChatUsers: Listed[];
let rollcallSdl: string;

async function gatewayQuery<T>(query: string, variables?: Record<string, unknown>, url = gatewayUrl) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as {
    data?: T;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

beforeAll(async () => {
  // @apollo/gateway refuses supergraphs with authorization directives (it cannot enforce them).
  rollcall = await startHarness({
    env: { ROLLCALL_MAX_PAGE_SIZE: '200', ROLLCALL_FEDERATION_AUTH_DIRECTIVES: 'false' },
  });
  const sdl = await rollcall.query<{ _service: { sdl: string } }>('{ _service { sdl } }');
  rollcallSdl = sdl.data!._service.sdl;
  const twilio = await rollcall.query<{ twilioConversationUsers: { nodes: Listed[] } }>(
    '{ twilioConversationUsers(first: 200) { nodes { id sid } } }',
  );
  twilioUsers = twilio.data!.twilioConversationUsers.nodes;
  const comet = await rollcall.query<{ cometChatUsers: { nodes: Listed[] } }>(
    '{ cometChatUsers(first: 200) { nodes { id uid } } }',
  );
  cometChatUsers = comet.data!.cometChatUsers.nodes;

  activity = await startActivity();
  // 50 tickets whose requesters are spread over every Twilio page and whose assignees are 50 CometChat users.
  const spread = Array.from(
    { length: 50 },
    (_, i) => twilioUsers[Math.floor((i * twilioUsers.length) / 50)].sid!,
  );
  tickets = await startTickets(
    spread,
    cometChatUsers.slice(0, 50).map((u) => u.uid!),
  );

  // The directory is off here: each user is a person of one (its id names the user).
  const people = await rollcall.query<{
    twilioConversationUsers: { nodes: { id: string; person: { id: string } }[] };
  }>('{ twilioConversationUsers(first: 3) { nodes { id person { id } } } }');
  contacts = people.data!.twilioConversationUsers.nodes;
  crm = await startCrm(contacts.map((contact) => contact.person.id));

  const services = [
    { name: 'rollcall', url: `${rollcall.url}/graphql`, typeDefs: parse(rollcallSdl) },
    { name: 'activity', url: activity.url, typeDefs: parse(ACTIVITY_SDL) },
    { name: 'tickets', url: tickets.url, typeDefs: parse(TICKETS_SDL) },
    { name: 'crm', url: crm.url, typeDefs: parse(CRM_SDL) },
  ];
  const serveSupergraph = async (supergraphSdl: string) => {
    const server = new ApolloServer({
      gateway: new ApolloGateway({
        supergraphSdl,
        buildService: ({ url }) => new RemoteGraphQLDataSource({ url }),
      }),
    });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
    return { server, url };
  };
  const composed = composeServices(services);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  ({ server: gateway, url: gatewayUrl } = await serveSupergraph(composed.supergraphSdl));
  const guild = composeGuild(services);
  if (guild.errors) throw new Error(guild.errors.map((e) => e.message).join('\n'));
  ({ server: guildGateway, url: guildGatewayUrl } = await serveSupergraph(guild.supergraphSdl));
});

afterAll(async () => {
  await gateway?.stop();
  await guildGateway?.stop();
  await crm?.stop();
  await activity?.stop();
  await tickets?.stop();
  await rollcall?.stop();
});

beforeEach(() => rollcall.reset());

describe('composition', () => {
  it.each([
    ['Apollo', composeServices],
    ['The Guild', composeGuild],
  ] as const)(
    "%s's engine composes rollcall with an @interfaceObject subgraph and a subgraph referencing concrete users",
    (_engine, compose) => {
      const composed = compose([
        { name: 'rollcall', url: 'http://rollcall', typeDefs: parse(rollcallSdl) },
        { name: 'activity', url: 'http://activity', typeDefs: parse(ACTIVITY_SDL) },
        { name: 'tickets', url: 'http://tickets', typeDefs: parse(TICKETS_SDL) },
        { name: 'crm', url: 'http://crm', typeDefs: parse(CRM_SDL) },
      ]);
      expect(composed.errors).toBeUndefined();
      expect(composed.supergraphSdl).toContain('interface User');
      expect(composed.supergraphSdl).toMatch(
        /type Person implements Node[^{]*@join__type\(graph: CRM, key: "id"\)/,
      );
    },
  );

  it('declares User as an entity interface and a key on each native id', () => {
    expect(rollcallSdl).toMatch(/interface User implements Node\s+@key\(fields: "id"\)/);
    for (const [type, key] of [
      ['TwoChatUser', 'uuid'],
      ['TwilioConversationUser', 'sid'],
      ['AdaEndUser', 'endUserId'],
      ['CometChatUser', 'uid'],
      ['VoximplantUser', 'userId'],
    ]) {
      expect(rollcallSdl).toMatch(
        new RegExp(`type ${type} implements[^{]*@key\\(fields: "id"\\)[^{]*@key\\(fields: "${key}"\\)`),
      );
    }
  });
});

describe('queries through the gateway', () => {
  it('serves a users page with the other subgraph fields', async () => {
    const { data, errors } = await gatewayQuery<{
      users: { edges: { node: { id: string; displayName: string; lastSeen: string; loginCount: number } }[] };
    }>(
      '{ users(first: 10, providers: [TWILIO_CONVERSATIONS]) { edges { node { id displayName lastSeen loginCount } } } }',
    );
    expect(errors).toBeUndefined();
    expect(data!.users.edges).toHaveLength(10);
    for (const { node } of data!.users.edges) {
      expect(node.lastSeen).toBe(`seen:${node.id.slice(-6)}`);
      expect(node.loginCount).toBe(node.id.length);
    }
  });

  it('starts on the other side and resolves bare User references with no I/O for the type', async () => {
    const ids = [twilioUsers[0].id, cometChatUsers[1].id];
    const { data, errors } = await gatewayQuery<{ recentlyActive: Record<string, unknown>[] }>(
      `query ($ids: [ID!]!) { recentlyActive(ids: $ids) { id lastSeen provider displayName
        ... on TwilioConversationUser { sid } ... on CometChatUser { uid } } }`,
      { ids },
    );
    expect(errors).toBeUndefined();
    expect(data!.recentlyActive).toEqual([
      expect.objectContaining({ id: ids[0], provider: 'TWILIO_CONVERSATIONS', sid: twilioUsers[0].sid }),
      expect.objectContaining({ id: ids[1], provider: 'COMETCHAT', uid: cometChatUsers[1].uid }),
    ]);
  });

  it('resolves 50 referenced users per provider with the fewest upstream calls', async () => {
    const { data, errors } = await gatewayQuery<{
      tickets: {
        edges: {
          node: { requester: { sid: string; identity: string }; assignee: { uid: string; name: string } };
        }[];
      };
    }>(
      '{ tickets(first: 50) { edges { node { subject openedAt requester { sid identity } assignee { uid name } } } } }',
    );
    expect(errors).toBeUndefined();
    expect(data!.tickets.edges).toHaveLength(50);
    expect(data!.tickets.edges.every((e) => e.node.requester.identity && e.node.assignee.name)).toBe(true);
    // Twilio: 50 sids spread over every list page → one walk of the 3 pages instead of 50 fetches.
    expect(rollcall.emulator('TWILIO_CONVERSATIONS').calls.map((c) => c.path)).toEqual([
      '/v1/Users',
      '/v1/Users',
      '/v1/Users',
    ]);
    // CometChat: 50 uids → one list call with a page large enough for every user.
    expect(rollcall.emulator('COMETCHAT').calls).toHaveLength(1);
  });

  it('passes rollcall error extensions through the gateway', async () => {
    rollcall
      .emulator('TWILIO_CONVERSATIONS')
      .injectFault({ status: 401, body: { code: 20003, message: 'Authenticate', status: 401 } });
    const { errors } = await gatewayQuery('{ twilioConversationUsers(first: 1) { edges { cursor } } }');
    expect(errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_UNAUTHORIZED',
      provider: 'TWILIO_CONVERSATIONS',
    });
  });
});

describe('Person across subgraphs', () => {
  it.each([
    ['Apollo', () => gatewayUrl],
    ['The Guild', () => guildGatewayUrl],
  ] as const)(
    "starts in the CRM's Deal, goes to rollcall's Person, and back out to its accounts' User fields (%s's supergraph)",
    async (_engine, url) => {
      const { data, errors } = await gatewayQuery<{
        deals: {
          amount: number;
          contact: {
            id: string;
            lifetimeValue: number;
            displayName: string | null;
            accounts: { id: string; provider: string; lastSeen: string | null }[];
          };
        }[];
      }>(
        '{ deals { amount contact { id lifetimeValue displayName accounts { id provider lastSeen } } } }',
        undefined,
        url(),
      );
      expect(errors).toBeUndefined();
      expect(data!.deals).toHaveLength(contacts.length);
      data!.deals.forEach((deal, index) => {
        expect(deal.contact.id).toBe(contacts[index].person.id);
        expect(deal.contact.lifetimeValue).toBe(lifetimeValue(contacts[index].person.id));
        // Back out to the user, with another subgraph's field on it.
        expect(deal.contact.accounts).toEqual([
          {
            id: contacts[index].id,
            provider: 'TWILIO_CONVERSATIONS',
            lastSeen: `seen:${contacts[index].id.slice(-6)}`,
          },
        ]);
      });
    },
  );
});

describe('_entities on rollcall', () => {
  it('answers in representation order with null for misses, batching across providers', async () => {
    const representations = [
      { __typename: 'CometChatUser', uid: cometChatUsers[2].uid },
      { __typename: 'User', id: twilioUsers[5].id },
      { __typename: 'TwilioConversationUser', sid: 'US00000000000000000000000000000000' },
      { __typename: 'TwilioConversationUser', id: twilioUsers[6].id },
      { __typename: 'User', id: 'VXNlcjox' },
    ];
    const { data, errors } = await rollcall.query<{ _entities: ({ id: string } | null)[] }>(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }',
      { r: representations },
    );
    expect(errors).toBeUndefined();
    expect(data!._entities).toEqual([
      { id: cometChatUsers[2].id },
      { id: twilioUsers[5].id },
      null,
      { id: twilioUsers[6].id },
      null,
    ]);
  });

  it('costs zero extra upstream calls for users listed in the same request', async () => {
    const representations = twilioUsers
      .slice(0, 50)
      .map((u, i) =>
        i % 2 ? { __typename: 'TwilioConversationUser', sid: u.sid } : { __typename: 'User', id: u.id },
      );
    const { errors } = await rollcall.query(
      'query ($r: [_Any!]!) { twilioConversationUsers(first: 50) { edges { cursor } } _entities(representations: $r) { ... on User { id displayName } } }',
      { r: representations },
    );
    expect(errors).toBeUndefined();
    expect(rollcall.emulator('TWILIO_CONVERSATIONS').calls).toHaveLength(1);
  });
});
