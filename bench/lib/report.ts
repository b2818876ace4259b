// What a benchmark run produces: per-phase measurements, per (endpoint, target) medians, the
// targets with PASS/FAIL, and the printed table.
import type { ProbeMessage } from './apiProbe.js';
import type { EndpointName } from './load.js';
import { median, round } from './stats.js';

export type TargetName = 'api' | 'baseline';
export type PhaseKind = 'fixed' | 'saturation';

/** One process of the target (the API may run as several, `--api-processes`). */
export interface ProcessMeasurement {
  pid: number;
  /** 2xx responses this process gave. */
  ok: number;
  /** Its CPU use during the phase, % of one core. */
  cpuPercent: number;
  /** Its CPU per 2xx response it gave, µs. */
  cpuMicrosPerRequest: number;
}

export interface PhaseMeasurement {
  run: number;
  kind: PhaseKind;
  endpoint: EndpointName;
  target: TargetName;
  /** Processes of the target serving the load side by side. */
  processes: number;
  /** Requested rate (fixed phases only), req/s. */
  rate: number | null;
  connections: number;
  durationSeconds: number;
  ok: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** 2xx per second over the phase. */
  achievedRps: number;
  /** The target processes' CPU (user + system, all threads, summed) per 2xx response, µs. */
  cpuMicrosPerRequest: number;
  /** The target processes' CPU use during the phase, summed, % of one core (200 = two cores). */
  cpuPercent: number;
  /** The same, process by process. */
  perProcess: ProcessMeasurement[];
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** autocannon's own (whole-ms) percentiles, saturation phases only. */
  autocannonLatencyMs?: { p50: number; p99: number };
  /** The target's CPU per request split by thread (main JS thread, V8 GC/compiler workers, libuv), µs. */
  targetThreadsMicrosPerRequest: Record<string, number>;
  /** AWS calls the emulators received during the phase, per 2xx response, by operation. */
  backendCallsPerRequest: Record<string, number>;
  /** With --probe: the API process's own view (ms): request time, AWS call latency, event-loop delay. */
  apiProbe?: Omit<ProbeMessage, 'type'>;
  /** CPU use of the other processes on the machine's cores during the phase, % of one core. */
  otherCpuPercent: {
    loadGenerator: number;
    /** The local stack's process (dynalite, fauxqs, the dev issuer), and its main thread alone. */
    stack: number;
    stackMainThread: number;
    redis: number;
    foreign: number;
    steal: number;
  };
}

export interface Summary {
  endpoint: EndpointName;
  target: TargetName;
  processes: number;
  rate: number;
  runs: number;
  cpuMicrosPerRequest: number;
  /** Of which the main (JavaScript) threads: what bounds one process's throughput. */
  mainThreadMicrosPerRequest: number;
  /** Cores the target processes used together at the fixed rate (CPU seconds / wall seconds). */
  cores: number;
  p50Ms: number;
  p99Ms: number;
  saturationRps: number;
  saturationCpuMicrosPerRequest: number;
  saturationMainThreadMicrosPerRequest: number;
  saturationCpuPercent: number;
}

export interface TargetCheck {
  name: string;
  value: number;
  limit: number;
  unit: string;
  pass: boolean;
}

export function summarize(
  phases: PhaseMeasurement[],
  endpoint: EndpointName,
  target: TargetName,
  rate: number,
): Summary | undefined {
  const fixed = phases.filter((p) => p.endpoint === endpoint && p.target === target && p.kind === 'fixed');
  const sat = phases.filter((p) => p.endpoint === endpoint && p.target === target && p.kind === 'saturation');
  if (fixed.length === 0 && sat.length === 0) return undefined;
  const m = (list: PhaseMeasurement[], f: (p: PhaseMeasurement) => number) => median(list.map(f));
  const mainThread = (p: PhaseMeasurement) => p.targetThreadsMicrosPerRequest['main thread'] ?? Number.NaN;
  return {
    endpoint,
    target,
    processes: fixed[0]?.processes ?? sat[0]?.processes ?? 1,
    rate,
    runs: Math.max(fixed.length, sat.length),
    cpuMicrosPerRequest: m(fixed, (p) => p.cpuMicrosPerRequest),
    mainThreadMicrosPerRequest: m(fixed, mainThread),
    cores: round(m(fixed, (p) => p.cpuPercent) / 100, 2),
    p50Ms: m(fixed, (p) => p.latencyMs.p50),
    p99Ms: m(fixed, (p) => p.latencyMs.p99),
    saturationRps: m(sat, (p) => p.achievedRps),
    saturationCpuMicrosPerRequest: m(sat, (p) => p.cpuMicrosPerRequest),
    saturationMainThreadMicrosPerRequest: m(sat, mainThread),
    saturationCpuPercent: m(sat, (p) => p.cpuPercent),
  };
}

