/**
 * The one list of providers. Adding a provider is one folder under src/providers/ (its spec, wire calls,
 * emulator and SDL) and one line here. The order is the order of the unified `users` connection, of
 * `providers`, and of the `Provider` enum's values.
 */
import type { ProviderDefinition } from './core/definition.js';
import { adaProvider } from './ada/index.js';
import { cometChatProvider } from './cometchat/index.js';
import { twilioProvider } from './twilio/index.js';
import { twoChatProvider } from './twochat/index.js';
import { voximplantProvider } from './voximplant/index.js';

export const PROVIDERS: readonly ProviderDefinition[] = [
  twoChatProvider,
  twilioProvider,
  adaProvider,
  cometChatProvider,
  voximplantProvider,
];

/** The registry's provider ids, in its order. */
export const PROVIDER_IDS: readonly string[] = PROVIDERS.map((definition) => definition.id);
