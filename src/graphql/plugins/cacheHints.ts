import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { RequestContext } from '../../context.js';

/**
 * Cache hints, decided once per operation rather than once per field: an answer may be reused for
 * `maxAge` = the shortest freshness of the upstream responses the operation used (what the types'
 * `@cacheControl(inheritMaxAge: true)` declare: every field inherits its root field's age). Uncacheable
 * (`no-store`): an operation with a root field that reads nothing cacheable (`providers`, the federation
 * fields `_entities` and `_service`), one that read nothing upstream (misses of foreign ids, introspection
 * alone), and any answer carrying an error.
 *
 * This replaces Apollo's cache-control plugin (disabled by the server), which computes a policy for
 * every resolved field through a `willResolveField` hook: on a page of 50 users that is hundreds of hook
 * calls for an answer that only ever depended on the root fields. It sets the policy the response cache
 * reads (`overallCachePolicy`, once execution ended) and the `Cache-Control` header, as Apollo's did:
 * `max-age=N, public`, or `no-store`.
 */
export const cacheHintsPlugin = (options: {
  /**
   * Answers depend on the caller's scopes (access control is on): `Cache-Control: private`, so no shared
   * cache (a CDN, a proxy) hands one caller's answer to another with fewer rights.
   */
  perCaller: boolean;
}): ApolloServerPlugin<RequestContext> => ({
  async requestDidStart() {
    let cacheable = false;
    return {
      async didResolveOperation({ operation, document }) {
        cacheable = operation?.operation === 'query' && rootFieldsCacheable(operation, document);
      },
      async executionDidStart({ contextValue, overallCachePolicy }) {
        return {
          async executionDidEnd() {
            const freshness = contextValue.key.operation?.freshnessMs;
            if (!cacheable || freshness === undefined || contextValue.partialErrors.length > 0) return;
            overallCachePolicy.replace({ maxAge: Math.floor(freshness / 1000), scope: 'PUBLIC' });
          },
        };
      },
      async willSendResponse({ response, overallCachePolicy }) {
        const policy = overallCachePolicy.policyIfCacheable();
        const clean = response.body.kind === 'single' && !response.body.singleResult.errors;
        const scope = options.perCaller ? 'private' : policy?.scope.toLowerCase();
        response.http.headers.set(
          'cache-control',
          policy && clean ? `max-age=${policy.maxAge}, ${scope}` : 'no-store',
        );
      },
    };
  },
});

/** Meta fields read nothing upstream and restrict nothing (`__typename` beside a cacheable field). */
const META = new Set(['__typename', '__schema', '__type']);

/**
 * Whether every root field of `operation` (through fragments) may be cached, and at least one is not a
 * meta field: `providers` (live circuit states) and the federation fields (`_entities`, `_service`) never.
 */
function rootFieldsCacheable(operation: OperationDefinitionNode, document: DocumentNode): boolean {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  let fields = 0;
  const visited = new Set<string>();
  const walk = (selections: SelectionSetNode): boolean =>
    selections.selections.every((selection) => {
      if (selection.kind === Kind.INLINE_FRAGMENT) return walk(selection.selectionSet);
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (visited.has(name)) return true;
        visited.add(name);
        const fragment = fragments.get(name);
        return fragment ? walk(fragment.selectionSet) : false;
      }
      const name = selection.name.value;
      if (META.has(name)) return true;
      fields += 1;
      return name !== 'providers' && !name.startsWith('_');
    });
  return walk(operation.selectionSet) && fields > 0;
}
