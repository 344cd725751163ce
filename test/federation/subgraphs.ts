/**
 * Two small subgraphs of "another team", served over HTTP, to compose with rollcall:
 * - activity: extends every rollcall user with `@interfaceObject` fields;
 * - tickets: references Twilio and CometChat users by their native keys (`resolvable: false`) from its
 *   own types, and brings its own `PageInfo @shareable` and identical `DateTime`/`JSON` scalars.
 * (Composition forbids one subgraph both to use `@interfaceObject` on `User` and to reference the
 * concrete user types, hence two.)
 */
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLScalarType, parse } from 'graphql';

export const ACTIVITY_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@interfaceObject"])
  type User @key(fields: "id") @interfaceObject {
    id: ID!
    lastSeen: String
    loginCount: Int!
  }
  type Query {
    recentlyActive(ids: [ID!]!): [User!]!
  }
`;

export const TICKETS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable"])
  scalar DateTime
  scalar JSON
  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }
  type TwilioConversationUser @key(fields: "sid", resolvable: false) {
    sid: String!
  }
  type CometChatUser @key(fields: "uid", resolvable: false) {
    uid: String!
  }
  type Ticket {
    id: ID!
    subject: String!
    openedAt: DateTime!
    context: JSON
    requester: TwilioConversationUser
    assignee: CometChatUser
  }
  type TicketEdge { cursor: String! node: Ticket! }
  type TicketConnection { edges: [TicketEdge!]! pageInfo: PageInfo! }
  type Query {
    tickets(first: Int!): TicketConnection!
  }
`;

export interface TestSubgraph {
  url: string;
  stop(): Promise<void>;
}

async function serve(typeDefs: string, resolvers: Record<string, unknown>): Promise<TestSubgraph> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}

const passThrough = (name: string) =>
  new GraphQLScalarType({ name, serialize: (v) => v, parseValue: (v) => v });

export function startActivity(): Promise<TestSubgraph> {
  const activity = (id: string) => ({ id, lastSeen: `seen:${id.slice(-6)}`, loginCount: id.length });
  return serve(ACTIVITY_SDL, {
    Query: { recentlyActive: (_: unknown, { ids }: { ids: string[] }) => ids.map(activity) },
    User: { __resolveReference: (reference: { id: string }) => activity(reference.id) },
  });
}

/** Tickets whose requesters and assignees are the given Twilio sids and CometChat uids. */
export function startTickets(sids: string[], uids: string[]): Promise<TestSubgraph> {
  return serve(TICKETS_SDL, {
    DateTime: passThrough('DateTime'),
    JSON: passThrough('JSON'),
    Query: {
      tickets: (_: unknown, { first }: { first: number }) => {
        const edges = Array.from({ length: Math.min(first, Math.max(sids.length, uids.length)) }, (_, i) => ({
          cursor: String(i),
          node: {
            id: `T${i}`,
            subject: `Ticket ${i}`,
            openedAt: '2026-01-01T00:00:00.000Z',
            context: { priority: i % 3 },
            requester: sids[i] ? { sid: sids[i] } : null,
            assignee: uids[i] ? { uid: uids[i] } : null,
          },
        }));
        return {
          edges,
          pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
        };
      },
    },
  });
}

/**
 * crm: a third team's subgraph that extends rollcall's `Person` entity (a lifetime value per person) and
 * references persons from its own `Deal`s.
 */
export const CRM_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Person @key(fields: "id") {
    id: ID!
    lifetimeValue: Float!
  }
  type Deal {
    id: ID!
    amount: Float!
    contact: Person!
  }
  type Query {
    deals: [Deal!]!
  }
`;

/** The lifetime value the CRM holds for a person (derived from its id, so tests can check it). */
export const lifetimeValue = (personId: string) => personId.length * 10;

/** Deals whose contacts are the given persons. */
export function startCrm(personIds: string[]): Promise<TestSubgraph> {
  return serve(CRM_SDL, {
    Query: {
      deals: () =>
        personIds.map((id, index) => ({
          id: `D${index}`,
          amount: 100 * (index + 1),
          contact: { id, lifetimeValue: lifetimeValue(id) },
        })),
    },
    Person: {
      __resolveReference: (reference: { id: string }) => ({
        id: reference.id,
        lifetimeValue: lifetimeValue(reference.id),
      }),
    },
  });
}
