import { describe, expect, it } from '@jest/globals';
import { configProblems, settingsOf } from '../../support/config.js';
import { adaSpec } from '../../../src/providers/ada/index.js';

const KEY = 'secret-ada-key-value';

const problems = configProblems;

describe('Ada configuration', () => {
  it('is disabled without any Ada variable', () => {
    expect(settingsOf(adaSpec, {})).toBeUndefined();
  });

  it.each([
    [{ ADA_HANDLE: 'example' }, 'https://example.ada.support'],
    [{ ADA_HANDLE: 'Example', ADA_REGION: 'eu' }, 'https://example.eu.ada.support'],
    [{ ADA_HANDLE: 'solutions', ADA_REGION: 'maple' }, 'https://solutions.maple.ada.support'],
    [{ ADA_HANDLE: 'acme-corp', ADA_REGION: 'US2' }, 'https://acme-corp.us2.ada.support'],
    [{ ADA_BASE_URL: 'http://127.0.0.1:9/' }, 'http://127.0.0.1:9'],
  ])('derives the base URL from %j', (env, baseUrl) => {
    expect(settingsOf(adaSpec, { ADA_API_KEY: KEY, ...env })).toEqual({ apiKey: KEY, baseUrl });
  });

  it.each([
    [
      'a handle without a key',
      { ADA_HANDLE: 'example' },
      'ADA_API_KEY is required when ADA_HANDLE, ADA_REGION or ADA_BASE_URL is set.',
    ],
    ['a key alone', { ADA_API_KEY: KEY }, /^ADA_HANDLE .* or ADA_BASE_URL is required with ADA_API_KEY\.$/],
    [
      'both a handle and a base URL',
      { ADA_API_KEY: KEY, ADA_HANDLE: 'example', ADA_BASE_URL: 'https://example.ada.support' },
      'Set either ADA_HANDLE (with an optional ADA_REGION) or ADA_BASE_URL, not both.',
    ],
    [
      'an unknown region',
      { ADA_API_KEY: KEY, ADA_HANDLE: 'example', ADA_REGION: 'ca' },
      /^ADA_REGION must be one of eu, maple, us2;/,
    ],
    [
      'a handle that is not a DNS label',
      { ADA_API_KEY: KEY, ADA_HANDLE: KEY + '.evil.example' },
      /^ADA_HANDLE must be the handle of your Ada instance/,
    ],
    [
      'a region with a base URL',
      { ADA_API_KEY: KEY, ADA_BASE_URL: 'https://example.ada.support', ADA_REGION: 'eu' },
      'ADA_REGION only applies with ADA_HANDLE; ADA_BASE_URL is used as is.',
    ],
    [
      'a base URL that is not a URL',
      { ADA_API_KEY: KEY, ADA_BASE_URL: KEY },
      'ADA_BASE_URL must be an absolute http(s) URL.',
    ],
  ])('names the variable at fault for %s, never echoing a value', (_name, env, message) => {
    const found = problems(env as Record<string, string>);
    expect(found).toHaveLength(1);
    expect(found[0]).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    expect(found[0]).not.toContain(KEY);
  });
});
