/** The per-request session as the provider-independent parts of rollcall see it. */
import type { PageRequest, ProviderPage } from '../../relay/connection.js';
import type { CursorPayload } from '../../relay/cursor.js';
import type { OperationScope } from '../../upstream/scope.js';
import type { UserRecord } from './record.js';

/**
 * One request, as its provider sessions are kept under it: its id, and the operation scope (deadline,
 * signal, upstream budget) every upstream call of its sessions runs under.
 */
export interface RequestKey {
  readonly requestId: string;
  readonly operation?: OperationScope;
}

/**
 * A per-request view of one source of a provider, as the provider-independent parts (`users`, `node`, `nodes`,
 * `_entities`) use it: its loaders live here, so everything one operation asks of the provider shares
 * one cache.
 */
export interface ProviderSession {
  /** The source (account) this session reads. */
  readonly source: string;
  /** A window of the provider's whole (unfiltered) list; the cursors are checked again here. */
  page(request: PageRequest<CursorPayload>): Promise<ProviderPage<UserRecord>>;
  /** One user by native id through the per-request by-id loader; null for a miss. */
  byId(nativeId: string): Promise<UserRecord | null>;
  /** Checks that a decoded cursor payload has this provider's shape; throws BAD_USER_INPUT otherwise. */
  validateCursor(payload: CursorPayload, argument: string): CursorPayload;
}

/** A session as its own provider's resolvers use it: also windows of a filtered list. */
export interface FilteredSession<Rec extends UserRecord, Filter> extends ProviderSession {
  /** A window of the list `filter` selects (checked first: BAD_USER_INPUT before any call). */
  connection(request: PageRequest<CursorPayload>, filter: Filter | undefined): Promise<ProviderPage<Rec>>;
}
