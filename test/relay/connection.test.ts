import { describe, expect, it } from '@jest/globals';
import {
  parsePageRequest,
  sliceWindow,
  toConnection,
  type PageRequest,
  type ProviderPage,
} from '../../src/relay/connection.js';

const limits = { defaultSize: 20, maxSize: 100 };
const decode = (cursor: string) => Number(cursor);
const items = Array.from({ length: 10 }, (_, i) => `item${i}`);
const forward = (size: number, after: number | null = null): PageRequest<number> => ({
  direction: 'forward',
  size,
  after,
});
const backward = (size: number, before: number | null = null): PageRequest<number> => ({
  direction: 'backward',
  size,
  before,
});
const nodes = (request: PageRequest<number>, list = items) =>
  sliceWindow(request, list).edges.map((e) => e.node);

describe('parsePageRequest', () => {
  it('defaults to a forward page of the default size', () => {
    expect(parsePageRequest({}, limits, decode)).toEqual({ direction: 'forward', size: 20, after: null });
  });

  it('accepts first: 0 and first at the cap', () => {
    expect(parsePageRequest({ first: 0 }, limits, decode)).toMatchObject({ size: 0 });
    expect(parsePageRequest({ first: 100 }, limits, decode)).toMatchObject({ size: 100 });
  });

  it('decodes after and before with the argument name', () => {
    const seen: string[] = [];
    const spy = (cursor: string, argument: string) => (seen.push(argument), Number(cursor));
    expect(parsePageRequest({ first: 2, after: '4' }, limits, spy)).toEqual({
      direction: 'forward',
      size: 2,
      after: 4,
    });
    expect(parsePageRequest({ last: 2, before: '4' }, limits, spy)).toEqual({
      direction: 'backward',
      size: 2,
      before: 4,
    });
    expect(seen).toEqual(['after', 'before']);
  });

  it.each([
    [{ first: -1 }, /"first" must be a non-negative integer/],
    [{ last: -5 }, /"last" must be a non-negative integer/],
    [{ first: 101 }, /"first" may be at most 100; got 101/],
    [{ last: 1000 }, /"last" may be at most 100/],
    [{ first: 1, last: 1 }, /not both/],
    [{ first: 1, before: 'x' }, /"before" pages backward/],
    [{ before: 'x' }, /"before" pages backward/],
    [{ last: 1, after: 'x' }, /"after" pages forward/],
  ])('rejects %j with BAD_USER_INPUT', (args, message) => {
    let error: unknown;
    try {
      parsePageRequest(args, limits, decode);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toMatch(message);
    expect((error as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
  });

  it('names the configured cap, not a fixed one', () => {
    expect(() => parsePageRequest({ first: 11 }, { defaultSize: 5, maxSize: 10 }, decode)).toThrow(
      /at most 10; got 11/,
    );
  });
});

describe('sliceWindow (Relay spec cases)', () => {
  it('pages an empty list', () => {
    expect(sliceWindow(forward(5), [])).toEqual({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: false,
      totalCount: 0,
    });
    expect(sliceWindow(backward(5), [])).toEqual({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: false,
      totalCount: 0,
    });
  });

  it('reports hasNextPage false when the page ends exactly at the last item', () => {
    const page = sliceWindow(forward(5, 4), items);
    expect(page.edges.map((e) => e.cursor)).toEqual([5, 6, 7, 8, 9]);
    expect(page).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('reports hasNextPage true one short of the end', () => {
    expect(sliceWindow(forward(9), items)).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('returns nothing after the last cursor', () => {
    expect(sliceWindow(forward(3, 9), items)).toMatchObject({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });

  it('pages backward from the end and from a cursor', () => {
    expect(nodes(backward(3))).toEqual(['item7', 'item8', 'item9']);
    expect(nodes(backward(3, 2))).toEqual(['item0', 'item1']);
    expect(sliceWindow(backward(3, 2), items)).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    expect(sliceWindow(backward(3, 5), items)).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  it('answers first: 0 with no edges but the right neighbours', () => {
    expect(sliceWindow(forward(0), items)).toMatchObject({
      edges: [],
      hasNextPage: true,
      hasPreviousPage: false,
    });
    expect(sliceWindow(forward(0, 9), items)).toMatchObject({
      edges: [],
      hasNextPage: false,
      hasPreviousPage: true,
    });
  });

  it('covers every item exactly once when paging forward or backward', () => {
    for (const size of [1, 3, 4, 10, 11]) {
      const seenForward: string[] = [];
      let after: number | null = null;
      for (;;) {
        const page: ProviderPage<string, number> = sliceWindow(forward(size, after), items);
        seenForward.push(...page.edges.map((e) => e.node));
        if (!page.hasNextPage) break;
        after = page.edges.at(-1)!.cursor;
      }
      const seenBackward: string[] = [];
      let before: number | null = null;
      for (;;) {
        const page: ProviderPage<string, number> = sliceWindow(backward(size, before), items);
        seenBackward.unshift(...page.edges.map((e) => e.node));
        if (!page.hasPreviousPage) break;
        before = page.edges[0].cursor;
      }
      expect(seenForward).toEqual(items);
      expect(seenBackward).toEqual(items);
    }
  });
});

describe('toConnection', () => {
  it('encodes cursors and fills nodes and pageInfo', () => {
    const connection = toConnection(sliceWindow(forward(2, 0), items), (n) => `c${n}`);
    expect(connection).toEqual({
      edges: [
        { cursor: 'c1', node: 'item1' },
        { cursor: 'c2', node: 'item2' },
      ],
      nodes: ['item1', 'item2'],
      pageInfo: { hasNextPage: true, hasPreviousPage: true, startCursor: 'c1', endCursor: 'c2' },
      totalCount: 10,
    });
  });

  it('has null start and end cursors on an empty page', () => {
    expect(toConnection(sliceWindow(forward(0), items), String).pageInfo).toMatchObject({
      startCursor: null,
      endCursor: null,
    });
  });
});
