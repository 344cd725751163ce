/**
 * Relay windows over a provider list addressable by absolute position that reports its total
 * (CometChat `page`/`perPage`, Voximplant `offset`/`count`). The cursor is the user's position, so a
 * window is one range fetch, with two refinements that save calls:
 *
 * - `last` without `before` needs the total first. The probe asks for the window size from the start:
 *   when the whole list fits, the probe is the answer (1 call); otherwise the tail costs one more (2).
 *   A total this operation already has (a sibling field's window, done or in flight) replaces the probe.
 * - An empty window (`first: 0`, `before` the first user) still needs the total: one 1-user fetch,
 *   unless a window of the same list already tells it.
 */
import { offsetPage, offsetWindow, type PageRequest, type ProviderPage } from '../relay/connection.js';

/** What a range fetch brought: records from position `start` (fewer than asked at the end of the list). */
export interface RangeLoad<Rec> {
  start: number;
  /** The end of the range that was asked for (exclusive). */
  end: number;
  total: number;
  records: Rec[];
}

export interface OffsetSource<Rec> {
  /** Fetches (through the session's page loader) at least positions [start, end) of the list. */
  fetch(start: number, end: number): Promise<RangeLoad<Rec>>;
  /** The list's total if this operation already has (or is getting) it. */
  knownTotal(): Promise<number> | undefined;
}

export async function pageByOffset<Rec>(
  request: PageRequest<number>,
  source: OffsetSource<Rec>,
): Promise<ProviderPage<Rec, number>> {
  let total: number | null = null;
  let probe: RangeLoad<Rec> | undefined;
  if (request.direction === 'backward' && request.before === null) {
    const known = source.knownTotal();
    if (known) total = await known;
    else {
      probe = await source.fetch(0, Math.max(1, request.size));
      total = probe.total;
    }
  }
  const range = offsetWindow(request, total);
  if (range.end <= range.start) {
    const count: number =
      total ?? (await (source.knownTotal() ?? source.fetch(0, 1).then((loaded) => loaded.total)));
    return offsetPage(request, range, [], count);
  }
  const loaded = probe && range.end <= probe.end ? probe : await source.fetch(range.start, range.end);
  const items = loaded.records.slice(range.start - loaded.start, range.end - loaded.start);
  return offsetPage(request, range, items, loaded.total);
}

/**
 * Each list's (filter's) total from the first fetch of it in this operation, in flight or done, so
 * later windows await it instead of probing. A failed fetch teaches nothing and is forgotten.
 */
export class TotalsMemo {
  private readonly totals = new Map<string, Promise<number>>();

  get(list: string): Promise<number> | undefined {
    return this.totals.get(list);
  }

  learn(list: string, loading: Promise<{ total: number }>): void {
    if (this.totals.has(list)) return;
    const total = loading.then((loaded) => loaded.total);
    total.catch(() => {
      if (this.totals.get(list) === total) this.totals.delete(list);
    });
    this.totals.set(list, total);
  }
}
