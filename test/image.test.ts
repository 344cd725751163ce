/**
 * The container image, without Docker (no engine runs on these machines): the Dockerfile is read for
 * what it promises, and the runtime layout it describes is built in a temporary directory and run as the
 * image would run it.
 *
 * Layout: `dist/` compiled with tsconfig.build.json (the build stage's `npm run build`), `schema/`, and
 * `node_modules/` holding exactly the production tree. The runtime stage gets that tree from
 * `npm install --omit=dev`; here it is copied from this checkout's node_modules as `npm ls --omit=dev`
 * lists it, because tests run offline and npm cannot resolve the lockfile without the registry. Node then
 * resolves every import inside the layout, so a runtime import of a dev dependency fails here as it
 * would in the image.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulators, type RunningEmulators } from '../src/emulators/demo.js';
import {
  directoryReady,
  logEntries,
  startRollcall,
  stopsGracefully,
  type RollcallProcess,
} from './support/process.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
let layout: string;

/** The runtime stage of the Dockerfile (after the last FROM). */
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** The image's environment, from the runtime stage's ENV lines. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const block = /\nENV ((?:.*\\\n)*.*)/.exec(runtimeStage)?.[1] ?? '';
  for (const [, name, value] of block.matchAll(/([A-Z_]+)=(\S+)/g)) env[name] = value;
  return env;
}

beforeAll(() => {
  layout = mkdtempSync(join(tmpdir(), 'rollcall-image-'));
  // The build stage: `npm run build` (tsc -p tsconfig.build.json), into the layout.
  execFileSync(
    process.execPath,
    [
      join(REPO, 'node_modules/typescript/bin/tsc'),
      '-p',
      'tsconfig.build.json',
      '--outDir',
      join(layout, 'dist'),
    ],
    { cwd: REPO, stdio: 'pipe' },
  );
  cpSync(join(REPO, 'schema'), join(layout, 'schema'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(layout, 'package.json'));
  // The production tree, package by package (nested node_modules are listed on their own).
  const tree = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .filter((path) => path !== REPO.replace(/\/$/, '') && path.includes(`${sep}node_modules${sep}`));
  for (const path of tree) {
    cpSync(path, join(layout, relative(REPO, path)), {
      recursive: true,
      filter: (source) => !relative(path, source).split(sep).includes('node_modules'),
    });
  }
}, 180_000);

afterAll(() => {
  if (layout) rmSync(layout, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('builds in one stage and runs dist/ with production dependencies in another', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(runtimeStage).toMatch(/npm install --omit=dev/);
    expect(runtimeStage).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtimeStage).toMatch(/^COPY schema \.\/schema$/m);
  });

  it('runs as a non-root user, in production, with a health check, SIGTERM and node dist/main.js', () => {
    expect(runtimeStage).toMatch(/^USER node$/m);
    expect(imageEnv()).toMatchObject({ NODE_ENV: 'production' });
    expect(runtimeStage).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
    expect(runtimeStage).toMatch(/^STOPSIGNAL SIGTERM$/m);
    expect(runtimeStage).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
  });

  it("gives the directory's embedded database a folder the node user owns, as a volume", () => {
    expect(runtimeStage).toMatch(/^RUN mkdir -p rollcall-data && chown node:node rollcall-data$/m);
    expect(runtimeStage).toMatch(/^VOLUME \["\/app\/rollcall-data"\]$/m);
    expect(runtimeStage.indexOf('VOLUME')).toBeLessThan(runtimeStage.indexOf('USER node'));
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['.env', 'node_modules', '.git']) expect(ignored).toContain(entry);
  });
});

