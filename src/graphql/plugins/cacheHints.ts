import type { ApolloServerPlugin } from '@apollo/server';
import { cacheControlFromInfo } from '@apollo/cache-control-types';
import type { RequestContext } from '../../context.js';

/**
 * Cache hints: each root field that read upstream gets `maxAge` = the shortest freshness of the upstream
 * responses the operation used (types declare `@cacheControl(inheritMaxAge: true)`, so the whole answer
 * follows). Fields that read nothing upstream (`providers`, misses of foreign ids) stay uncacheable, and
 * so does any answer carrying an error.
 */
export const cacheHintsPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async executionDidStart() {
        return {
          willResolveField({ info, contextValue }) {
            if (
              info.path.prev !== undefined ||
              info.fieldName === 'providers' ||
              info.fieldName.startsWith('_')
            )
              return;
            return () => {
              const freshness = contextValue.key.operation?.freshnessMs;
              if (freshness === undefined || contextValue.partialErrors.length > 0) return;
              cacheControlFromInfo(info).setCacheHint({
                maxAge: Math.floor(freshness / 1000),
                scope: 'PUBLIC',
              });
            };
          },
        };
      },
    };
  },
};
