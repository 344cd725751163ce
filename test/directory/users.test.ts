/**
 * The unified walk over in-memory providers: every ordering, boundary, failure and concurrency rule of
 * `users`, with exact call logs. (test/directory/users.integration.test.ts drives the real emulators.)
 */
import { beforeEach, describe, expect, it } from '@jest/globals';
import { createContext, type RequestContext } from '../../src/context.js';
import { resolveUsers, SizeHints, type DirectoryProvider } from '../../src/directory/users.js';
import { UpstreamError } from '../../src/errors.js';
import type { GraphQLError } from 'graphql';
import { createLogger } from '../../src/logger.js';
import type { ProviderId } from '../../src/providers/core/record.js';
import type { UserRecord } from '../../src/providers/core/record.js';
import type { ProviderSession } from '../../src/providers/core/session.js';
import { asOffset, sliceWindow, type PageRequest } from '../../src/relay/connection.js';
import { blankRecord } from '../support/records.js';
import { CursorCodec, type CursorPayload } from '../../src/relay/cursor.js';

interface Call {
  provider: ProviderId;
  direction: string;
  size: number;
  from: CursorPayload | null;
  /** Page calls already in flight when this one started. */
  concurrent: number;
}

let calls: Call[];
let failing: Set<ProviderId>;
let inFlight: number;

function user(provider: ProviderId, n: number): UserRecord {
  return blankRecord('Fake', provider, String(n));
}

/** A provider's per-request sessions, over an in-memory list of `size` users. */
function fakeSessions(provider: ProviderId, size: number): () => ProviderSession {
  const all = Array.from({ length: size }, (_, n) => user(provider, n));
  const session: ProviderSession = {
    // One source per provider, named after it (the walk and its cursors are by source).
    source: provider,
    async page(request: PageRequest<CursorPayload>) {
      calls.push({
        provider,
        direction: request.direction,
        size: request.size,
        from: request.direction === 'forward' ? request.after : request.before,
        concurrent: inFlight,
      });
      inFlight += 1;
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      if (failing.has(provider))
        throw new UpstreamError({ provider, code: 'UPSTREAM_UNAVAILABLE', status: 503, message: 'HTTP 503' });
      return sliceWindow(request as PageRequest<number>, all);
    },
    byId: async () => null,
    validateCursor: (payload, argument) => asOffset(payload, argument),
  };
  return () => session;
}

const SIZES: [ProviderId, number][] = [
  ['TWO_CHAT', 5],
  ['TWILIO_CONVERSATIONS', 0],
  ['ADA', 7],
  ['COMETCHAT', 3],
  ['VOXIMPLANT', 4],
];
const EVERY_ID = SIZES.flatMap(([provider, size]) =>
  Array.from({ length: size }, (_, n) => `${provider}-${n}`),
);
const directory: DirectoryProvider[] = SIZES.map(([id]) => ({ id, backward: true, countable: true }));
const cursors = new CursorCodec('test');

function context(): RequestContext {
  return createContext({
    sources: SIZES.map(([provider, size]) => ({
      name: provider,
      provider,
      session: fakeSessions(provider, size),
    })),
    defaults: new Map(SIZES.map(([provider]) => [provider, provider])),
    logger: createLogger('silent'),
    cursors,
    limits: { defaultSize: 20, maxSize: 100 },
    nativeIds: new Map(),
  });
}

async function page(
  args: Parameters<typeof resolveUsers>[1],
  options: { hints?: SizeHints; dir?: DirectoryProvider[] } = {},
) {
  const errors: GraphQLError[] = [];
  const result = await resolveUsers(
    context(),
    args,
    options.dir ?? directory,
    options.hints ?? new SizeHints(),
    (e) => errors.push(e),
  );
  return { ...result, ids: result.nodes.map((n) => n.id), errors };
}

beforeEach(() => {
  calls = [];
  failing = new Set();
  inFlight = 0;
});

