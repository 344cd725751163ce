/**
 * Tracing with OpenTelemetry, configured by the standard OTEL_* variables and off unless they ask for it:
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or `OTEL_TRACES_EXPORTER=otlp`
 * export OTLP over HTTP (JSON); `OTEL_TRACES_EXPORTER=console` prints spans; `none` turns it off. The
 * exporter itself reads the rest (`OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`), the SDK reads
 * `OTEL_TRACES_SAMPLER`, and `OTEL_SERVICE_NAME` names the service (default `rollcall`).
 *
 * Spans: one per GraphQL request (SERVER, continuing a W3C `traceparent` from the router), one per
 * connection window and per batched lookup, and one per upstream read (CLIENT) with one child per
 * attempt. Attributes never carry a URL with ids or credentials: upstream spans carry the route template.
 * Without a registered provider every call here is the API's no-op.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { readFileSync } from 'node:fs';
import type { Logger } from './logger.js';

export interface Tracing {
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

let knownVersion: string | undefined;

/** rollcall's version, from the package.json beside src/ or dist/ (read once: every span names it). */
function version(): string {
  knownVersion ??= readVersion();
  return knownVersion;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Which exporter the OTEL_* variables ask for; null: tracing off. */
export function tracesExporter(env: Record<string, string | undefined>): 'otlp' | 'console' | null {
  const names = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('none')) return null;
  if (names.includes('console')) return 'console';
  if (names.includes('otlp')) return 'otlp';
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return 'otlp';
  return null;
}

/**
 * Registers the process's tracer provider when the environment asks for tracing, or always with
 * `exporter` (tests pass an in-memory one, exported span by span). Returns null when tracing stays off.
 */
export function startTracing(
  env: Record<string, string | undefined>,
  logger: Logger,
  exporter?: SpanExporter,
): Tracing | null {
  const kind = exporter ? 'custom' : tracesExporter(env);
  if (!kind) return null;
  const spanExporter = exporter ?? (kind === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter());
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME ?? 'rollcall',
      [ATTR_SERVICE_VERSION]: version(),
    }),
    spanProcessors: [exporter ? new SimpleSpanProcessor(spanExporter) : new BatchSpanProcessor(spanExporter)],
  });
  // W3C trace context and baggage propagators, and an AsyncLocalStorage context manager.
  provider.register();
  logger.info({ exporter: kind }, 'tracing on');
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

const tracer = () => trace.getTracer('rollcall', version());

/** The context a request's headers continue (W3C `traceparent`), or a new trace. */
export function contextFromHeaders(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Starts a span that the caller ends (the request span, which outlives any one function). */
export function startSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span {
  return tracer().startSpan(name, { kind, attributes }, parent);
}

/**
 * Runs `fn` in a span, child of the active one. A failure marks the span as an error with its GraphQL
 * code (rollcall's error messages carry no secrets, but only the code is recorded).
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return tracer().startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
      if (typeof code === 'string') span.setAttribute('rollcall.error.code', code);
      throw error;
    } finally {
      span.end();
    }
  });
}

export { context as traceContext, SpanKind, SpanStatusCode, trace };