/** The targets the run's phases measured (a saturation-only run has no fixed-rate figure to check). */
export function checkTargets(summaries: Summary[]): TargetCheck[] {
  return allTargetChecks(summaries).filter((c) => Number.isFinite(c.value));
}

function allTargetChecks(summaries: Summary[]): TargetCheck[] {
  const find = (endpoint: EndpointName, target: TargetName) =>
    summaries.find((s) => s.endpoint === endpoint && s.target === target);
  const checks: TargetCheck[] = [];
  const post = find('POST /v1/sync-jobs', 'api');
  const get = find('GET /v1/connections', 'api');
  const getBase = find('GET /v1/connections', 'baseline');
  if (post) {
    checks.push({
      name: 'POST /v1/sync-jobs: API CPU per request ≤ 1 ms',
      value: round(post.cpuMicrosPerRequest),
      limit: 1000,
      unit: 'µs',
      pass: post.cpuMicrosPerRequest <= 1000,
    });
    checks.push({
      name: `POST /v1/sync-jobs: p99 < 50 ms at ${post.rate} req/s`,
      value: round(post.p99Ms, 1),
      limit: 50,
      unit: 'ms',
      pass: post.p99Ms < 50,
    });
  }
  if (get) {
    checks.push({
      name: 'GET /v1/connections (cached): API CPU per request ≤ 150 µs',
      value: round(get.cpuMicrosPerRequest),
      limit: 150,
      unit: 'µs',
      pass: get.cpuMicrosPerRequest <= 150,
    });
    if (getBase) {
      const ratio = get.cpuMicrosPerRequest / getBase.cpuMicrosPerRequest;
      checks.push({
        name: 'GET /v1/connections (cached): API CPU ≤ 2x the baseline',
        value: round(ratio, 2),
        limit: 2,
        unit: 'x',
        pass: ratio <= 2,
      });
    }
    checks.push({
      name: `GET /v1/connections: p99 < 50 ms at ${get.rate} req/s`,
      value: round(get.p99Ms, 1),
      limit: 50,
      unit: 'ms',
      pass: get.p99Ms < 50,
    });
  }
  return checks;
}

const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);
const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const ratio = (a: number | undefined, b: number | undefined, digits = 2) =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b !== 0
    ? `${(a / b).toFixed(digits)}x`
    : '-';

function probeLine(probe: NonNullable<PhaseMeasurement['apiProbe']>): string {
  const d = (label: string, x: { p50: number; p99: number }) => `${label} ${fmt(x.p50, 2)}/${fmt(x.p99, 2)}`;
  return [
    ...Object.entries(probe.server).map(([k, x]) => d(`request ${k}`, x)),
    ...Object.entries(probe.calls).map(([k, x]) => d(k, x)),
    `${d('event-loop delay', probe.eventLoopDelayMs)} max ${fmt(probe.eventLoopDelayMs.max, 1)}`,
  ].join(', ');
}