describe('users across providers', () => {
  it.each([1, 2, 3, 5, 7, 13, 19, 100])(
    'pages forward with first: %i through every user once, in provider order',
    async (size) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 50; guard += 1) {
        const result = await page({ first: size, after });
        seen.push(...result.ids);
        if (!result.pageInfo.hasNextPage) break;
        after = result.pageInfo.endCursor;
      }
      expect(seen).toEqual(EVERY_ID);
    },
  );

  it.each([1, 4, 6, 19])('pages backward with last: %i through every user once', async (size) => {
    const seen: string[] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 50; guard += 1) {
      const result = await page({ last: size, before });
      seen.unshift(...result.ids);
      if (!result.pageInfo.hasPreviousPage) break;
      before = result.pageInfo.startCursor;
    }
    expect(seen).toEqual(EVERY_ID);
  });

  it('reports hasNextPage when a window ends exactly at the end of a provider and a later one has users', async () => {
    const result = await page({ first: 5 });
    expect(result.ids).toEqual(EVERY_ID.slice(0, 5));
    expect(result.pageInfo.hasNextPage).toBe(true);
    // 2Chat for the window, then probes: Twilio is empty, Ada has users.
    expect(calls.map((c) => [c.provider, c.size])).toEqual([
      ['TWO_CHAT', 5],
      ['TWILIO_CONVERSATIONS', 1],
      ['ADA', 1],
    ]);
  });

  it('reports no next page at the very end', async () => {
    const last = await page({ last: 1 });
    const result = await page({ first: 3, after: last.pageInfo.endCursor });
    expect(result.ids).toEqual([]);
    expect(result.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('resumes a cursor from the middle of a later provider without calling earlier ones', async () => {
    const first = await page({ first: 8 });
    calls = [];
    const next = await page({ first: 2, after: first.pageInfo.endCursor });
    expect(next.ids).toEqual(['ADA-3', 'ADA-4']);
    expect(calls.map((c) => c.provider)).toEqual(['ADA']);
  });

  it('restricts the walk to the listed providers and binds cursors to that list', async () => {
    const result = await page({ first: 100, providers: ['VOXIMPLANT', 'TWO_CHAT'] });
    expect(result.ids).toEqual([
      ...EVERY_ID.filter((id) => id.startsWith('TWO_CHAT')),
      ...EVERY_ID.filter((id) => id.startsWith('VOXIMPLANT')),
    ]);
    const one = await page({ first: 1, providers: ['TWO_CHAT'] });
    await expect(page({ first: 1, after: one.pageInfo.endCursor })).rejects.toThrow(/another connection/);
  });

  it('sums totalCount when every provider can count, and is null otherwise', async () => {
    expect(await (await page({ first: 1 })).totalCount()).toBe(19);
    const uncountable = directory.map((p) => (p.id === 'ADA' ? { ...p, countable: false } : p));
    calls = [];
    expect(await (await page({ first: 1 }, { dir: uncountable })).totalCount()).toBeNull();
    expect(calls).toHaveLength(1);
  });

  it('refuses backward paging naming the providers that page forward only', async () => {
    const forwardOnlyAda = directory.map((p) => (p.id === 'ADA' ? { ...p, backward: false } : p));
    await expect(page({ last: 2 }, { dir: forwardOnlyAda })).rejects.toThrow(/ADA pages forward only/);
    expect(calls).toHaveLength(0);
    const without = await page({ last: 2, providers: ['COMETCHAT', 'VOXIMPLANT'] }, { dir: forwardOnlyAda });
    expect(without.ids).toEqual(['VOXIMPLANT-2', 'VOXIMPLANT-3']);
  });

  it('refuses a cursor whose provider position was forged', async () => {
    const forged = cursors.encode('users:TWO_CHAT,TWILIO_CONVERSATIONS,ADA,COMETCHAT,VOXIMPLANT', {
      p: 'ADA',
      c: -4,
      d: 'f',
    });
    await expect(page({ first: 1, after: forged })).rejects.toThrow(/bad position/);
  });

  it('refuses a cursor whose provider-finished flag is anything but true, and moves on when it is', async () => {
    const flagged = (e: CursorPayload) =>
      cursors.encode('users:TWO_CHAT,TWILIO_CONVERSATIONS,ADA,COMETCHAT,VOXIMPLANT', {
        p: 'TWO_CHAT',
        c: null,
        d: 'f',
        e,
      });
    for (const e of ['yes', false, 1, null])
      await expect(page({ first: 1, after: flagged(e) })).rejects.toThrow(/bad position/);
    expect(calls).toHaveLength(0);
    // `e: true`: 2Chat said it had no more, so the next page starts at the next provider, without 2Chat.
    const next = await page({ first: 1, after: flagged(true) });
    expect(next.ids).toEqual([EVERY_ID.find((id) => !id.startsWith('TWO_CHAT'))]);
  });
});

describe('users when a provider fails', () => {
  it('returns the other providers and an error, and keeps the failed provider for the next page', async () => {
    failing.add('ADA');
    const first = await page({ first: 10 });
    expect(first.ids).toEqual([...EVERY_ID.slice(0, 5), ...EVERY_ID.slice(12, 17)]);
    expect(first.errors.map((e) => e.extensions)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', provider: 'ADA', source: 'ADA', status: 503 },
    ]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    failing.clear();
    // The next page retries Ada from where it was, then goes on where the walk stopped.
    const second = await page({ first: 100, after: first.pageInfo.endCursor });
    expect(second.ids).toEqual([...EVERY_ID.slice(5, 12), ...EVERY_ID.slice(17)]);
    expect(second.errors).toEqual([]);
    expect(new Set([...first.ids, ...second.ids]).size).toBe(EVERY_ID.length);
  });

  it('keeps hasNextPage true while a failed provider still has users to give', async () => {
    failing.add('VOXIMPLANT');
    const result = await page({ first: 100 });
    expect(result.ids).toEqual(EVERY_ID.filter((id) => !id.startsWith('VOXIMPLANT')));
    expect(result.pageInfo.hasNextPage).toBe(true);
  });
});

describe('users concurrency', () => {
  it('asks providers one after another when nothing is known about their sizes', async () => {
    await page({ first: 100 });
    expect(calls.map((c) => [c.provider, c.concurrent])).toEqual(SIZES.map(([p]) => [p, 0]));
  });

  it('asks every provider the window needs in one concurrent batch once their sizes are known', async () => {
    const hints = new SizeHints();
    await page({ first: 100 }, { hints });
    calls = [];
    const result = await page({ first: 100 }, { hints });
    expect(result.ids).toEqual(EVERY_ID);
    // One batch: every call started while the ones before it were still in flight.
    expect(calls.map((c) => [c.provider, c.size, c.concurrent])).toEqual([
      ['TWO_CHAT', 100, 0],
      ['TWILIO_CONVERSATIONS', 95, 1],
      ['ADA', 95, 2],
      ['COMETCHAT', 88, 3],
      ['VOXIMPLANT', 85, 4],
    ]);
  });

  it('stops the batch at the provider that fills the window', async () => {
    const hints = new SizeHints();
    await page({ first: 100 }, { hints });
    calls = [];
    await page({ first: 6 }, { hints });
    expect(calls.map((c) => [c.provider, c.size])).toEqual([
      ['TWO_CHAT', 6],
      ['TWILIO_CONVERSATIONS', 1],
      ['ADA', 1],
    ]);
  });

  it('probes the providers after a window that ends exactly at a provider end in the same round', async () => {
    const hints = new SizeHints();
    await page({ first: 100 }, { hints });
    calls = [];
    const result = await page({ first: 5 }, { hints });
    expect(result.ids).toEqual(EVERY_ID.slice(0, 5));
    expect(result.pageInfo.hasNextPage).toBe(true);
    // 2Chat fills the window; Twilio (known empty, still checked) and Ada are probed concurrently.
    expect(calls.map((c) => [c.provider, c.size, c.concurrent])).toEqual([
      ['TWO_CHAT', 5, 0],
      ['TWILIO_CONVERSATIONS', 1, 1],
      ['ADA', 1, 2],
    ]);
  });
});
