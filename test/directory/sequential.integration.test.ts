/**
 * `users` paged page by page costs the theoretical minimum of upstream calls across provider boundaries:
 * in each request, every provider's slice costs what that provider's own connection would (the distinct
 * upstream pages holding it), plus one probe where a window ends exactly at a provider's end and a later
 * provider may still have users (hasNextPage cannot be known otherwise without a size the providers do
 * not all report).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PROVIDERS } from '../../src/providers/registry.js';
import { startHarness, type Harness } from '../support/harness.js';
import { differences, minimumCalls, STYLES, walkConnection } from '../support/paging.js';

const EMULATORS = PROVIDERS.map((definition) => definition.id);

let h: Harness;
const lengths = new Map<string, number>();
beforeAll(async () => {
  h = await startHarness();
  for (const definition of PROVIDERS) {
    const walk = await walkConnection(h, definition.connection, 100, 'forward', EMULATORS);
    lengths.set(definition.id, walk.ids.length);
  }
});
afterAll(() => h.stop());

/**
 * The minimum calls per provider of one `users` request over list positions [start, end) of the
 * providers in `order` (concatenated), walked in `direction`.
 */
function expectedCalls(
  order: readonly string[],
  start: number,
  end: number,
  direction: 'forward' | 'backward',
): Record<string, number> {
  const calls: Record<string, number> = Object.fromEntries(EMULATORS.map((p) => [p, 0]));
  const total = order.reduce((sum, p) => sum + lengths.get(p)!, 0);
  let offset = 0;
  for (const [index, provider] of order.entries()) {
    const length = lengths.get(provider)!;
    const [a, b] = [Math.max(start, offset) - offset, Math.min(end, offset + length) - offset];
    if (b > a) {
      if (direction === 'forward') calls[provider] += minimumCalls(STYLES[provider], a, b, length);
      else if (b < length) calls[provider] += minimumCalls(STYLES[provider], a, b, length);
      else {
        // Entered from its end with no cursor: the provider is asked for all the window still needs.
        const asked = offset + length - start;
        calls[provider] += minimumCalls(STYLES[provider], length - asked, length, length, true);
      }
    }
    // A window that ends exactly at a provider's edge, with users beyond it: one 1-user probe of the
    // next provider in walk order.
    if (direction === 'forward' && end === offset + length && end < total && index + 1 < order.length)
      calls[order[index + 1]] += 1;
    if (direction === 'backward' && start === offset && start > 0 && index > 0) calls[order[index - 1]] += 1;
    offset += length;
  }
  return calls;
}

describe('users, paged page by page, costs the minimum of upstream calls', () => {
  it.each([1, 7, 50, 100])('forward over every provider, windows of %i', async (size) => {
    const walk = await walkConnection(h, 'users', size, 'forward', EMULATORS);
    const order = PROVIDERS.map((d) => d.id);
    expect(walk.ids).toHaveLength(order.reduce((sum, p) => sum + lengths.get(p)!, 0));
    let done = 0;
    const expected = walk.sizes.map((edges) => {
      const calls = expectedCalls(order, done, done + size, 'forward');
      done += edges;
      return calls;
    });
    expect(differences(walk.calls, expected)).toEqual([]);
  });

  it.each([1, 7, 50, 100])(
    'backward over every provider that pages backward, windows of %i',
    async (size) => {
      const order = PROVIDERS.filter((d) => d.capabilities.backward).map((d) => d.id);
      const walk = await walkConnection(
        h,
        'users',
        size,
        'backward',
        EMULATORS,
        `, providers: [${order.join(', ')}]`,
      );
      const total = order.reduce((sum, p) => sum + lengths.get(p)!, 0);
      expect(walk.ids).toHaveLength(total);
      let done = 0;
      const expected = walk.sizes.map((edges) => {
        const calls = expectedCalls(order, Math.max(0, total - done - size), total - done, 'backward');
        done += edges;
        return calls;
      });
      expect(differences(walk.calls, expected)).toEqual([]);
    },
  );
});
