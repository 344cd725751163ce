/** The subgraph schema exactly as the server builds it, for tests that work on documents in-process. */
import type { GraphQLSchema } from 'graphql';
import { directoryResolvers } from '../../src/directory/resolvers.js';
import { PROVIDERS } from '../../src/providers/registry.js';
import { rootResolvers, runtimeResolvers } from '../../src/resolvers.js';
import { buildSchema } from '../../src/schema.js';

let schema: GraphQLSchema | undefined;

export function subgraphSchema(): GraphQLSchema {
  schema ??= buildSchema([
    rootResolvers(
      () => [],
      () => [],
    ),
    runtimeResolvers(100, PROVIDERS),
    directoryResolvers(PROVIDERS),
    ...PROVIDERS.map((definition) => definition.resolvers([], undefined)),
  ]);
  return schema;
}
