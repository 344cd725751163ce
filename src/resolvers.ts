/**
 * Resolvers that are not provider-specific: scalars, `node`/`nodes`, `providers`, `sources`, and the `User`/`Node`
 * interfaces (type resolution from the record or the global id, with no I/O).
 */
import type { Resolvers } from './generated/resolvers.js';
import { BadUserInputError } from './errors.js';
import type { RequestContext } from './context.js';
import type { ProviderDefinition } from './providers/core/definition.js';
import { globalIdOf, parseGlobalId, userByGlobalId } from './providers/core/reference.js';
import type { ProviderStatusSource, SourceStatusSource } from './providers/core/status.js';
import { decodeGlobalId } from './relay/globalId.js';
import { decodePersonId, isPersonId } from './people/ids.js';
import type { NodeSource } from './people/node.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import type { ModuleResolvers } from './schema.js';

/**
 * The concrete type of a user, with no I/O: from the record, or, for a bare federation reference
 * `{__typename: "User", id}`, from the provider named in the global id.
 */
function typeResolver(providers: readonly ProviderDefinition[]) {
  const typenames = new Map(providers.map((definition) => [definition.id, definition.typename]));
  const known = new Set(typenames.keys());
  return (value: { __typename?: unknown; id?: unknown }): string | undefined => {
    if (typeof value.__typename === 'string' && value.__typename !== 'User' && value.__typename !== 'Node')
      return value.__typename;
    // A bad id was already refused by `__resolveReference`; here it only has to not throw.
    try {
      const decoded = typeof value.id === 'string' ? decodeGlobalId(value.id, known) : null;
      return decoded ? typenames.get(decoded.provider) : undefined;
    } catch {
      return undefined;
    }
  };
}

/** Resolves a person id (people/resolvers.ts). */
export type PersonNode = (
  context: RequestContext,
  id: string,
  argument?: string,
) => Promise<NodeSource | null>;

export function rootResolvers(
  statuses: () => ProviderStatusSource[],
  sources: () => SourceStatusSource[],
  personNode?: PersonNode,
): Resolvers {
  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      node: (_parent, { id }, context) =>
        personNode && isPersonId(id) ? personNode(context, id) : userByGlobalId(context, id),
      providers: () => statuses(),
      sources: () => sources(),
    },
  };
}

/**
 * The resolvers the generated types cannot express, typed as graphql-js sees them: `nodes` answers a
 * list whose items are promises (one failed id nulls that item only, with its own error: graphql-js
 * awaits list items one by one), and `User`/`Node` answer type names of the providers registered at run
 * time (the registry, or a test's).
 */
export function runtimeResolvers(
  maxIds: number,
  providers: readonly ProviderDefinition[],
  personNode?: PersonNode,
): ModuleResolvers {
  const resolveType = typeResolver(providers);
  return {
    Query: {
      nodes: (_parent: unknown, { ids }: { ids: readonly string[] }, context: RequestContext) => {
        if (ids.length > maxIds) {
          throw new BadUserInputError(`"ids" may hold at most ${maxIds} ids; got ${ids.length}.`, {
            argument: 'ids',
            maximum: maxIds,
          });
        }
        // Malformed rollcall ids fail the whole field before any upstream call.
        const persons = ids.map((id) => personNode !== undefined && isPersonId(id));
        ids.forEach((id, index) => {
          if (persons[index]) decodePersonId(id, `ids[${index}]`);
          else parseGlobalId(context, id, `ids[${index}]`);
        });
        return ids.map((id, index) =>
          personNode && persons[index]
            ? personNode(context, id, `ids[${index}]`)
            : userByGlobalId(context, id, undefined, `ids[${index}]`),
        );
      },
    },
    Node: { __resolveType: resolveType },
    User: {
      __resolveType: resolveType,
      // Async, so a bad representation rejects its own item: @apollo/subgraph maps every representation
      // in one pass, and a synchronous throw there would leave the other items' rejections unhandled.
      __resolveReference: async (reference: { id?: unknown }, context: RequestContext) =>
        userByGlobalId(context, globalIdOf(reference), undefined, 'representations.id'),
    },
  };
}
