/**
 * Relay connection windowing (https://relay.dev/graphql/connections.htm), independent of any provider.
 *
 * 1. `parsePageRequest` validates `first/after/last/before` into a `PageRequest`: forward (`first`,
 *    optionally `after`) or backward (`last`, optionally `before`). Rejected with BAD_USER_INPUT:
 *    negative sizes, sizes above the cap (never silently clamped), `first` and `last` together, and
 *    mixing directions (`first` with `before`, `last` with `after`), which no upstream can page natively.
 *    With neither `first` nor `last` the page size defaults to `defaultSize`, forward.
 * 2. A provider adapter turns the request into upstream calls and returns a `ProviderPage`: the nodes
 *    with their provider-local cursor payloads and what it knows about the neighbours.
 * 3. `toConnection` encodes the cursors and builds `edges`, `nodes`, `pageInfo` and `totalCount`.
 *
 * For providers whose items are addressable by position (a whole list, page/perPage, offset/count),
 * `offsetWindow` computes the exact range a request covers, and `sliceWindow` pages an in-memory list.
 */
import { BadUserInputError } from '../errors.js';
import type { CursorPayload } from './cursor.js';

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface PageLimits {
  /** Page size when neither `first` nor `last` is given. */
  defaultSize: number;
  /** The largest `first`/`last` accepted. */
  maxSize: number;
}

export type PageRequest<C> =
  | { direction: 'forward'; size: number; after: C | null }
  | { direction: 'backward'; size: number; before: C | null };

export interface ProviderEdge<T, C extends CursorPayload = CursorPayload> {
  cursor: C;
  node: T;
}

export interface ProviderPage<T, C extends CursorPayload = CursorPayload> {
  edges: ProviderEdge<T, C>[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Null where the provider cannot tell without walking every page. */
  totalCount: number | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  totalCount: number | null;
}

export function parsePageRequest<C>(
  args: ConnectionArgs,
  limits: PageLimits,
  decodeCursor: (cursor: string, argument: 'after' | 'before') => C,
): PageRequest<C> {
  const { first, last, after, before } = args;
  const hasFirst = first !== undefined && first !== null;
  const hasLast = last !== undefined && last !== null;
  const hasAfter = after !== undefined && after !== null;
  const hasBefore = before !== undefined && before !== null;
  if (hasFirst && hasLast) {
    throw new BadUserInputError('Give either "first" (with "after") or "last" (with "before"), not both.', {
      argument: 'first',
    });
  }
  if ((hasFirst || !hasLast) && hasBefore) {
    throw new BadUserInputError('"before" pages backward: combine it with "last", not with "first".', {
      argument: 'before',
    });
  }
  if (hasLast && hasAfter) {
    throw new BadUserInputError('"after" pages forward: combine it with "first", not with "last".', {
      argument: 'after',
    });
  }
  const checkSize = (value: number, argument: 'first' | 'last') => {
    if (!Number.isInteger(value) || value < 0) {
      throw new BadUserInputError(`"${argument}" must be a non-negative integer; got ${value}.`, {
        argument,
      });
    }
    if (value > limits.maxSize) {
      throw new BadUserInputError(
        `"${argument}" may be at most ${limits.maxSize}; got ${value}. Page with "${argument === 'first' ? 'after' : 'before'}" to see more.`,
        { argument, maximum: limits.maxSize },
      );
    }
    return value;
  };
  if (hasLast) {
    return {
      direction: 'backward',
      size: checkSize(last, 'last'),
      before: hasBefore ? decodeCursor(before, 'before') : null,
    };
  }
  return {
    direction: 'forward',
    size: hasFirst ? checkSize(first, 'first') : limits.defaultSize,
    after: hasAfter ? decodeCursor(after, 'after') : null,
  };
}

export function toConnection<T, C extends CursorPayload>(
  page: ProviderPage<T, C>,
  encodeCursor: (payload: C) => string,
): Connection<T> {
  const edges = page.edges.map((edge) => ({ cursor: encodeCursor(edge.cursor), node: edge.node }));
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: page.totalCount,
  };
}

/**
 * The half-open range `[start, end)` of absolute positions a request covers, for position-addressable
 * providers whose cursor is an absolute offset. A backward request without `before` needs the total.
 */
export function offsetWindow(
  request: PageRequest<number>,
  total: number | null,
): { start: number; end: number } {
  if (request.direction === 'forward') {
    const start = request.after === null ? 0 : request.after + 1;
    return { start, end: start + request.size };
  }
  const end = request.before ?? total;
  if (end === null) throw new Error('offsetWindow: a backward window without "before" needs the total count');
  return { start: Math.max(0, end - request.size), end };
}

/**
 * Builds a `ProviderPage` from items fetched for `offsetWindow`'s range, given the total (exact when
 * known). Cursors are the items' absolute positions.
 */
export function offsetPage<T>(
  request: PageRequest<number>,
  range: { start: number; end: number },
  items: readonly T[],
  total: number,
): ProviderPage<T, number> {
  const taken = items.slice(0, Math.max(0, range.end - range.start));
  return {
    edges: taken.map((node, index) => ({ cursor: range.start + index, node })),
    // Forward, the Relay spec allows hasPreviousPage=false; we answer exactly since it is free here.
    hasPreviousPage: range.start > 0 && total > 0,
    hasNextPage: Math.min(range.end, total) < total,
    totalCount: total,
  };
}

/** Pages an in-memory list (a provider that returns everything in one call). */
export function sliceWindow<T>(request: PageRequest<number>, all: readonly T[]): ProviderPage<T, number> {
  const range = offsetWindow(request, all.length);
  const clamped = { start: Math.min(range.start, all.length), end: Math.min(range.end, all.length) };
  return offsetPage(request, range, all.slice(clamped.start, clamped.end), all.length);
}

/**
 * The largest position a cursor may hold. Cursors signed with the built-in key can be forged by anyone who
 * reads the source, so a position is bounded like any other input: no provider list rollcall pages holds a
 * billion users, and an upstream would refuse an offset or page number beyond it.
 */
export const MAX_POSITION = 1_000_000_000;

/** The error for a cursor whose payload is not a position of this connection. */
export function badPosition(argument: string): BadUserInputError {
  return new BadUserInputError(
    `Argument "${argument}" is not a valid cursor for this connection: bad position.`,
    {
      argument,
    },
  );
}

/** Validates a cursor payload that must be a non-negative integer offset. */
export function asOffset(payload: CursorPayload, argument: string): number {
  if (typeof payload === 'number' && Number.isInteger(payload) && payload >= 0 && payload <= MAX_POSITION)
    return payload;
  throw badPosition(argument);
}
