/**
 * Bench child: the ceiling. A bare Apollo Server subgraph with rollcall's own schema that answers from
 * memory: each root field in BENCH_PAYLOAD (a GraphQL `data` object captured from rollcall) resolves to
 * its captured value, so it serves byte-for-byte the same response with no upstream, cache, cursor,
 * plugin or limit work at all.
 */
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { loadTypeDefs } from '../../src/schema.js';
import { jsonEnv, runChild } from '../lib/child.js';
import { quietLogger, serveApollo } from '../lib/front.js';
import type { ServerInfo } from '../lib/shared.js';

await runChild(async () => {
  const payload = jsonEnv<Record<string, unknown>>('BENCH_PAYLOAD');
  const Query = Object.fromEntries(Object.entries(payload).map(([field, value]) => [field, () => value]));
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: loadTypeDefs(), resolvers: { Query } }),
    logger: quietLogger,
  });
  const { url, stop } = await serveApollo(apollo);
  const info: ServerInfo = { url };
  return { info, handlers: {}, stop };
});
