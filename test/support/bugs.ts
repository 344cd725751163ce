/**
 * Provider definitions with an injected bug, for the tests that check how rollcall reports its own bugs:
 * the provider's record mapping throws, so every list page and lookup that brings a user meets it.
 */
import { adaSpec } from '../../src/providers/ada/index.js';
import { cometChatSpec } from '../../src/providers/cometchat/index.js';
import { defineProvider } from '../../src/providers/core/define.js';
import type { ProviderDefinition, ProviderSpec } from '../../src/providers/core/definition.js';
import type { UserRecord } from '../../src/providers/core/record.js';
import { PROVIDERS } from '../../src/providers/registry.js';
import { twilioSpec } from '../../src/providers/twilio/index.js';
import { twoChatSpec } from '../../src/providers/twochat/index.js';
import { voximplantSpec } from '../../src/providers/voximplant/index.js';

function broken<C, W, R extends UserRecord, Q, F, A>(
  spec: ProviderSpec<C, W, R, Q, F, A>,
  fail: () => never,
): ProviderDefinition {
  return defineProvider({ ...spec, toRecord: () => fail() });
}

const BROKEN: Record<string, (fail: () => never) => ProviderDefinition> = {
  TWO_CHAT: (fail) => broken(twoChatSpec, fail),
  TWILIO_CONVERSATIONS: (fail) => broken(twilioSpec, fail),
  ADA: (fail) => broken(adaSpec, fail),
  COMETCHAT: (fail) => broken(cometChatSpec, fail),
  VOXIMPLANT: (fail) => broken(voximplantSpec, fail),
};

/** The registry with `provider`'s definition replaced by one whose mapping calls `fail`. */
export function withBug(provider: string, fail: () => never): ProviderDefinition[] {
  return PROVIDERS.map((definition) => (definition.id === provider ? BROKEN[provider](fail) : definition));
}

/** A TypeError as a real bug makes one: `broken.map is not a function`. */
export function typeError(): never {
  const broken: { map?: () => never } = {};
  // @ts-expect-error -- the bug under test: calling what is not a function
  return broken.map();
}
