/**
 * The "list walk" lookup strategy: resolve many ids by reading list pages instead of one single-user call
 * per id, when that is cheaper. Used by providers whose list pages are large compared with a batch of
 * ids (Twilio: 50 users a page; a batch of 50 ids costs one to three pages instead of 50 calls).
 *
 * Decision: with a known number of pages P (learnt from an earlier complete walk), a batch of n ids uses
 * single calls when n ≤ P and walks otherwise. Without it, the walk is greedy: read the next page while
 * two or more ids are still missing (one page can answer many ids; a single call answers one), and fetch
 * the last missing id, if any, on its own. A walk that reaches the end proves the rest are misses.
 */
import { mapBounded } from '../util/concurrency.js';

export interface WalkSource<Rec, Ref> {
  /** Where the list starts (may be null, e.g. Ada's first page has no cursor). */
  first: Ref;
  loadPage(ref: Ref): Promise<{ records: Rec[]; next: Ref | null }>;
  /** The keys a record answers to (e.g. sid and identity). */
  keysOf(record: Rec): readonly (string | null | undefined)[];
  fetchOne(id: string): Promise<Rec | null>;
  concurrency: number;
  /** Pages in the whole list, when known; updated after a complete walk. */
  knownPages?: number;
  onComplete?(pages: number): void;
}

export async function lookupByWalk<Rec, Ref>(
  ids: readonly string[],
  source: WalkSource<Rec, Ref>,
): Promise<(Rec | null | Error)[]> {
  const singles = (list: readonly string[]) =>
    mapBounded(list, source.concurrency, (id) => source.fetchOne(id));
  if (ids.length <= 1 || (source.knownPages !== undefined && ids.length <= source.knownPages))
    return singles(ids);

  const wanted = new Set(ids);
  const found = new Map<string, Rec>();
  let ref: Ref = source.first;
  let pages = 0;
  let complete = false;
  try {
    for (;;) {
      const page: { records: Rec[]; next: Ref | null } = await source.loadPage(ref);
      pages += 1;
      for (const record of page.records) {
        for (const key of source.keysOf(record))
          if (key && wanted.has(key) && !found.has(key)) found.set(key, record);
      }
      if (page.next === null) complete = true;
      if (page.next === null || found.size === wanted.size || wanted.size - found.size <= 1) break;
      ref = page.next;
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
