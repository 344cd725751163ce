/**
 * Structured logs (pino). Every place that could log a request redacts credential-bearing headers, and
 * nothing logs an upstream URL's query string or a credentials value.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
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
  });
}
