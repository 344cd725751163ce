/**
 * Resolvers that are not provider-specific: scalars, `node`/`nodes`, `providers`, and the `User`/`Node`
 * interfaces (type resolution from the record, with no I/O).
 */
import type { Resolvers } from './generated/resolvers.js';
import { BadUserInputError } from './errors.js';
import type { ProviderId } from './providers/ids.js';
import type { UserRecord } from './providers/provider.js';
import { globalIdOf, parseGlobalId, userByGlobalId } from './providers/reference.js';
import { PROVIDERS } from './providers/registry.js';
import { decodeGlobalId } from './relay/globalId.js';
import { DateTimeScalar, JSONScalar } from './scalars.js';
import type { CircuitState } from './upstream/policy.js';

export interface ProviderStatusSource {
  provider: ProviderId;
  enabled: boolean;
  mode: 'LIVE' | 'EMULATED' | null;
  circuit: CircuitState | null;
}

const TYPENAMES = new Map(PROVIDERS.map((definition) => [definition.id, definition.typename]));

/**
 * The concrete type of a user, with no I/O: from the record, or, for a bare federation reference
 * `{__typename: "User", id}`, from the provider named in the global id.
 */
function typeOf(value: UserRecord | { __typename?: string; id?: string }): never {
  if (value.__typename && value.__typename !== 'User' && value.__typename !== 'Node')
    return value.__typename as never;
  // A bad id was already refused by `__resolveReference`; here it only has to not throw.
  let decoded = null;
  try {
    decoded = typeof value.id === 'string' ? decodeGlobalId(value.id) : null;
  } catch {
    decoded = null;
  }
  return (decoded ? TYPENAMES.get(decoded.provider) : undefined) as never;
}

export function rootResolvers(statuses: () => ProviderStatusSource[], maxIds: number): Resolvers {
  return {
    DateTime: DateTimeScalar,
    JSON: JSONScalar,
    Query: {
      node: (_parent, { id }, context) => userByGlobalId(context, id),
      nodes: (_parent, { ids }, context) => {
        if (ids.length > maxIds) {
          throw new BadUserInputError(`"ids" may hold at most ${maxIds} ids; got ${ids.length}.`, {
            argument: 'ids',
            maximum: maxIds,
          });
        }
        // Malformed rollcall ids fail the whole field before any upstream call.
        ids.forEach((id, index) => parseGlobalId(context, id, `ids[${index}]`));
        // A list of promises (not Promise.all): one failed id nulls that item only, with its own error.
        // (graphql-js awaits list items one by one; the generated type does not model item promises.)
        return ids.map((id, index) =>
          userByGlobalId(context, id, undefined, `ids[${index}]`),
        ) as unknown as (UserRecord | null)[];
      },
      providers: () => statuses(),
    },
    Node: { __resolveType: typeOf },
    User: {
      __resolveType: typeOf,
      // Async, so a bad representation rejects its own item: @apollo/subgraph maps every representation
      // in one pass, and a synchronous throw there would leave the other items' rejections unhandled.
      __resolveReference: async (reference, context) =>
        userByGlobalId(context, globalIdOf(reference), undefined, 'representations.id'),
    },
  };
}
