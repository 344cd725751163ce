import { describe, expect, it } from '@jest/globals';
import { AdaSession } from '../../../src/providers/ada/adapter.js';
import type { AdaClient, AdaPage } from '../../../src/providers/ada/client.js';
import type { AdaWireEndUser } from '../../../src/providers/ada/wire.js';
import type { ProviderRuntime } from '../../../src/providers/provider.js';

const runtime = { lookupConcurrency: 4 } as ProviderRuntime;
const ids = Array.from({ length: 30 }, (_, i) => `id${String(i).padStart(3, '0')}`);
const user = (end_user_id: string): AdaWireEndUser => ({ end_user_id, profile: { first_name: end_user_id } });

/**
 * A fake upstream of another shape than the emulator's: inclusive cursors, but `next_page_url` names
 * the LAST record of the page, so every page after the first starts with a record already seen.
 */
function repeatingUpstream(maxPage = 100) {
  const log: { cursor: string | null; limit: number }[] = [];
  const client = {
    async listPage(cursor: string | null, limit: number): Promise<AdaPage> {
      log.push({ cursor, limit });
      const start = cursor === null ? 0 : ids.indexOf(cursor);
      const size = Math.min(limit, maxPage);
      const page = ids.slice(start, start + size);
      const more = start + size < ids.length;
      return { users: page.map(user), next: more ? page[page.length - 1] : null };
    },
    async fetchEndUser(id: string) {
      log.push({ cursor: `byId:${id}`, limit: 0 });
      return ids.includes(id) ? user(id) : null;
    },
    async findByExternalId() {
      return null;
    },
  };
  return { client: client as unknown as AdaClient, log };
}

describe('AdaSession', () => {
  it('refuses backward windows before any upstream call', async () => {
    const { client, log } = repeatingUpstream();
    const session = new AdaSession(client, runtime);
    await expect(session.page({ direction: 'backward', size: 5, before: null })).rejects.toMatchObject({
      message: expect.stringMatching(/Ada pages forward only/),
      extensions: { code: 'BAD_USER_INPUT', argument: 'last' },
    });
    await expect(session.page({ direction: 'backward', size: 5, before: 'id010' })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'before' },
    });
    expect(log).toEqual([]);
  });

  it('yields every record once in order from an upstream whose next cursor repeats the last record', async () => {
    const { client, log } = repeatingUpstream();
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard += 1) {
      const page = await new AdaSession(client, runtime).page({ direction: 'forward', size: 4, after });
      seen.push(...page.edges.map((e) => e.node.endUserId));
      if (!page.hasNextPage) break;
      after = page.edges.at(-1)!.cursor as string;
    }
    expect(seen).toEqual(ids);
    expect(log.every((call) => call.limit <= 100)).toBe(true);
  });

  it('walks pages that start with a repeated record within one window, asking room for it', async () => {
    const { client, log } = repeatingUpstream(10);
    const session = new AdaSession(client, runtime);
    const page = await session.page({ direction: 'forward', size: 25, after: null });
    expect(page.edges.map((e) => e.node.endUserId)).toEqual(ids.slice(0, 25));
    expect(page.hasNextPage).toBe(true);
    expect(log).toEqual([
      { cursor: null, limit: 26 },
      { cursor: 'id009', limit: 17 },
      { cursor: 'id018', limit: 8 },
    ]);
    // Listed users answer lookups without a call; others cost one.
    await session.byId('id007');
    await session.byId('id029');
    expect(log.slice(3)).toEqual([{ cursor: 'byId:id029', limit: 0 }]);
  });
});
