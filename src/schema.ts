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
  parse,
  print,
  visit,
  isEnumType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type DirectiveNode,
  type FieldDefinitionNode,
  type InterfaceTypeDefinitionNode,
  type DocumentNode,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCOPES, type ScopeNames } from './auth/config.js';
import { BadUserInputError } from './errors.js';
import { checkAccessDirectives, enforceAuthorization } from './graphql/authorization.js';
import type { Resolvers } from './generated/resolvers.js';
import type { ProviderDefinition } from './providers/core/definition.js';
import type { ProviderId } from './providers/core/record.js';
import { PROVIDERS } from './providers/registry.js';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/**
 * The SDL with the scopes of `@requiresScopes` renamed to the configured names (the SDL is written with
 * the defaults; the served SDL, which routers enforce, carries the configured ones).
 */
function renameScopes(document: DocumentNode, scopes: ScopeNames): DocumentNode {
  const names = new Map<string, string>([
    [DEFAULT_SCOPES.read, scopes.read],
    [DEFAULT_SCOPES.pii, scopes.pii],
    [DEFAULT_SCOPES.admin, scopes.admin],
    [DEFAULT_SCOPES.peopleWrite, scopes.peopleWrite],
  ]);
  if ([...names].every(([from, to]) => from === to)) return document;
  return visit(document, {
    Directive(node) {
      if (node.name.value !== 'requiresScopes') return undefined;
      return visit(node, {
        StringValue(value) {
          const renamed = names.get(value.value);
          if (renamed === undefined) throw new Error(`@requiresScopes names an unknown scope ${value.value}`);
          return { ...value, value: renamed };
        },
      });
    },
  });
}

export function loadTypeDefs(
  providers: readonly ProviderDefinition[] = PROVIDERS,
  scopes: ScopeNames = DEFAULT_SCOPES,
): DocumentNode {
  return describeAccess(renameScopes(mergedTypeDefs(providers), scopes));
}

/** `Requires the scope `users:read`.` for `@requiresScopes(scopes: [["users:read"]])` and its DNF kin. */
function accessSentence(directives: readonly DirectiveNode[] | undefined): string | undefined {
  const scopes = directives?.find((d) => d.name.value === 'requiresScopes');
  const argument = scopes?.arguments?.find((a) => a.name.value === 'scopes');
  if (argument?.value.kind === Kind.LIST) {
    const alternatives = argument.value.values.map((all) =>
      all.kind === Kind.LIST
        ? all.values
            .map((scope) => (scope.kind === Kind.STRING ? `\`${scope.value}\`` : ''))
            .filter(Boolean)
            .join(' and ')
        : '',
    );
    const listed = alternatives.filter(Boolean);
    if (listed.length === 1)
      return `Requires the scope${listed[0].includes(' and ') ? 's' : ''} ${listed[0]}.`;
    if (listed.length > 1) return `Requires ${listed.join(', or ')}.`;
  }
  if (directives?.some((d) => d.name.value === 'authenticated')) return 'Requires an authenticated caller.';
  return undefined;
}

/**
 * Each type and field that `@requiresScopes`/`@authenticated` guards says so in its description (from the
 * directive, with the configured scope names), so Sandbox and every generated client show it.
 */
function describeAccess(document: DocumentNode): DocumentNode {
  const describe = <T extends FieldDefinitionNode | ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode>(
    node: T,
  ): T | undefined => {
    const sentence = accessSentence(node.directives);
    if (!sentence) return undefined;
    const text = node.description?.value.trim();
    return {
      ...node,
      description: {
        kind: Kind.STRING,
        value: text ? `${text}\n\n${sentence}` : sentence,
        block: true,
      },
    };
  };
  return visit(document, {
    FieldDefinition: describe,
    ObjectTypeDefinition: describe,
    InterfaceTypeDefinition: describe,
  });
}

