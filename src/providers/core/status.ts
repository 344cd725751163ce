/** What `providers` answers for one provider (the GraphQL `ProviderStatus`). */
import type { CircuitState } from '../../upstream/policy.js';
import type { ProviderId } from './record.js';

export interface ProviderStatusSource {
  provider: ProviderId;
  enabled: boolean;
  mode: 'LIVE' | 'EMULATED' | null;
  circuit: CircuitState | null;
}
