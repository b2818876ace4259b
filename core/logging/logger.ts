// One pino logger per process; child loggers carry correlationId. Lines follow the seed's schema
// (§6): `timestamp`, `level`, `service`, `correlationId` (and the other bindings), `message`, and
// the call's own fields under `payload`. Secrets and health data are redacted by path so a careless
// log call cannot leak them. A job's lines may wait for its end (jobLogs.ts, tail sampling).
import { pino, type DestinationStream, type Logger } from 'pino';
import { routeJobLines } from './jobLineRouting.js';
import { clock } from '../clock/clock.js';

export type { Logger };

/** Redacted wherever they appear: in a call's payload, one level below it, or in bindings. */
const SECRET_FIELDS = ['authorization', 'token', 'accessToken', 'refreshToken', 'records', 'password'];

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-admin-key"]',
  'headers.authorization',
  'payload.req.headers.authorization',
  'payload.req.headers["x-admin-key"]',
  'payload.headers.authorization',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `payload.${f}`, `payload.*.${f}`]),
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
    messageKey: 'message',
    nestedKey: 'payload',
    timestamp: () => `,"timestamp":"${clock.date().toISOString()}"`,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return pino(settings, routeJobLines(options.destination ?? pino.destination({ dest: 1, sync: true })));
}
