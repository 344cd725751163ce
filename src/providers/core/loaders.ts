/**
 * The per-request by-id loader every provider session uses. It is a DataLoader (so lookups in one tick
 * batch, and a repeated id costs nothing) with one addition that matters for call counts: users seen in
 * list pages answer lookups for free, including list pages still in flight.
 *
 * GraphQL executes sibling root fields concurrently, so in
 * `{ twilioConversationUsers(first: 10) {…} node(id: "<a listed user>") {…} }` the lookup is dispatched
 * while the list page is still loading. Priming alone would be too late; instead, list fetches register
 * themselves with `track`, and a lookup batch first waits for the list fetches in flight at dispatch
 * time, then calls upstream only for the ids they did not bring.
 */
import DataLoader from 'dataloader';
import { BadUserInputError } from '../../errors.js';
import { inSpan } from '../../telemetry.js';
import type { ProviderId } from './record.js';

type BatchFetch<Rec> = (ids: readonly string[]) => Promise<(Rec | null | Error)[]>;

export class ByIdLoader<Rec> {
  private readonly seen = new Map<string, Rec>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly loader: DataLoader<string, Rec | null>;

  /** `source`: the source the ids are looked up in (a span attribute). */
  constructor(fetchMany: BatchFetch<Rec>, options: { maxBatchSize?: number; source?: string } = {}) {
    this.loader = new DataLoader<string, Rec | null>(
      (ids) =>
        inSpan(
          'rollcall.lookup',
          {
            'rollcall.lookup.ids': ids.length,
            ...(options.source === undefined ? {} : { 'rollcall.source': options.source }),
          },
          async (span) => {
            if (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
            const missing = ids.filter((id) => !this.seen.has(id));
            span.setAttribute('rollcall.lookup.fetched', missing.length);
            const fetched = missing.length > 0 ? await fetchMany(missing) : [];
            const byId = new Map(missing.map((id, index) => [id, fetched[index]]));
            return ids.map((id) => this.seen.get(id) ?? byId.get(id) ?? null);
          },
        ),
      { maxBatchSize: options.maxBatchSize ?? 100 },
    );
  }

  load(id: string): Promise<Rec | null> {
    return this.loader.load(id);
  }

  /** A user read from a list page, under each key a lookup may use (e.g. sid and identity). */
  remember(record: Rec, keys: readonly (string | null | undefined)[]): void {
    for (const key of keys) {
      if (key === null || key === undefined || key === '') continue;
      if (!this.seen.has(key)) this.seen.set(key, record);
      this.loader.prime(key, record);
    }
  }

  /** Registers a list fetch; lookups dispatched while it runs wait for it before calling upstream. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const done = () => this.inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }
}

/**
 * The per-operation cap on lookup calls to one provider: `nodes`, `_entities` and lookups fan out to
 * single-user calls for some providers, and without a cap one request could spend a provider's whole rate
 * limit. Each lookup call (a single fetch, or a page read for a list walk) spends one unit; past the cap
 * the remaining ids fail with an error saying so, and nothing else in the operation is affected.
 */
export class LookupBudget {
  private spent = 0;
  constructor(
    private readonly provider: ProviderId,
    private readonly max: number,
  ) {}

  /** Spends one call, or throws for the id that would exceed the cap. */
  spend(): void {
    if (this.spent >= this.max) {
      throw new BadUserInputError(
        `${this.provider}: this operation reached the cap of ${this.max} lookup calls to the provider (ROLLCALL_MAX_LOOKUP_CALLS); this id was not looked up. Ask for fewer ids per request.`,
        { provider: this.provider, limit: 'lookupCalls', maximum: this.max },
      );
    }
    this.spent += 1;
  }

  /** Calls this operation may still spend. */
  get left(): number {
    return this.max - this.spent;
  }
}
