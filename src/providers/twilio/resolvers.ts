/** Thin resolvers: arguments → the Twilio session's loaders. */
import type { Resolvers } from '../../generated/resolvers.js';
import { resolveProviderConnection } from '../connection.js';
import { userByNativeId, userByReference } from '../reference.js';
import type { TwilioUserRecord } from './types.js';

const PROVIDER = 'TWILIO_CONVERSATIONS';

export const twilioResolvers: Resolvers = {
  Query: {
    twilioConversationUsers: (_parent, args, context) =>
      resolveProviderConnection<TwilioUserRecord>(context, PROVIDER, args),
    twilioConversationUser: (_parent, { sid }, context) =>
      userByNativeId(context, PROVIDER, sid, 'sid') as Promise<TwilioUserRecord | null>,
  },
  TwilioConversationUser: {
    __resolveReference: (reference, context) =>
      userByReference(context, PROVIDER, 'sid', reference) as Promise<TwilioUserRecord | null>,
  },
};
