/** CometChat configuration: which variables enable it, how the base URL is built, and clear problems. */
import { describe, expect, it } from '@jest/globals';
import { EnvReader } from '../../../src/env.js';
import { cometChatSpec } from '../../../src/providers/cometchat/index.js';

const readConfig = (env: Record<string, string>) => {
  const reader = new EnvReader(env);
  return { config: cometChatSpec.readConfig(reader), problems: reader.problems };
};

describe('CometChat configuration', () => {
  it('is disabled when no COMETCHAT_ variable is set', () => {
    expect(readConfig({})).toEqual({ config: null, problems: [] });
  });

  it.each(['us', 'eu', 'in'])('builds the regional host for region %s', (region) => {
    expect(
      readConfig({ COMETCHAT_API_KEY: 'k', COMETCHAT_APP_ID: 'AbC123', COMETCHAT_REGION: region }),
    ).toEqual({
      config: { apiKey: 'k', baseUrl: `https://abc123.api-${region}.cometchat.io`, appId: 'AbC123' },
      problems: [],
    });
  });

  it('prefers COMETCHAT_BASE_URL, dropping a trailing /v3 copied from the OpenAPI servers entry', () => {
    expect(
      readConfig({ COMETCHAT_API_KEY: 'k', COMETCHAT_BASE_URL: 'http://127.0.0.1:9999/v3/' }).config,
    ).toEqual({
      apiKey: 'k',
      baseUrl: 'http://127.0.0.1:9999',
    });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a missing key',
      { COMETCHAT_APP_ID: 'app', COMETCHAT_REGION: 'us' },
      /COMETCHAT_API_KEY .* is required/,
    ],
    [
      'a missing region',
      { COMETCHAT_API_KEY: 'secret-key', COMETCHAT_APP_ID: 'app' },
      /COMETCHAT_REGION \(us, eu or in\)/,
    ],
    [
      'an unknown region',
      { COMETCHAT_API_KEY: 'secret-key', COMETCHAT_APP_ID: 'app', COMETCHAT_REGION: 'mars' },
      /COMETCHAT_REGION must be one of us, eu, in/,
    ],
    [
      'an app id that is no host label',
      { COMETCHAT_API_KEY: 'secret-key', COMETCHAT_APP_ID: 'a.b/c', COMETCHAT_REGION: 'us' },
      /COMETCHAT_APP_ID must be/,
    ],
    [
      'a base URL with credentials',
      { COMETCHAT_API_KEY: 'secret-key', COMETCHAT_BASE_URL: 'https://u:p@x.test' },
      /COMETCHAT_BASE_URL must not contain credentials/,
    ],
  ])('reports %s naming the variable, without echoing the key', (_name, env, message) => {
    const { problems } = readConfig(env);
    expect(problems.join('\n')).toMatch(message);
    expect(problems.join('\n')).not.toContain('secret-key');
  });
});
