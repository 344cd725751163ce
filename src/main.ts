/**
 * The process: read the configuration (environment and `.env`), start demo mode when nothing is
 * configured (or ROLLCALL_DEMO=true), start tracing when OTEL_* asks for it, serve, and stop gracefully on
 * SIGTERM/SIGINT: stop accepting, let requests in flight finish within ROLLCALL_SHUTDOWN_GRACE_MS, close
 * Redis, the emulators and the trace exporter, and exit 0.
 *
 * `node dist/main.js` is the production command (the image's CMD); `npm start` runs this file through tsx
 * for the one-command demo, with `exec`, so that a signal sent to npm reaches this process.
 */
import { config as loadDotenv } from 'dotenv';
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig, unsafeDefaults, type Config } from './config.js';
import { startEmulators, type RunningEmulators } from './emulators/demo.js';
import { createLogger } from './logger.js';
import { createServer } from './server.js';
import { defaultDevelopmentKeyFile, loadOrCreateDevelopmentKey } from './auth/devKey.js';
import { startTracing } from './telemetry.js';

/** The configuration file read from the working directory when ROLLCALL_CONFIG names none. */
const DEFAULT_CONFIG_FILE = 'rollcall.config.yaml';

async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const tty = process.stdout.isTTY === true;
  let config: Config;
  try {
    // The sources' file: ROLLCALL_CONFIG, else rollcall.config.yaml in the working directory if there is one.
    const configFile =
      process.env.ROLLCALL_CONFIG?.trim() ||
      (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
    config = loadConfig(process.env, { tty, configFile });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, config.logFormat);
  const tracing = startTracing(process.env, logger);

  let emulators: RunningEmulators | undefined;
  const configured = config.sources.filter((source) => source.enabled).length;
  if (config.demo === 'on' || (config.demo === 'auto' && configured === 0)) {
    emulators = await startEmulators();
    // Demo mode replaces every provider with its emulator; real credentials are ignored. A provider's
    // variables share the prefix of the ones its emulator sets (TWILIO_…, ADA_…), so drop those.
    const prefixes = new Set(Object.keys(emulators.env).map((key) => `${key.split('_')[0]}_`));
    const scrubbed = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => key !== 'ROLLCALL_CONFIG' && ![...prefixes].some((prefix) => key.startsWith(prefix)),
      ),
    );
    config = loadConfig(scrubbed, { demo: true, tty, sources: emulators.sources });
  }
  // In demo mode every source is an emulator.
  const emulated = new Set<string>(emulators ? config.sources.map((source) => source.name) : []);
  // Demo mode's development key lives in a file, so `npm run token` mints tokens this server accepts.
  const developmentKey = config.auth.developmentKey
    ? await loadOrCreateDevelopmentKey(process.env.ROLLCALL_DEV_KEY_FILE || defaultDevelopmentKeyFile())
    : undefined;
  const server = await createServer(config, { logger, emulated, developmentKey });
  const url = await server.start();
  // The emulators push their user events (Twilio, Ada) to this server, as the providers would.
  if (emulators && server.directory)
    for (const source of emulators.sources)
      source.emulator.server.webhookUrl = `${url}/webhooks/${source.name}`;

  for (const warning of unsafeDefaults(config)) logger.warn(`unsafe default: ${warning}`);
  const sandbox = config.landingPage
    ? `: open ${url}/graphql in a browser for Apollo Sandbox`
    : ` at ${url}/graphql`;
  if (emulators) {
    logger.info(
      {
        emulators: Object.fromEntries(
          emulators.sources.map((source) => [source.name, source.emulator.server.baseUrl]),
        ),
      },
      'demo mode: no provider credentials configured, serving built-in emulators with generated users',
    );
    logger.info({ banner: true, environment: config.environment }, `rollcall (demo mode) is ready${sandbox}`);
    const { read, pii, admin } = config.auth.scopes;
    const token = await server.developmentToken([read, pii, admin]);
    if (token)
      logger.info(
        { developmentToken: token },
        `demo mode: requests without a token see everything; this development token has every scope (send it as "Authorization: Bearer <token>" in Sandbox's headers), and "npm run token -- --scopes ${read}" mints one that sees users without their personal data`,
      );
  } else {
    logger.info(
      {
        banner: true,
        environment: config.environment,
        sources: config.sources.map((source) => source.name),
        ...(config.configFile ? { configFile: config.configFile } : {}),
      },
      `rollcall is ready${sandbox}`,
    );
  }
  if (configured === 0 && config.demo === 'off') {
    logger.warn(
      'no provider is configured and ROLLCALL_DEMO=false: every provider field will answer PROVIDER_NOT_CONFIGURED',
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    try {
      await server.stop();
      await emulators?.stop();
      await tracing?.shutdown();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
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
