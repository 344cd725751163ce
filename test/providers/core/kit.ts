/**
 * A fake provider for the core's unit tests: an in-memory list of users behind any paging descriptor,
 * whose wire calls are logged, so each test asserts the exact calls the core made (the way DataLoader's
 * own tests assert batches). No HTTP: the provider folders' tests cover their wire formats.
 */
import { ProviderSessionImpl, type SharedState } from '../../../src/providers/core/define.js';
import type { ProviderApi, ProviderRuntime, ProviderSpec } from '../../../src/providers/core/definition.js';
import type { Paging } from '../../../src/providers/core/paging.js';
import type { UserRecord } from '../../../src/providers/core/record.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import { UpstreamPolicy } from '../../../src/upstream/policy.js';
import { blankRecord } from '../../support/records.js';

export interface FakeWire {
  id: string;
  name: string;
}

export interface FakeRecord extends UserRecord {
  __typename: 'FakeUser';
}

/** A logged wire call: what was asked (list parameters, or `byId:<id>`). */
export type Call = Record<string, unknown>;

export const wire = (count: number, prefix = 'id'): FakeWire[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${String(i).padStart(3, '0')}`,
    name: `User ${i}`,
  }));

export function toRecord(user: FakeWire): FakeRecord {
  return { ...blankRecord('FakeUser', 'FAKE', user.id, user), displayName: user.name };
}

export const runtime = (overrides: Partial<ProviderRuntime> = {}): ProviderRuntime => ({
  metrics: new Metrics(),
  logger: createLogger('silent'),
  upstreamTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  policy: new UpstreamPolicy(
    {
      retries: 0,
      backoffMs: 0,
      maxBackoffMs: 0,
      concurrency: 8,
      breakerThreshold: 5,
      breakerCooldownMs: 1000,
    },
    () => undefined,
  ),
  cacheTtlSeconds: 0,
  lookupConcurrency: 4,
  maxLookupCalls: 50,
  ...overrides,
});

export const spec = (paging: ProviderSpec<null, FakeWire, FakeRecord, string, string, unknown>['paging']) =>
  ({
    id: 'FAKE',
    typename: 'FakeUser',
    displayName: 'Fake',
    schema: new URL('./fake.graphql', import.meta.url),
    graphql: { connection: 'fakeUsers', lookup: 'fakeUser', nativeKey: 'id' },
    nativeId: { allowed: 'anything', maxLength: 100, impossible: (id: string) => id === '.' },
    paging,
    forwardOnly: 'its fake API has no backward paging',
    source: { key: 'fake', credentials: {}, options: {} },
    readConfig: () => null,
    emulator: () => Promise.reject(new Error('no emulator in unit tests')),
    http: () => ({ baseUrl: 'http://127.0.0.1:9', detectError: () => undefined, credentials: 'none' }),
    api: () => {
      throw new Error('unit tests build the api themselves');
    },
    toRecord,
  }) satisfies ProviderSpec<null, FakeWire, FakeRecord, string, string, unknown>;

/**
 * A session of the fake provider over `paging`; `fetchOne` logs `byId:<id>` and finds users in `users`.
 * The query is the filter text ('' for the whole list).
 */
export function session(
  paging: Paging<FakeWire, string>,
  options: {
    users?: FakeWire[];
    log?: Call[];
    fetchOne?: boolean;
    runtime?: Partial<ProviderRuntime>;
    /** What the provider's sessions share across operations (what lookups learnt, mapped records). */
    shared?: SharedState<FakeRecord>;
    /** The spec's mapping (default {@link toRecord}). */
    toRecord?: (user: FakeWire) => FakeRecord;
  } = {},
) {
  const { users = [], log = [], fetchOne = true } = options;
  const api: ProviderApi<FakeWire, string, string> = {
    paging,
    query: (filter) => filter ?? '',
    fetchOne: fetchOne
      ? async (id) => {
          log.push({ byId: id });
          return users.find((user) => user.id === id) ?? null;
        }
      : undefined,
  };
  return new ProviderSessionImpl(
    { ...spec(paging.style), toRecord: options.toRecord ?? toRecord },
    api,
    runtime(options.runtime),
    options.shared ?? shared(),
  );
}

/** Fresh shared state, as a newly connected provider starts with. */
export const shared = (): SharedState<FakeRecord> => ({
  records: new WeakMap(),
  source: { name: 'fake', id: (nativeId) => `FAKE-${nativeId}` },
});
