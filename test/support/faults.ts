/**
 * The upstream faults of the fault matrix (issue 8), with the answer rollcall must give to each: shared by
 * test/safety/fault-matrix.test.ts (which checks codes, attempts, partial data and health, and documents
 * the table) and test/safety/secrets.test.ts (which runs them all with secret credentials configured).
 *
 * The attempt counts assume 2 retries, a Retry-After cap of 1000 ms (ROLLCALL_RETRY_MAX_BACKOFF_MS) and an
 * upstream timeout well under SLOW_MS.
 */
import { expect } from '@jest/globals';
import type { EmulatorServer, Fault } from '../../src/emulators/base.js';
import type { ProviderId } from '../../src/providers/core/record.js';

/** How long the slow faults (timeout, slow body) keep the answer back, in ms. */
export const SLOW_MS = 2500;

export interface FaultCase {
  name: string;
  /** The fault, in the wire format of the emulator it is injected into. */
  fault: (emulator: EmulatorServer) => Fault;
  code: string;
  attempts: number;
  /** Further `extensions` the error must carry (`retryAfter: undefined` means: none). */
  extensions?: Record<string, unknown>;
  /** Check the error's `retryAfter` (HTTP dates round to whole seconds). */
  retryAfter?: (value: unknown) => void;
  /** Minimum gap between consecutive attempts. */
  gapMs?: number;
  only?: ProviderId;
}

const status = (code: number, headers?: Record<string, string>) => (emulator: EmulatorServer) => ({
  status: code,
  body: emulator.errorBody(code, `failure ${code}`),
  headers,
});

export const FAULT_CASES: FaultCase[] = [
  {
    name: 'HTTP 401',
    fault: status(401),
    code: 'UPSTREAM_UNAUTHORIZED',
    attempts: 1,
    extensions: { status: 401 },
  },
  {
    name: 'HTTP 403',
    fault: status(403),
    code: 'UPSTREAM_FORBIDDEN',
    attempts: 1,
    extensions: { status: 403 },
  },
  {
    name: 'HTTP 404',
    fault: status(404),
    code: 'UPSTREAM_NOT_FOUND',
    attempts: 1,
    extensions: { status: 404 },
  },
  {
    name: 'HTTP 429 without Retry-After',
    fault: status(429),
    code: 'UPSTREAM_RATE_LIMITED',
    attempts: 3,
    extensions: { status: 429, retryAfter: undefined },
  },
  {
    name: 'HTTP 429 with Retry-After: 1 (within the backoff cap)',
    fault: status(429, { 'retry-after': '1' }),
    code: 'UPSTREAM_RATE_LIMITED',
    attempts: 3,
    extensions: { status: 429, retryAfter: 1 },
    gapMs: 950,
  },
  {
    name: 'HTTP 429 with Retry-After: 120 (over the backoff cap)',
    fault: status(429, { 'retry-after': '120' }),
    code: 'UPSTREAM_RATE_LIMITED',
    attempts: 1,
    extensions: { status: 429, retryAfter: 120 },
  },
  {
    name: 'HTTP 429 with Retry-After as an HTTP date 2 minutes ahead',
    fault: (emulator) =>
      status(429, { 'retry-after': new Date(Date.now() + 120_000).toUTCString() })(emulator),
    code: 'UPSTREAM_RATE_LIMITED',
    attempts: 1,
    extensions: { status: 429 },
    retryAfter: (value) => {
      expect(value).toBeGreaterThanOrEqual(115);
      expect(value).toBeLessThanOrEqual(121);
    },
  },
  {
    name: 'HTTP 500',
    fault: status(500),
    code: 'UPSTREAM_UNAVAILABLE',
    attempts: 1,
    extensions: { status: 500 },
  },
  {
    name: 'HTTP 502',
    fault: status(502),
    code: 'UPSTREAM_UNAVAILABLE',
    attempts: 3,
    extensions: { status: 502 },
  },
  {
    name: 'HTTP 503',
    fault: status(503),
    code: 'UPSTREAM_UNAVAILABLE',
    attempts: 3,
    extensions: { status: 503 },
  },
  { name: 'timeout', fault: () => ({ delayMs: SLOW_MS }), code: 'UPSTREAM_TIMEOUT', attempts: 3 },
  { name: 'connection reset', fault: () => ({ reset: true }), code: 'UPSTREAM_UNAVAILABLE', attempts: 3 },
  {
    name: 'malformed JSON',
    fault: () => ({ status: 200, body: '{"data": [{"id": "1", ' }),
    code: 'UPSTREAM_BAD_RESPONSE',
    attempts: 1,
  },
  {
    name: 'valid JSON of the wrong shape',
    fault: () => ({ status: 200, body: { unexpected: [1, 2, 3], users: 'no' } }),
    code: 'UPSTREAM_BAD_RESPONSE',
    attempts: 1,
  },
  { name: 'slow body', fault: () => ({ slowBodyMs: SLOW_MS }), code: 'UPSTREAM_TIMEOUT', attempts: 3 },
  {
    name: 'Voximplant HTTP 200 error 100 (authorization failed)',
    only: 'VOXIMPLANT',
    fault: () => ({ status: 200, body: { error: { code: 100, msg: 'Authorization failed.' } } }),
    code: 'UPSTREAM_UNAUTHORIZED',
    attempts: 1,
    extensions: { upstreamCode: 100, status: 200 },
  },
  {
    name: 'Voximplant HTTP 200 error 340 (rate limit)',
    only: 'VOXIMPLANT',
    fault: () => ({ status: 200, body: { error: { code: 340, msg: 'Rate limit exceeded.' } } }),
    code: 'UPSTREAM_RATE_LIMITED',
    attempts: 3,
    extensions: { upstreamCode: 340, status: 200 },
  },
  {
    name: '2Chat HTTP 402 (payment required)',
    only: 'TWO_CHAT',
    fault: status(402),
    code: 'UPSTREAM_FORBIDDEN',
    attempts: 1,
    extensions: { status: 402 },
  },
  {
    name: '2Chat HTTP 200 {success: false}',
    only: 'TWO_CHAT',
    fault: () => ({ status: 200, body: { success: false, error: true, message: 'Something went wrong' } }),
    code: 'UPSTREAM_UNAVAILABLE',
    attempts: 1,
    extensions: { status: 200 },
  },
];
