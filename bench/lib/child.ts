/**
 * The benchmark's process plumbing: every server (emulators, rollcall, the naive and the bare subgraph)
 * runs in its own child process, so the load generator never shares an event loop with what it measures.
 *
 * Parent side: `startChild` forks a script under tsx and waits for its `ready` message; `request` sends
 * a command over IPC and waits (bounded) for the answer; `stop` asks the child to stop, then SIGKILLs it
 * after 5 s. Child side: `runChild` answers commands and exits when asked, on SIGTERM/SIGINT, or when the
 * parent goes away, so no server outlives a benchmark run, even one that crashed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');

type FromChild =
  | { type: 'ready'; info: unknown }
  | { type: 'response'; id: number; result?: unknown; error?: string };

interface ToChild {
  type: 'request';
  id: number;
  cmd: string;
  args?: unknown;
}

export interface ChildHandle<Info> {
  name: string;
  pid: number;
  info: Info;
  request<T>(cmd: string, args?: unknown, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function startChild<Info>(
  name: string,
  script: string,
  env: Record<string, string>,
  options: { readyTimeoutMs?: number; execArgv?: string[] } = {},
): Promise<ChildHandle<Info>> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const child: ChildProcess = fork(resolve(BENCH_DIR, script), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exited = true;
      for (const waiter of pending.values())
        waiter.reject(new Error(`${name} exited (${signal ?? code}) before answering`));
      pending.clear();
      done();
    }),
  );

  const info = await new Promise<Info>((resolveReady, rejectReady) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectReady(new Error(`${name} did not start within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      rejectReady(new Error(`${name} exited (${signal ?? code}) while starting`));
    };
    child.once('exit', onExit);
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolveReady(message.info as Info);
      } else if (message.type === 'response') {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error !== undefined) waiter?.reject(new Error(`${name}: ${message.error}`));
        else waiter?.resolve(message.result);
      }
    });
  });

  let nextId = 1;
  return {
    name,
    pid: child.pid as number,
    info,
    request<T>(cmd: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${name} is not running`));
      const id = nextId++;
      return new Promise<T>((resolveRequest, rejectRequest) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          rejectRequest(new Error(`${name}: no answer to ${cmd} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolveRequest(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            rejectRequest(error);
          },
        });
        child.send({ type: 'request', id, cmd, args } satisfies ToChild);
      });
    },
    async stop() {
      if (exited) return;
      // A command, not SIGTERM: Apollo Server installs its own SIGTERM handler in the child.
      child.send({ type: 'request', id: 0, cmd: '__stop' } satisfies ToChild);
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    },
  };
}

export type Handlers = Record<string, (args: never) => unknown>;

/**
 * The child side: runs `setup`, reports `ready` with its info, then answers commands until SIGTERM or
 * until the parent disconnects.
 */
export async function runChild(
  setup: () => Promise<{ info: unknown; handlers: Handlers; stop(): Promise<void> }>,
): Promise<void> {
  if (!process.send) throw new Error('this script runs as a child of bench/run.ts (npm run bench)');
  const { info, handlers, stop } = await setup();
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('disconnect', shutdown);
  process.on('message', (message: ToChild) => {
    if (message.type !== 'request') return;
    if (message.cmd === '__stop') return shutdown();
    const handler = handlers[message.cmd] as ((args: unknown) => unknown) | undefined;
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        return handler(message.args);
      })
      .then(
        (result) => process.send?.({ type: 'response', id: message.id, result }),
        (error: unknown) =>
          process.send?.({
            type: 'response',
            id: message.id,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
  });
  process.send({ type: 'ready', info });
}

/** Reads a JSON object passed by the parent in an environment variable. */
export function jsonEnv<T>(name: string): T {
  const raw = process.env[name];
  if (!raw) throw new Error(`${name} is not set`);
  return JSON.parse(raw) as T;
}
