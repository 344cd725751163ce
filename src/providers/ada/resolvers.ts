/** Thin resolvers: arguments → the Ada session's loaders. */
import type { Resolvers } from '../../generated/resolvers.js';
import { resolveProviderConnection } from '../connection.js';
import { userByNativeId, userByReference } from '../reference.js';
import { adaForwardOnlyError, type AdaFilter } from './adapter.js';
import type { AdaEndUserRecord } from './types.js';

const PROVIDER = 'ADA';

export const adaResolvers: Resolvers = {
  Query: {
    adaEndUsers: (_parent, { first, after, last, before, externalId }, context) => {
      // The session refuses backward requests too; checking here first also covers a lone `before`,
      // which the generic argument check would answer with advice to add `last`.
      if (last !== undefined && last !== null) throw adaForwardOnlyError('last');
      if (before !== undefined && before !== null) throw adaForwardOnlyError('before');
      const filter: AdaFilter | undefined =
        externalId === undefined || externalId === null ? undefined : { externalId };
      return resolveProviderConnection<AdaEndUserRecord>(context, PROVIDER, { first, after }, filter);
    },
    adaEndUser: (_parent, { endUserId }, context) =>
      userByNativeId(context, PROVIDER, endUserId, 'endUserId') as Promise<AdaEndUserRecord | null>,
  },
  AdaEndUser: {
    __resolveReference: (reference, context) =>
      userByReference(context, PROVIDER, 'endUserId', reference) as Promise<AdaEndUserRecord | null>,
  },
};
