// A fault proxy in front of an AWS emulator (dynalite, fauxqs): every JSON-protocol call passes
// through, and the chaos suite turns on latency, throttling errors and 5xx for chosen operations
// (by X-Amz-Target, e.g. `PutItem`, `DeleteMessageBatch`). The workers' endpoint points here; the
// emulator itself never sees a refused call, as when AWS refuses one before doing anything.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Random } from './random.js';

export type AwsFaultError = 'throttle' | 'internal' | 'unavailable';

export interface AwsFaultRule {
  /** Operation names (the X-Amz-Target after the dot); every operation when absent. */
  operations?: readonly string[];
  /** Milliseconds added before the call is forwarded. */
  latencyMs?: number;
  /** Share of matching calls answered with an error instead of being forwarded (0–1). */
  errorRate?: number;
  /** The errors to answer with, one drawn per refused call (default: internal). */
  errors?: readonly AwsFaultError[];
}

export interface FaultProxy {
  url: string;
  set(rules: readonly AwsFaultRule[]): void;
  clear(): void;
  /** Calls seen, delayed and refused (by operation), since the start. */
  readonly stats: { calls: number; delayed: number; refused: Record<string, number> };
  stop(): Promise<void>;
}

/** What the service answers (its JSON 1.0 error shapes): status and `__type`. */
const ERRORS: Record<'dynamodb' | 'sqs', Record<AwsFaultError, [number, string]>> = {
  dynamodb: {
    throttle: [400, 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException'],
    internal: [500, 'com.amazonaws.dynamodb.v20120810#InternalServerError'],
    unavailable: [503, 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable'],
  },
  sqs: {
    throttle: [400, 'com.amazonaws.sqs#RequestThrottled'],
    internal: [500, 'com.amazonaws.sqs#InternalError'],
    unavailable: [503, 'com.amazonaws.sqs#ServiceUnavailable'],
  },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFaultProxy(
  target: string,
  service: 'dynamodb' | 'sqs',
  random: Random,
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let rules: readonly AwsFaultRule[] = [];
  const stats = { calls: 0, delayed: 0, refused: {} as Record<string, number> };

  const server = http.createServer((req, res) => {
    void (async () => {
      stats.calls += 1;
      const header = req.headers['x-amz-target'];
      const operation = typeof header === 'string' ? header.slice(header.indexOf('.') + 1) : '';
      const rule = rules.find((r) => !r.operations || r.operations.includes(operation));
      if (rule?.latencyMs) {
        stats.delayed += 1;
        await sleep(rule.latencyMs);
      }
      if (rule?.errorRate && random.next() < rule.errorRate) {
        const [status, type] = ERRORS[service][random.pick<AwsFaultError>(rule.errors ?? ['internal'])];
        stats.refused[operation] = (stats.refused[operation] ?? 0) + 1;
        req.resume();
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: type, message: 'injected by the chaos suite' }));
        return;
      }
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    })();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (next) => (rules = next),
    clear: () => (rules = []),
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}
