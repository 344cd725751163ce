/**
 * The subgraph schema: the base SDL files (schema/*.graphql) and each provider's own SDL, in registry
 * order, merged into one document; every resolver map merged into one; built with `buildSubgraphSchema`
 * (which keeps `__resolveReference`; building with `makeExecutableSchema` or adding resolvers afterwards
 * would drop it). The `Provider` enum is what the providers' SDL files add to it, checked against the
 * registry.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { loadFilesSync } from '@graphql-tools/load-files';
import { mergeTypeDefs } from '@graphql-tools/merge';
import {
  Kind,
  isEnumType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BadUserInputError } from './errors.js';
import type { Resolvers } from './generated/resolvers.js';
import type { ProviderDefinition } from './providers/core/definition.js';
import { PROVIDERS } from './providers/registry.js';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

export function loadTypeDefs(providers: readonly ProviderDefinition[] = PROVIDERS): DocumentNode {
  const merged = mergeTypeDefs(
    [
      ...loadFilesSync(`${SCHEMA_DIR}*.graphql`),
      ...providers.map((definition) => readFileSync(definition.schema, 'utf8')),
    ],
    { sort: false },
  );
  // The enum lists the providers in registry order, whatever order the merge put their extensions in.
  const order = new Map(providers.map((definition, index) => [definition.id, index]));
  const rank = (name: string) => order.get(name) ?? order.size;
  return {
    ...merged,
    definitions: merged.definitions.map((definition) =>
      definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'Provider'
        ? {
            ...definition,
            values: [...(definition.values ?? [])].sort((a, b) => rank(a.name.value) - rank(b.name.value)),
          }
        : definition,
    ),
  };
}

/** A resolver map as `buildSubgraphSchema` takes it (the generated `Resolvers` is one). */
type SchemaModule = Extract<Parameters<typeof buildSubgraphSchema>[0], readonly unknown[]>[number];
export type ModuleResolvers = NonNullable<Exclude<SchemaModule, DocumentNode>['resolvers']>;

const NO_TYPES: DocumentNode = { kind: Kind.DOCUMENT, definitions: [] };

export function buildSchema(
  resolvers: readonly (Resolvers | ModuleResolvers)[],
  providers: readonly ProviderDefinition[] = PROVIDERS,
): GraphQLSchema {
  // One module per resolver map (the SDL with the first): buildSubgraphSchema merges them field by field.
  const schema = buildSubgraphSchema(
    resolvers.map((map, index) => ({
      typeDefs: index === 0 ? loadTypeDefs(providers) : NO_TYPES,
      resolvers: map,
    })),
  );
  checkProviderEnum(schema, providers);
  guardEntities(schema);
  return schema;
}

/** The `Provider` enum must hold exactly the registry's ids, in its order (each SDL adds its own). */
function checkProviderEnum(schema: GraphQLSchema, providers: readonly ProviderDefinition[]): void {
  const values = schema.getType('Provider');
  const names = isEnumType(values) ? values.getValues().map((value) => value.name) : [];
  const ids = providers.map((definition) => definition.id);
  if (names.join() !== ids.join())
    throw new Error(`enum Provider holds ${names.join(', ')}; the registry has ${ids.join(', ')}`);
  for (const definition of providers) {
    if (!isObjectType(schema.getType(definition.typename)))
      throw new Error(`${definition.id}: its SDL defines no type ${definition.typename}`);
  }
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
