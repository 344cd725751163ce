/**
 * The one list of providers. Adding a provider is one folder under src/providers/, its SDL under
 * schema/providers/, and one line here. The order is the order of the unified `users` connection.
 */
import type { AnyProviderDefinition } from './provider.js';
import { adaProvider } from './ada/index.js';
import { cometChatProvider } from './cometchat/index.js';
import { twilioProvider } from './twilio/index.js';
import { twoChatProvider } from './twochat/index.js';
import { voximplantProvider } from './voximplant/index.js';

export const PROVIDERS: readonly AnyProviderDefinition[] = [
  twoChatProvider,
  twilioProvider,
  adaProvider,
  cometChatProvider,
  voximplantProvider,
];
