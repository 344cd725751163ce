/**
 * The paging scenario's model: the five provider connections, how each provider pages its list upstream,
 * and the fewest upstream calls any client could spend on one window of a sequential walk.
 *
 * The same model as the sequential-paging integration test (the bench does not import test code):
 * - whole list (2Chat): one call per window, whatever it holds;
 * - token (Twilio, 50 per page): the distinct provider pages holding the window's positions; a backward
 *   walk's first window (`last` without `before`) must find the end of the list, which only reading
 *   every page does;
 * - keyset (Ada): one call per window (a window is at most 100 = Ada's largest page);
 * - page (CometChat) and offset (Voximplant): one call per window; the first backward window costs two
 *   (a probe of the total, then the tail) unless the whole list fits in the probe.
 */
import type { SmallSetId } from './shared.js';

export type PagingStyle =
  | { kind: 'whole' }
  | { kind: 'token'; pageSize: number }
  | { kind: 'keyset' }
  | { kind: 'page' }
  | { kind: 'offset' };

export interface PagedConnection {
  provider: SmallSetId;
  /** The provider's own GraphQL connection field. */
  field: string;
  style: PagingStyle;
  /** Whether the connection takes `last`/`before` (Ada's end-users API has no backward paging). */
  backward: boolean;
}

/** In rollcall's registry order. */
export const PAGED_CONNECTIONS: readonly PagedConnection[] = [
  { provider: 'TWO_CHAT', field: 'twoChatUsers', style: { kind: 'whole' }, backward: true },
  {
    provider: 'TWILIO_CONVERSATIONS',
    field: 'twilioConversationUsers',
    style: { kind: 'token', pageSize: 50 },
    backward: true,
  },
  { provider: 'ADA', field: 'adaEndUsers', style: { kind: 'keyset' }, backward: false },
  { provider: 'COMETCHAT', field: 'cometChatUsers', style: { kind: 'page' }, backward: true },
  { provider: 'VOXIMPLANT', field: 'voximplantUsers', style: { kind: 'offset' }, backward: true },
];

export type Direction = 'forward' | 'backward';

/** How many provider pages of `pageSize` hold positions [start, end). */
function pagesHolding(start: number, end: number, pageSize: number): number {
  if (end <= start) return 0;
  return Math.floor((end - 1) / pageSize) - Math.floor(start / pageSize) + 1;
}

/**
 * The fewest upstream calls that answer positions [start, end) of a list of `length` users. `fromEnd`:
 * a backward window without `before`, which first has to find where the list ends.
 */
export function minimumCallsOfWindow(
  style: PagingStyle,
  start: number,
  end: number,
  length: number,
  fromEnd: boolean,
): number {
  switch (style.kind) {
    case 'whole':
    case 'keyset':
      return 1;
    case 'token':
      return fromEnd
        ? Math.max(1, Math.ceil(length / style.pageSize))
        : pagesHolding(start, Math.min(end, length), style.pageSize);
    case 'page':
    case 'offset':
      return fromEnd && length > end - start ? 2 : 1;
  }
}

/**
 * The minimum of every request of a walk, from the edges each request returned (`sizes`, in walk order)
 * and the window size asked for: forward windows start where the last one ended, backward windows end
 * where the last one started.
 */
export function minimumCallsOfWalk(
  style: PagingStyle,
  direction: Direction,
  window: number,
  sizes: readonly number[],
): number[] {
  const length = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  return sizes.map((edges, index) => {
    const [start, end] =
      direction === 'forward' ? [done, done + window] : [length - done - window, length - done];
    done += edges;
    return minimumCallsOfWindow(
      style,
      Math.max(0, start),
      end,
      length,
      direction === 'backward' && index === 0,
    );
  });
}
