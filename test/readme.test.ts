/** The README's example queries are pasted into Sandbox by newcomers: they must run against demo mode. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../src/errors.js';
import { startHarness, type Harness } from './support/harness.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

describe('README reference tables', () => {
  it('documents every variable the configuration reads', () => {
    const config = readFileSync(fileURLToPath(new URL('../src/config.ts', import.meta.url)), 'utf8');
    const variables = new Set([...config.matchAll(/'(ROLLCALL_[A-Z_]+)'/g)].map((match) => match[1]));
    expect(variables.size).toBeGreaterThan(20);
    const missing = [...variables].filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('documents every error code rollcall answers with', () => {
    const missing = Object.values(ErrorCode).filter((code) => !readme.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });
});

describe('README example queries', () => {
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(examples.map((query, index) => [index + 1, query]))(
    'example %i runs without errors',
    async (_n, query) => {
      const { data, errors } = await h.query(
        String(query).replace('"<an id>", "<another id>"', '"VXNlcjox"'),
      );
      expect(errors).toBeUndefined();
      expect(data).toBeTruthy();
    },
  );
});
