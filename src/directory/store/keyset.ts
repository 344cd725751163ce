/**
 * Reading one keyset window of a filtered table (users, persons), and choosing how.
 *
 * A search's matches are not spread evenly along an order: names that contain "ann" gather where
 * "Annie" sorts. The planner assumes they are, and for a few thousand matches walks the order's index
 * testing each row, which at 434,673 users read 29,366 rows for "ann" A→Z and 379,187 Z→A (0.6 s and
 * 3.5 s on PostgreSQL). So a search the planner expects to match at most SEARCH_COLLECT_BOUND rows
 * collects its matches from the search index and sorts them, a cost in proportion to the matches
 * (about 10 ms for those 6,121); a broader one, whose matches an order's index meets soon, is left to
 * the planner.
 */
import type { Queryable } from './database.js';

/** The most rows a search may be expected to match for its pages to be read by collecting the matches. */
export const SEARCH_COLLECT_BOUND = 20_000;

/**
 * Whether a search's pages are read by collecting its matches (see the module's comment): the planner
 * expects `FROM <filter>` to select at most `bound` rows. One EXPLAIN; no row is read. `filter` adds its
 * parameters to the array it is given.
 */
export async function collectsMatches(
  db: Queryable,
  filter: (params: unknown[]) => string,
  bound: number,
): Promise<boolean> {
  const params: unknown[] = [];
  const [row] = await db.query<{ 'QUERY PLAN': unknown }>(
    `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${filter(params)}`,
    params,
  );
  const plan: unknown = row?.['QUERY PLAN'];
  const parsed: unknown = typeof plan === 'string' ? JSON.parse(plan) : plan;
  const rows = Array.isArray(parsed)
    ? (parsed[0] as { Plan?: { 'Plan Rows'?: unknown } } | undefined)?.Plan?.['Plan Rows']
    : undefined;
  return typeof rows === 'number' && rows <= bound;
}

export interface WindowSql {
  /** `SELECT <columns, the order's among them> FROM <table> WHERE <filter>`. */
  selected: string;
  /** The order's columns, compared as one row with `bound`. */
  columns: readonly string[];
  /** The cursor as SQL (placeholders, cast where needed), and which side of it: null from an end. */
  cursor: { values: string; side: '>' | '<' } | null;
  /** The direction to read the order in; null: in no order (is there any row at all?). */
  direction: 'ASC' | 'DESC' | null;
  limit: number;
  /** Collect the matches, then sort (the planner may not read the filter along an order's index). */
  collect: boolean;
}

/** One window's statement. */
export function windowSql({ selected, columns, cursor, direction, limit, collect }: WindowSql): string {
  // OFFSET 0 keeps the planner from reading the subquery in the outer ORDER BY's index order; the cursor's
  // bound stays outside it too (an index range over every row past the cursor would cost more).
  let sql = collect ? `SELECT * FROM (${selected} OFFSET 0) matches` : selected;
  if (cursor)
    sql += ` ${collect ? 'WHERE' : 'AND'} (${columns.join(', ')}) ${cursor.side} (${cursor.values})`;
  if (direction) sql += ` ORDER BY ${columns.map((column) => `${column} ${direction}`).join(', ')}`;
  return `${sql} LIMIT ${limit}`;
}
