/** Resolvers of the cross-provider directory: the unified `users` connection. */
import { responsePathAsArray } from 'graphql';
import type { Resolvers } from '../generated/resolvers.js';
import { inSpan } from '../telemetry.js';
import type { ProviderDefinition } from '../providers/core/definition.js';
import { atPath, resolveUsers, SizeHints, type DirectoryProvider } from './users.js';

export function directoryResolvers(
  definitions: readonly ProviderDefinition[],
  hints = new SizeHints(),
): Resolvers {
  const directory: DirectoryProvider[] = definitions.map((definition) => ({
    id: definition.id,
    ...definition.capabilities,
  }));
  return {
    Query: {
      users: (_parent, args, context, info) =>
        inSpan(
          'rollcall.users',
          { 'rollcall.page.size': args.first ?? args.last ?? context.limits.defaultSize },
          async (span) => {
            const connection = await resolveUsers(context, args, directory, hints, (error) => {
              span.addEvent('provider failed', {
                'rollcall.provider': String(error.extensions.provider ?? ''),
                'rollcall.error.code': String(error.extensions.code ?? ''),
              });
              context.partialErrors.push(atPath(error, responsePathAsArray(info.path)));
            });
            span.setAttribute('rollcall.page.edges', connection.edges.length);
            return connection;
          },
        ),
    },
    UserConnection: {
      totalCount: (source) => source.totalCount(),
    },
  };
}
