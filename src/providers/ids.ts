/**
 * The provider identifiers, identical to the GraphQL `Provider` enum values. The order of this list is
 * the documented order of the unified `users` connection.
 */
export const PROVIDER_IDS = ['TWO_CHAT', 'TWILIO_CONVERSATIONS', 'ADA', 'COMETCHAT', 'VOXIMPLANT'] as const;
export type ProviderId = (typeof PROVIDER_IDS)[number];

export function isProviderId(value: unknown): value is ProviderId {
  return typeof value === 'string' && (PROVIDER_IDS as readonly string[]).includes(value);
}
