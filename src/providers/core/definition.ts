/**
 * What a provider is, in two views.
 *
 * - `ProviderSpec` is what a provider folder writes: only what is specific to it — its ids and GraphQL
 *   names, its configuration, its wire calls and paging style (a small descriptor, see ./paging.ts), its
 *   record mapping and its filters. Generic in its own types (configuration, wire record, record, wire
 *   query, filter), so nothing crosses into the core as `unknown`.
 * - `ProviderDefinition` is what the registry, the configuration and the server hold: the spec with its
 *   types closed over by `defineProvider` (./define.ts), which gives it the session, loaders, paging,
 *   lookups and resolvers every provider shares.
 */
import type { EmulatorServer } from '../../emulators/base.js';
import type { EnvReader } from '../../env.js';
import type { Resolvers } from '../../generated/resolvers.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { UpstreamCache } from '../../upstream/cache.js';
import type { ErrorDetector, UpstreamClient } from '../../upstream/client.js';
import type { UpstreamPolicy } from '../../upstream/policy.js';
import type { NativeIdRule } from './nativeId.js';
import type { Paging, PagingStyle, ProviderCapabilities } from './paging.js';
import type { ProviderId, UserRecord } from './record.js';
import type { ProviderSession, RequestKey } from './session.js';

/** What a provider's sessions get from the process. */
export interface ProviderRuntime {
  metrics: Metrics;
  logger: Logger;
  /** Per-call upstream timeout in ms (total), and the connect timeout. */
  upstreamTimeoutMs: number;
  connectTimeoutMs: number;
  /** This provider's retries, circuit breaker and concurrency limit, shared by every request. */
  policy: UpstreamPolicy;
  /** The process's upstream response cache (memory or Redis), and this provider's TTL in seconds. */
  cache?: UpstreamCache;
  cacheTtlSeconds: number;
  /** Upper bound of concurrent single-user lookups per provider per request. */
  lookupConcurrency: number;
  /** Most lookup calls (single fetches or walked pages) per provider per operation. */
  maxLookupCalls: number;
}

/** An emulator that can tell the environment pointing rollcall at it. */
export interface DemoEmulator extends EmulatorServer {
  demoEnv(): Record<string, string>;
}

/** A running emulator as demo mode and tests use it. */
export interface RunningEmulator {
  server: EmulatorServer;
  /** Environment variables pointing rollcall at this emulator. */
  env: Record<string, string>;
}

/** How a provider is reached over HTTP: what its definition gives the shared upstream client. */
export interface HttpSettings {
  baseUrl: string;
  headers?: () => Record<string, string> | Promise<Record<string, string>>;
  detectError: ErrorDetector;
  /**
   * The credential material that identifies the account (hashed at once, never stored): cached
   * responses are shared only between calls made with the same credentials.
   */
  credentials: string;
  /** Account identifiers to keep out of logs (see UpstreamClientOptions.identifiers). */
  identifiers?: readonly string[];
}

/** A provider's wire calls, bound to one account: its paging and, when it has one, its single fetch. */
export interface ProviderApi<Wire, Query, Filter> {
  paging: Paging<Wire, Query>;
  /**
   * The wire query of a filter (undefined: the whole list); checks the filter first (BAD_USER_INPUT
   * naming the argument, before any call).
   */
  query(filter: Filter | undefined): Query;
  /**
   * One user by native id (already checked and normalised); null for a miss. Without it, lookups read
   * the list (2Chat has no single-user endpoint).
   */
  fetchOne?(id: string): Promise<Wire | null>;
}

/**
 * Everything specific to one provider. Type parameters: `Cfg` its settings, `Wire` a user as the wire
 * sends it, `Rec` rollcall's record, `Query` the wire query of a list (the upstream's own filter
 * parameters), `Filter` the GraphQL filter of its connection, `Args` its connection field's arguments.
 */
export interface ProviderSpec<Cfg, Wire, Rec extends UserRecord, Query, Filter, Args> {
  /** Its value of the `Provider` enum. */
  id: ProviderId;
  /** The concrete GraphQL type implementing `User`. */
  typename: Rec['__typename'];
  /** Human name for logs, errors and docs. */
  displayName: string;
  /** Its SDL file (types, connection and lookup fields, `extend enum Provider`). */
  schema: URL;
  graphql: {
    /** Its connection field on Query (`twilioConversationUsers`). */
    connection: string;
    /** Its lookup field on Query (`twilioConversationUser`), whose argument is `nativeKey`. */
    lookup: string;
    /** The native key: the lookup's argument and the type's second federation key (`sid`). */
    nativeKey: string;
    /**
     * The connection's filter from its arguments (undefined: the whole list). It binds the cursors: a
     * cursor issued under one filter is refused under another.
     */
    filter?(args: Args): Filter | undefined;
  };
  /** What a native user id looks like (checked before any lookup reaches upstream). */
  nativeId: NativeIdRule;
  /** How its list pages upstream (its `api` gives the calls); decides `capabilities`. */
  paging: PagingStyle;
  /**
   * Why `last`/`before` are refused, when its paging cannot go backward ("its end-users API has no
   * backward paging").
   */
  forwardOnly?: string;
  /** The key a lookup uses for an id (CometChat lower-cases uids); the id itself by default. */
  lookupKey?(id: string): string;
  /** The keys a record answers lookups to (Twilio: sid and identity); its native id by default. */
  keysOf?(record: Rec): readonly (string | null | undefined)[];
  /**
   * Reads its settings. Returns null when its credentials are absent (provider disabled); records a
   * problem on `env` (naming the variable, never echoing a secret) when they are invalid.
   */
  readConfig(env: EnvReader): Cfg | null;
  /**
   * Its emulator, not yet started (the core starts it on a free loopback port, for demo mode, tests and
   * bench). The emulator module is imported here, lazily: nothing on the production path loads it.
   */
  emulator(options?: { latencyMs?: number }): Promise<DemoEmulator>;
  http(config: Cfg): HttpSettings;
  /** Its wire calls for one account, over the shared upstream client. */
  api(config: Cfg, upstream: UpstreamClient): ProviderApi<Wire, Query, Filter>;
  toRecord(wire: Wire): Rec;
}

/** A provider connected to its account: sessions per request, and its resolvers bound to them. */
export interface ConnectedProvider {
  session(request: RequestKey): ProviderSession;
  resolvers: Resolvers;
}

/** A provider's checked settings, ready to connect (the types stay inside the definition). */
export interface ProviderSettings {
  /** The base URL the provider is reached at, to tell live from emulated. */
  baseUrl: string;
  connect(runtime: ProviderRuntime): ConnectedProvider;
}

/** A provider as the registry, the configuration and the server hold it. */
export interface ProviderDefinition {
  id: ProviderId;
  typename: string;
  displayName: string;
  schema: URL;
  nativeId: NativeIdRule;
  nativeKey: string;
  /** Its connection and lookup fields on Query. */
  connection: string;
  lookup: string;
  capabilities: ProviderCapabilities;
  readConfig(env: EnvReader): ProviderSettings | null;
  startEmulator(options?: { latencyMs?: number }): Promise<RunningEmulator>;
  /** Its resolvers on an instance where it is not configured (each answers PROVIDER_NOT_CONFIGURED). */
  disabledResolvers: Resolvers;
}
