/**
 * Helpers for the safety tests (test/safety/): a logger that keeps every line in memory, waiting for an emulator to finish what it is serving, a lock for tests that
 * run concurrently, and raw HTTP with a time limit.
 */
import { pino } from 'pino';
import type { EmulatorServer } from '../../src/emulators/base.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { PROVIDERS } from '../../src/providers/registry.js';

/** Each provider's own list connection. */
export const CONNECTION: Record<string, string> = Object.fromEntries(
  PROVIDERS.map((definition) => [definition.id, definition.connection]),
);

/**
 * rollcall's own logger (`createLogger`, with its redaction rules) at `level`, writing every line into
 * `lines` instead of stdout. pino keeps its destination under `pino.symbols.streamSym`, and child loggers
 * inherit it from their parent, so replacing it on the root before any child exists catches everything.
 */
export function memoryLogger(level = 'trace'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger(level);
  (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = {
    write(line: string) {
      lines.push(line);
    },
  };
  return { logger, lines };
}

/**
 * Resolves once the emulator serves nothing (answers it is still delaying or trickling included), so
 * that its call log is complete.
 */
export async function settle(emulator: EmulatorServer, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (emulator.inFlight > 0) {
    if (Date.now() > deadline) throw new Error(`${emulator.name} still serving after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves once the emulator serves `count` calls at once (with `hold`, a concurrency limit's worth). */
export async function inFlightReaches(
  emulator: EmulatorServer,
  count: number,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (emulator.inFlight < count) {
    if (Date.now() > deadline)
      throw new Error(
        `${emulator.name} served ${emulator.inFlight} calls at once after ${timeoutMs} ms, not ${count}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Runs the functions given to it one at a time, in call order (for tests sharing an emulator). */
export function serial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, when it is JSON. */
  json?: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
  ms: number;
}

/** One HTTP request that must finish within `timeoutMs` (a hang fails the test with a TimeoutError). */
export async function http(url: string, init: RequestInit = {}, timeoutMs = 5000): Promise<RawResponse> {
  const started = Date.now();
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let json: RawResponse['json'];
  try {
    json = JSON.parse(text) as RawResponse['json'];
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, ms: Date.now() - started };
}

/** POSTs a GraphQL request as JSON, within `timeoutMs`. */
export function graphql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  timeoutMs = 5000,
): Promise<RawResponse> {
  return http(
    `${url}/graphql`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    },
    timeoutMs,
  );
}
