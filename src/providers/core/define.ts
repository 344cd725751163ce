/**
 * `defineProvider`: a provider spec (what is specific to one provider) made into a definition the
 * registry holds, with everything every provider shares:
 *
 * - a session per GraphQL operation (`ProviderSessionImpl`), holding the page loader(s) of its paging
 *   style (DataLoaders keyed canonically through `cacheKeyFn`), the by-id loader that list pages prime,
 *   and the operation's lookup budget;
 * - lookups by id: a single fetch for a lone id, a list walk when that is cheaper (./lookup.ts);
 * - windows and cursor checks of its paging style (./paging/*.ts);
 * - resolvers for its connection, its lookup and its federation keys (./resolvers.ts).
 */
import DataLoader from 'dataloader';
import type { WebhookRequest } from './webhooks.js';
import type { CursorPayload } from '../../relay/cursor.js';
import type { PageRequest, ProviderPage } from '../../relay/connection.js';
import { mapBounded } from '../../util/concurrency.js';
import { stableKey } from '../../util/stableKey.js';
import { BadUserInputError, ProviderNotConfiguredError, shownInput } from '../../errors.js';
import { encodeGlobalId } from '../../relay/globalId.js';
import type {
  ConnectedSource,
  ProviderApi,
  ProviderDefinition,
  ProviderRuntime,
  ProviderSpec,
} from './definition.js';
import { upstreamFor } from './http.js';
import { ByIdLoader, LookupBudget } from './loaders.js';
import { lookupByWalk } from './lookup.js';
import {
  CAPABILITIES,
  erase,
  type Fetched,
  type Loaded,
  type Pager,
  type Paging,
  type PagerTools,
  type WalkStep,
} from './paging.js';
import { keysetPager } from './paging/keyset.js';
import { offsetPager, pageNumberPager } from './paging/offset.js';
import { tokenPager } from './paging/token.js';
import { wholeListPager } from './paging/whole.js';
import type { RecordSource, UserRecord } from './record.js';
import { forwardOnlyReason, providerResolvers } from './resolvers.js';
import type { FilteredSession, RequestKey } from './session.js';

function pagerFor<Wire, Rec, Query>(
  paging: Paging<Wire, Query>,
  tools: PagerTools<Wire, Rec>,
): Pager<Rec, Query> {
  switch (paging.style) {
    case 'whole':
      return erase(wholeListPager<Wire, Rec, Query>(paging, tools));
    case 'token':
      return erase(tokenPager(paging, tools));
    case 'keyset':
      return erase(keysetPager(paging, tools));
    case 'page':
      return erase(pageNumberPager(paging, tools));
    case 'offset':
      return erase(offsetPager(paging, tools));
  }
}

/** What the sessions of one connected provider share across operations. */
export interface SharedState<Rec> {
  /** How many pages the unfiltered list has: learnt from a complete lookup walk, or estimated at least. */
  listPages?: number;
  /**
   * Each wire user's record, by the wire object: the in-memory upstream cache hands the same (checked,
   * never mutated) objects to every operation that reads a cached page, so a warm page is mapped once,
   * not once per request. Records are shared, so nothing downstream may change one. Entries go with
   * their wire objects (a Redis hit parses new objects: a miss here).
   */
  records: WeakMap<object, Rec>;
  /** The source these sessions read: its name and global ids, which its records carry. */
  source: RecordSource;
}

/** One provider's per-operation session: its loaders, its budget, its pager. */
export class ProviderSessionImpl<Cfg, Wire, Rec extends UserRecord, Query, Filter, Args>
  implements FilteredSession<Rec, Filter>
{
  readonly source: string;
  private readonly users: ByIdLoader<Rec>;
  private readonly pager: Pager<Rec, Query>;
  private readonly wholeList: Query;

  constructor(
    private readonly spec: ProviderSpec<Cfg, Wire, Rec, Query, Filter, Args>,
    private readonly api: ProviderApi<Wire, Query, Filter>,
    runtime: ProviderRuntime,
    shared: SharedState<Rec>,
  ) {
    this.source = shared.source.name;
    const keysOf = spec.keysOf ?? ((record: Rec) => [record.providerUserId]);
    const toRecord = (item: Wire): Rec => {
      if (typeof item !== 'object' || item === null) return spec.toRecord(item, shared.source);
      let record = shared.records.get(item);
      if (!record) {
        record = spec.toRecord(item, shared.source);
        shared.records.set(item, record);
      }
      return record;
    };
    const loader = <K, P extends { items: Wire[] }>(fetch: (key: K) => Promise<P>) => {
      const pages = new DataLoader<K, Fetched<P, Rec>, string>(
        (keys) =>
          mapBounded(keys, runtime.lookupConcurrency, async (key) => {
            const { items, ...page } = await fetch(key);
            const records = items.map(toRecord);
            for (const record of records) this.users.remember(record, keysOf(record));
            return { ...page, records };
          }),
        { cacheKeyFn: stableKey, maxBatchSize: 100 },
      );
      const requested = new Set<string>();
      return async (key: K): Promise<Loaded<P, Rec>> => {
        const id = stableKey(key);
        const fresh = !requested.has(id);
        requested.add(id);
        return { ...(await this.users.track(pages.load(key))), fresh };
      };
    };
    this.pager = pagerFor(api.paging, {
      provider: spec.id,
      displayName: spec.displayName,
      forwardOnly: forwardOnlyReason(spec),
      loader,
      idOf: (record) => record.providerUserId,
    });
    this.wholeList = api.query(undefined);

    const budget = new LookupBudget(spec.id, runtime.maxLookupCalls);
    const budgeted = async (read: () => Promise<WalkStep<Rec>>): Promise<WalkStep<Rec>> => {
      budget.spend();
      const step = await read();
      const next = step.next;
      return { records: step.records, cost: step.cost, next: next ? () => budgeted(next) : null };
    };
    const fetchOne = api.fetchOne?.bind(api);
    this.users = new ByIdLoader(
      (ids) =>
        lookupByWalk(ids, {
          first: () => budgeted(() => this.pager.walk(this.wholeList)),
          keysOf,
          fetchOne: fetchOne
            ? async (id) => {
                budget.spend();
                const wire = await fetchOne(id);
                return wire === null ? null : toRecord(wire);
              }
            : undefined,
          concurrency: runtime.lookupConcurrency,
          knownPages: shared.listPages,
          budgetLeft: budget.left,
          onComplete: (pages) => (shared.listPages = pages),
          onAbandon: (pages) => (shared.listPages = Math.max(shared.listPages ?? 0, pages)),
        }),
      { source: this.source },
    );
  }

  connection(request: PageRequest<CursorPayload>, filter: Filter | undefined): Promise<ProviderPage<Rec>> {
    return this.pager.window(request, this.api.query(filter));
  }

  page(request: PageRequest<CursorPayload>): Promise<ProviderPage<Rec>> {
    return this.pager.window(request, this.wholeList);
  }

  async byId(nativeId: string): Promise<Rec | null> {
    const key = this.spec.lookupKey ? this.spec.lookupKey(nativeId) : nativeId;
    if (key === '' || this.spec.nativeId.impossible?.(key)) return null;
    return this.users.load(key);
  }

  validateCursor(payload: CursorPayload, argument: string): CursorPayload {
    return this.pager.cursor(payload, argument);
  }
}

