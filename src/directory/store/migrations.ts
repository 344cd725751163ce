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
  {
    version: 3,
    name: 'people: persons across sources, manual links and their history',
    sql: `
      -- Each user's person and why it belongs; person_dirty: the user changed in a way that may move it
      -- (new, another email, deleted) or change its person's summary (name, update time).
      ALTER TABLE directory_users
        ADD COLUMN person_id text COLLATE "C",
        ADD COLUMN link_reason text,
        ADD COLUMN person_dirty boolean NOT NULL DEFAULT true;
      CREATE INDEX directory_users_person ON directory_users (person_id);
      CREATE INDEX directory_users_person_dirty ON directory_users (source, native_id) WHERE person_dirty;

      -- Persons, summarised for listing, filtering and ordering; a retired id points at the person that
      -- absorbed it; a person with no accounts left is gone.
      CREATE TABLE directory_people (
        id text COLLATE "C" PRIMARY KEY,
        -- The transaction's time: persons made together are as old as each other.
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_into text COLLATE "C",
        accounts integer NOT NULL DEFAULT 0,
        display_name text,
        ${orderKeys('name', 'text COLLATE "C"')},
        ${orderKeys('updated', 'timestamptz')},
        emails text[] NOT NULL DEFAULT '{}',
        providers text[] NOT NULL DEFAULT '{}',
        sources text[] NOT NULL DEFAULT '{}',
        search_text text NOT NULL DEFAULT '',
        search_public text NOT NULL DEFAULT ''
      );
      CREATE INDEX directory_people_name_asc ON directory_people (name_asc, id) WHERE accounts > 0;
      CREATE INDEX directory_people_name_desc ON directory_people (name_desc, id) WHERE accounts > 0;
      CREATE INDEX directory_people_updated_asc ON directory_people (updated_asc, id) WHERE accounts > 0;
      CREATE INDEX directory_people_updated_desc ON directory_people (updated_desc, id) WHERE accounts > 0;
      CREATE INDEX directory_people_accounts ON directory_people (accounts, id) WHERE accounts > 0;
      CREATE INDEX directory_people_emails ON directory_people USING gin (emails);
      CREATE INDEX directory_people_sources ON directory_people USING gin (sources);
      CREATE INDEX directory_people_search ON directory_people USING gin (search_text gin_trgm_ops);
      CREATE INDEX directory_people_search_public ON directory_people USING gin (search_public gin_trgm_ops);

      -- Manual corrections: users linked into one group, users kept apart from every match.
      CREATE TABLE directory_links (
        source text COLLATE "C" NOT NULL,
        native_id text COLLATE "C" NOT NULL,
        group_id text COLLATE "C" NOT NULL,
        linked_at timestamptz NOT NULL DEFAULT now(),
        linked_by text,
        PRIMARY KEY (source, native_id)
      );
      CREATE INDEX directory_links_group ON directory_links (group_id);
      CREATE TABLE directory_unlinks (
        source text COLLATE "C" NOT NULL,
        native_id text COLLATE "C" NOT NULL,
        unlinked_at timestamptz NOT NULL DEFAULT now(),
        unlinked_by text,
        PRIMARY KEY (source, native_id)
      );

      -- Every manual change: who (the token's subject), when, what.
      CREATE TABLE directory_people_history (
        seq bigserial PRIMARY KEY,
        person_id text COLLATE "C" NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        actor text,
        action text NOT NULL,
        accounts text[] NOT NULL
      );
      CREATE INDEX directory_people_history_person ON directory_people_history (person_id, seq);

      -- The matching settings the persons were computed with (a change recomputes them all).
      CREATE TABLE directory_people_settings (
        id integer PRIMARY KEY,
        fingerprint text NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'staged walk users found by position',
    sql: `
      -- A walk is applied in slices of its order (position ranges): without position in the index each
      -- slice read every row the walk staged (at 100,000 users, 50 slices × 100,000 rows).
      CREATE INDEX directory_walk_users_position ON directory_walk_users (source, walk, position);
      DROP INDEX directory_walk_users_walk;
    `,
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
