// Reads one trace back from the trace store, for the operator console's job view. Locally that is
// infra/local/traces/traceCollector.ts (`GET {TRACE_QUERY_URL}/{traceId}`); in AWS traces are in
// X-Ray and the console shows the id only (X-Ray's console finds it as 1-<first 8>-<last 24>).
// A store that is slow or down costs the view its spans, never the view.
import { request } from 'undici';

export interface TraceSpanView {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  service: string;
  startedAt: string;
  durationMs: number;
  error: boolean;
  attributes: Record<string, string | number | boolean>;
}

interface StoredSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
  startUnixNano: string;
  durationMs: number;
  status: number;
  attributes: Record<string, string | number | boolean>;
}

const KINDS = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
const TIMEOUT_MS = 2000;

/** The trace's spans, oldest first; undefined when the store cannot answer. */
export async function fetchTrace(queryUrl: string, traceId: string): Promise<TraceSpanView[] | undefined> {
  try {
    const res = await request(`${queryUrl.replace(/\/$/, '')}/${traceId}`, {
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return undefined;
    }
    const { spans } = (await res.body.json()) as { spans?: StoredSpan[] };
    return (spans ?? []).map((s) => ({
      spanId: s.spanId,
      ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
      name: s.name,
      kind: KINDS[s.kind] ?? 'internal',
      service: s.service,
      startedAt: new Date(Number(BigInt(s.startUnixNano) / 1_000_000n)).toISOString(),
      durationMs: Math.max(0, s.durationMs),
      error: s.status === 2,
      attributes: s.attributes,
    }));
  } catch {
    return undefined;
  }
}
