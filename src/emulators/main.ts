/**
 * `npm run emulators`: run every provider emulator on its own (for a rollcall in another process, the
 * benchmarks, or poking at the provider APIs with curl). Prints the environment that points rollcall at
 * them; stops on SIGINT/SIGTERM. EMULATOR_LATENCY_MS adds latency to every answer.
 */
import { startEmulators } from './demo.js';

const latencyMs = Number(process.env.EMULATOR_LATENCY_MS ?? '0') || 0;
const emulators = await startEmulators({ latencyMs });
console.log('# Provider emulators are running. Point rollcall at them with:');
for (const [key, value] of Object.entries(emulators.env)) console.log(`${key}=${JSON.stringify(value)}`);
console.log('# Controls: GET <base>/__emulator/calls, POST <base>/__emulator/{reset,fault,latency}');
const stop = async () => {
  await emulators.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
