/** Thin resolvers: arguments → the Voximplant session's loaders. */
import type { Resolvers } from '../../generated/resolvers.js';
import { resolveProviderConnection } from '../connection.js';
import { userByNativeId, userByReference } from '../reference.js';
import type { VoximplantListArguments } from './adapter.js';
import type { VoximplantUserRecord } from './types.js';

const PROVIDER = 'VOXIMPLANT';

export const voximplantResolvers: Resolvers = {
  Query: {
    voximplantUsers: (_parent, { filter, orderBy, ...args }, context) => {
      // The filter and the order both bind the cursors: positions mean nothing under another of either.
      const list: VoximplantListArguments = { filter, orderBy };
      return resolveProviderConnection<VoximplantUserRecord>(context, PROVIDER, args, list);
    },
    voximplantUser: (_parent, { userId }, context) =>
      userByNativeId(context, PROVIDER, String(userId), 'userId') as Promise<VoximplantUserRecord | null>,
  },
  VoximplantUser: {
    __resolveReference: (reference, context) =>
      userByReference(context, PROVIDER, 'userId', reference) as Promise<VoximplantUserRecord | null>,
  },
};