export function defineProvider<Cfg, Wire, Rec extends UserRecord, Query, Filter, Args>(
  spec: ProviderSpec<Cfg, Wire, Rec, Query, Filter, Args>,
): ProviderDefinition {
  type Session = ProviderSessionImpl<Cfg, Wire, Rec, Query, Filter, Args>;
  /** The typed sessions of the sources this definition connected (the erased view holds the source). */
  const typed = new WeakMap<ConnectedSource, (request: RequestKey) => Session>();
  return {
    id: spec.id,
    typename: spec.typename,
    displayName: spec.displayName,
    schema: spec.schema,
    nativeId: spec.nativeId,
    nativeKey: spec.graphql.nativeKey,
    connection: spec.graphql.connection,
    lookup: spec.graphql.lookup,
    capabilities: CAPABILITIES[spec.paging],
    source: spec.source,
    readConfig(env) {
      const config = spec.readConfig(env);
      if (config === null) return null;
      const http = spec.http(config);
      return {
        baseUrl: http.baseUrl,
        connect(runtime, name): ConnectedSource {
          const upstream = upstreamFor(runtime, spec.id, http, name);
          // The wire calls of one operation: through a client bound to its deadline, signal and budget.
          const apiFor = (request: RequestKey) => {
            const api = spec.api(config, upstream.forOperation(request.operation));
            if (api.paging.style !== spec.paging)
              throw new Error(
                `${spec.id}: its spec says ${spec.paging} paging, its api pages by ${api.paging.style}`,
              );
            return api;
          };
          // Checked once at start: a spec whose api pages in another style than it declares is a bug.
          apiFor({ requestId: 'connect' });
          const shared: SharedState<Rec> = {
            records: new WeakMap(),
            source: { name, id: (nativeId) => encodeGlobalId(spec.id, name, nativeId) },
          };
          const sessions = new WeakMap<RequestKey, Session>();
          const session = (request: RequestKey) => {
            let found = sessions.get(request);
            if (!found) {
              found = new ProviderSessionImpl(spec, apiFor(request), runtime, shared);
              sessions.set(request, found);
            }
            return found;
          };
          const events = spec.events;
          const secret = events?.secret(config);
          const connected: ConnectedSource = {
            name,
            provider: spec.id,
            session,
            ...(events && secret
              ? { receive: (request: WebhookRequest) => events.receive(request, secret) }
              : {}),
          };
          typed.set(connected, session);
          return connected;
        },
      };
    },
    demoSources: spec.demoSources ?? [spec.source.key],
    async startEmulator(options) {
      const server = await spec.emulator(options);
      await server.start();
      const env = server.demoEnv();
      return { server, env, sourceEnv: server.demoSourceEnv?.() ?? env };
    },
    resolvers(sources, defaultSource) {
      const byName = new Map<string, (request: RequestKey) => Session>();
      for (const source of sources) {
        const session = typed.get(source);
        if (session) byName.set(source.name, session);
      }
      return providerResolvers(spec, (request: RequestKey, name: string | undefined) => {
        if (byName.size === 0) throw new ProviderNotConfiguredError(spec.id);
        const chosen = name ?? defaultSource;
        const session = chosen === undefined ? undefined : byName.get(chosen);
        if (!session)
          throw new BadUserInputError(
            `"source" names no ${spec.displayName} source of this instance: ${shownInput(String(chosen))}. Its sources: ${[...byName.keys()].join(', ')}.`,
            { argument: 'source', sources: [...byName.keys()] },
          );
        return session(request);
      });
    },
  };
}
