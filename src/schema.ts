/**
 * The subgraph schema: every SDL file under schema/ merged into one document, every resolver map merged
 * into one, built with `buildSubgraphSchema` (which keeps `__resolveReference`; building with
 * `makeExecutableSchema` or adding resolvers afterwards would drop it).
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { loadFilesSync } from '@graphql-tools/load-files';
import { mergeResolvers, mergeTypeDefs } from '@graphql-tools/merge';
import {
  isInterfaceType,
  isObjectType,
  isUnionType,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { BadUserInputError } from './errors.js';
import { fileURLToPath } from 'node:url';
import type { Resolvers } from './generated/resolvers.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

export function loadTypeDefs(): DocumentNode {
  return mergeTypeDefs(loadFilesSync(`${SCHEMA_DIR}**/*.graphql`), { sort: false });
}

export function buildSchema(resolvers: Resolvers[]): GraphQLSchema {
  const schema = buildSubgraphSchema({
    typeDefs: loadTypeDefs(),
    resolvers: mergeResolvers(resolvers) as GraphQLResolverMap<unknown>,
  });
  guardEntities(schema);
  return schema;
}

/**
 * `_entities(representations: [_Any!]!)` takes any JSON, and @apollo/subgraph's resolver assumes objects
 * with a known `__typename`: anything else crashed it into an internal error. Each representation is
 * checked first (an object whose `__typename` is one of this subgraph's entity types), and a bad one is a
 * BAD_USER_INPUT error naming its index and the types allowed. Keys are checked by each type's
 * `__resolveReference`, per representation.
 */
function guardEntities(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType('_Entity');
  if (!field?.resolve || !isUnionType(union)) return;
  const entityTypes = new Set(union.getTypes().map((type) => type.name));
  for (const type of Object.values(schema.getTypeMap()))
    if (isInterfaceType(type) && type.astNode?.directives?.some((d) => d.name.value === 'key'))
      entityTypes.add(type.name);
  const allowed = [...entityTypes].sort().join(', ');
  const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve;
  field.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [];
    representations.forEach((representation: unknown, index) => {
      const typename =
        representation && typeof representation === 'object' && !Array.isArray(representation)
          ? (representation as { __typename?: unknown }).__typename
          : undefined;
      if (typeof typename !== 'string' || !entityTypes.has(typename)) {
        throw new BadUserInputError(
          `representations[${index}] must be an object whose "__typename" is one of this subgraph's entity types: ${allowed}.`,
          { argument: 'representations' },
        );
      }
      const type = schema.getType(typename);
      if (!isObjectType(type) && !isInterfaceType(type)) throw new Error(`${typename} is not an entity type`);
    });
    return resolve(source, args, context, info);
  };
}
