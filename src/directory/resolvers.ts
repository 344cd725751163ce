/** Resolvers of the cross-provider directory: the unified `users` connection. */
import { responsePathAsArray } from 'graphql';
import type { Resolvers } from '../generated/resolvers.js';
import { DEFAULT_CAPABILITIES, type AnyProviderDefinition } from '../providers/provider.js';
import { atPath, resolveUsers, SizeHints, type DirectoryProvider } from './users.js';

export function directoryResolvers(
  definitions: readonly AnyProviderDefinition[],
  hints = new SizeHints(),
): Resolvers {
  const directory: DirectoryProvider[] = definitions.map((definition) => ({
    id: definition.id,
    ...(definition.capabilities ?? DEFAULT_CAPABILITIES),
  }));
  return {
    Query: {
      users: (_parent, args, context, info) =>
        resolveUsers(context, args, directory, hints, (error) =>
          context.partialErrors.push(atPath(error, responsePathAsArray(info.path))),
        ),
    },
    UserConnection: {
      totalCount: (source) => source.totalCount(),
    },
  };
}
