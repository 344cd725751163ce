/** How people are matched (config.ts reads them from the `ROLLCALL_PEOPLE_…` variables or the file). */
import { DEFAULT_BLOCKED_LOCAL_PARTS } from './matcher.js';

export interface PeopleSettings {
  /** An address held by more users than this in one source is a shared mailbox (default 3). */
  sharedAddressThreshold: number;
  /** Addresses that never link anyone: local parts, whole addresses, or `*@domain`. */
  blockedAddresses: readonly string[];
}

export const DEFAULT_PEOPLE_SETTINGS: PeopleSettings = {
  sharedAddressThreshold: 3,
  blockedAddresses: DEFAULT_BLOCKED_LOCAL_PARTS,
};
