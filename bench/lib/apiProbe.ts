// Preloaded into the API process by `npm run bench:api -- --probe` (never by default: it costs a
// few µs per request). Without touching server code it records, from inside the API process:
// - the time from each incoming request to its response (diagnostics channel http.server.*),
// - the latency of each outgoing call to the emulators, by X-Amz-Target (http.client.* and undici:*),
// - the event-loop delay (perf_hooks.monitorEventLoopDelay).
// The bench asks for the figures over IPC (`{ type: 'probe' }`); each answer resets them.
import dc from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface Distribution {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ProbeMessage {
  type: 'probe';
  /** Incoming requests, by `METHOD /path`, ms. */
  server: Record<string, Distribution>;
  /** Outgoing AWS calls, by operation, ms. */
  calls: Record<string, Distribution>;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

const distribution = (values: number[]): Distribution => {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { count: sorted.length, p50: r(at(0.5)), p99: r(at(0.99)), max: r(sorted[sorted.length - 1] ?? 0) };
};

let server: Record<string, number[]> = {};
let calls: Record<string, number[]> = {};
const serverStart = new WeakMap<ServerResponse, number>();
const record = (into: Record<string, number[]>, key: string, ms: number) => (into[key] ??= []).push(ms);

dc.subscribe('http.server.request.start', (m) => {
  serverStart.set((m as { response: ServerResponse }).response, performance.now());
});
dc.subscribe('http.server.response.finish', (m) => {
  const { request, response } = m as { request: IncomingMessage; response: ServerResponse };
  const started = serverStart.get(response);
  if (started === undefined) return;
  const path = (request.url ?? '').split('?')[0] ?? '';
  record(server, `${request.method ?? '?'} ${path}`, performance.now() - started);
});
/**
 * Times outgoing calls on a pair of diagnostics channels (request made → response finished), by the
 * call's X-Amz-Target operation or, without one, by method and host.
 */
function timeCalls<R extends object>(
  startChannel: string,
  endChannel: string,
  describe: (request: R) => { target: unknown; otherwise: string },
): void {
  const starts = new WeakMap<R, number>();
  dc.subscribe(startChannel, (m) => starts.set((m as { request: R }).request, performance.now()));
  dc.subscribe(endChannel, (m) => {
    const { request } = m as { request: R };
    const started = starts.get(request);
    if (started === undefined) return;
    const { target, otherwise } = describe(request);
    const key = typeof target === 'string' ? target.replace(/^[A-Za-z0-9_]+\./, '') : otherwise;
    record(calls, key, performance.now() - started);
  });
}

timeCalls<ClientRequest>('http.client.request.start', 'http.client.response.finish', (request) => ({
  target: request.getHeader('x-amz-target'),
  otherwise: `${request.method} ${request.host}`,
}));

// The lean AWS client (core/aws/awsJsonClient.ts) speaks through undici, which has channels of its
// own; a request's headers are a flat [name, value, ...] array there.
interface UndiciRequest {
  method: string;
  origin: string;
  headers: string[];
}
timeCalls<UndiciRequest>('undici:request:create', 'undici:request:trailers', (request) => {
  const at = request.headers.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'x-amz-target');
  return {
    target: at >= 0 ? request.headers[at + 1] : undefined,
    otherwise: `${request.method} ${request.origin}`,
  };
});

// The histogram holds the timer's whole period (resolution + delay); the delay is reported.
const RESOLUTION_MS = 10;
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loop.enable();

process.on('message', (m: { type?: string }) => {
  if (m.type !== 'probe') return;
  const message: ProbeMessage = {
    type: 'probe',
    server: Object.fromEntries(Object.entries(server).map(([k, v]) => [k, distribution(v)])),
    calls: Object.fromEntries(Object.entries(calls).map(([k, v]) => [k, distribution(v)])),
    eventLoopDelayMs: {
      p50: Math.max(0, loop.percentile(50) / 1e6 - RESOLUTION_MS),
      p99: Math.max(0, loop.percentile(99) / 1e6 - RESOLUTION_MS),
      max: Math.max(0, loop.max / 1e6 - RESOLUTION_MS),
    },
  };
  server = {};
  calls = {};
  loop.reset();
  process.send?.(message);
});
process.channel?.unref();
