/**
 * A Voximplant source of several applications (demo mode's: applications 10001 and 10002, some users bound
 * to both) end to end: each user is listed once, in order, with every application it is bound to, and the
 * exact GetUsers calls (GetUsers filters on one application per call) come from the emulator's call log.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { RecordedCall } from '../../../src/emulators/base.js';
import type { VoximplantEmulator } from '../../../src/providers/voximplant/emulator.js';
import { type StoredVoximplantUser } from '../../../src/providers/voximplant/emulator.js';
import { voximplantProvider } from '../../../src/providers/voximplant/index.js';
import { startHarness, type Harness } from '../../support/harness.js';

interface Connection {
  totalCount: number | null;
  edges: { cursor: string; node: { userId: number; applications: { applicationId: number }[] } }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: VoximplantUserFilter, $orderBy: VoximplantUserOrder) {
  voximplantUsers(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
    totalCount
    edges { cursor node { userId applications { applicationId } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

const APPS = [10001, 10002];

let h: Harness;
let emulator: VoximplantEmulator;
beforeAll(async () => {
  h = await startHarness({ providers: [voximplantProvider], demoSources: true });
  emulator = h.sourceEmulator<VoximplantEmulator>('voximplant');
});
afterAll(() => h.stop());
beforeEach(() => h.reset());

const form = (call: RecordedCall) => Object.fromEntries(new URLSearchParams(call.body));
/**
 * The calls of the last query as [application_id, offset, count], sorted: the applications are read at
 * once, so their calls arrive in any order.
 */
const calls = () =>
  emulator.calls
    .map(form)
    .map((f) => [f.application_id, f.offset, f.count])
    .sort((a, b) => a.join().localeCompare(b.join()));
const appsOf = (u: StoredVoximplantUser) => (u.applications ?? []).map((a) => a.application_id);
const inApps = (u: StoredVoximplantUser, apps = APPS) => appsOf(u).some((id) => apps.includes(id));
type Order = (a: StoredVoximplantUser, b: StoredVoximplantUser) => number;
const by =
  (field: 'user_name' | 'user_display_name'): Order =>
  (a, b) => {
    const [x, y] = [a[field].toLowerCase(), b[field].toLowerCase()];
    return x !== y ? (x < y ? -1 : 1) : a.user_id - b.user_id;
  };
const expected = (order: Order = by('user_name'), apps = APPS) =>
  emulator.users
    .filter((u) => inApps(u, apps))
    .sort(order)
    .map((u) => u.user_id);
/** One GetUsers call per application for a list that fits in one walk page (each application < 100). */
const onePerApplication = () => APPS.map((id) => [String(id), '0', '100']);

async function page(variables: Record<string, unknown>): Promise<Connection> {
  const { data, errors } = await h.query<{ voximplantUsers: Connection }>(PAGE, variables);
  expect(errors).toBeUndefined();
  return data!.voximplantUsers;
}

