/** The throwaway PostgreSQL server of the tests (and of the bench): see src/emulators/postgres.ts. */
export { postgresAvailable, startPostgres, type PostgresProcess } from '../../src/emulators/postgres.js';
