/**
 * The contract every provider folder implements. A provider is one `ProviderDefinition`: it reads its
 * configuration, starts its emulator, creates its adapter, and brings its resolvers. Nothing outside a
 * provider folder knows the provider's wire format; the rest of rollcall sees `UserRecord`s, pages and
 * per-request sessions.
 */
import type { EmulatorServer } from '../emulators/base.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { UpstreamCache } from '../upstream/cache.js';
import type { UpstreamPolicy } from '../upstream/policy.js';
import type { ProviderPage, PageRequest } from '../relay/connection.js';
import type { CursorPayload } from '../relay/cursor.js';
import type { EnvReader } from '../config.js';
import type { ProviderId } from './ids.js';
import type { Resolvers } from '../generated/resolvers.js';
import type { NativeIdRule } from './nativeId.js';

/**
 * The common shape of every provider's user record: what the `User` interface's fields resolve from.
 * Each provider extends it with its native fields (already mapped to the GraphQL field names) and keeps
 * the untouched upstream record in `raw`.
 */
export interface UserRecord {
  /** The concrete GraphQL type, so `__resolveType` needs no I/O. */
  __typename: string;
  id: string;
  provider: ProviderId;
  providerUserId: string;
  displayName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  avatarUrl: string | null;
  active: boolean | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  raw: unknown;
}

/** What a provider's adapter gets from the process. */
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

/**
 * A per-request view of one provider: its DataLoaders live here, so everything one GraphQL operation
 * asks of the provider shares one cache.
 */
export interface ProviderSession<Rec extends UserRecord = UserRecord> {
  /**
   * A window of the provider's users. `filter` is the provider's own filter input (undefined for the
   * unfiltered list the unified `users` connection walks).
   */
  page(request: PageRequest<CursorPayload>, filter?: unknown): Promise<ProviderPage<Rec>>;
  /** One user by native id through the per-request by-id loader; null for a miss. */
  byId(nativeId: string): Promise<Rec | null>;
  /** Checks that a decoded cursor payload has this provider's shape; throws BAD_USER_INPUT otherwise. */
  validateCursor(payload: CursorPayload, argument: string): CursorPayload;
}

export interface ProviderAdapter<S extends ProviderSession = ProviderSession> {
  /** A new session (new loaders) for one GraphQL operation. */
  session(): S;
}

/** A running emulator as demo mode and tests use it. */
export interface RunningEmulator {
  server: EmulatorServer;
  /** Environment variables pointing rollcall at this emulator. */
  env: Record<string, string>;
}

export interface ProviderDefinition<Cfg = unknown, S extends ProviderSession = ProviderSession> {
  id: ProviderId;
  /** The concrete GraphQL type implementing `User`. */
  typename: string;
  /** What a native user id of this provider looks like (checked before any lookup reaches upstream). */
  nativeId: NativeIdRule;
  /** Human name for logs and docs. */
  displayName: string;
  /**
   * Reads this provider's settings. Returns null when its credentials are absent (provider disabled);
   * records a problem on `env` (naming the variable, never echoing a secret) when they are invalid.
   */
  readConfig(env: EnvReader): Cfg | null;
  /** The base URL the provider is reached at, to tell live from emulated. */
  baseUrl(config: Cfg): string;
  /**
   * Starts the provider's emulator on a free loopback port (demo mode, tests, bench). The emulator module
   * is imported here, lazily: nothing on the production path loads it.
   */
  startEmulator(options?: { latencyMs?: number }): Promise<RunningEmulator>;
  createAdapter(config: Cfg, runtime: ProviderRuntime): ProviderAdapter<S>;
  /** This provider's GraphQL resolvers (its Query fields and its user type). */
  resolvers: Resolvers;
  /** What the unified `users` connection may ask of it (defaults: backward paging, no count). */
  capabilities?: ProviderCapabilities;
}

export interface ProviderCapabilities {
  /** `last`/`before` work (otherwise the session answers BAD_USER_INPUT for them). */
  backward: boolean;
  /** A page's `totalCount` is a number (a zero-size page tells it, cheaply). */
  countable: boolean;
}

export const DEFAULT_CAPABILITIES: ProviderCapabilities = { backward: true, countable: false };

/** Lets a registry hold definitions with different config and session types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProviderDefinition = ProviderDefinition<any, any>;
