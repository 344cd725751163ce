/**
 * Response schemas (src/upstream/schema.ts): the UPSTREAM_BAD_RESPONSE message names the failing JSON path
 * and rule, and never echoes a value of the body.
 */
import { describe, expect, it } from '@jest/globals';
import { validateAdaList } from '../../src/providers/ada/wire.js';
import { validateTwilioList } from '../../src/providers/twilio/wire.js';
import { validateVoximplantGetUsers } from '../../src/providers/voximplant/wire.js';
import { shapeErrorMessage, type ResponseSchema } from '../../src/upstream/schema.js';

const SECRET = 'sk_live_DoNotEchoMe';

function messageFor<T>(validate: ResponseSchema<T>, body: unknown): string {
  expect(validate(body)).toBe(false);
  return shapeErrorMessage(validate.errors);
}

describe('shapeErrorMessage', () => {
  it('names the JSON path and the type rule, not the value', () => {
    const body = {
      users: [{ sid: 'US0' }, { sid: 'US1' }, { sid: 'US2' }, { sid: { token: SECRET } }],
      meta: {},
    };
    const message = messageFor(validateTwilioList, body);
    expect(message).toBe('unexpected response shape: /users/3/sid must be string');
    expect(message).not.toContain(SECRET);
  });

  it('names a missing required property at the root', () => {
    expect(messageFor(validateTwilioList, { users: [], secret: SECRET })).toBe(
      "unexpected response shape: (root) must have required property 'meta'",
    );
  });

  it('names a pattern rule without the offending string', () => {
    const body = {
      data: [],
      meta: { next_page_url: `https://x.ada.support/api/v2/end-users/?token=${SECRET}` },
    };
    const message = messageFor(validateAdaList, body);
    expect(message).toMatch(/^unexpected response shape: \/meta\/next_page_url must match pattern "/);
    expect(message).not.toContain(SECRET);
  });

  it('names a range rule without the number', () => {
    const message = messageFor(validateVoximplantGetUsers, { result: [], total_count: -987654 });
    expect(message).toBe('unexpected response shape: /total_count must be >= 0');
    expect(message).not.toContain('987654');
  });

  it('shows a path segment that came from the data (not a plain name or index) as *', () => {
    const message = shapeErrorMessage([
      {
        instancePath: `/metadata/${SECRET}~1x/0`,
        schemaPath: '#/x',
        keyword: 'type',
        params: { type: 'string' },
        message: 'must be string',
      },
    ]);
    expect(message).toBe('unexpected response shape: /metadata/*/0 must be string');
  });

  it('accepts the documented permissive shapes: nulls, absent keys and unknown keys', () => {
    expect(
      validateTwilioList({
        users: [{ sid: 'US1', friendly_name: null, links: null, brand_new_field: { x: 1 } }],
        meta: { next_page_url: null },
      }),
    ).toBe(true);
    expect(validateAdaList({ data: null, meta: null })).toBe(true);
    expect(validateAdaList({ data: [{ end_user_id: 'a', profile: null }] })).toBe(true);
    expect(
      validateVoximplantGetUsers({
        result: [{ user_id: 1, balance: '12.5000', live_balance: 3, skills: null, frozen: true }],
        total_count: 1,
      }),
    ).toBe(true);
  });
});
