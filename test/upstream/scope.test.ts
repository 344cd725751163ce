/**
 * The per-operation upstream budget (issue 13, finding 8): every upstream read of a provider, list pages
 * as much as lookups, spends from ROLLCALL_MAX_UPSTREAM_CALLS; past it the field fails with
 * OPERATION_LIMIT_EXCEEDED saying how to ask instead, and nothing else in the operation is affected.
 * `twilioConversationUsers(last: 5)` without `before` is the walk that once read a whole account.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { twilioProvider } from '../../src/providers/twilio/index.js';
import type { TwilioEmulator } from '../../src/providers/twilio/emulator.js';
import { voximplantProvider } from '../../src/providers/voximplant/index.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    providers: [twilioProvider, voximplantProvider],
    // 124 users at 10 a page: 13 pages, and a budget of 4 reads per provider per operation.
    env: { TWILIO_PAGE_SIZE: '10', ROLLCALL_MAX_UPSTREAM_CALLS: '4' },
  });
});
afterAll(() => h.stop());

const twilio = () => h.emulator<TwilioEmulator>('TWILIO_CONVERSATIONS');

describe('the upstream budget per provider per operation', () => {
  it('stops `last` without `before` at the budget, with advice, after exactly that many calls', async () => {
    h.reset();
    const { data, errors } = await h.query(
      '{ providers { provider } twilioConversationUsers(last: 5) { nodes { sid } } voximplantUsers(first: 2) { totalCount } }',
    );
    expect(data).toMatchObject({
      twilioConversationUsers: null,
      voximplantUsers: { totalCount: expect.any(Number) },
    });
    expect(errors).toHaveLength(1);
    expect(errors![0]).toMatchObject({
      path: ['twilioConversationUsers'],
      extensions: {
        code: 'OPERATION_LIMIT_EXCEEDED',
        limit: 'upstreamCalls',
        maximum: 4,
        provider: 'TWILIO_CONVERSATIONS',
        source: 'twilio',
      },
    });
    expect(errors![0].message).toMatch(/ROLLCALL_MAX_UPSTREAM_CALLS/);
    expect(errors![0].message).toMatch(/"first"\/"after".*"last" without "before"/);
    expect(twilio().calls).toHaveLength(4);
  });

  it('lets a backward page from a cursor through: it reads only the pages it needs', async () => {
    const first = await h.query<{ twilioConversationUsers: { pageInfo: { endCursor: string } } }>(
      '{ twilioConversationUsers(first: 25) { pageInfo { endCursor } } }',
    );
    h.reset();
    const { data, errors } = await h.query(
      'query ($before: String) { twilioConversationUsers(last: 5, before: $before) { nodes { sid } } }',
      { before: first.data!.twilioConversationUsers.pageInfo.endCursor },
    );
    expect(errors).toBeUndefined();
    expect(data).toMatchObject({ twilioConversationUsers: { nodes: expect.any(Array) } });
    expect(twilio().calls.length).toBeLessThanOrEqual(2);
  });

  it('counts list pages and lookups of one provider together, and each provider on its own', async () => {
    h.reset();
    const sids = twilio()
      .listed()
      .slice(0, 3)
      .map((user) => `"${user.sid}"`);
    // One list page (3 reads for 25 users), then lookups of users beyond it: single fetches, until the budget.
    const { data, errors } = await h.query(`{
      page: twilioConversationUsers(first: 25) { nodes { sid } }
      a: twilioConversationUser(sid: ${sids[0]}) { sid }
      far: twilioConversationUser(sid: "${twilio().listed()[120].sid}") { sid }
      missing: twilioConversationUser(sid: "nobody-at-all") { sid }
      v: voximplantUsers(first: 3) { totalCount }
    }`);
    const answer = data as Record<string, unknown>;
    expect(answer.a).toEqual({ sid: twilio().listed()[0].sid });
    expect(answer.v).toMatchObject({ totalCount: expect.any(Number) });
    expect(twilio().calls).toHaveLength(4);
    const limited = errors?.filter((e) => e.extensions?.code === 'OPERATION_LIMIT_EXCEEDED') ?? [];
    expect(limited.length).toBeGreaterThanOrEqual(1);
    for (const error of limited) expect(['far', 'missing']).toContain(error.path?.[0]);
  });
});
