/** The README's example queries are pasted into Sandbox by newcomers: they must run against demo mode. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../src/errors.js';
import { startHarness, type Harness } from './support/harness.js';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1]);

let h: Harness;
beforeAll(async () => {
  // As `npm start` serves the demo: its sources (two Twilio accounts) are what the examples name.
  h = await startHarness({ demoSources: true, env: { ROLLCALL_DIRECTORY: 'on' } });
  // `npm start` serves `users` from the directory: its first walks complete before the examples run.
  const directory = h.server.directory!;
  const sources = await directory.db.query<{ source: string }>('SELECT source FROM directory_sources');
  await Promise.all(sources.map(({ source }) => directory.sync.walkNow(source)));
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

describe('the repository stands alone', () => {
  it('refers to nothing beside it: no file under src/, test/, bench/, scripts/ or the README points outside the repository', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    // Built from parts, so that this file does not match itself.
    const outside = new RegExp(
      [
        '\\.\\./',
        'shared',
        '|',
        'shared/',
        '(providers|toolchain|design)\\.md|',
        'shared/',
        '(specs|seeds)',
      ].join(''),
    );
    const offenders: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules' && entry.name !== '__generated__') visit(path);
        } else if (
          /\.(ts|js|md|json|graphql|ya?ml)$/.test(entry.name) &&
          outside.test(readFileSync(join(root, path), 'utf8'))
        )
          offenders.push(path);
      }
    };
    for (const dir of ['src', 'test', 'bench', 'scripts']) visit(dir);
    if (outside.test(readme)) offenders.push('README.md');
    expect(offenders).toEqual([]);
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
