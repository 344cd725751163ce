/** Thin resolvers: arguments → the CometChat session's loaders. */
import type { Resolvers } from '../../generated/resolvers.js';
import { resolveProviderConnection } from '../connection.js';
import { userByNativeId, userByReference } from '../reference.js';
import type { CometChatUserRecord } from './types.js';

const PROVIDER = 'COMETCHAT';

export const cometChatResolvers: Resolvers = {
  Query: {
    cometChatUsers: (_parent, { filter, ...args }, context) =>
      resolveProviderConnection<CometChatUserRecord>(context, PROVIDER, args, filter ?? undefined),
    cometChatUser: (_parent, { uid }, context) =>
      userByNativeId(context, PROVIDER, uid, 'uid') as Promise<CometChatUserRecord | null>,
  },
  CometChatUser: {
    __resolveReference: (reference, context) =>
      userByReference(context, PROVIDER, 'uid', reference) as Promise<CometChatUserRecord | null>,
  },
};
