/** Resolvers of the cross-provider directory: the unified `users` connection. */
import { responsePathAsArray, type GraphQLError } from 'graphql';
import type { Resolvers } from '../generated/resolvers.js';
import { inSpan } from '../telemetry.js';
import type { ProviderDefinition } from '../providers/core/definition.js';
import { DEFAULT_SCOPES } from '../auth/config.js';
import { BadUserInputError } from '../errors.js';
import { directorySources, resolveIndexedUsers } from './indexed.js';
import type { Database } from './store/database.js';
import { atPath, resolveUsers, SizeHints, type DirectoryProvider } from './users.js';

/**
 * `users` from the index when the directory is on (`db`), else walked live; `directory` is the index's
 * state (null when off).
 */
export function directoryResolvers(
  definitions: readonly ProviderDefinition[],
  hints = new SizeHints(),
  db?: Database,
  /** The scope that reads emails (search, filter and order on emails need it). */
  piiScope: string = DEFAULT_SCOPES.pii,
): Resolvers {
  const directory: DirectoryProvider[] = definitions.map((definition) => ({
    id: definition.id,
    ...definition.capabilities,
  }));
  return {
    Query: {
      directory: async (_parent, _args, context) =>
        db ? { sources: await directorySources(context, db) } : null,
      users: (_parent, args, context, info) =>
        inSpan(
          'rollcall.users',
          { 'rollcall.page.size': args.first ?? args.last ?? context.limits.defaultSize },
          async (span) => {
            const report = (error: GraphQLError) =>
              context.partialErrors.push(atPath(error, responsePathAsArray(info.path)));
            if (db) {
              const indexed = await resolveIndexedUsers(context, args, db, piiScope, report);
              span.setAttribute('rollcall.page.edges', indexed.edges.length);
              return indexed;
            }
            if (args.filter || args.orderBy)
              throw new BadUserInputError(
                `"${args.filter ? 'filter' : 'orderBy'}" needs the directory, which is off here (ROLLCALL_DIRECTORY=off): without it, "users" walks the providers live in their fixed order. Leave it out, or turn the directory on.`,
                { argument: args.filter ? 'filter' : 'orderBy' },
              );
            const connection = await resolveUsers(context, args, directory, hints, (error) => {
              span.addEvent('provider failed', {
                'rollcall.provider': String(error.extensions.provider ?? ''),
                'rollcall.error.code': String(error.extensions.code ?? ''),
              });
              report(error);
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
