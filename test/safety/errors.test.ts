/**
 * The error contract (issue 13, findings 5 and 9):
 * - a provider's own error text never reaches a client: the client gets rollcall's sentence plus
 *   `provider`, `status` and `upstreamCode`; the text goes to the debug log, scrubbed of credentials, URLs
 *   and account identifiers;
 * - a bug (an exception that is not an upstream failure, a bad input or a limit) is logged once at error
 *   level with its stack and answered as INTERNAL_SERVER_ERROR, masked in production, in `users` as much
 *   as anywhere: never as an UPSTREAM_* code.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulators, type RunningEmulators } from '../../src/emulators/demo.js';
import { PROVIDER_IDS } from '../../src/providers/registry.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { typeError, withBug } from '../support/bugs.js';
import { startReplica, type Replica } from '../support/harness.js';
import { CONNECTION, memoryLogger } from '../support/safety.js';

let emulators: RunningEmulators;
beforeAll(async () => {
  emulators = await startEmulators();
});
afterAll(() => emulators.stop());

const emulator = (provider: string) => emulators.byProvider.get(provider)!.server;

const MARKER = 'UPSTREAM-WORDS-7f3a91';

describe('upstream error text stays out of answers (finding 5)', () => {
  let replica: Replica;
  let lines: string[];
  beforeAll(async () => {
    const memory = memoryLogger('debug');
    lines = memory.lines;
    replica = await startReplica(emulators, { LOG_LEVEL: 'debug', ROLLCALL_RETRIES: '0' }, memory.logger);
  });
  afterAll(() => replica.stop());

  it.each(PROVIDER_IDS)(
    '%s: the client sees rollcall words and codes; the debug log, the scrubbed text',
    async (provider) => {
      const twilio = emulator('TWILIO_CONVERSATIONS') as TwilioEmulator;
      const url = `${emulator(provider).baseUrl}/v1/Users/US${'0'.repeat(32)}?PageSize=50`;
      const text = `${MARKER}: The requested resource ${url} was not found for account ${twilio.accountSid}`;
      emulator(provider).injectFault({ ...emulator(provider).refusal(text), times: 1 });
      lines.length = 0;
      const response = await replica.query(`{ f: ${CONNECTION[provider]}(first: 1) { totalCount } }`);
      expect(response.data).toEqual({ f: null });
      const error = response.errors![0];
      expect(error.message.startsWith(`${provider}: `)).toBe(true);
      expect(error.extensions).toMatchObject({ provider });
      expect(typeof error.extensions?.status).toBe('number');
      const answer = JSON.stringify(response);
      for (const leak of [MARKER, 'http://', twilio.accountSid, emulator(provider).baseUrl])
        expect({ provider, leak, found: answer.includes(leak) }).toEqual({ provider, leak, found: false });

      const logged = lines.filter((line) => line.includes('"msg":"upstream error text"'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain(MARKER);
      expect(logged[0]).toContain('[url]');
      expect(logged[0]).not.toContain(twilio.accountSid);
      expect(logged[0]).not.toContain('http://');
    },
  );
});

/** Pages wide enough to read every provider in one `users` page. */
const WIDE = { ROLLCALL_MAX_PAGE_SIZE: '1000', ROLLCALL_MAX_COST: '100000' };

describe('bugs are logged and reported as INTERNAL_SERVER_ERROR, never as upstream failures (finding 9)', () => {
  it('users keeps the other providers and reports the bug of one as INTERNAL_SERVER_ERROR, logged with its stack', async () => {
    const memory = memoryLogger('info');
    const replica = await startReplica(emulators, WIDE, memory.logger, withBug('ADA', typeError));
    try {
      const response = await replica.query<{ users: { nodes: { provider: string }[] } }>(
        '{ users(first: 500) { nodes { provider } } adaEndUsers(first: 1) { totalCount } }',
      );
      const providers = new Set(response.data!.users.nodes.map((n) => n.provider));
      expect([...providers]).toEqual(PROVIDER_IDS.filter((p) => p !== 'ADA'));
      expect(response.data!).toMatchObject({ adaEndUsers: null });
      const codes = response.errors!.map((e) => [
        e.path?.[0],
        e.extensions?.code,
        e.extensions?.provider ?? null,
      ]);
      expect(codes).toEqual(
        expect.arrayContaining([
          ['users', 'INTERNAL_SERVER_ERROR', 'ADA'],
          ['adaEndUsers', 'INTERNAL_SERVER_ERROR', null],
        ]),
      );
      expect(JSON.stringify(response.errors)).not.toMatch(/UPSTREAM_/);
      const logged = memory.lines.filter((line) => line.includes('"msg":"internal error"'));
      expect(logged).toHaveLength(2);
      for (const line of logged) {
        const entry = JSON.parse(line) as { level: number; err: { stack: string }; requestId: string };
        expect(entry.level).toBe(50);
        expect(entry.err.stack).toMatch(/TypeError: broken\.map is not a function\n\s+at /);
        expect(entry.requestId).toBeDefined();
      }
    } finally {
      await replica.stop();
    }
  });

  it('masks the message and the stack in production, and still logs them', async () => {
    const memory = memoryLogger('info');
    const replica = await startReplica(
      emulators,
      { ...WIDE, NODE_ENV: 'production' },
      memory.logger,
      withBug('COMETCHAT', typeError),
    );
    try {
      const response = await replica.query(
        '{ users(first: 500, providers: [COMETCHAT, VOXIMPLANT]) { totalCount nodes { id } } }',
      );
      const internal = response.errors!.filter((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR');
      // The walk's page and the count's both met the bug.
      expect(internal.map((e) => e.path)).toEqual(
        expect.arrayContaining([['users'], ['users', 'totalCount']]),
      );
      for (const error of internal) expect(error.message).toBe('Internal server error');
      expect(JSON.stringify(response.errors)).not.toMatch(/broken|TypeError|stacktrace|\/work\//);
      expect(memory.lines.some((line) => line.includes('broken.map is not a function'))).toBe(true);
    } finally {
      await replica.stop();
    }
  });
});
