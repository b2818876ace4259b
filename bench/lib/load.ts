// Load phases on top of autocannon 9.
//
// Fixed rate: autocannon's own rate limit (`overallRate`/`connectionRate`) is a per-connection quota
// per second, sent back to back as fast as the server answers, then a pause until the next second
// (node_modules/autocannon/lib/httpClient.js: `reqsMadeThisSecond`), and every connection's
// one-second interval starts at the same moment. At "400 req/s on 20 connections" the server thus
// sees 20 concurrent requests at full speed for part of each second and nothing for the rest:
// a saturation burst, not a rate. So a fixed-rate phase here runs one single-connection autocannon
// instance per connection, each with `connectionRate = rate / connections`, started 1/connections of
// a second apart: the bursts are sequential on each connection and spread over the second.
//
// Latency: autocannon's histogram keeps whole milliseconds; the percentiles here come from the raw
// response times (float ms) autocannon reports in its `response` event, 2xx only, as it does.
//
// Several servers (`urls`, one per API process): a fixed-rate phase gives connection i to server
// i mod N, so each gets rate / N spread over the second as above; a saturation phase runs one
// instance per server with connections / N each, all at once. Counts are kept per server too.
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import type { BenchUser } from './fixtures.js';

export type EndpointName = 'POST /v1/sync-jobs' | 'GET /v1/connections';

/** What came back from one server (or from all of them together). */
export interface LoadCounts {
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
}

export interface LoadResult extends LoadCounts {
  /** Wall time from the first request sent to the last instance done, in s. */
  wallSeconds: number;
  /** Response times of 2xx responses, ms. */
  latenciesMs: number[];
  /** The counts of each server, in the order of `urls`. */
  perUrl: LoadCounts[];
  /** autocannon's own p50/p99 (whole ms); for a saturation phase on one server only (one instance). */
  autocannonP50?: number;
  autocannonP99?: number;
}

const activeInstances = new Set<autocannon.Instance>();

/** Stops every running autocannon instance (Ctrl-C). */
export function stopAllLoad(): void {
  for (const instance of activeInstances) instance.stop();
}

/** One request definition whose setupRequest rotates over the users (shared by all connections). */
export function requestsFor(endpoint: EndpointName, users: BenchUser[]): autocannon.Request[] {
  let next = 0;
  const pick = () => {
    const user = users[next++ % users.length];
    if (!user) throw new Error('no bench users');
    return user;
  };
  if (endpoint === 'GET /v1/connections')
    return [
      {
        method: 'GET',
        path: '/v1/connections',
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: pick().authorization } }),
      },
    ];
  return [
    {
      method: 'POST',
      path: '/v1/sync-jobs',
      setupRequest: (req) => {
        const user = pick();
        return {
          ...req,
          headers: {
            ...req.headers,
            'content-type': 'application/json',
            authorization: user.authorization,
            'idempotency-key': randomUUID(),
          },
          body: user.syncJobBody,
        };
      },
    },
  ];
}

interface Sink {
  latenciesMs: number[];
  statusCodes: Record<string, number>;
}

interface InstanceOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  connectionRate?: number;
  requests: autocannon.Request[];
  sink: Sink;
}

const newSink = (): Sink => ({ latenciesMs: [], statusCodes: {} });

function runInstance(o: InstanceOptions): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        duration: o.durationSeconds,
        ...(o.connectionRate ? { connectionRate: o.connectionRate } : {}),
        requests: o.requests,
        timeout: 10,
      },
      (error: unknown, result: autocannon.Result) => {
        activeInstances.delete(instance);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    activeInstances.add(instance);
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const code = String(statusCode);
      o.sink.statusCodes[code] = (o.sink.statusCodes[code] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) o.sink.latenciesMs.push(responseTime);
    });
  });
}

