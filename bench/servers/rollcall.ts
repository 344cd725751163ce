/**
 * Bench child: one rollcall server, exactly as `npm start` builds it (`loadConfig` + `createServer`), on
 * a free loopback port. Its whole environment comes from BENCH_CONFIG (JSON), not from the shell or
 * `.env`, so a developer's settings cannot skew a run.
 */
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/server.js';
import { jsonEnv, runChild } from '../lib/child.js';
import type { ServerInfo } from '../lib/shared.js';

await runChild(async () => {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    NODE_ENV: 'production',
    ...jsonEnv<Record<string, string>>('BENCH_CONFIG'),
  });
  const server = await createServer(config);
  const info: ServerInfo = { url: await server.start() };
  // `rss`: this process's resident memory (the directory's sizing), in bytes.
  return { info, handlers: { rss: () => process.memoryUsage().rss }, stop: () => server.stop() };
});
