/**
 * A list without upstream paging (2Chat): the whole list is one page-loader key, fetched at most once
 * per operation, and every window is a slice of it. A cursor is the user's absolute index; forward and
 * backward windows are both exact, and `totalCount` is the list length. Lookups read the same list.
 */
import { asOffset, sliceWindow } from '../../../relay/connection.js';
import type { PagerTools, TypedPager, WholeListPaging } from '../paging.js';

export function wholeListPager<Wire, Rec, Query>(
  paging: WholeListPaging<Wire>,
  tools: PagerTools<Wire, Rec>,
): TypedPager<Rec, Query, number> {
  const load = tools.loader(async () => ({ items: await paging.list() }));
  return {
    cursor: asOffset,
    window: async (request) => sliceWindow(request, (await load('list')).records),
    walk: async () => {
      const list = await load('list');
      return { records: list.records, cost: list.fresh ? 1 : 0, next: null };
    },
  };
}
