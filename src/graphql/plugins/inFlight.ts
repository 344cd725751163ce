import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../../context.js';
import type { Metrics } from '../../metrics.js';

/**
 * Counts the GraphQL requests being executed (`rollcall_graphql_operations_in_flight`), from the start of
 * Apollo's request pipeline to the answer being ready. A client that hangs up does not stop the work
 * (its database statements run on), so this, not the open connections, says whether the replica is idle.
 */
export function inFlightPlugin(metrics: Metrics): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      metrics.operationsInFlight.inc();
      let done = false;
      return {
        async willSendResponse() {
          if (done) return;
          done = true;
          metrics.operationsInFlight.dec();
        },
      };
    },
  };
}
