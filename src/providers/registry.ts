/**
 * The one list of providers. Adding a provider is one folder under src/providers/, its SDL under
 * schema/providers/, and one line here. The order is the order of the unified `users` connection.
 */
import type { AnyProviderDefinition } from './provider.js';
import { twilioProvider } from './twilio/index.js';

export const PROVIDERS: readonly AnyProviderDefinition[] = [twilioProvider];
