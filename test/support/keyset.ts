/** Paging a store's keyset windows to the end, and recording the statements a store runs. */
import { expect } from '@jest/globals';
import type { Database, Queryable } from '../../src/directory/store/database.js';

export interface WindowAnswer<Row> {
  rows: Row[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface Window<Key> {
  direction: 'forward' | 'backward';
  size: number;
  cursor: Key | null;
}

/**
 * Every row's id, paged at `size` forward (or backward) until the end, checking that each page past the
 * first knows it has rows behind it.
 */
export async function pageThrough<Key, Row extends { keyset: Key }>(
  read: (window: Window<Key>) => Promise<WindowAnswer<Row>>,
  idOf: (row: Row) => string,
  size: number,
  backward: boolean,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: Key | null = null;
  for (let pages = 0; pages < 500; pages += 1) {
    const page = await read({ direction: backward ? 'backward' : 'forward', size, cursor });
    const got = page.rows.map(idOf);
    if (backward) ids.unshift(...got);
    else ids.push(...got);
    if (pages > 0) expect(backward ? page.hasNextPage : page.hasPreviousPage).toBe(true);
    const more = backward ? page.hasPreviousPage : page.hasNextPage;
    if (!more) return ids;
    cursor = (backward ? page.rows[0] : page.rows[page.rows.length - 1]).keyset;
  }
  throw new Error('more than 500 pages');
}

/** `db` with every statement recorded (to tell which way a store read). */
export function recording(db: Database): { db: Queryable; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    db: {
      query: (sql, params) => {
        statements.push(sql);
        return db.query(sql, params);
      },
      exec: (sql) => db.exec(sql),
    },
  };
}