function mergedTypeDefs(providers: readonly ProviderDefinition[]): DocumentNode {
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

export interface SchemaOptions {
  /** The scope names the directives use (default: DEFAULT_SCOPES). */
  scopes?: ScopeNames;
  /**
   * Enforce the authorization directives inside rollcall (see graphql/authorization.ts); off only where
   * every caller may read everything (ROLLCALL_AUTH=none), where the checks would cost and decide nothing.
   */
  authorization?: boolean;
  /**
   * Publish `@authenticated`/`@requiresScopes` in `_service { sdl }` (default true) so routers enforce
   * them. @apollo/gateway refuses a supergraph with them (it cannot enforce SECURITY features): turn them
   * off for it; rollcall still enforces them inside.
   */
  publishAuthDirectives?: boolean;
  /**
   * The providers whose types publish their native `@key` (`sid`, `uid`, …) next to `id` (default: every
   * provider). Hive Gateway 2.12 answers null for `@interfaceObject` fields of types with a second key;
   * publishing only `id` keys works around it (see the README's supergraph section).
   */
  nativeKeys?: readonly ProviderId[];
}

const AUTH_DIRECTIVES = new Set(['authenticated', 'requiresScopes']);

/** What `_service { sdl }` leaves out of the SDL rollcall serves (both only narrow what routers see). */
interface Published {
  authDirectives: boolean;
  /** The provider types whose native `@key` (`sid`, `uid`, …) is published; the `id` key always is. */
  nativeKeys: ReadonlySet<string>;
  providerTypes: ReadonlySet<string>;
}

const keyFields = (node: DirectiveNode): string | undefined => {
  const argument = node.arguments?.find((a) => a.name.value === 'fields');
  return argument?.value.kind === Kind.STRING ? argument.value.value : undefined;
};

/** The SDL with what `published` leaves out removed. */
function editSdl(sdl: string, published: Published): string {
  const withoutNativeKeys = (
    node: ObjectTypeDefinitionNode | ObjectTypeExtensionNode,
  ): ObjectTypeDefinitionNode | ObjectTypeExtensionNode | undefined => {
    const name = node.name.value;
    if (!published.providerTypes.has(name) || published.nativeKeys.has(name)) return undefined;
    return {
      ...node,
      directives: node.directives?.filter((d) => d.name.value !== 'key' || keyFields(d) === 'id'),
    };
  };
  return print(
    visit(parse(sdl), {
      ObjectTypeDefinition: withoutNativeKeys,
      ObjectTypeExtension: withoutNativeKeys,
      Directive: (node) =>
        !published.authDirectives && AUTH_DIRECTIVES.has(node.name.value) ? null : undefined,
      StringValue: (node, _key, _parent, _path, ancestors) =>
        !published.authDirectives &&
        ancestors.some((a) => 'kind' in a && a.kind === Kind.LIST) &&
        (node.value === '@authenticated' || node.value === '@requiresScopes')
          ? null
          : undefined,
    }),
  );
}

/** `_service { sdl }` edited once (the SDL never changes while the process runs). */
function publishSdl(schema: GraphQLSchema, published: Published): void {
  const field = schema.getQueryType()?.getFields()._service;
  const resolve = field?.resolve;
  if (!field || !resolve) return;
  let edited: string | undefined;
  field.resolve = async (source, args, context, info) => {
    const service = (await resolve(source, args, context, info)) as { sdl?: string };
    if (typeof service.sdl !== 'string') return service;
    edited ??= editSdl(service.sdl, published);
    return { ...service, sdl: edited };
  };
}

export function buildSchema(
  resolvers: readonly (Resolvers | ModuleResolvers)[],
  providers: readonly ProviderDefinition[] = PROVIDERS,
  options: SchemaOptions = {},
): GraphQLSchema {
  const scopes = options.scopes ?? DEFAULT_SCOPES;
  // One module per resolver map (the SDL with the first): buildSubgraphSchema merges them field by field.
  const schema = buildSubgraphSchema(
    resolvers.map((map, index) => ({
      typeDefs: index === 0 ? loadTypeDefs(providers, scopes) : NO_TYPES,
      resolvers: map,
    })),
  );
  checkProviderEnum(schema, providers);
  checkAccessDirectives(
    schema,
    providers.map((definition) => definition.typename),
    scopes,
  );
  guardEntities(schema);
  if (options.authorization ?? true) enforceAuthorization(schema);
  const providerTypes = new Set(providers.map((definition) => definition.typename));
  const nativeKeys = new Set(
    providers
      .filter((definition) => options.nativeKeys?.includes(definition.id) ?? true)
      .map((definition) => definition.typename),
  );
  if (options.publishAuthDirectives === false || nativeKeys.size < providerTypes.size)
    publishSdl(schema, {
      authDirectives: options.publishAuthDirectives !== false,
      nativeKeys,
      providerTypes,
    });
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
