/**
 * `npm run lockfile:check`: package-lock.json's root entry must declare exactly what package.json does
 * (name, version, engines and every dependency with its range). npm installs from the lockfile, so a
 * stale root entry means the versions CI and the image install are not the ones package.json names.
 * Exits 1 listing every difference.
 */
import { readFileSync } from 'node:fs';

type Manifest = Record<string, unknown>;
const read = (file: string) =>
  JSON.parse(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')) as Manifest;

const manifest = read('package.json');
const lock = read('package-lock.json') as { packages?: Record<string, Manifest> };
const root = lock.packages?.[''];
const problems: string[] = [];
if (!root) problems.push('package-lock.json has no root entry (packages[""]).');
else {
  for (const field of ['name', 'version'])
    if (manifest[field] !== root[field])
      problems.push(
        `${field}: package.json says ${String(manifest[field])}, the lockfile ${String(root[field])}`,
      );
  for (const field of [
    'dependencies',
    'devDependencies',
    'optionalDependencies',
    'peerDependencies',
    'engines',
  ]) {
    const declared = (manifest[field] ?? {}) as Record<string, string>;
    const locked = (root[field] ?? {}) as Record<string, string>;
    for (const name of new Set([...Object.keys(declared), ...Object.keys(locked)]))
      if (declared[name] !== locked[name])
        problems.push(
          `${field}.${name}: package.json says ${declared[name] ?? '(nothing)'}, the lockfile ${locked[name] ?? '(nothing)'}`,
        );
  }
}
if (problems.length > 0) {
  console.error(
    `package-lock.json does not match package.json; run \`npm install --no-audit --no-fund\` and commit the lockfile:\n  - ${problems.join('\n  - ')}`,
  );
  process.exit(1);
}
console.log('package-lock.json matches package.json');
