/**
 * The error normaliser: every error of a response goes through `formatError` (Apollo's `formatError`
 * option, and the partial-errors plugin for errors reported beside data). rollcall's own codes and Apollo's
 * request codes pass through; anything else is an internal error, whose message is masked in production.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, shownInput } from '../errors.js';

/** Every code rollcall answers with (rollcall's own and Apollo Server's request errors). */
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Whether an error reached the client as a bug: a code outside the documented list, or none. */
export function isInternal(formatted: GraphQLFormattedError): boolean {
  const code = formatted.extensions?.code;
  return typeof code !== 'string' || !KNOWN_CODES.has(code) || code === ErrorCode.INTERNAL_SERVER_ERROR;
}

/**
 * A message with the client input it quotes bounded: graphql-js and Apollo quote operation names and
 * variable values verbatim ("Unknown operation named …", "Variable "$n" got invalid value …"), so a
 * request could make its error as large as itself. A long message has its long quoted strings replaced by
 * their length, and is cut at 1000 characters.
 */
function bounded(message: string): string {
  // rollcall's own messages already bound what they quote (shownInput), and stay short.
  if (message.length <= 1000) return message;
  const shortened = message.replace(/"(?:[^"\\]|\\.){65,}"/g, (quoted) => shownInput(quoted.slice(1, -1)));
  return shortened.length > 1000 ? `${shortened.slice(0, 997)}...` : shortened;
}

/** `formatted` with its message, and the stack trace development mode adds, bounded. */
function withBoundedInput(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const message = bounded(formatted.message);
  const stacktrace = formatted.extensions?.stacktrace;
  if (!Array.isArray(stacktrace))
    return message === formatted.message ? formatted : { ...formatted, message };
  const lines = stacktrace.map((line: unknown) => (typeof line === 'string' ? bounded(line) : line));
  return { ...formatted, message, extensions: { ...formatted.extensions, stacktrace: lines } };
}

/** The normaliser for one response: `production` masks internal errors' messages and stacks. */
export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (!isInternal(formatted)) return withBoundedInput(formatted);
    const original = unwrapResolverError(error);
    const shown = withBoundedInput(formatted);
    return {
      ...shown,
      message: production
        ? 'Internal server error'
        : bounded(original instanceof Error ? original.message : formatted.message),
      extensions: { ...(production ? {} : shown.extensions), code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
