/**
 * Sequential paging costs the theoretical minimum of upstream calls, for every connection, forward and
 * (where the provider allows it) backward, at window sizes 1, 7, 50 and 100: each request reads only the
 * distinct provider pages that hold its edges. A cursor at the end of an upstream page carries what the
 * next page needs (Twilio's next or previous page token, Ada's next cursor); position cursors address
 * pages directly. Where hasNextPage cannot be known otherwise, one probe is allowed; none is needed here:
 * counted lists know their end, and token and keyset pages say whether another follows.
 *
 * The one walk that costs more is inherent: a backward walk from the end of a token-paged list (Twilio,
 * `last` without `before`) must read every page to find the end, and a counted list first probes its
 * total (one call that is also the window when the list fits in it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PROVIDERS } from '../../../src/providers/registry.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { minimumCalls, STYLES, walkConnection } from '../../support/paging.js';

const SIZES = [1, 7, 50, 100];
const EMULATORS = PROVIDERS.map((definition) => definition.id);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

/** Each request's calls to its own provider, and none to any other. */
function callsOf(calls: Record<string, number>[], provider: string): number[] {
  for (const request of calls)
    for (const [other, count] of Object.entries(request)) if (other !== provider) expect(count).toBe(0);
  return calls.map((request) => request[provider]);
}

const cases = PROVIDERS.flatMap((definition) =>
  SIZES.flatMap((size) => [
    [definition.id, definition.connection, size, 'forward'] as const,
    ...(definition.capabilities.backward
      ? [[definition.id, definition.connection, size, 'backward'] as const]
      : []),
  ]),
);

describe('walking a connection page by page costs the minimum of upstream calls', () => {
  const full = new Map<string, string[]>();

  it.each(cases)('%s: %s, windows of %i, %s', async (provider, field, size, direction) => {
    const walk = await walkConnection(h, field, size, direction, EMULATORS);
    const length = walk.ids.length;
    expect(new Set(walk.ids).size).toBe(length);
    // Both directions and every size see the same list, in the same order.
    const seen = full.get(provider);
    if (seen) expect(walk.ids).toEqual(seen);
    else full.set(provider, walk.ids);

    let done = 0;
    const expected = walk.sizes.map((edges, index) => {
      const [start, end] =
        direction === 'forward' ? [done, done + size] : [length - done - size, length - done];
      done += edges;
      return minimumCalls(
        STYLES[provider],
        Math.max(0, start),
        end,
        length,
        direction === 'backward' && index === 0,
      );
    });
    expect(callsOf(walk.calls, provider)).toEqual(expected);
    // Every page but the last is full.
    expect(walk.sizes.slice(0, -1).every((edges) => edges === size)).toBe(true);
  });
});
