/**
 * The shared machinery of every provider emulator: a real HTTP server on loopback that records each
 * call it serves, and can add latency and inject faults. A provider's emulator supplies only its
 * `handle` function (auth, routing, paging, error bodies) and its seeded data.
 *
 * Tests read `calls` to assert exact upstream traffic; demo mode and benchmarks run the same servers.
 * Out-of-process users (bench, soak) drive the same controls over HTTP under `/__emulator/`, which is
 * never recorded in the call log.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface EmulatorRequest {
  method: string;
  /** The path without the query string, e.g. `/v1/Users`. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The raw request body (empty for GET). */
  body: Buffer;
  /** `http://127.0.0.1:PORT`: for absolute URLs in responses (paging links that point at the emulator). */
  baseUrl: string;
}

export interface EmulatorResponse {
  status: number;
  /** Serialised as JSON unless it is a string or Buffer (sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RecordedCall {
  method: string;
  path: string;
  /** Query parameters; a repeated key keeps every value in order. */
  query: Record<string, string | string[]>;
  headers: http.IncomingHttpHeaders;
  body: string;
  status: number;
  at: number;
}

/**
 * A fault replaces (or delays) the emulator's normal answer for matching calls.
 * - `status`/`body`/`headers`: answer this instead (a string body is sent raw: malformed JSON works).
 * - `delayMs`: wait this long before answering (timeouts).
 * - `reset`: destroy the socket without answering (connection reset).
 * - `slowBodyMs`: send headers and the first byte, then the rest after this long (a slow body).
 * - `times`: how many calls it applies to (default: every call until cleared).
 * - `path`: only calls whose path starts with this.
 * - `after`: lets this many matching calls through first (a failure midway through a walk).
 */
export interface Fault {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  reset?: boolean;
  slowBodyMs?: number;
  times?: number;
  path?: string;
  after?: number;
}

