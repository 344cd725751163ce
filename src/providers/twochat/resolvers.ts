/** Thin resolvers: arguments → the 2Chat session's loaders. */
import type { Resolvers } from '../../generated/resolvers.js';
import { resolveProviderConnection } from '../connection.js';
import { userByNativeId, userByReference } from '../reference.js';
import type { TwoChatUserRecord } from './types.js';

const PROVIDER = 'TWO_CHAT';

export const twoChatResolvers: Resolvers = {
  Query: {
    twoChatUsers: (_parent, args, context) =>
      resolveProviderConnection<TwoChatUserRecord>(context, PROVIDER, args),
    twoChatUser: (_parent, { uuid }, context) =>
      userByNativeId(context, PROVIDER, uuid, 'uuid') as Promise<TwoChatUserRecord | null>,
  },
  TwoChatUser: {
    __resolveReference: (reference, context) =>
      userByReference(context, PROVIDER, 'uuid', reference) as Promise<TwoChatUserRecord | null>,
  },
};
