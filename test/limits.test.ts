import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { twilioProvider } from '../src/providers/twilio/index.js';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    providers: [twilioProvider],
    env: {
      ROLLCALL_MAX_DEPTH: '6',
      ROLLCALL_MAX_ALIASES: '5',
      ROLLCALL_MAX_ROOT_FIELDS: '8',
      ROLLCALL_MAX_COST: '1500',
    },
  });
});
afterAll(() => h.stop());

describe('operation limits', () => {
  it('accepts ordinary queries within the limits, fragments included', async () => {
    const query = `{ twilioConversationUsers(first: 1) { edges { node { ...F } } } }
      fragment F on TwilioConversationUser { links { userConversations } }`;
    expect((await h.query(query)).errors).toBeUndefined();
  });

  it('rejects an operation over a limit before any upstream call', async () => {
    h.reset();
    const query = `{ twilioConversationUsers(first: 1) { edges { cursor } } ${Array.from({ length: 8 }, () => '__typename').join(' ')} }`;
    expect((await h.query(query)).errors?.[0].extensions?.code).toBe('OPERATION_LIMIT_EXCEEDED');
    expect(h.emulator('TWILIO_CONVERSATIONS').calls).toHaveLength(0);
  });

  it('rejects depth over the limit', async () => {
    // providers is depth 1; build depth 7 through __type introspection nesting.
    const query = '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }';
    const result = await h.query(query);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({
      message: 'The operation is 7 levels deep; the maximum is 6 (ROLLCALL_MAX_DEPTH).',
      extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'depth', maximum: 6, measured: 7 },
    });
  });

  it('rejects too many aliases', async () => {
    const query = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: providers { provider }`).join(' ')} }`;
    const result = await h.query(query);
    expect(result.errors?.[0].extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'aliases',
      maximum: 5,
      measured: 6,
    });
  });

  it('rejects 1000 aliases quickly with a clear error', async () => {
    const query = `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
    const result = await h.query(query);
    expect(result.status).toBe(400);
    expect(result.errors?.[0].message).toMatch(/1000 aliases; the maximum is 5/);
  });

  it('rejects too many root fields', async () => {
    const query = `{ providers { provider } ${Array.from({ length: 8 }, () => '__typename').join(' ')} }`;
    const result = await h.query(query);
    expect(result.errors?.[0].extensions).toMatchObject({ limit: 'rootFields', maximum: 8, measured: 9 });
  });

  it('prices connections by their requested page size, with variables', async () => {
    h.reset();
    const query =
      'query ($n: Int) { twilioConversationUsers(first: $n) { edges { cursor node { id sid identity friendlyName attributes } } } }';
    expect((await h.query(query, { n: 100 })).errors).toBeUndefined();
    // 100 users × 7 fields ≈ 700 passes; 100 users × 15 fields ≈ 1500+ does not.
    const result = await h.query(
      query.replace(
        'attributes',
        'attributes url dateCreated dateUpdated roleSid accountSid chatServiceSid isOnline isNotifiable',
      ),
      { n: 100 },
    );
    expect(result.errors?.[0]).toMatchObject({
      extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost', maximum: 1500 },
    });
    expect(result.errors?.[0].message).toMatch(
      /costs \d+ \(fields × requested page sizes\); the maximum is 1500 \(ROLLCALL_MAX_COST\)/,
    );
    expect(h.emulator('TWILIO_CONVERSATIONS').calls.length).toBe(2);
  });
});
