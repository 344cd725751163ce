/**
 * rollcall as a real process (npm start, node dist/main.js): start it on a free port in demo mode, read
 * its JSON log lines, find its descendants, and check that it stops cleanly.
 */
import { randomBytes } from 'node:crypto';
import { expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

export interface RollcallProcess {
  child: ChildProcess;
  /** Every stdout line so far (JSON logs). */
  lines: string[];
  /** `http://127.0.0.1:PORT` once ready. */
  url: string;
  port: number;
  /** The demo emulators' base URLs, by source name (`twilio-us`, `twilio-eu`, `ada`, …). */
  emulators: Record<string, string>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface StartOptions {
  cwd: string;
  env: Record<string, string>;
  /**
   * How long the process may take to log that it is ready (default 90 s: a start compiles TypeScript or
   * opens PGlite, and CI runs two suites at a time on 2 cores).
   */
  readyTimeoutMs?: number;
}

const READY_TIMEOUT_MS = 90_000;

/** Starts `command args` and resolves once it logs that it is ready. */
export async function startRollcall(
  command: string,
  args: string[],
  options: StartOptions,
): Promise<RollcallProcess> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const found = await new Promise<{ url: string; emulators: Record<string, string> }>((resolve, reject) => {
    let emulators: Record<string, string> = {};
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `rollcall did not start within ${options.readyTimeoutMs ?? READY_TIMEOUT_MS} ms:\n${stderr}\n${lines.join('\n')}`,
        ),
      );
    }, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rollcall exited with ${code} before it was ready:\n${stderr}\n${lines.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      let entry: { msg?: string; emulators?: Record<string, string> };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.emulators) emulators = entry.emulators;
      const ready = /is ready(?::| at).*?(http:\/\/(?:127\.0\.0\.1|localhost):\d+)\/graphql/.exec(
        entry.msg ?? '',
      );
      if (ready) {
        clearTimeout(timer);
        resolve({ url: ready[1], emulators });
      }
    });
  });
  return { child, lines, ...found, port: Number(new URL(found.url).port), exited };
}

/** Every process below `pid` (Linux: read from /proc). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: the command may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents)
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The processes of `pids` still running after up to `withinMs`: a process that has just exited can take
 * a moment to be reaped (a helper such as tsx's esbuild service ends when its parent's pipe closes).
 */
export async function survivors(pids: readonly number[], withinMs = 3000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(alive);
  }
  return left;
}

/** Whether nothing listens on `port` any more (a listen on it succeeds). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Injects a fault into a demo emulator through its HTTP control surface. */
export async function injectFault(emulatorUrl: string, fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${emulatorUrl}/__emulator/fault`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`fault injection answered ${response.status}`);
}

/** Resolves once an emulator (in another process) is answering a call, for 30 s at most. */
async function upstreamInFlight(emulatorUrl: string): Promise<void> {
  for (let i = 0; i < 3000; i += 1) {
    const response = await fetch(`${emulatorUrl}/__emulator/calls`);
    const { inFlight } = (await response.json()) as { inFlight: number };
    if (inFlight > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no upstream call in flight after 30 s');
}

/** The parsed JSON log lines of a process. */
export function logEntries(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** A query the demo's Twilio emulator answers slowly once a delay is injected. */
/**
 * Waits until the directory has completed a walk of every source (demo mode walks them at start): a
 * test that injects an upstream fault must not have it taken by a walk.
 */
export async function directoryReady(url: string, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ directory { sources { state } } }' }),
    });
    const body = (await response.json()) as { data?: { directory: { sources: { state: string }[] } | null } };
    const sources = body.data?.directory?.sources;
    if (!sources || sources.every((source) => source.state === 'READY')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the directory did not complete its first walks in time');
}

/**
 * A request that reaches the Twilio emulator (so an injected delay holds it): a lookup of a sid nobody
 * asked for before, which no cache can answer (the directory's walks warm the list pages).
 */
export function slowQuery(url: string): Promise<Response> {
  const sid = `US${randomBytes(16).toString('hex')}`;
  return fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ twilioConversationUser(sid: "${sid}") { sid } }` }),
  });
}

/**
 * Sends `signal` to `running` while a 3 s request is in flight, and checks the stop was graceful: the
 * request completes with its data, the process exits 0 after logging `shutting down` then `stopped`, no
 * process below it survives, and the port is free. Returns the `shutting down` log entry.
 */
export async function stopsGracefully(
  running: RollcallProcess,
  signal: NodeJS.Signals,
  { expectDescendants = false } = {},
): Promise<Record<string, unknown>> {
  await directoryReady(running.url);
  await injectFault(running.emulators['twilio-us'], { delayMs: 3000, times: 1 });
  const inFlight = slowQuery(running.url);
  // The signal goes once the request waits on its upstream call (however busy the machine).
  await upstreamInFlight(running.emulators['twilio-us']);
  const below = descendants(running.child.pid!);
  if (expectDescendants) expect(below.length).toBeGreaterThanOrEqual(1);
  running.child.kill(signal);
  const answer = await inFlight;
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as { data?: unknown; errors?: unknown };
  // The lookup completed with its answer (no such user), after the delay.
  expect(body).toEqual({ data: { twilioConversationUser: null } });
  expect(await running.exited).toBe(0);
  const entries = logEntries(running.lines);
  expect(entries.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  expect(await survivors([running.child.pid!, ...below])).toEqual([]);
  expect(await portFree(running.port)).toBe(true);
  return entries.find((entry) => entry.msg === 'shutting down')!;
}
