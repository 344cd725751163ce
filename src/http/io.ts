/**
 * Node HTTP plumbing for the front door: reading a bounded body, writing JSON and Apollo's answers, and
 * the small header helpers. None of it knows GraphQL.
 */
import type { HTTPGraphQLResponse } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import type http from 'node:http';

/** Writes Apollo's HTTP answer (status, headers, a complete or streamed body) to a node response. */
export async function sendGraphQLResponse(
  res: http.ServerResponse,
  response: HTTPGraphQLResponse,
): Promise<number> {
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return Buffer.byteLength(response.body.string);
  }
  let bytes = 0;
  for await (const chunk of response.body.asyncIterator) {
    bytes += Buffer.byteLength(chunk);
    res.write(chunk);
  }
  res.end();
  return bytes;
}

/** Sends a JSON answer; returns its size in bytes. */
export function sendJson(res: http.ServerResponse, status: number, value: unknown): number {
  const payload = JSON.stringify(value);
  const bytes = Buffer.byteLength(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes });
  res.end(payload);
  return bytes;
}

/** The request headers a browser may send cross-origin (answered in a CORS preflight). */
export const CORS_REQUEST_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
].join(', ');

/** The caller's `x-request-id` when it is a sane token (at most 128 characters), else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}

/** The error codes of a small JSON answer (best effort: none when it is not one). */
export function errorsIn(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    return (parsed.errors ?? []).map((error) => String(error.extensions?.code ?? 'UNKNOWN'));
  } catch {
    return [];
  }
}

/** A header value fit for a log line: one string of at most 100 characters, or null. */
export function headerText(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? value.slice(0, 100) : null;
}

/** A client that closed its connection before its request body arrived whole. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection before the request body arrived whole');
  }
}

/**
 * The body, or null as soon as it passes `limit` bytes: reading stops there (the request is paused, not
 * drained), so a huge body costs at most `limit` bytes of reading. Rejects with ClientGone when the client
 * hangs up mid-body.
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        done();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      done();
      reject(new ClientGone());
    };
    const onClose = () => {
      if (!req.complete) onGone();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onClose);
  });
}
