/** What `providers` and `sources` answer (the GraphQL `ProviderStatus` and `SourceStatus`). */
import type { CircuitState } from '../../upstream/policy.js';
import type { ProviderId } from './record.js';

export interface ProviderStatusSource {
  provider: ProviderId;
  enabled: boolean;
  mode: 'LIVE' | 'EMULATED' | null;
  circuit: CircuitState | null;
}

/** What `sources` answers for one source (the GraphQL `SourceStatus`). */
export interface SourceStatusSource {
  name: string;
  provider: ProviderId;
  /** Its provider's default source (what a query that names none reads). */
  default: boolean;
  enabled: boolean;
  mode: 'LIVE' | 'EMULATED' | null;
  circuit: CircuitState | null;
  lastErrorCode: string | null;
}
