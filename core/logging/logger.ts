// One pino logger per process; child loggers carry correlationId. Secrets and health data are
// redacted by path so a careless log call cannot leak them.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-admin-key"]',
  'headers.authorization',
  'authorization',
  'token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'records',
  '*.records',
];

/** `destination` defaults to stdout; tests pass one to read what a process logs. */
export function createLogger(options: {
  level: string;
  service: string;
  destination?: DestinationStream;
}): Logger {
  const settings = {
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
