/**
 * The "list walk" lookup strategy: resolve many ids by reading list pages instead of one single-user call
 * per id, when that is cheaper. Providers whose list pages are large compared with a batch of ids gain
 * most (Twilio: 50 users a page; a batch of 50 ids costs one to three pages instead of 50 calls), and a
 * provider without a single-user call (2Chat) answers every lookup from its list.
 *
 * Decision: with a known number of pages P (learnt from an earlier complete walk), a batch of n ids uses
 * single calls when n ≤ P and walks otherwise. Without it, the walk is greedy but must pay its way: it
 * reads the next page while two or more ids are still missing and the pages read so far have found at
 * least as many ids as they cost in upstream calls (a page the operation already has, or is loading for a
 * sibling field, costs nothing); otherwise it stops and fetches the missing ids on their own. So a batch
 * never costs more than one call above single fetches (ids spread over a large list: one page, then
 * singles), and ids near the start of the list cost a page or two. A walk that reaches the end proves the
 * rest are misses. A batch whose single fetches use exactly what is left of the operation's lookup budget
 * skips the walk: its probing page would leave the last id without a call.
 */
import { mapBounded } from '../../util/concurrency.js';
import type { WalkStep } from './paging.js';

interface WalkSource<Rec> {
  /** The first page of the list (each page read through the session's page loader). */
  first(): Promise<WalkStep<Rec>>;
  /** The keys a record answers to (e.g. sid and identity). */
  keysOf(record: Rec): readonly (string | null | undefined)[];
  /** One id by a single-user call; absent when the provider has none (lookups then walk). */
  fetchOne?: (id: string) => Promise<Rec | null>;
  concurrency: number;
  /**
   * Pages in the whole list, when known (from a complete walk) or estimated at least (from a walk that
   * did not pay its way).
   */
  knownPages?: number;
  /**
   * Upstream calls the operation may still spend on lookups. When single fetches of the batch fit in it
   * exactly, a probing page would leave the last id without a call: the batch goes to single fetches.
   * (When even they do not fit, the walk may answer more ids than the budget's singles could.)
   */
  budgetLeft?: number;
  onComplete?(pages: number): void;
  /** A walk stopped for not paying its way; `pages` estimates the list's length from what it found. */
  onAbandon?(pages: number): void;
}

export async function lookupByWalk<Rec>(
  ids: readonly string[],
  source: WalkSource<Rec>,
): Promise<(Rec | null | Error)[]> {
  const fetchOne = source.fetchOne;
  const singles = (list: readonly string[]) =>
    fetchOne ? mapBounded(list, source.concurrency, (id) => fetchOne(id)) : Promise.resolve([]);
  if (
    fetchOne &&
    (ids.length <= 1 ||
      (source.knownPages !== undefined && ids.length <= source.knownPages) ||
      (source.budgetLeft !== undefined && ids.length === source.budgetLeft))
  )
    return singles(ids);

  const wanted = new Set(ids);
  const found = new Map<string, Rec>();
  // With single calls, the last missing id is cheaper alone than another page.
  const enough = fetchOne ? 1 : 0;
  let pages = 0;
  /** Upstream calls the walk's pages cost (pages the operation already had, or was loading, are free). */
  let cost = 0;
  let complete = false;
  try {
    let step = await source.first();
    for (;;) {
      pages += 1;
      cost += step.cost;
      for (const record of step.records) {
        for (const key of source.keysOf(record))
          if (key && wanted.has(key) && !found.has(key)) found.set(key, record);
      }
      if (step.next === null) complete = true;
      if (step.next === null || wanted.size - found.size <= enough) break;
      // Not paying its way (fewer ids found than the calls its pages cost): single fetches are cheaper
      // from here, and the list is at least as long as this density says (batches that size skip the walk).
      if (fetchOne && cost > found.size) {
        source.onAbandon?.(Math.ceil((pages * ids.length) / Math.max(found.size, 1)));
        break;
      }
      step = await step.next();
    }
  } catch (error) {
    // The ids the pages read so far did answer; the others fail with the walk's error.
    const failure = error instanceof Error ? error : new Error(String(error));
    return ids.map((id) => found.get(id) ?? failure);
  }
  if (complete) source.onComplete?.(pages);
  const missing = complete ? [] : ids.filter((id) => !found.has(id));
  const fetched = new Map<string, Rec | null | Error>();
  (await singles(missing)).forEach((result, index) => fetched.set(missing[index], result));
  return ids.map((id) => found.get(id) ?? fetched.get(id) ?? null);
}