function counts(results: autocannon.Result[], sink: Sink): LoadCounts {
  const ok = Object.entries(sink.statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((n, [, count]) => n + count, 0);
  const all = Object.values(sink.statusCodes).reduce((n, c) => n + c, 0);
  return {
    ok,
    non2xx: all - ok,
    statusCodes: sink.statusCodes,
    errors: results.reduce((n, r) => n + r.errors, 0),
    timeouts: results.reduce((n, r) => n + r.timeouts, 0),
  };
}

/** One server's results and sink per entry of `urls`; the totals over all of them. */
function summarize(results: autocannon.Result[][], sinks: Sink[], wallSeconds: number): LoadResult {
  const perUrl = sinks.map((sink, i) => counts(results[i] ?? [], sink));
  const statusCodes: Record<string, number> = {};
  for (const c of perUrl)
    for (const [code, n] of Object.entries(c.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const sum = (f: (c: LoadCounts) => number) => perUrl.reduce((n, c) => n + f(c), 0);
  return {
    wallSeconds,
    ok: sum((c) => c.ok),
    non2xx: sum((c) => c.non2xx),
    statusCodes,
    errors: sum((c) => c.errors),
    timeouts: sum((c) => c.timeouts),
    latenciesMs: sinks.flatMap((s) => s.latenciesMs),
    perUrl,
  };
}

/**
 * `rate` req/s spread over `connections` staggered single-connection instances (see above),
 * connection i on `urls[i % urls.length]`.
 */
export async function fixedRate(o: {
  urls: string[];
  rate: number;
  connections: number;
  durationSeconds: number;
  requests: autocannon.Request[];
}): Promise<LoadResult> {
  const perConnection = o.rate / o.connections;
  if (!Number.isInteger(perConnection))
    throw new Error(`rate ${o.rate} must be a multiple of connections ${o.connections}`);
  // Equal connections per server, so each gets the same share of the rate.
  if (o.connections % o.urls.length !== 0)
    throw new Error(`connections ${o.connections} must be a multiple of the ${o.urls.length} servers`);
  const sinks = o.urls.map(newSink);
  const started = performance.now();
  const stepMs = 1000 / o.connections;
  const runs: Promise<autocannon.Result>[][] = o.urls.map(() => []);
  for (let i = 0; i < o.connections; i++) {
    const due = started + i * stepMs - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    const server = i % o.urls.length;
    runs[server]?.push(
      runInstance({
        url: o.urls[server] ?? '',
        connections: 1,
        connectionRate: perConnection,
        durationSeconds: o.durationSeconds,
        requests: o.requests,
        sink: sinks[server] ?? newSink(),
      }),
    );
  }
  const results = await Promise.all(runs.map((r) => Promise.all(r)));
  return summarize(results, sinks, (performance.now() - started) / 1000);
}

/** As fast as the servers answer, on `connections` keep-alive connections shared out over `urls`. */
export async function saturate(o: {
  urls: string[];
  connections: number;
  durationSeconds: number;
  requests: autocannon.Request[];
}): Promise<LoadResult> {
  if (o.connections % o.urls.length !== 0)
    throw new Error(`connections ${o.connections} must be a multiple of the ${o.urls.length} servers`);
  const sinks = o.urls.map(newSink);
  const results = await Promise.all(
    o.urls.map((url, i) =>
      runInstance({
        url,
        connections: o.connections / o.urls.length,
        durationSeconds: o.durationSeconds,
        requests: o.requests,
        sink: sinks[i] ?? newSink(),
      }),
    ),
  );
  // autocannon's duration is the measured one (its timer), which is what req/s is computed over;
  // the instances run side by side, so the longest of them is the phase's.
  const result = summarize(
    results.map((r) => [r]),
    sinks,
    Math.max(...results.map((r) => r.duration)),
  );
  const [only] = results;
  return results.length === 1 && only
    ? { ...result, autocannonP50: only.latency.p50, autocannonP99: only.latency.p99 }
    : result;
}