describe('the production path', () => {
  let emulators: RunningEmulators | undefined;
  afterAll(() => emulators?.stop());

  it('never loads an emulator: with credentials it serves from a dist/ that has none', async () => {
    const live = join(layout, 'dist-without-emulators');
    cpSync(join(layout, 'dist'), live, {
      recursive: true,
      filter: (source) => !/[/\\](emulator\.js|emulators[/\\](base|main)\.js)$/.test(source),
    });
    expect(existsSync(join(live, 'providers', 'twilio', 'emulator.js'))).toBe(false);
    expect(existsSync(join(live, 'emulators', 'base.js'))).toBe(false);
    emulators = await startEmulators();
    const rollcall = await startRollcall(process.execPath, ['dist-without-emulators/main.js'], {
      cwd: layout,
      env: { ...imageEnv(), ...emulators.env, PORT: '0', HOST: '127.0.0.1' },
    });
    try {
      const ask = async () => {
        const answer = await fetch(`${rollcall!.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ users(first: 40) { nodes { provider } } providers { mode } }' }),
        });
        return (await answer.json()) as {
          data?: { providers: { mode: string }[] };
          errors?: { extensions?: { code?: string } }[];
        };
      };
      // `users` comes from the directory: until each source's first walk completes, the answer says
      // DIRECTORY_INCOMPLETE (the persisted database starts empty here).
      let body = await ask();
      for (
        let i = 0;
        i < 100 && body.errors?.every((e) => e.extensions?.code === 'DIRECTORY_INCOMPLETE');
        i += 1
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        body = await ask();
      }
      expect(body.errors).toBeUndefined();
      expect(body.data!.providers.map((p) => p.mode)).toEqual(['LIVE', 'LIVE', 'LIVE', 'LIVE', 'LIVE']);
    } finally {
      rollcall.child.kill('SIGTERM');
      await rollcall.exited;
    }
  }, 150_000);
});

describe('the runtime layout', () => {
  it('holds the production tree only', () => {
    for (const runtime of ['@apollo/server', 'graphql', 'got', 'pino', '@opentelemetry/api'])
      expect(existsSync(join(layout, 'node_modules', runtime, 'package.json'))).toBe(true);
    for (const dev of ['typescript', 'jest', 'tsx', '@apollo/gateway', 'fast-check'])
      expect(existsSync(join(layout, 'node_modules', dev))).toBe(false);
    expect(existsSync(join(layout, 'dist', 'main.js'))).toBe(true);
  });

  let rollcall: RollcallProcess | undefined;
  afterAll(() => {
    rollcall?.child.kill('SIGKILL');
  });

  it('serves as the image would: production behaviour, no Sandbox advertised', async () => {
    rollcall = await startRollcall(process.execPath, ['dist/main.js'], {
      cwd: layout,
      env: {
        ...imageEnv(),
        PORT: '0',
        HOST: '127.0.0.1',
        ROLLCALL_DEMO: 'true',
        ROLLCALL_SHUTDOWN_GRACE_MS: '5000',
      },
    });
    const health = await fetch(`${rollcall.url}/health`);
    expect(health.status).toBe(200);
    await directoryReady(rollcall.url);
    const post = (query: string) =>
      fetch(`${rollcall!.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));
    const users = await post('{ users(first: 3) { nodes { id } } }');
    expect(users.status).toBe(200);
    expect(users.body.errors).toBeUndefined();
    // NODE_ENV=production: introspection off, no stack traces.
    const introspection = await post('{ __schema { types { name } } }');
    expect(JSON.stringify(introspection.body)).toMatch(/introspection/i);
    expect(JSON.stringify(introspection.body)).not.toMatch(/stacktrace/);
    const ready = logEntries(rollcall.lines).find((entry) => String(entry.msg).includes('is ready'));
    expect(String(ready?.msg)).not.toMatch(/Sandbox/);
  }, 150_000);

  it('stops on SIGTERM to node dist/main.js: the request in flight completes, then it exits 0', async () => {
    const running = rollcall!;
    expect(await stopsGracefully(running, 'SIGTERM')).toMatchObject({ signal: 'SIGTERM' });
  }, 150_000);
});
