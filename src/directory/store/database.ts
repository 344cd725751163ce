/**
 * The directory's database: PGlite (PostgreSQL compiled to WebAssembly, in process) by default, or a
 * PostgreSQL server when `ROLLCALL_DATABASE_URL` is set (a node-postgres pool, shared by every replica).
 * Both speak the same SQL; everything above this file sees one `Database`.
 *
 * - `query` runs one parameterised statement (never SQL built from input).
 * - `transaction` runs a callback on one connection inside BEGIN/COMMIT (ROLLBACK when it throws); the
 *   callback must use the `tx` it is given (PGlite deadlocks on its own handle inside a transaction).
 * - `withLock` runs a callback while holding a named lock: a PostgreSQL session advisory lock (one
 *   replica at a time across every replica on the server), or a lock inside the process for PGlite
 *   (whose database belongs to one process). It answers `{ acquired: false }` at once when another holds it.
 *
 * PGlite runs each statement synchronously on the event loop and settles its promise at once, so a run
 * of `await`ed statements (a walk's apply, a people batch) would never let the process read a socket or
 * fire a timer: measured, 300 inserts in a row fired none of a 10 ms timer's 231 ticks, and a first sync
 * of 171,000 users (four sources) stood the process still for up to 111 s (health checks and upstream
 * calls timed out); with the turns, its longest stall was 1.4 s and the sync took 198 s instead of 368 s. Every PGlite
 * statement therefore ends with a turn of the event loop (`setImmediate`): between two statements the
 * process serves whatever is waiting.
 */
import { setImmediate as turn } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import { DirectoryUnavailableError } from '../../errors.js';

export interface Queryable {
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export type Locked<T> = { acquired: true; value: T } | { acquired: false };

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  withLock<T>(name: string, work: () => Promise<T>): Promise<Locked<T>>;
  close(): Promise<void>;
}

/** The advisory-lock namespace of rollcall's locks (the first key of the two-key form). */
export const LOCK_NAMESPACE = 0x726f6c; // "rol"

/** `count(*)` and other int8 values: node-postgres answers strings, PGlite numbers. */
export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** PGlite's handle or a transaction's: what the two helpers below need of either. */
interface PgliteHandle {
  query<Row>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  exec(sql: string): Promise<unknown>;
}

/** One statement, then a turn of the event loop (see the header); the turn happens when it fails too. */
async function queryThenTurn<Row extends object>(
  handle: PgliteHandle,
  sql: string,
  params: readonly unknown[],
): Promise<Row[]> {
  try {
    return (await handle.query<Row>(sql, [...params])).rows;
  } finally {
    await turn();
  }
}

async function execThenTurn(handle: PgliteHandle, sql: string): Promise<void> {
  try {
    await handle.exec(sql);
  } finally {
    await turn();
  }
}

class PgliteDatabase implements Database {
  readonly kind = 'pglite';
  private readonly held = new Set<string>();

  constructor(private readonly db: PGlite) {}

  query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return queryThenTurn(this.db, sql, params);
  }

  exec(sql: string): Promise<void> {
    return execThenTurn(this.db, sql);
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      work({
        query: <Row extends object>(sql: string, params: readonly unknown[] = []) =>
          queryThenTurn<Row>(tx, sql, params),
        exec: (sql: string) => execThenTurn(tx, sql),
      }),
    );
  }

  async withLock<T>(name: string, work: () => Promise<T>): Promise<Locked<T>> {
    if (this.held.has(name)) return { acquired: false };
    this.held.add(name);
    try {
      return { acquired: true, value: await work() };
    } finally {
      this.held.delete(name);
    }
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** Node's codes of a connection that failed or ended. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/**
 * A PostgreSQL failure as the caller should see it: a statement cancelled by `statement_timeout` (57014)
 * or a server out of reach (SQLSTATE classes 08, 57P, 53; a refused or ended connection) is a
 * DirectoryUnavailableError; anything else (a bug) passes as it is.
 */
function unavailable(error: unknown, timeoutMs: number | undefined): unknown {
  // Not `instanceof Error`: errors of Node's own sockets may come from another realm (a test's VM).
  if (typeof error !== 'object' || error === null) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code === '57014' && timeoutMs !== undefined) return new DirectoryUnavailableError('timeout', timeoutMs);
  const unreachable =
    (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^(08|57P|53)/.test(code))) ||
    (typeof message === 'string' && /Connection terminated|connection timeout/i.test(message));
  return unreachable ? new DirectoryUnavailableError('unreachable') : error;
}

class PostgresDatabase implements Database {
  readonly kind = 'postgres';

  constructor(
    private readonly pool: pg.Pool,
    /** The pool's statement_timeout, when it has one. */
    private readonly timeoutMs?: number,
  ) {}

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    try {
      return (await this.pool.query<Row>(sql, [...params])).rows;
    } catch (error) {
      throw unavailable(error, this.timeoutMs);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.pool.query(sql);
    } catch (error) {
      throw unavailable(error, this.timeoutMs);
    }
  }

  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN');
        const value = await work({
          query: async <Row extends object>(sql: string, params: readonly unknown[] = []) =>
            (await client.query<Row>(sql, [...params])).rows,
          exec: async (sql: string) => {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw unavailable(error, this.timeoutMs);
      }
    });
  }

  withLock<T>(name: string, work: () => Promise<T>): Promise<Locked<T>> {
    // A session lock lives on one connection: that connection is held until the work ends, and a
    // replica that dies mid-walk releases it with its connection.
    return this.withClient(async (client) => {
      const [row] = (
        await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
          LOCK_NAMESPACE,
          name,
        ])
      ).rows;
      if (row?.locked !== true) return { acquired: false };
      try {
        return { acquired: true, value: await work() };
      } finally {
        await client
          .query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, name])
          .catch(() => undefined);
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /**
   * `work` with a connection of the pool, listened to while it is out: a connection the server ends (a
   * restart, an administrator, a failover) emits an error on its client, which must not crash the
   * process — the query in flight fails instead, and the pool drops the connection.
   */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw unavailable(error, this.timeoutMs);
    }
    let failed = false;
    const onError = () => {
      failed = true;
    };
    client.on('error', onError);
    try {
      return await work(client);
    } finally {
      client.off('error', onError);
      client.release(failed);
    }
  }
}

export interface DatabaseOptions {
  /** A PostgreSQL URL: the server shared by every replica. */
  url?: string;
  /** PGlite's folder (persisted); unset: in memory. */
  dataDir?: string;
  /** Connections of the PostgreSQL pool. */
  poolSize?: number;
  /**
   * PostgreSQL: the server cancels a statement still running after this long (`statement_timeout`), and
   * the caller gets a DirectoryUnavailableError. The requests' database has it (the operation deadline);
   * the walks' and matching's, whose statements may rightly take longer, has not. PGlite runs in the
   * process and cannot be interrupted.
   */
  statementTimeoutMs?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // A connection lost while idle is an event, not a crash; the next query opens another.
      idleTimeoutMillis: 30_000,
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    });
    pool.on('error', () => undefined);
    return new PostgresDatabase(pool, options.statementTimeoutMs);
  }
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    extensions: { pg_trgm },
  });
  return new PgliteDatabase(db);
}
