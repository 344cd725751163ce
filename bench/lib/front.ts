/**
 * The smallest HTTP front door for an Apollo Server: node:http, read the body, `JSON.parse`,
 * `executeHTTPGraphQLRequest`, write. Used by the bench-only subgraphs (bare and naive), so they pay for
 * nothing rollcall's front door adds (body limit, operation deadline, health and metrics routes).
 */
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { sendGraphQLResponse } from '../../src/http/io.js';

/** Apollo's logger without its start-up chatter (like rollcall, whose pino logger runs at `error`). */
export const quietLogger = {
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => console.error(...args),
};

export async function serveApollo(
  apollo: ApolloServer<BaseContext>,
): Promise<{ url: string; stop(): Promise<void> }> {
  await apollo.start();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://bench.local');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (req.method ?? 'GET').toUpperCase(),
        headers,
        search: url.search,
        body: raw.length > 0 ? (JSON.parse(raw) as unknown) : undefined,
      },
      context: async () => ({}),
    });
    await sendGraphQLResponse(res, response);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
    },
  };
}
