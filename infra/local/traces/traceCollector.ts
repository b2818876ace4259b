// A local stand-in for the trace backend (the ADOT collector and X-Ray in AWS): it accepts
// OTLP/HTTP JSON exports (`POST /v1/traces`, what @opentelemetry/exporter-trace-otlp-http sends),
// keeps the most recent traces in memory, and answers the queries the operator console and the
// tests make: one trace by id, or the traces that touched a job.
//
// Hand-written because no OTLP receiver runs on Node without a collector binary (Jaeger and the
// OpenTelemetry Collector are Go programs that cannot be installed here); it implements only the
// JSON encoding and the fields the console shows.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LRUCache } from 'lru-cache';

/** A span as the console shows it. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  service: string;
  startUnixNano: string;
  endUnixNano: string;
  durationMs: number;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
  attributes: Record<string, string | number | boolean>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: OtlpAttribute[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{ spans?: OtlpSpan[] }>;
  }>;
}

/** Exports larger than this are refused (413), like a collector's default receiver limit. */
const MAX_BODY = 4 * 1024 * 1024;

const valueOf = (v: OtlpValue | undefined): string | number | boolean | undefined =>
  v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : (v?.doubleValue ?? v?.boolValue));

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const a of list ?? []) {
    const v = valueOf(a.value);
    if (v !== undefined) out[a.key] = v;
  }
  return out;
}

export class TraceStore {
  private readonly traces: LRUCache<string, CollectedSpan[]>;

  constructor(maxTraces = 5000) {
    this.traces = new LRUCache({ max: maxTraces });
  }

  /** Adds an OTLP JSON export; returns how many spans it held. */
  add(body: OtlpExport): number {
    let count = 0;
    for (const rs of body.resourceSpans ?? []) {
      const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? 'unknown');
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) {
          if (!s.traceId || !s.spanId) continue;
          const start = BigInt(s.startTimeUnixNano ?? 0);
          const end = BigInt(s.endTimeUnixNano ?? 0);
          const span: CollectedSpan = {
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name ?? '',
            kind: s.kind ?? 0,
            service,
            startUnixNano: start.toString(),
            endUnixNano: end.toString(),
            durationMs: Number(end - start) / 1e6,
            status: s.status?.code ?? 0,
            attributes: attributesOf(s.attributes),
          };
          const spans = this.traces.get(s.traceId) ?? [];
          spans.push(span);
          this.traces.set(s.traceId, spans);
          count += 1;
        }
    }
    return count;
  }

  /** A trace's spans, oldest first. */
  trace(traceId: string): CollectedSpan[] {
    return [...(this.traces.get(traceId) ?? [])].sort((a, b) =>
      BigInt(a.startUnixNano) < BigInt(b.startUnixNano) ? -1 : 1,
    );
  }

  /** Every trace id held, most recent first. */
  traceIds(): string[] {
    return [...this.traces.keys()];
  }

  /** Ids of the traces with a span about this job (`syncwell.job_id`). */
  tracesOfJob(jobId: string): string[] {
    const ids: string[] = [];
    for (const [traceId, spans] of this.traces.entries())
      if (spans.some((s) => s.attributes['syncwell.job_id'] === jobId)) ids.push(traceId);
    return ids;
  }
}

export interface TraceCollector {
  /** `TRACES_ENDPOINT` for the processes that export here. */
  endpoint: string;
  /** Where the console reads traces (`GET {queryUrl}/{traceId}`). */
  queryUrl: string;
  store: TraceStore;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startTraceCollector(o: { port?: number } = {}): Promise<TraceCollector> {
  const store = new TraceStore();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://collector');
    void (async () => {
      if (req.method === 'POST' && url.pathname === '/v1/traces') {
        if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
          return json(res, 415, { error: 'only the OTLP JSON encoding is accepted' });
        const text = await readBody(req);
        if (text === undefined) return json(res, 413, { error: 'export too large' });
        let body: OtlpExport;
        try {
          body = JSON.parse(text) as OtlpExport;
        } catch {
          return json(res, 400, { error: 'not JSON' });
        }
        store.add(body);
        return json(res, 200, { partialSuccess: {} });
      }
      const trace = /^\/traces\/([0-9a-f]{32})$/.exec(url.pathname);
      if (req.method === 'GET' && trace) return json(res, 200, { spans: store.trace(trace[1]!) });
      if (req.method === 'GET' && url.pathname === '/traces' && url.searchParams.get('jobId'))
        return json(res, 200, { traceIds: store.tracesOfJob(url.searchParams.get('jobId')!) });
      json(res, 404, { error: 'not found' });
    })().catch(() => json(res, 500, { error: 'collector failed' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    endpoint: `${base}/v1/traces`,
    queryUrl: `${base}/traces`,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
