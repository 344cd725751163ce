/**
 * The "list walk" lookup strategy: resolve many ids by reading list pages instead of one single-user call
 * per id, when that is cheaper. Providers whose list pages are large compared with a batch of ids gain
 * most (Twilio: 50 users a page; a batch of 50 ids costs one to three pages instead of 50 calls), and a
 * provider without a single-user call (2Chat) answers every lookup from its list.
 *
 * Decision: with a known number of pages P (learnt from an earlier complete walk), a batch of n ids uses
 * single calls when n ≤ P and walks otherwise. Without it, the walk is greedy: read the next page while
 * two or more ids are still missing (one page can answer many ids; a single call answers one), and fetch
 * the last missing id, if any, on its own. A walk that reaches the end proves the rest are misses.
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
  /** Pages in the whole list, when known; updated after a complete walk. */
  knownPages?: number;
  onComplete?(pages: number): void;
}

export async function lookupByWalk<Rec>(
  ids: readonly string[],
  source: WalkSource<Rec>,
): Promise<(Rec | null | Error)[]> {
  const fetchOne = source.fetchOne;
  const singles = (list: readonly string[]) =>
    fetchOne ? mapBounded(list, source.concurrency, (id) => fetchOne(id)) : Promise.resolve([]);
  if (fetchOne && (ids.length <= 1 || (source.knownPages !== undefined && ids.length <= source.knownPages)))
    return singles(ids);

  const wanted = new Set(ids);
  const found = new Map<string, Rec>();
  // With single calls, the last missing id is cheaper alone than another page.
  const enough = fetchOne ? 1 : 0;
  let pages = 0;
  let complete = false;
  try {
    let step = await source.first();
    for (;;) {
      pages += 1;
      for (const record of step.records) {
        for (const key of source.keysOf(record))
          if (key && wanted.has(key) && !found.has(key)) found.set(key, record);
      }
      if (step.next === null) complete = true;
      if (step.next === null || wanted.size - found.size <= enough) break;
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
