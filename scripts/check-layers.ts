/**
 * `npm run lint:layers`: rollcall's layers point one way, and no module imports in a cycle (type-only
 * imports included). The import graph comes from madge (which reads `import type` too); each module of
 * src/ belongs to one layer, and may import only its own layer and those below:
 *
 *   0 base       errors, env (the config reader), logging, metrics, telemetry, util/, relay/, scalars,
 *                emulators/base (the emulator server every provider's emulator extends),
 *                emulators/postgres (a throwaway PostgreSQL for tests and the bench), emulators/people (the
 *                demo people every emulator's data shares)
 *   1 upstream   upstream/ (the HTTP client, cache, policy, operation scope)
 *   2 core       providers/core/ (the provider core), context.ts (the per-request context)
 *   3 providers  providers/<provider>/, providers/registry.ts
 *   4 graphql    schema, root, directory and people resolvers, graphql/ (plugins, errors), limits, validation,
 *                config.ts and sources/ (which read every registered provider's settings), emulators/demo
 *   5 server     server.ts, http/, main.ts, emulators/main
 *
 * `generated/` is outside the layers: the resolver types codegen derives from the SDL, imported for types
 * only, and importing the records and context it maps (also for types only).
 */
import madge from 'madge';

const LAYERS: [number, RegExp][] = [
  [
    0,
    /^(errors|env|logger|metrics|telemetry|scalars)\.ts$|^(util|relay)\/|^emulators\/(base|postgres|people)\.ts$|^auth\/principal\.ts$/,
  ],
  [1, /^upstream\//],
  [2, /^providers\/core\/|^context\.ts$/],
  [3, /^providers\/[^/]+\/|^providers\/registry\.ts$/],
  [
    4,
    /^(schema|resolvers|limits|validation|config)\.ts$|^(auth|directory|graphql|people|sources)\/|^emulators\/demo\.ts$/,
  ],
  [5, /^(server|main)\.ts$|^http\/|^emulators\/main\.ts$/],
];
const NAMES = ['base', 'upstream', 'core', 'providers', 'graphql', 'server'];

function layerOf(file: string): number | undefined {
  if (file.startsWith('generated/')) return undefined;
  const found = LAYERS.find(([, pattern]) => pattern.test(file));
  if (!found) throw new Error(`${file} belongs to no layer: add it to scripts/check-layers.ts`);
  return found[0];
}

const graph = await madge('src', {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
});
const problems: string[] = [];
for (const cycle of graph.circular()) problems.push(`import cycle: ${cycle.join(' > ')}`);
for (const [file, imports] of Object.entries(graph.obj())) {
  const from = layerOf(file);
  if (from === undefined) continue;
  for (const target of imports) {
    const to = layerOf(target);
    if (to !== undefined && to > from)
      problems.push(`${file} (${NAMES[from]}) imports ${target} (${NAMES[to]}), a layer above it`);
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(
  `layers and cycles: ${Object.keys(graph.obj()).length} modules, every import points down, no cycle`,
);
