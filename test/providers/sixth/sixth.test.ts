/**
 * A sixth provider is wire code only. Zulip (this folder: its spec, emulator and SDL) is registered with
 * one line — the registry plus `zulipProvider` — and, with no other file edited, it appears everywhere a
 * provider does: the `Provider` enum, `providers`, its own connection and lookup, `users`, `node`,
 * `nodes`, `_entities`, the metrics, and the fault matrix's answers.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderDefinition } from '../../../src/providers/core/definition.js';
import { PROVIDERS } from '../../../src/providers/registry.js';
import { FAULT_CASES } from '../../support/faults.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { serial, settle } from '../../support/safety.js';
import { zulipProvider } from './index.js';

/** The one registry line. */
const REGISTRY: readonly ProviderDefinition[] = [...PROVIDERS, zulipProvider];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    providers: REGISTRY,
    registry: REGISTRY,
    env: {
      ROLLCALL_RETRIES: '2',
      ROLLCALL_RETRY_BACKOFF_MS: '5',
      ROLLCALL_RETRY_MAX_BACKOFF_MS: '1000',
      ROLLCALL_UPSTREAM_TIMEOUT_MS: '300',
      ROLLCALL_BREAKER_THRESHOLD: '1000',
      ROLLCALL_MAX_PAGE_SIZE: '1000',
      ROLLCALL_MAX_COST: '100000',
    },
  });
});
afterAll(() => h.stop());

const zulip = () => h.emulator('ZULIP');
const run = serial();

describe('a sixth provider registered with one line', () => {
  it('is a value of the Provider enum, last, and reported by `providers`', () =>
    run(async () => {
      const { data } = await h.query<{
        __type: { enumValues: { name: string }[] };
        providers: { provider: string; enabled: boolean; mode: string }[];
      }>('{ __type(name: "Provider") { enumValues { name } } providers { provider enabled mode } }');
      expect(data!.__type.enumValues.map((value) => value.name)).toEqual(REGISTRY.map((d) => d.id));
      expect(data!.providers.at(-1)).toEqual({ provider: 'ZULIP', enabled: true, mode: 'EMULATED' });
    }));

  it('answers its connection and lookup from the core, with exact upstream calls', () =>
    run(async () => {
      h.reset();
      const { data, errors } = await h.query<{
        zulipUsers: { totalCount: number; nodes: { userId: string; displayName: string }[] };
        zulipUser: { userId: string; email: string; isBot: boolean };
        missing: null;
      }>(
        `{ zulipUsers(last: 2) { totalCount nodes { userId displayName } }
           zulipUser(userId: "100") { userId email isBot }
           missing: zulipUser(userId: "999") { userId } }`,
      );
      // A lone id on its own costs a single fetch, as the provider has one.
      const alone = await h.query<{ zulipUser: { displayName: string } }>(
        '{ zulipUser(userId: "104") { displayName } }',
      );
      expect(alone.data).toEqual({ zulipUser: { displayName: 'Member 4' } });
      expect(errors).toBeUndefined();
      expect(data).toEqual({
        zulipUsers: {
          totalCount: 12,
          nodes: [
            { userId: '110', displayName: 'Member 10' },
            { userId: '111', displayName: 'Member 11' },
          ],
        },
        zulipUser: { userId: '100', email: 'member0@example.com', isBot: true },
        missing: null,
      });
      await settle(zulip());
      // The list answered the window and user 100 (primed); 999 needed its own call, and so did 104 alone.
      expect(zulip().calls.map((call) => call.path)).toEqual([
        '/api/v1/users',
        '/api/v1/users/999',
        '/api/v1/users/104',
      ]);
    }));

  it('takes its place at the end of `users`, and in node, nodes and _entities', () =>
    run(async () => {
      h.reset();
      const users = await h.query<{ users: { nodes: { id: string; provider: string }[] } }>(
        '{ users(first: 1000) { nodes { id provider } } }',
      );
      const nodes = users.data!.users.nodes;
      const zulipIds = nodes.filter((node) => node.provider === 'ZULIP').map((node) => node.id);
      expect(zulipIds).toHaveLength(12);
      expect(nodes.slice(-12).every((node) => node.provider === 'ZULIP')).toBe(true);

      const { data, errors } = await h.query<{
        node: { __typename: string; userId: string };
        nodes: { userId: string }[];
        _entities: { __typename: string; userId: string }[];
      }>(
        `query ($id: ID!, $ids: [ID!]!, $reps: [_Any!]!) {
           node(id: $id) { __typename ... on ZulipUser { userId } }
           nodes(ids: $ids) { ... on ZulipUser { userId } }
           _entities(representations: $reps) { __typename ... on ZulipUser { userId } }
         }`,
        {
          id: zulipIds[3],
          ids: zulipIds.slice(0, 2),
          reps: [
            { __typename: 'ZulipUser', id: zulipIds[5] },
            { __typename: 'ZulipUser', userId: '107' },
            { __typename: 'User', id: zulipIds[8] },
          ],
        },
      );
      expect(errors).toBeUndefined();
      expect(data).toEqual({
        node: { __typename: 'ZulipUser', userId: '103' },
        nodes: [{ userId: '100' }, { userId: '101' }],
        _entities: [
          { __typename: 'ZulipUser', userId: '105' },
          { __typename: 'ZulipUser', userId: '107' },
          { __typename: 'ZulipUser', userId: '108' },
        ],
      });
    }));

  it('is counted in the metrics under its own label', () =>
    run(async () => {
      const text = await (await fetch(`${h.url}/metrics`)).text();
      expect(text).toMatch(
        /rollcall_upstream_requests_total\{provider="ZULIP",source="zulip",status="200"\} [1-9]/,
      );
      expect(text).toMatch(/rollcall_circuit_state\{provider="ZULIP",source="zulip"\} 0/);
    }));

  it.each(FAULT_CASES.filter((c) => c.only === undefined).map((c) => [c.name, c] as const))(
    'answers the fault matrix case "%s" like every provider',
    (_name, c) =>
      run(async () => {
        h.reset();
        zulip().injectFault(c.fault(zulip()));
        const own = await h.query('{ zulipUsers(first: 5) { edges { node { id } } } }');
        expect(own.data).toEqual({ zulipUsers: null });
        expect(own.errors).toHaveLength(1);
        expect(own.errors![0]).toMatchObject({
          path: ['zulipUsers'],
          extensions: { code: c.code, provider: 'ZULIP' },
        });
        for (const [key, value] of Object.entries(c.extensions ?? {}))
          expect(own.errors![0].extensions?.[key]).toEqual(value);
        await settle(zulip());
        expect(zulip().calls).toHaveLength(c.attempts);
        // `users` keeps every other provider and names the failing one.
        const users = await h.query<{ users: { nodes: { provider: string }[] } }>(
          '{ users(first: 1000) { nodes { provider } } }',
        );
        expect(new Set(users.data!.users.nodes.map((node) => node.provider))).toEqual(
          new Set(PROVIDERS.map((d) => d.id)),
        );
        expect(users.errors).toEqual([
          expect.objectContaining({
            path: ['users'],
            extensions: expect.objectContaining({ code: c.code, provider: 'ZULIP' }),
          }),
        ]);
        zulip().clearFaults();
        await settle(zulip());
      }),
    20_000,
  );

  it('needed no file outside its folder: nothing in src/ or schema/ names it', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : [path];
      });
    const naming = [...files('src'), ...files('schema')].filter((path) =>
      /zulip/i.test(readFileSync(path, 'utf8')),
    );
    expect(naming).toEqual([]);
  });
});
