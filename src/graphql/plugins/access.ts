import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context.js';
import { ErrorCode } from '../../errors.js';

/**
 * Fills the request's access record (context.access) for the access log and the request span: the
 * operation once resolved, and the codes of every error answered (those appended beside data included,
 * so it runs after partialErrorsPlugin).
 */
export const accessPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        contextValue.access.operationType = operation?.operation ?? null;
        contextValue.access.operationName = operation?.name?.value.slice(0, 100) ?? null;
      },
      async willSendResponse({ response, contextValue }) {
        if (response.body.kind !== 'single') return;
        for (const error of response.body.singleResult.errors ?? [])
          contextValue.access.errorCodes.push(
            String(error.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR),
          );
      },
    };
  },
};
