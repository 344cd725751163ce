/**
 * `npm start` stops on SIGTERM and SIGINT (a container's stop, Ctrl-C), after serving traffic. Run as a
 * real child process outside NODE_ENV=test: Apollo Server installs its own signal handlers everywhere
 * else, which is how a hang on shutdown once went unnoticed by the in-process tests.
 */
import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

async function startMain(): Promise<{
  url: string;
  exited: Promise<number | null>;
  kill: (s: NodeJS.Signals) => void;
}> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      ROLLCALL_DEMO: 'true',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('rollcall did not start within 20 s'));
    }, 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const found = /is ready: open (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(line);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
  });
  return { url, exited, kill: (signal) => child.kill(signal) };
}

describe('shutdown', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'exits with 0 within 5 s of %s, after serving a query',
    async (signal) => {
      const main = await startMain();
      try {
        const response = await fetch(`${main.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ users(first: 3) { edges { cursor } } }' }),
        });
        expect(((await response.json()) as { errors?: unknown }).errors).toBeUndefined();
        const started = Date.now();
        main.kill(signal);
        const code = await Promise.race([main.exited, new Promise((r) => setTimeout(() => r('hung'), 5000))]);
        expect(code).toBe(0);
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        main.kill('SIGKILL');
      }
    },
    30_000,
  );
});
