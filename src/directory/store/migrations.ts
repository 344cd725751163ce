/**
 * Versioned migrations of the directory's database, applied at start: every pending one in one
 * transaction, recorded in `rollcall_migrations`, under a transaction-level advisory lock so that a
 * replica never runs a migration another replica is running (the second waits, then finds them applied).
 * A migration is never edited once released: a change is a new version.
 *
 * The SQL is what PostgreSQL 15 and PGlite (PostgreSQL 18) both run. Text that is sorted is stored as
 * keys computed by rollcall (lower-cased in JavaScript, compared with `COLLATE "C"`), so the order is
 * the same on every server whatever its locale.
 */
import { LOCK_NAMESPACE, type Database } from './database.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The sort keys of one order field: ascending and descending, each putting missing values last. */
const orderKeys = (field: string, type: string) =>
  `${field}_asc ${type} NOT NULL, ${field}_desc ${type} NOT NULL`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'directory users and sources',
    sql: `
      CREATE EXTENSION IF NOT EXISTS pg_trgm;

      CREATE TABLE directory_sources (
        source text COLLATE "C" PRIMARY KEY,
        provider text NOT NULL,
        state text NOT NULL DEFAULT 'SYNCING',
        users integer NOT NULL DEFAULT 0,
        walks bigint NOT NULL DEFAULT 0,
        completed boolean NOT NULL DEFAULT false,
        failures integer NOT NULL DEFAULT 0,
        last_synced_at timestamptz,
        last_error text,
        next_sync_at timestamptz
      );

      CREATE TABLE directory_users (
        source text COLLATE "C" NOT NULL,
        native_id text COLLATE "C" NOT NULL,
        provider text NOT NULL,
        source_rank integer NOT NULL,
        position bigint NOT NULL,
        record jsonb NOT NULL,
        search_text text NOT NULL,
        search_public text NOT NULL,
        email_norm text COLLATE "C",
        active boolean,
        updated_at timestamptz,
        ${orderKeys('name', 'text COLLATE "C"')},
        ${orderKeys('email', 'text COLLATE "C"')},
        ${orderKeys('created', 'timestamptz')},
        ${orderKeys('updated', 'timestamptz')},
        walk bigint NOT NULL,
        deleted_at timestamptz,
        indexed_at timestamptz NOT NULL,
        PRIMARY KEY (source, native_id)
      );
      CREATE INDEX directory_users_source_order ON directory_users (source_rank, position, native_id);
      CREATE INDEX directory_users_name_asc ON directory_users (name_asc, source_rank, native_id);
      CREATE INDEX directory_users_name_desc ON directory_users (name_desc, source_rank, native_id);
      CREATE INDEX directory_users_email_asc ON directory_users (email_asc, source_rank, native_id);
      CREATE INDEX directory_users_email_desc ON directory_users (email_desc, source_rank, native_id);
      CREATE INDEX directory_users_created_asc ON directory_users (created_asc, source_rank, native_id);
      CREATE INDEX directory_users_created_desc ON directory_users (created_desc, source_rank, native_id);
      CREATE INDEX directory_users_updated_asc ON directory_users (updated_asc, source_rank, native_id);
      CREATE INDEX directory_users_updated_desc ON directory_users (updated_desc, source_rank, native_id);
      CREATE INDEX directory_users_email ON directory_users (email_norm);
      CREATE INDEX directory_users_search ON directory_users USING gin (search_text gin_trgm_ops);
      CREATE INDEX directory_users_search_public ON directory_users USING gin (search_public gin_trgm_ops);

      -- One walk's users, applied to directory_users in one transaction when the walk completes (a walk
      -- that fails midway changes nothing).
      CREATE UNLOGGED TABLE directory_walk_users (LIKE directory_users INCLUDING DEFAULTS);
      CREATE INDEX directory_walk_users_walk ON directory_walk_users (source, walk);
    `,
  },
  {
    version: 2,
    name: 'when each source last applied a provider event',
    sql: `ALTER TABLE directory_sources ADD COLUMN last_event_at timestamptz;`,
  },
];

/** Applies every pending migration; returns the versions it applied. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NAMESPACE]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS rollcall_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ version: number }>('SELECT version FROM rollcall_migrations')).map((row) =>
        Number(row.version),
      ),
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO rollcall_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