export function phaseLine(p: PhaseMeasurement): string {
  const what = p.kind === 'fixed' ? `fixed ${p.rate} req/s` : `saturation ${p.connections} conn`;
  const other = p.otherCpuPercent;
  return (
    `  run ${p.run} ${pad(p.endpoint, 20)} ${pad(p.target, 8)} ${pad(what, 20)} ` +
    `${lpad(fmt(p.achievedRps), 6)} req/s  CPU ${lpad(fmt(p.cpuMicrosPerRequest), 5)} µs/req ` +
    `(${lpad(fmt(p.cpuPercent), 3)}% core)  p50 ${lpad(fmt(p.latencyMs.p50, 2), 6)} ` +
    `p99 ${lpad(fmt(p.latencyMs.p99, 2), 6)} max ${lpad(fmt(p.latencyMs.max, 1), 6)} ms  ` +
    `non-2xx ${p.non2xx} err ${p.errors}  | loadgen ${fmt(other.loadGenerator)}% stack ${fmt(other.stack)}% (main ${fmt(other.stackMainThread)}%) ` +
    `redis ${fmt(other.redis)}% others ${fmt(other.foreign)}% steal ${fmt(other.steal)}%` +
    `\n      CPU µs/req by thread: ${Object.entries(p.targetThreadsMicrosPerRequest)
      .map(([name, us]) => `${name} ${us}`)
      .join(', ')}` +
    (p.perProcess.length > 1
      ? `\n      ${p.processes} processes, ${fmt(p.cpuPercent / 100, 2)} cores: ${p.perProcess
          .map(
            (x) =>
              `pid ${x.pid} ${fmt(x.ok / p.durationSeconds)} req/s ${fmt(x.cpuPercent)}% core ${fmt(x.cpuMicrosPerRequest)} µs/req`,
          )
          .join('; ')}`
      : '') +
    (Object.keys(p.backendCallsPerRequest).length
      ? `\n      AWS calls per request: ${Object.entries(p.backendCallsPerRequest)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}`
      : '') +
    (p.apiProbe ? `\n      inside the API (ms, p50/p99): ${probeLine(p.apiProbe)}` : '')
  );
}

export function table(summaries: Summary[], checks: TargetCheck[]): string {
  const lines: string[] = [];
  const endpoints = [...new Set(summaries.map((s) => s.endpoint))];
  lines.push(
    `${pad('endpoint', 21)}${lpad('rate', 10)} | ${lpad('CPU µs/req: API', 16)}${lpad('baseline', 10)}${lpad('ratio', 9)}` +
      ` | ${lpad('API p50', 8)}${lpad('p99 ms', 8)} | ${lpad('base p50', 9)}${lpad('p99 ms', 8)}` +
      ` | ${lpad('sat req/s: API', 15)}${lpad('baseline', 10)}${lpad('ratio', 8)} | ${lpad('API CPU/req @sat', 17)}`,
  );
  lines.push('-'.repeat(lines[0]?.length ?? 80));
  for (const endpoint of endpoints) {
    const api = summaries.find((s) => s.endpoint === endpoint && s.target === 'api');
    const base = summaries.find((s) => s.endpoint === endpoint && s.target === 'baseline');
    const rate = api?.rate ?? base?.rate ?? Number.NaN;
    lines.push(
      `${pad(endpoint, 21)}${lpad(`${rate}/s`, 10)} | ${lpad(fmt(api?.cpuMicrosPerRequest ?? NaN), 16)}` +
        `${lpad(fmt(base?.cpuMicrosPerRequest ?? NaN), 10)}${lpad(ratio(api?.cpuMicrosPerRequest, base?.cpuMicrosPerRequest), 9)}` +
        ` | ${lpad(fmt(api?.p50Ms ?? NaN, 2), 8)}${lpad(fmt(api?.p99Ms ?? NaN, 2), 8)}` +
        ` | ${lpad(fmt(base?.p50Ms ?? NaN, 2), 9)}${lpad(fmt(base?.p99Ms ?? NaN, 2), 8)}` +
        ` | ${lpad(fmt(api?.saturationRps ?? NaN), 15)}${lpad(fmt(base?.saturationRps ?? NaN), 10)}` +
        `${lpad(ratio(api?.saturationRps, base?.saturationRps), 8)} | ${lpad(fmt(api?.saturationCpuMicrosPerRequest ?? NaN), 14)} µs`,
    );
  }
  lines.push('');
  for (const c of checks)
    lines.push(
      `  ${c.pass ? 'PASS' : 'FAIL'}  ${pad(c.name, 58)} measured ${c.value} ${c.unit} (limit ${c.limit} ${c.unit})`,
    );
  return lines.join('\n');
}
