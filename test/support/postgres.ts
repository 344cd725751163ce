/** The throwaway PostgreSQL server of the tests (and of the bench): see src/emulators/postgres.ts. */
import { describe } from '@jest/globals';
import { postgresAvailable } from '../../src/emulators/postgres.js';

export { postgresAvailable, startPostgres, type PostgresProcess } from '../../src/emulators/postgres.js';

/** Whether this run tests on PostgreSQL: where its binaries are found, and always in CI. */
export const onPostgres = Boolean(postgresAvailable || process.env.CI);

/** The directory stores a store test runs on: PGlite always, PostgreSQL where `onPostgres`. */
export const STORES: readonly { name: string; postgres: boolean }[] = [
  { name: 'PGlite', postgres: false },
  ...(onPostgres ? [{ name: 'PostgreSQL', postgres: true }] : []),
];

/** `describe` for what runs on PostgreSQL only (skipped where it is not tested). */
export const describeOnPostgres = onPostgres ? describe : describe.skip;
