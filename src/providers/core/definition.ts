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
import type { WebhookReceipt, WebhookRequest } from './webhooks.js';
import type { EnvReader } from '../../env.js';
import type { Resolvers } from '../../generated/resolvers.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../metrics.js';
import type { UpstreamCache } from '../../upstream/cache.js';
import type { ErrorDetector, UpstreamClient } from '../../upstream/client.js';
import type { UpstreamPolicy } from '../../upstream/policy.js';
import type { NativeIdRule } from './nativeId.js';
import type { Paging, PagingStyle, ProviderCapabilities } from './paging.js';
import type { ProviderId, RecordSource, UserRecord } from './record.js';
import type { ProviderSession, RequestKey } from './session.js';
import type { SourceDeclaration } from './source.js';

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
  /** What the source's upstream calls last failed with (`sources` reports it). */
  health?: SourceHealth;
}

/** A source's health as its upstream client records it. */
export interface SourceHealth {
  /** The code of the last upstream error, misses (not found) aside (null: none since start). */
  lastErrorCode: string | null;
}

/** An emulator that can tell the environment pointing rollcall at it. */
export interface DemoEmulator extends EmulatorServer {
  demoEnv(): Record<string, string>;
  /**
   * The variables of its source in demo mode, when they show more than `demoEnv` (Voximplant's demo
   * source lists two applications; tests keep reading one through `demoEnv`).
   */
  demoSourceEnv?(): Record<string, string>;
}

/** Which emulator to make: its latency, and which demo account (0: the provider's usual one). */
export interface EmulatorChoice {
  latencyMs?: number;
  account?: number;
}

/** A running emulator as demo mode and tests use it. */
export interface RunningEmulator {
  server: EmulatorServer;
  /** Environment variables pointing rollcall at this emulator. */
  env: Record<string, string>;
  /** The variables of its demo source (`env` unless the emulator's demo source shows more). */
  sourceEnv: Record<string, string>;
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
   * How one of its sources (accounts) is written in the configuration file, and which of its variables
   * each key stands for (`readConfig` reads a source from the file through them).
   */
  source: SourceDeclaration;
  /**
   * Reads its settings. Returns null when its credentials are absent (provider disabled); records a
   * problem on `env` (naming the variable, never echoing a secret) when they are invalid.
   */
  readConfig(env: EnvReader): Cfg | null;
  /**
   * Its emulator, not yet started (the core starts it on a free loopback port, for demo mode, tests and
   * bench). The emulator module is imported here, lazily: nothing on the production path loads it.
   */
  emulator(options?: EmulatorChoice): Promise<DemoEmulator>;
  /**
   * The names of its sources in demo mode, one emulated account each (`account` 0, 1, …: distinct
   * credentials and users); its source key alone by default.
   */
  demoSources?: readonly string[];
  http(config: Cfg): HttpSettings;
  /** Its wire calls for one account, over the shared upstream client. */
  api(config: Cfg, upstream: UpstreamClient): ProviderApi<Wire, Query, Filter>;
  /** A wire user as rollcall's record, read from `source` (its name and ids go into the record). */
  toRecord(wire: Wire, source: RecordSource): Rec;
  /**
   * Push events about its users (webhooks at `POST /webhooks/<source>`), for the directory: `secret`
   * gives a source's verification secret (undefined: that source takes no events), `receive` verifies a
   * request with it (throwing WebhookRefused) and names the users to fetch again.
   */
  events?: {
    secret(config: Cfg): string | undefined;
    receive(request: WebhookRequest, secret: string): WebhookReceipt;
  };
}

/** A source connected to its account: its sessions, one per request. */
export interface ConnectedSource {
  name: string;
  provider: ProviderId;
  session(request: RequestKey): ProviderSession;
  /** Verifies a webhook request and names the users it is about (absent: the source takes no events). */
  receive?(request: WebhookRequest): WebhookReceipt;
}

/** A source's checked settings, ready to connect (the types stay inside the definition). */
export interface ProviderSettings {
  /** The base URL the source is reached at, to tell live from emulated. */
  baseUrl: string;
  /** Connects the source named `name` (its records and ids carry the name). */
  connect(runtime: ProviderRuntime, name: string): ConnectedSource;
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
  /** How its sources are written in the configuration file (see ProviderSpec.source). */
  source: SourceDeclaration;
  readConfig(env: EnvReader): ProviderSettings | null;
  startEmulator(options?: EmulatorChoice): Promise<RunningEmulator>;
  /** Its source names in demo mode, in order: the n-th is `startEmulator({ account: n })`. */
  demoSources: readonly string[];
  /**
   * Its resolvers over its connected sources (those this definition connected; in their order). A field
   * that names no source reads `defaultSource`; one that names an unknown source is BAD_USER_INPUT listing
   * them. Without sources every field answers PROVIDER_NOT_CONFIGURED.
   */
  resolvers(sources: readonly ConnectedSource[], defaultSource: string | undefined): Resolvers;
}
