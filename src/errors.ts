/**
 * rollcall's error vocabulary: one enum of codes, one error class per origin, and one normaliser
 * (`formatError` in server.ts) that turns anything thrown into a GraphQL error with these codes.
 *
 * Contract: no error built here carries a credential or a full upstream URL. Upstream errors carry
 * the provider, the upstream HTTP status and the upstream's own error code, nothing else.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  // Refused before execution (by Apollo Server's pipeline or rollcall's front door).
  /** The document is not valid GraphQL syntax. */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The document does not validate against the schema (unknown field, wrong argument type, …). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** The HTTP request itself is wrong: not JSON, no query, too large, a batch, a CSRF-unsafe GET. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** Automatic persisted queries: the hash is unknown (the client resends the query). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  /** A document with several operations and no (or an unknown) `operationName`. */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** Over an operation limit (tokens, nesting, depth, aliases, root fields, cost, upstream calls). */
  OPERATION_LIMIT_EXCEEDED: 'OPERATION_LIMIT_EXCEEDED',
  /** No valid credentials (HTTP 401, no data): a missing or refused token, or not from the router. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  // Raised while resolving a field.
  /** The caller may not read this field (its scopes lack what the schema's directives ask). */
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  PROVIDER_NOT_CONFIGURED: 'PROVIDER_NOT_CONFIGURED',
  UPSTREAM_UNAUTHORIZED: 'UPSTREAM_UNAUTHORIZED',
  UPSTREAM_FORBIDDEN: 'UPSTREAM_FORBIDDEN',
  UPSTREAM_NOT_FOUND: 'UPSTREAM_NOT_FOUND',
  UPSTREAM_RATE_LIMITED: 'UPSTREAM_RATE_LIMITED',
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  /** `users` from the index while a source has never completed a walk: the data is partial. */
  DIRECTORY_INCOMPLETE: 'DIRECTORY_INCOMPLETE',
  /**
   * The directory's PostgreSQL did not answer: unreachable, or a statement of the request still running
   * at the operation deadline (cancelled there).
   */
  DIRECTORY_UNAVAILABLE: 'DIRECTORY_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type UpstreamErrorCode = Extract<ErrorCode, `UPSTREAM_${string}`>;

/**
 * A client value as an error message may show it: quoted when at most 64 characters, otherwise only its
 * length, so that no error echoes a megabyte of input back.
 */
export function shownInput(value: string): string {
  return value.length > 64 ? `a string of ${value.length} characters` : JSON.stringify(value);
}

/** A client mistake: the message says what was wrong and what is allowed. */
export class BadUserInputError extends GraphQLError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...extensions } });
  }
}

export class ProviderNotConfiguredError extends GraphQLError {
  /** `source`: the source an id named, when the provider has sources here but not that one. */
  constructor(provider: string, source?: string) {
    super(
      source === undefined
        ? `Provider ${provider} is not configured on this rollcall instance; see the README's configuration table.`
        : `Source ${source} of provider ${provider} is not configured on this rollcall instance (the id was issued by another configuration).`,
      {
        extensions: {
          code: ErrorCode.PROVIDER_NOT_CONFIGURED,
          provider,
          ...(source === undefined ? {} : { source }),
        },
      },
    );
  }
}

export interface UpstreamErrorDetails {
  provider: string;
  /** The source (account) whose call failed, when known. */
  source?: string;
  code: UpstreamErrorCode;
  message: string;
  /** The upstream HTTP status, when a response arrived. */
  status?: number;
  /** The upstream's own error code (e.g. Twilio 20003, CometChat AUTH_ERR_APIKEY_NOT_FOUND). */
  upstreamCode?: string | number;
  /** Seconds the upstream asked us to wait, when it said. */
  retryAfter?: number;
}

/**
 * A failure of one provider's API. It is a GraphQLError so that it reaches the client with its
 * extensions intact; the message is ours, never the raw upstream body.
 */
export class UpstreamError extends GraphQLError {
  readonly details: UpstreamErrorDetails;
  constructor(details: UpstreamErrorDetails) {
    const extensions: Record<string, unknown> = { code: details.code, provider: details.provider };
    if (details.source !== undefined) extensions.source = details.source;
    if (details.status !== undefined) extensions.status = details.status;
    if (details.upstreamCode !== undefined) extensions.upstreamCode = details.upstreamCode;
    if (details.retryAfter !== undefined) extensions.retryAfter = details.retryAfter;
    super(`${details.provider}: ${details.message}`, { extensions });
    this.details = details;
  }
}

/**
 * The directory's database did not answer (`reason`): a coded error, not a bug. The message names neither
 * the server nor the statement.
 */
export class DirectoryUnavailableError extends GraphQLError {
  constructor(reason: 'timeout' | 'unreachable', timeoutMs?: number) {
    super(
      reason === 'timeout'
        ? `The directory's database did not answer within the operation deadline (${timeoutMs} ms); the statement was cancelled.`
        : "The directory's database cannot be reached; retry later.",
      { extensions: { code: ErrorCode.DIRECTORY_UNAVAILABLE, reason } },
    );
  }
}

/**
 * An operation over one of rollcall's limits. `limit` names it, `maximum` is the configured value and
 * `measured` what the operation reached (when known); the message names the variable that sets it.
 */
export class OperationLimitError extends GraphQLError {
  constructor(
    message: string,
    details: { limit: string; maximum: number; measured?: number; provider?: string; source?: string },
    /** 400 when the whole request is refused before execution; a field-level limit keeps 200. */
    status?: number,
  ) {
    super(message, {
      extensions: {
        code: ErrorCode.OPERATION_LIMIT_EXCEEDED,
        ...details,
        ...(status ? { http: { status } } : {}),
      },
    });
  }
}

/** The default mapping from an upstream HTTP status to our code; providers refine it. */
export function codeForStatus(status: number): UpstreamErrorCode {
  if (status === 401) return ErrorCode.UPSTREAM_UNAUTHORIZED;
  if (status === 402 || status === 403) return ErrorCode.UPSTREAM_FORBIDDEN;
  if (status === 404) return ErrorCode.UPSTREAM_NOT_FOUND;
  if (status === 408 || status === 504) return ErrorCode.UPSTREAM_TIMEOUT;
  if (status === 429) return ErrorCode.UPSTREAM_RATE_LIMITED;
  if (status >= 500) return ErrorCode.UPSTREAM_UNAVAILABLE;
  return ErrorCode.UPSTREAM_BAD_RESPONSE;
}

/** True when `error` is an UpstreamError with this code (e.g. a 404 a lookup turns into null). */
export function isUpstreamError(error: unknown, code: UpstreamErrorCode): error is UpstreamError {
  return error instanceof UpstreamError && error.details.code === code;
}