type EmulatorHandler = (req: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface EmulatorOptions {
  /** Fixed latency added to every answer, in ms (default 0). */
  latencyMs?: number;
  /** The call log keeps at most this many calls, newest last (default 10 000); `totalCalls` counts all. */
  maxRecordedCalls?: number;
  host?: string;
  port?: number;
}

const CONTROL_PREFIX = '/__emulator/';

export class EmulatorServer {
  /** The most recent calls (see `maxRecordedCalls`), oldest first. */
  readonly calls: RecordedCall[] = [];
  latencyMs: number;
  /**
   * Where this provider's push events go (rollcall's `/webhooks/<source>`), for providers that send them;
   * null: nowhere. Demo mode points it at the server once it listens.
   */
  webhookUrl: string | null = null;
  /** Event deliveries in flight, each resolving with the status answered (0: no answer). */
  readonly deliveries = new Set<Promise<number>>();
  private recorded = 0;
  /** Calls being served right now, and the most at once since the last reset (concurrency limits). */
  inFlight = 0;
  maxInFlight = 0;
  /** While set, every call waits for it before answering (see `hold`). */
  private gate: Promise<void> | null = null;
  private faults: (Fault & { remaining: number; skip: number })[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private url = '';

  constructor(
    readonly name: string,
    private readonly handler: EmulatorHandler,
    private readonly options: EmulatorOptions = {},
  ) {
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** `http://127.0.0.1:PORT` once started. */
  get baseUrl(): string {
    if (!this.url) throw new Error(`${this.name} emulator is not started`);
    return this.url;
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ emulatorError: String(error) }));
        } else res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.url = `http://${this.options.host ?? '127.0.0.1'}:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Every call served since the last reset, including those the bounded log no longer holds. */
  get totalCalls(): number {
    return this.recorded;
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.recorded = 0;
    this.maxInFlight = this.inFlight;
  }

  /** POSTs one event (already signed by the provider's emulator) to `url`; tracked in `deliveries`. */
  protected sendEvent(url: string, body: string, headers: Record<string, string>): void {
    const delivery: Promise<number> = fetch(url, { method: 'POST', headers, body })
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 0)
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  /** Waits for the event deliveries in flight; their statuses. */
  async delivered(): Promise<number[]> {
    return Promise.all([...this.deliveries]);
  }

  injectFault(fault: Fault): void {
    this.faults.push({
      ...fault,
      remaining: fault.times ?? Number.POSITIVE_INFINITY,
      skip: fault.after ?? 0,
    });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * The body this provider (or a proxy in front of it) sends with an HTTP error `status`, saying
   * `message`: what fault injection answers with, in the provider's own wire format.
   */
  errorBody(status: number, message: string): unknown {
    return { error: message, status };
  }

  /** What this provider answers when it refuses the credentials, with `message` in every text field. */
  refusal(message: string): Fault {
    return { status: 401, body: this.errorBody(401, message) };
  }

  /**
   * Holds every call (in flight, counted in `inFlight`) until the returned function is called: a test of a
   * concurrency limit waits for the limit's number of calls in flight instead of hoping a latency makes
   * them overlap.
   */
  hold(): () => void {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = () => {
        if (this.gate === gate) this.gate = null;
        resolve();
      };
    });
    this.gate = gate;
    return release;
  }

  /** Clears the call log, faults and latency; the data set is untouched. */
  reset(): void {
    this.resetCalls();
    this.clearFaults();
    this.latencyMs = this.options.latencyMs ?? 0;
  }

  private takeFault(path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.path || path.startsWith(f.path)));
    if (fault && fault.skip > 0) {
      fault.skip -= 1;
      return undefined;
    }
    if (fault) fault.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return fault;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith(CONTROL_PREFIX)) return this.control(url.pathname, body, res);

    const request: EmulatorRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      baseUrl: this.url,
    };
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.answer(req, res, request);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    request: EmulatorRequest,
  ): Promise<void> {
    if (this.gate) await this.gate;
    const fault = this.takeFault(request.path);
    const delay = this.latencyMs + (fault?.delayMs ?? 0);
    if (delay > 0) await sleep(delay);

    let answer: EmulatorResponse;
    if (fault?.reset) {
      this.record(request, 0);
      req.socket.destroy();
      return;
    } else if (fault && fault.status !== undefined) {
      answer = { status: fault.status, body: fault.body ?? '', headers: fault.headers };
    } else {
      answer = await this.handler(request);
      if (fault?.headers) answer = { ...answer, headers: { ...answer.headers, ...fault.headers } };
    }
    this.record(request, answer.status);

    const payload =
      typeof answer.body === 'string' || Buffer.isBuffer(answer.body)
        ? Buffer.from(answer.body)
        : answer.body === undefined
          ? Buffer.alloc(0)
          : Buffer.from(JSON.stringify(answer.body));
    const isJson = !(typeof answer.body === 'string' || Buffer.isBuffer(answer.body));
    res.writeHead(answer.status, {
      ...(isJson ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'content-length': String(payload.length),
      ...answer.headers,
    });
    if (fault?.slowBodyMs && payload.length > 1) {
      res.write(payload.subarray(0, 1));
      await sleep(fault.slowBodyMs);
      if (res.destroyed) return;
      res.end(payload.subarray(1));
    } else {
      res.end(payload);
    }
  }

  private record(req: EmulatorRequest, status: number): void {
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(req.query.keys())) {
      const values = req.query.getAll(key);
      query[key] = values.length === 1 ? values[0] : values;
    }
    this.recorded += 1;
    const max = this.options.maxRecordedCalls ?? 10_000;
    if (this.calls.length >= max) this.calls.splice(0, this.calls.length - max + 1);
    this.calls.push({
      method: req.method,
      path: req.path,
      query,
      headers: req.headers,
      body: req.body.toString('utf8'),
      status,
      at: Date.now(),
    });
  }

  /** The HTTP control surface for benchmarks and soak runs in another process. */
  private control(path: string, body: Buffer, res: http.ServerResponse): void {
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    switch (path) {
      case '/__emulator/calls':
        return send(200, {
          count: this.recorded,
          inFlight: this.inFlight,
          calls: this.calls.map(({ headers: _h, ...c }) => c),
        });
      case '/__emulator/reset':
        this.reset();
        return send(200, { ok: true });
      case '/__emulator/fault':
        this.injectFault(input as Fault);
        return send(200, { ok: true });
      case '/__emulator/latency':
        this.latencyMs = Number(input.ms ?? 0);
        return send(200, { ok: true, latencyMs: this.latencyMs });
      default:
        return send(404, { error: 'unknown control path' });
    }
  }
}

/** A delay that never keeps the process alive on its own (a stopped emulator may still be sleeping). */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * A fixed-window rate limiter for emulators: each rule allows `limit` calls per `windowMs`.
 * `check()` counts the call and answers how long to wait when a rule is exceeded.
 */
export class RateLimiter {
  private readonly windows: { limit: number; windowMs: number; start: number; count: number }[];
  constructor(rules: { limit: number; windowMs: number }[]) {
    this.windows = rules.map((r) => ({ ...r, start: 0, count: 0 }));
  }
  check(
    now = Date.now(),
  ): { ok: true } | { ok: false; retryAfterSeconds: number; resetAt: number; limit: number } {
    for (const w of this.windows) {
      if (now - w.start >= w.windowMs) {
        w.start = now;
        w.count = 0;
      }
    }
    const exceeded = this.windows.find((w) => w.count >= w.limit);
    if (exceeded) {
      const resetAt = exceeded.start + exceeded.windowMs;
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
        resetAt,
        limit: exceeded.limit,
      };
    }
    for (const w of this.windows) w.count += 1;
    return { ok: true };
  }
  /** Remaining calls in the tightest window. */
  remaining(): number {
    return Math.min(...this.windows.map((w) => Math.max(0, w.limit - w.count)));
  }
}

/**
 * A small deterministic PRNG (mulberry32) so every emulator's seeded data is identical on every run.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic hex of a given length from a PRNG. */
export function randomHex(random: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 16).toString(16);
  return out;
}
