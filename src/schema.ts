/**
 * The subgraph schema: every SDL file under schema/ merged into one document, every resolver map merged
 * into one, built with `buildSubgraphSchema` (which keeps `__resolveReference`; building with
 * `makeExecutableSchema` or adding resolvers afterwards would drop it).
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { loadFilesSync } from '@graphql-tools/load-files';
import { mergeResolvers, mergeTypeDefs } from '@graphql-tools/merge';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { fileURLToPath } from 'node:url';
import type { Resolvers } from './generated/resolvers.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

export function loadTypeDefs(): DocumentNode {
  return mergeTypeDefs(loadFilesSync(`${SCHEMA_DIR}**/*.graphql`), { sort: false });
}

export function buildSchema(resolvers: Resolvers[]): GraphQLSchema {
  return buildSubgraphSchema({
    typeDefs: loadTypeDefs(),
    resolvers: mergeResolvers(resolvers) as GraphQLResolverMap<unknown>,
  });
}
