/**
 * The process `npm start` runs (src/main.ts, through npm and tsx): a signal sent to the npm process — what
 * a terminal's Ctrl-C or a container runtime's stop does — stops the server gracefully. The request in
 * flight completes, the log says so, every process below npm is gone and the port is free. (The compiled
 * `node dist/main.js` is tested the same way in test/image.test.ts.)
 */
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulators, type RunningEmulators } from '../src/emulators/demo.js';
import {
  directoryReady,
  injectFault,
  logEntries,
  portFree,
  slowQuery,
  startRollcall,
  stopsGracefully,
  type RollcallProcess,
} from './support/process.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** Demo mode's development key, kept in this run's own directory (never a file left by anything else). */
const KEYS = mkdtempSync(join(tmpdir(), 'rollcall-dev-key-'));
afterAll(() => rmSync(KEYS, { recursive: true, force: true }));
const DEMO = {
  ROLLCALL_DEV_KEY_FILE: join(KEYS, 'dev-key.json'),
  NODE_ENV: 'development',
  ROLLCALL_DEMO: 'true',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  ROLLCALL_SHUTDOWN_GRACE_MS: '5000',
};

let running: RollcallProcess | undefined;
afterEach(() => {
  if (running && running.child.exitCode === null) running.child.kill('SIGKILL');
  running = undefined;
});

describe('with real credentials', () => {
  let emulators: RunningEmulators | undefined;
  afterAll(() => emulators?.stop());

  it('starts as production, warns about every unsafe default, and does not advertise Sandbox', async () => {
    emulators = await startEmulators();
    running = await startRollcall(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO,
      env: {
        ...emulators.env,
        PORT: '0',
        HOST: '0.0.0.0',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        ROLLCALL_AUTH: 'none',
        ROLLCALL_AUTH_ALLOW_NONE: 'true',
      },
    });
    const entries = logEntries(running.lines);
    const warnings = entries.filter((entry) => entry.level === 40).map((entry) => String(entry.msg));
    expect(warnings).toEqual([
      expect.stringMatching(/^unsafe default: ROLLCALL_CURSOR_SECRET is not set/),
      expect.stringMatching(/^unsafe default: ROLLCALL_AUTH=none .* access control is OFF/),
    ]);
    const ready = entries.find((entry) => String(entry.msg).includes('is ready'));
    expect(ready).toMatchObject({
      environment: 'production',
      msg: expect.stringMatching(/^rollcall is ready at http/),
    });
    expect(String(ready?.msg)).not.toMatch(/Sandbox/);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 150_000);

  it('refuses to start with real credentials on a reachable address without access control', async () => {
    emulators ??= await startEmulators();
    await expect(
      startRollcall(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: REPO,
        env: { ...emulators.env, PORT: '0', HOST: '0.0.0.0', LOG_FORMAT: 'json' },
      }),
    ).rejects.toThrow(/exited with 1[\s\S]*Set ROLLCALL_AUTH to jwt or router: HOST=0\.0\.0\.0 is reachable/);
  }, 150_000);
});

describe("demo mode's development tokens", () => {
  it('prints one with every scope, and npm run token mints narrower ones the server accepts', async () => {
    running = await startRollcall(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: REPO,
      env: DEMO,
    });
    let printed: Record<string, unknown> | undefined;
    for (let wait = 0; wait < 50 && !printed; wait += 1) {
      printed = logEntries(running.lines).find((entry) => typeof entry.developmentToken === 'string');
      if (!printed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const query = '{ twilioConversationUsers(first: 1) { nodes { sid raw } } }';
    const ask = async (token?: string) =>
      (await (
        await fetch(`${running!.url}/graphql`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ query }),
        })
      ).json()) as {
        data: { twilioConversationUsers: { nodes: { sid: string; raw: unknown }[] } };
        errors?: unknown[];
      };
    const full = await ask(String(printed?.developmentToken));
    expect(full.errors).toBeUndefined();
    expect(full.data.twilioConversationUsers.nodes[0].raw).not.toBeNull();
    const minted = spawnSync('npm', ['run', '--silent', 'token', '--', '--scopes', 'users:read'], {
      cwd: REPO,
      env: { ...process.env, ROLLCALL_DEV_KEY_FILE: DEMO.ROLLCALL_DEV_KEY_FILE },
      encoding: 'utf8',
    });
    expect(minted.status).toBe(0);
    const narrow = await ask(minted.stdout.trim());
    expect(narrow.data.twilioConversationUsers.nodes[0]).toMatchObject({
      sid: expect.any(String),
      raw: null,
    });
    expect(narrow.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    // Anonymous requests in demo mode see everything; a forged token is refused.
    expect((await ask()).data.twilioConversationUsers.nodes[0].raw).not.toBeNull();
    const [header, payload] = minted.stdout.trim().split('.');
    const forged = await fetch(`${running.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${header}.${payload}.AAAA` },
      body: JSON.stringify({ query }),
    });
    expect(forged.status).toBe(401);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  }, 150_000);
});

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops gracefully on %s sent to the npm process, with a request in flight',
    async (signal) => {
      running = await startRollcall('npm', ['start', '--silent'], { cwd: REPO, env: DEMO });
      const stopping = await stopsGracefully(running, signal, { expectDescendants: true });
      expect(stopping).toMatchObject({ signal, graceMs: 5000 });
    },
    60_000,
  );

  it('stops waiting for a request that outlives the grace period, and still exits 0', async () => {
    running = await startRollcall('npm', ['start', '--silent'], {
      cwd: REPO,
      env: { ...DEMO, ROLLCALL_SHUTDOWN_GRACE_MS: '300', ROLLCALL_OPERATION_TIMEOUT_MS: '30000' },
    });
    await directoryReady(running.url);
    await injectFault(running.emulators['twilio-us'], { delayMs: 10_000, times: 1 });
    const inFlight = slowQuery(running.url).then(
      (response) => response.status,
      () => 'connection closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(await inFlight).toBe('connection closed');
    expect(await portFree(running.port)).toBe(true);
  }, 150_000);
});

describe('with a broken configuration file', () => {
  it('does not start: it names the file and every path at fault, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-main-'));
    try {
      const file = join(dir, 'rollcall.config.yaml');
      writeFileSync(
        file,
        'sources:\n  - name: Twilio US\n    provider: twilio\n    credentials: { accountSid: ACx }\n',
      );
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: REPO,
        env: { ...process.env, ROLLCALL_CONFIG: file, PORT: '0', HOST: '127.0.0.1' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('Invalid configuration:');
      expect(run.stderr).toContain(
        'rollcall.config.yaml: sources[0].name: must be lower-case letters, digits and dashes, 1 to 32 of them',
      );
      expect(run.stdout).not.toMatch(/is ready/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
