/**
 * `npm run token -- --scopes users:read[,users:read:pii,…] [--ttl 3600] [--subject me]`: a development
 * token, signed with demo mode's development key (the file `npm start` uses in demo mode: ROLLCALL_DEV_KEY_FILE,
 * or one in the OS temp directory; made when missing). Demo mode accepts it; nothing else does.
 */
import { parseArgs } from 'node:util';
import { defaultDevelopmentKeyFile, loadOrCreateDevelopmentKey } from '../src/auth/devKey.js';
import { DEFAULT_SCOPES } from '../src/auth/config.js';

const { values } = parseArgs({
  options: {
    scopes: { type: 'string', default: Object.values(DEFAULT_SCOPES).join(',') },
    ttl: { type: 'string', default: '43200' },
    subject: { type: 'string', default: 'developer' },
  },
});
const ttlSeconds = Number(values.ttl);
if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > 30 * 86_400) {
  console.error('--ttl must be a number of seconds from 1 to 2592000 (30 days).');
  process.exit(2);
}
const scopes = values.scopes
  .split(/[,\s]+/)
  .map((scope) => scope.trim())
  .filter(Boolean);
const key = await loadOrCreateDevelopmentKey(
  process.env.ROLLCALL_DEV_KEY_FILE || defaultDevelopmentKeyFile(),
);
console.log(await key.sign(scopes, { ttlSeconds, subject: values.subject }));
