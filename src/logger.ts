/**
 * Structured logs (pino). JSON for machines by default; human-readable through pino-pretty when the
 * output is a terminal (or LOG_FORMAT=pretty), where the start banner stands out. Every place that could
 * log a request redacts credential-bearing headers, and nothing logs an upstream URL's query string or a
 * credentials value.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

type LogFormat = 'json' | 'pretty';

const OPTIONS: LoggerOptions = {
  base: { service: 'rollcall' },
  redact: {
    paths: [
      'headers.authorization',
      'headers.apikey',
      'headers["x-user-api-key"]',
      'req.headers.authorization',
      '*.password',
      '*.secret',
      '*.token',
      '*.apiKey',
      '*.privateKey',
    ],
    censor: '[redacted]',
  },
};

export function createLogger(
  level: string,
  format: LogFormat = 'json',
  /** Where pretty lines go (default: stdout). */
  destination?: NodeJS.WritableStream,
): Logger {
  if (format === 'json') return pino({ ...OPTIONS, level });
  // pino-pretty as a stream in this thread (not a worker transport): synchronous, so nothing is lost when
  // the process exits right after logging, and the banner can be drawn by a function.
  const stream = pretty({
    colorize: pretty.isColorSupported,
    sync: true,
    ...(destination ? { destination } : {}),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,banner',
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey] ?? '');
      if (!log.banner) return message;
      const rule = '═'.repeat(Math.min(100, message.length + 4));
      return `\n╔${rule}╗\n║  ${message}  ║\n╚${rule}╝`;
    },
  });
  return pino({ ...OPTIONS, level }, stream);
}
