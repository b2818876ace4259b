// Gauges read when they are collected (a scrape of `/metrics`, an EMF flush): the depth of each
// consumed queue, asked of SQS, and whether the process runs degraded (Redis unavailable), with the
// time spent so. Components and queues are registered by the process that has them.
import { Counter, Gauge } from 'prom-client';
import { EMF_CATALOG, registry } from './metrics.js';
import type { EmfGauge } from './emfSink.js';

export interface QueueDepth {
  channel: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

let queueDepthReader: (() => Promise<QueueDepth[]>) | undefined;

/** The worker tells how to read its queues' depths (undefined: none, e.g. the API). */
export function readQueueDepthsWith(reader: (() => Promise<QueueDepth[]>) | undefined): void {
  queueDepthReader = reader;
}

export const queueDepth = new Gauge({
  name: 'syncwell_queue_depth',
  help: 'Messages in each consumed queue (ApproximateNumberOfMessages*), by channel and state.',
  labelNames: ['channel', 'state'] as const,
  registers: [registry],
  async collect() {
    if (!queueDepthReader) return;
    this.reset();
    // A scrape must answer even when SQS does not: the gauge is then absent, not stale.
    const depths = await queueDepthReader().catch(() => []);
    for (const d of depths) {
      this.set({ channel: d.channel, state: 'visible' }, d.visible);
      this.set({ channel: d.channel, state: 'in_flight' }, d.inFlight);
      this.set({ channel: d.channel, state: 'delayed' }, d.delayed);
    }
  },
});

interface Component {
  isDegraded: () => boolean;
  /** performance.now() up to which degraded time has been counted. */
  countedTo: number;
}

const components = new Map<string, Component>();

export const degradedSeconds = new Counter({
  name: 'syncwell_degraded_seconds_total',
  help: 'Seconds this process has run degraded, by component (counted when collected).',
  labelNames: ['component'] as const,
  registers: [registry],
});

export const degraded = new Gauge({
  name: 'syncwell_degraded',
  help: '1 while the process runs degraded because a component is unavailable, else 0.',
  labelNames: ['component'] as const,
  registers: [registry],
  collect() {
    settleDegradedTime();
    this.reset(); // a component no longer followed disappears
    for (const [name, c] of components) this.set({ component: name }, c.isDegraded() ? 1 : 0);
  },
});

/** Adds the degraded time since the last collection (a monotonic clock: intervals only). */
function settleDegradedTime(): void {
  const now = performance.now();
  for (const [name, c] of components) {
    if (c.isDegraded()) degradedSeconds.inc({ component: name }, (now - c.countedTo) / 1000);
    c.countedTo = now;
  }
}

/**
 * Follows a component whose absence puts the process in degraded mode. `transition` must be
 * called on every change (Redis 'ready'/'close' events), so the time up to it is counted right.
 */
export function trackDegraded(
  name: string,
  isDegraded: () => boolean,
): { transition(): void; untrack(): void } {
  components.set(name, { isDegraded, countedTo: performance.now() });
  return {
    transition: () => {
      // Count the time in the state being left at the moment it is left.
      const c = components.get(name);
      if (!c) return;
      const now = performance.now();
      if (c.isDegraded() === false) degradedSeconds.inc({ component: name }, (now - c.countedTo) / 1000);
      c.countedTo = now;
    },
    untrack: () => components.delete(name),
  };
}

const QUEUE_DEPTH_EMF = { name: 'QueueDepth', rollup: ['channel', 'state'] };
const DEGRADED_EMF = { name: 'Degraded', rollup: ['component'] };
EMF_CATALOG.push(
  { name: QUEUE_DEPTH_EMF.name, dimensionSets: [['service', 'channel', 'state'], QUEUE_DEPTH_EMF.rollup] },
  { name: DEGRADED_EMF.name, dimensionSets: [['service', 'component'], DEGRADED_EMF.rollup] },
);

/** The gauges as EMF metrics, read fresh (queue depths from SQS). */
export async function gaugesForEmf(): Promise<EmfGauge[]> {
  const out: EmfGauge[] = [];
  for (const [gauge, unit] of [
    [queueDepth, 'Count'],
    [degraded, 'None'],
  ] as const) {
    const { values } = await gauge.get();
    for (const v of values)
      out.push({
        name: (gauge === queueDepth ? QUEUE_DEPTH_EMF : DEGRADED_EMF).name,
        unit,
        labels: Object.fromEntries(Object.entries(v.labels).map(([k, x]) => [k, String(x)])),
        value: v.value,
        // The alarms watch a queue (or a component) whichever process reported it.
        rollups: [(gauge === queueDepth ? QUEUE_DEPTH_EMF : DEGRADED_EMF).rollup],
      });
  }
  return out;
}

/** Redis as a degraded-mode component: its 'ready' and 'close' events are the transitions. */
export function followRedis(
  component: string,
  redis: {
    status: string;
    on(event: string, f: () => void): unknown;
    off(event: string, f: () => void): unknown;
  },
): () => void {
  const tracked = trackDegraded(component, () => redis.status !== 'ready');
  const onChange = () => tracked.transition();
  redis.on('ready', onChange);
  redis.on('close', onChange);
  return () => {
    redis.off('ready', onChange);
    redis.off('close', onChange);
    tracked.untrack();
  };
}
