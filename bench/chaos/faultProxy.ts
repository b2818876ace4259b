// A fault proxy in front of an AWS emulator (dynalite, fauxqs): every JSON-protocol call passes
// through, and the chaos suite turns on latency, throttling errors and 5xx for chosen operations
// (by X-Amz-Target, e.g. `PutItem`, `DeleteMessageBatch`), or fails some entries of batch calls
// (./partialBatch.ts). The workers' and the API's endpoints point at proxies; the emulator itself
// never sees a refused call or a failed entry, as when AWS refuses one before doing anything.
// A rewritten body breaks the SigV4 signature, which the emulators do not check.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BATCH_OPERATIONS, splitBatch, type BatchSplit } from './partialBatch.js';
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
  /**
   * Share of a batch call's entries reported as failed in a 200 answer (0–1, drawn per entry), for
   * the batch operations of ./partialBatch.ts; other operations pass through.
   */
  partialRate?: number;
}

/** Batch calls that met a partial-failure rule, by operation: entries in them and entries failed. */
export type PartialStats = Record<string, { calls: number; entries: number; failed: number }>;

export interface FaultProxy {
  url: string;
  set(rules: readonly AwsFaultRule[]): void;
  clear(): void;
  /** Calls seen, delayed and refused (by operation), and partial batch failures, since the start. */
  readonly stats: {
    calls: number;
    delayed: number;
    refused: Record<string, number>;
    partial: PartialStats;
  };
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
  const stats = { calls: 0, delayed: 0, refused: {} as Record<string, number>, partial: {} as PartialStats };

  /** One buffered call to the emulator (a batch whose body is rewritten cannot be streamed). */
  const exchange = (req: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const headers = {
        ...req.headers,
        'content-length': String(body.length),
        'accept-encoding': 'identity',
      };
      delete headers['transfer-encoding'];
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 502,
              headers: answer.headers,
              body: Buffer.concat(chunks),
            }),
          );
          answer.on('error', reject);
        },
      );
      forward.on('error', reject);
      forward.end(body);
    });

  /** Forwards the surviving entries and answers with the failed ones merged in (./partialBatch.ts). */
  const partialBatch = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    operation: string,
    rate: number,
  ) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    let split: BatchSplit | undefined;
    try {
      split = splitBatch(service, operation, JSON.parse(body.toString('utf8')), () => random.next() < rate);
    } catch {
      split = undefined; // not JSON: the emulator answers it as it is
    }
    const answer =
      split && !split.forward
        ? { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') }
        : await exchange(req, split?.forward ? Buffer.from(JSON.stringify(split.forward)) : body);
    // A refused call (4xx/5xx) failed whole: its answer goes back as is, the dropped entries with it.
    if (!split || answer.status < 200 || answer.status >= 300) {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }
    const merged = Buffer.from(
      JSON.stringify(
        split.merge(
          answer.body.length > 0 ? (JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>) : {},
        ),
      ),
    );
    const seen = (stats.partial[operation] ??= { calls: 0, entries: 0, failed: 0 });
    seen.calls += 1;
    seen.entries += split.entries;
    seen.failed += split.failed;
    // The emulator's length and checksum (DynamoDB's x-amz-crc32) were of the body it sent.
    const headers: http.OutgoingHttpHeaders = { ...answer.headers, 'content-length': String(merged.length) };
    delete headers['x-amz-crc32'];
    delete headers['transfer-encoding'];
    res.writeHead(answer.status, headers);
    res.end(merged);
  };

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
      if (rule?.partialRate && BATCH_OPERATIONS[service].includes(operation)) {
        await partialBatch(req, res, operation, rule.partialRate).catch(() => res.destroy());
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
