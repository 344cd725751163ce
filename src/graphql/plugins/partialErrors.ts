import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context.js';
import type { formatError } from '../formatError.js';

/**
 * Appends the errors resolvers reported beside their data (see `RequestContext.partialErrors`), so a
 * field like `users` can answer with some providers' users and an error for the one that failed. They go
 * through the same normaliser as every other error.
 */
export function partialErrorsPlugin(
  normalise: ReturnType<typeof formatError>,
): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || contextValue.partialErrors.length === 0) return;
          const result = response.body.singleResult;
          result.errors = [
            ...(result.errors ?? []),
            ...contextValue.partialErrors.map((error) => normalise(error.toJSON(), error)),
          ];
        },
      };
    },
  };
}
