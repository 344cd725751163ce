/**
 * `npm run config:schema`: writes `rollcall.config.schema.json`, the JSON Schema of the configuration file,
 * from the registered providers' source declarations (the same object the server checks every file
 * against, so the published schema cannot drift from what rollcall accepts). CI runs it and fails when the
 * committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROVIDERS } from '../src/providers/registry.js';
import { configSchema } from '../src/sources/file.js';

const file = resolve(import.meta.dirname, '..', 'rollcall.config.schema.json');
writeFileSync(file, `${JSON.stringify(configSchema(PROVIDERS), null, 2)}\n`);
console.log(`written: ${file}`);
