/**
 * Whether a provider's text is an email address, for the providers that keep one in a free-form field
 * (Twilio's `identity`, CometChat's `metadata.email`): one `@`, something on both sides, a dot in the
 * domain, no spaces. Deliberately loose: it tells an address from a username, it does not validate.
 */
export function emailIn(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed.length <= 320 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed) ? trimmed : null;
}
