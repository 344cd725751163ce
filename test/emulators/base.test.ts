import { afterEach, describe, expect, it } from '@jest/globals';
import { EmulatorServer, RateLimiter } from '../../src/emulators/base.js';

let server: EmulatorServer | undefined;
afterEach(() => server?.stop());

async function start(options: ConstructorParameters<typeof EmulatorServer>[2] = {}) {
  server = new EmulatorServer('test', (request) => ({ status: 200, body: { path: request.path } }), options);
  await server.start();
  return server;
}

describe('EmulatorServer', () => {
  it('keeps a bounded call log while counting every call', async () => {
    const emulator = await start({ maxRecordedCalls: 3 });
    for (let i = 0; i < 5; i += 1) await fetch(`${emulator.baseUrl}/call/${i}`);
    expect(emulator.calls.map((c) => c.path)).toEqual(['/call/2', '/call/3', '/call/4']);
    expect(emulator.totalCalls).toBe(5);
    const control = (await (await fetch(`${emulator.baseUrl}/__emulator/calls`)).json()) as { count: number };
    expect(control.count).toBe(5);
    emulator.resetCalls();
    expect(emulator.totalCalls).toBe(0);
  });

  it('applies a fault to matching paths for the given number of calls, then answers normally', async () => {
    const emulator = await start();
    emulator.injectFault({ status: 503, body: 'down', times: 1, path: '/a' });
    expect((await fetch(`${emulator.baseUrl}/b`)).status).toBe(200);
    expect((await fetch(`${emulator.baseUrl}/a`)).status).toBe(503);
    expect((await fetch(`${emulator.baseUrl}/a`)).status).toBe(200);
  });

  it('takes faults and latency over its HTTP control surface, unrecorded', async () => {
    const emulator = await start();
    await fetch(`${emulator.baseUrl}/__emulator/fault`, {
      method: 'POST',
      body: JSON.stringify({ status: 418, times: 1 }),
    });
    await fetch(`${emulator.baseUrl}/__emulator/latency`, {
      method: 'POST',
      body: JSON.stringify({ ms: 50 }),
    });
    const started = Date.now();
    expect((await fetch(`${emulator.baseUrl}/x`)).status).toBe(418);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(emulator.calls.map((c) => c.path)).toEqual(['/x']);
  });
});

describe('RateLimiter', () => {
  it('refuses calls past a window limit and says when to retry', () => {
    const limiter = new RateLimiter([{ limit: 2, windowMs: 1000 }]);
    expect(limiter.check(0)).toEqual({ ok: true });
    expect(limiter.check(10)).toEqual({ ok: true });
    expect(limiter.check(20)).toMatchObject({ ok: false, retryAfterSeconds: 1, limit: 2 });
    expect(limiter.check(1000)).toEqual({ ok: true });
  });
});
