import { describe, expect, it } from '@jest/globals';
import { toTwoChatRecord } from '../../../src/providers/twochat/map.js';
import { configProblems, settingsOf } from '../../support/config.js';
import { twoChatSpec } from '../../../src/providers/twochat/index.js';

const problems = configProblems;

describe('2Chat configuration', () => {
  it('is disabled without TWOCHAT_API_KEY', () => {
    expect(settingsOf(twoChatSpec, {})).toBeUndefined();
  });

  it('uses the public API host unless TWOCHAT_BASE_URL overrides it', () => {
    expect(settingsOf(twoChatSpec, { TWOCHAT_API_KEY: 'k' })).toEqual({
      apiKey: 'k',
      baseUrl: 'https://api.p.2chat.io',
    });
    expect(
      settingsOf(twoChatSpec, { TWOCHAT_API_KEY: 'k', TWOCHAT_BASE_URL: 'http://127.0.0.1:9/' }),
    ).toEqual({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9' });
  });

  it('names TWOCHAT_API_KEY when only the base URL is set', () => {
    expect(problems({ TWOCHAT_BASE_URL: 'https://api.p.2chat.io' })).toEqual([
      'TWOCHAT_API_KEY is required when TWOCHAT_BASE_URL is set.',
    ]);
  });

  it('names TWOCHAT_BASE_URL when it is not an http(s) URL, without echoing the key', () => {
    const found = problems({ TWOCHAT_API_KEY: 'secret-2chat-key', TWOCHAT_BASE_URL: 'secret-2chat-key' });
    expect(found).toEqual(['TWOCHAT_BASE_URL must be an absolute http(s) URL.']);
    expect(found.join(' ')).not.toContain('secret-2chat-key');
  });
});

/** The source the records are read from: its name and ids. */
const SOURCE = { name: 'twochat', id: (nativeId: string) => `id:${nativeId}` };

describe('2Chat record mapping', () => {
  it('builds displayName from whichever names are present, and keeps missing data null', () => {
    const record = toTwoChatRecord(
      { uuid: 'USR-1', first_name: null, last_name: 'Hopper', email: null },
      SOURCE,
    );
    expect(record).toMatchObject({
      displayName: 'Hopper',
      firstName: null,
      lastName: 'Hopper',
      email: null,
      active: true,
      avatarUrl: null,
      createdAt: null,
    });
    expect(
      toTwoChatRecord({ uuid: 'USR-2', first_name: '', last_name: null, email: 'a@b.c' }, SOURCE),
    ).toMatchObject({ displayName: null, firstName: null, email: 'a@b.c' });
  });
});