describe('a Voximplant source of two applications', () => {
  it('the demo data has users bound to both, and users of a third application the source leaves out', () => {
    const both = emulator.users.filter((u) => APPS.every((id) => appsOf(u).includes(id)));
    expect(both.length).toBeGreaterThan(3);
    expect(emulator.users.some((u) => !inApps(u))).toBe(true);
    for (const id of APPS)
      expect(emulator.users.filter((u) => appsOf(u).includes(id)).length).toBeLessThan(100);
  });

  it.each([1, 7, 50])(
    'pages forward with first: %i through each user of either application exactly once, in name order',
    async (size) => {
      const seen: number[] = [];
      const totals = new Set<number | null>();
      let after: string | null = null;
      for (let guard = 0; guard < 200; guard += 1) {
        emulator.resetCalls();
        const connection: Connection = await page({ first: size, after });
        // Each window reads both applications whole (the cross-request cache is off in tests).
        expect(calls()).toEqual(onePerApplication());
        totals.add(connection.totalCount);
        seen.push(...connection.edges.map((e) => e.node.userId));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected());
      expect(new Set(seen).size).toBe(seen.length);
      expect([...totals]).toEqual([expected().length]);
    },
  );

  it('lists a user bound to both applications once, with both applications', async () => {
    const connection = await page({ first: 100 });
    const both = emulator.users.filter((u) => APPS.every((id) => appsOf(u).includes(id)));
    for (const user of both) {
      const edges = connection.edges.filter((e) => e.node.userId === user.user_id);
      expect(edges).toHaveLength(1);
      expect(edges[0].node.applications.map((a) => a.applicationId)).toEqual(expect.arrayContaining(APPS));
    }
  });

  it('pages backward with last/before through the same union', async () => {
    const seen: number[] = [];
    let before: string | null = null;
    for (let guard = 0; guard < 200; guard += 1) {
      const connection: Connection = await page({ last: 9, before });
      seen.unshift(...connection.edges.map((e) => e.node.userId));
      if (!connection.pageInfo.hasPreviousPage) break;
      before = connection.pageInfo.startCursor;
    }
    expect(seen).toEqual(expected());
  });

  it.each<[string, Order]>([
    ['USER_ID', (a, b) => a.user_id - b.user_id],
    ['USER_DISPLAY_NAME', by('user_display_name')],
  ])('merges the applications in orderBy: %s', async (orderBy, order) => {
    const connection = await page({ first: 100, orderBy });
    expect(connection.edges.map((e) => e.node.userId)).toEqual(expected(order));
    expect(
      emulator.calls
        .map(form)
        .every((f) => f.order_by === (orderBy === 'USER_ID' ? 'user_id' : 'user_display_name')),
    ).toBe(true);
  });

  it('keeps the other filters in every application call', async () => {
    const connection = await page({ first: 100, filter: { userActive: true } });
    expect(connection.edges.map((e) => e.node.userId)).toEqual(
      expected().filter((id) => emulator.users.find((u) => u.user_id === id)!.user_active),
    );
    expect(
      emulator.calls
        .map(form)
        .map((f) => [f.application_id, f.user_active])
        .sort(),
    ).toEqual(APPS.map((id) => [String(id), 'true']));
  });

  it('reads one application in one call when the filter names it (even one outside the source)', async () => {
    const connection = await page({ first: 5, filter: { applicationId: 10003 } });
    expect(connection.totalCount).toBe(expected(by('user_name'), [10003]).length);
    expect(calls()).toEqual([['10003', '0', '5']]);
  });

  it('looks a user up in one application after the other: a user of the second costs two calls', async () => {
    const onlySecond = emulator.users.find((u) => appsOf(u).join() === '10002')!;
    const onlyThird = emulator.users.find((u) => appsOf(u).join() === '10003')!;
    const { data, errors } = await h.query<{ a: { userId: number } | null; b: { userId: number } | null }>(
      `query ($a: Int!, $b: Int!) { a: voximplantUser(userId: $a) { userId } b: voximplantUser(userId: $b) { userId } }`,
      { a: onlySecond.user_id, b: onlyThird.user_id },
    );
    expect(errors).toBeUndefined();
    // Two ids in one operation walk the merged list (one call per application) instead of 2 × 2 fetches.
    expect(data).toEqual({ a: { userId: onlySecond.user_id }, b: null });
    expect(calls()).toEqual(onePerApplication());

    emulator.resetCalls();
    const one = await h.query<{ voximplantUser: { userId: number } | null }>(
      `query ($id: Int!) { voximplantUser(userId: $id) { userId } }`,
      { id: onlySecond.user_id },
    );
    expect(one.data).toEqual({ voximplantUser: { userId: onlySecond.user_id } });
    expect(emulator.calls.map(form).map((f) => [f.application_id, f.user_id])).toEqual(
      APPS.map((id) => [String(id), String(onlySecond.user_id)]),
    );
  });

  it('shares one merged read between windows of the same operation', async () => {
    const { errors } = await h.query(`{
      a: voximplantUsers(first: 10) { totalCount }
      b: voximplantUsers(first: 3) { totalCount }
    }`);
    expect(errors).toBeUndefined();
    expect(calls()).toEqual(onePerApplication());
  });
});
