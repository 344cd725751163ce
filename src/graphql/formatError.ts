/**
 * The error normaliser: every error of a response goes through `formatError` (Apollo's `formatError`
 * option, and the partial-errors plugin for errors reported beside data). rollcall's own codes and Apollo's
 * request codes pass through; anything else is an internal error, whose message is masked in production.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';

/** Every code rollcall answers with (rollcall's own and Apollo Server's request errors). */
const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/** Whether an error reached the client as a bug: a code outside the documented list, or none. */
export function isInternal(formatted: GraphQLFormattedError): boolean {
  const code = formatted.extensions?.code;
  return typeof code !== 'string' || !KNOWN_CODES.has(code) || code === ErrorCode.INTERNAL_SERVER_ERROR;
}

/** The normaliser for one response: `production` masks internal errors' messages and stacks. */
export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    if (!isInternal(formatted)) return formatted;
    const original = unwrapResolverError(error);
    return {
      ...formatted,
      message: production
        ? 'Internal server error'
        : original instanceof Error
          ? original.message
          : formatted.message,
      extensions: { ...(production ? {} : formatted.extensions), code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
