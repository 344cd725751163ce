/**
 * `npm start`: read the configuration (environment and `.env`), start demo mode when nothing is
 * configured (or ROLLCALL_DEMO=true), serve, and shut down cleanly on SIGINT/SIGTERM.
 */
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startEmulators, type RunningEmulators } from './emulators/demo.js';
import { createLogger } from './logger.js';
import type { ProviderId } from './providers/ids.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);

  let emulators: RunningEmulators | undefined;
  const configured = Object.keys(config.providers).length;
  if (config.demo === 'on' || (config.demo === 'auto' && configured === 0)) {
    emulators = await startEmulators();
    // Demo mode replaces every provider with its emulator; real credentials are ignored. A provider's
    // variables share the prefix of the ones its emulator sets (TWILIO_…, ADA_…), so drop those.
    const prefixes = new Set(Object.keys(emulators.env).map((key) => `${key.split('_')[0]}_`));
    const scrubbed = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => ![...prefixes].some((prefix) => key.startsWith(prefix))),
    );
    config = loadConfig({ ...scrubbed, ...emulators.env });
  }
  const emulated = new Set<ProviderId>(emulators ? [...emulators.byProvider.keys()] : []);
  const server = await createServer(config, { logger, emulated });
  const url = await server.start();

  if (emulators) {
    logger.info(
      { emulators: Object.fromEntries([...emulators.byProvider].map(([id, e]) => [id, e.server.baseUrl])) },
      'demo mode: no provider credentials configured, serving built-in emulators with generated users',
    );
    logger.info(`rollcall (demo mode) is ready: open ${url}/graphql in a browser for Apollo Sandbox`);
  } else {
    logger.info({ providers: Object.keys(config.providers) }, `rollcall is ready at ${url}/graphql`);
  }
  if (configured === 0 && config.demo === 'off') {
    logger.warn(
      'no provider is configured and ROLLCALL_DEMO=false: every provider field will answer PROVIDER_NOT_CONFIGURED',
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await server.stop();
    await emulators?.stop();
    process.exit(0);
  };
  // A promise nobody awaited failed: a bug, logged with its stack. The server keeps serving the requests
  // that are fine instead of crashing (Node's default) and dropping every one of them.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
