/**
 * Sequential paging, measured: walk a connection page by page with real HTTP and count the upstream
 * calls each request cost (from the emulators' call logs), next to the theoretical minimum of each
 * provider's paging style. Shared by the per-connection and the `users` walks.
 */
import { expect } from '@jest/globals';
import type { GraphQLResult, Harness } from './harness.js';
import { settle } from './safety.js';

/** How a provider's list is paged upstream, for the minimum: the styles of src/providers/core/paging.ts. */
export type Style =
  | { kind: 'whole' }
  | { kind: 'token'; pageSize: number }
  | { kind: 'keyset' }
  | { kind: 'page' }
  | { kind: 'offset' };

/** The registry's providers and how each pages upstream (Twilio at its default page size, 50). */
export const STYLES: Record<string, Style> = {
  TWO_CHAT: { kind: 'whole' },
  TWILIO_CONVERSATIONS: { kind: 'token', pageSize: 50 },
  ADA: { kind: 'keyset' },
  COMETCHAT: { kind: 'page' },
  VOXIMPLANT: { kind: 'offset' },
};

/** The requests whose calls differ from the expected ones, with both (an empty list when all match). */
export function differences<T>(actual: readonly T[], expected: readonly T[]) {
  return actual.flatMap((calls, index) =>
    JSON.stringify(calls) === JSON.stringify(expected[index])
      ? []
      : [{ index, calls, expected: expected[index] }],
  );
}

/** The provider pages that hold positions [start, end) of a token-paged list. */
const pagesCovering = (start: number, end: number, pageSize: number) =>
  end <= start ? 0 : Math.floor((end - 1) / pageSize) - Math.floor(start / pageSize) + 1;

/**
 * The fewest upstream calls that can answer positions [start, end) of a list of `length` users:
 * the distinct provider pages holding them. `fromEnd`: a backward window with no `before`, which must
 * first find the end of the list (a token-paged list only by reading every page; a counted list by one
 * probe that also serves as the window when the list fits in it).
 */
export function minimumCalls(
  style: Style,
  start: number,
  end: number,
  length: number,
  fromEnd = false,
): number {
  const stop = Math.min(end, length);
  switch (style.kind) {
    case 'whole':
      return 1;
    case 'token':
      return fromEnd
        ? Math.max(1, Math.ceil(length / style.pageSize))
        : pagesCovering(start, stop, style.pageSize);
    case 'keyset':
      return 1;
    case 'page':
    case 'offset':
      return fromEnd && length > end - start ? 2 : 1;
  }
}

export interface WalkResult {
  /** The node ids in walk order (reversed back to list order for backward walks). */
  ids: string[];
  /** Upstream calls per request, per emulator. */
  calls: Record<string, number>[];
  /** Edges per request. */
  sizes: number[];
}

/**
 * Walks `field` (a connection whose nodes have `id`) with `first`/`after` or `last`/`before` until the
 * page says there is no more, recording each request's upstream calls per emulator.
 */
export async function walkConnection(
  h: Harness,
  field: string,
  size: number,
  direction: 'forward' | 'backward',
  emulators: readonly string[],
  extraArgs = '',
): Promise<WalkResult> {
  const [count, cursor, more, end] =
    direction === 'forward'
      ? ['first', 'after', 'hasNextPage', 'endCursor']
      : ['last', 'before', 'hasPreviousPage', 'startCursor'];
  const query = `query ($n: Int!, $c: String) { c: ${field}(${count}: $n, ${cursor}: $c${extraArgs}) {
    nodes { id } pageInfo { ${more} ${end} } } }`;
  const result: WalkResult = { ids: [], calls: [], sizes: [] };
  let at: string | null = null;
  for (let guard = 0; guard < 2000; guard += 1) {
    h.reset();
    const response: GraphQLResult<{
      c: { nodes: { id: string }[]; pageInfo: Record<string, string | boolean | null> };
    }> = await h.query(query, { n: size, c: at });
    const { data, errors } = response;
    expect(errors).toBeUndefined();
    for (const provider of emulators) await settle(h.emulator(provider));
    result.calls.push(Object.fromEntries(emulators.map((p) => [p, h.emulator(p).calls.length])));
    const ids: string[] = data!.c.nodes.map((node) => node.id);
    result.sizes.push(ids.length);
    if (direction === 'forward') result.ids.push(...ids);
    else result.ids.unshift(...ids);
    if (data!.c.pageInfo[more] !== true) return result;
    const next: string | boolean | null = data!.c.pageInfo[end];
    at = typeof next === 'string' ? next : null;
  }
  throw new Error(`${field} did not end within 2000 pages`);
}
