import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLError } from 'graphql';
import type { RequestContext } from '../../context.js';
import { isInternal } from '../formatError.js';

/**
 * Logs every error that will reach the client as INTERNAL_SERVER_ERROR, with its stack and the request
 * id, once: those are rollcall bugs (an upstream failure, a bad input or a limit has its own code).
 */
export const internalErrorLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    const log = (errors: readonly GraphQLError[], context: RequestContext) => {
      for (const error of errors) {
        if (!isInternal(error.toJSON())) continue;
        const original = unwrapResolverError(error);
        context.logger.error(
          { err: original instanceof Error ? original : error, path: error.path },
          'internal error',
        );
      }
    };
    return {
      async didEncounterErrors({ errors, contextValue }) {
        log(errors, contextValue);
      },
      async willSendResponse({ contextValue }) {
        log(contextValue.partialErrors, contextValue);
      },
    };
  },
};
