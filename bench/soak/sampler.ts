// One sample of the soaked worker, read from outside the process: its `/metrics` scrape (memory,
// event-loop delay, handles, jobs and queue depth as the worker itself reports them to operators),
// its CPU time from /proc and the key count of the stack's redis-server (DBSIZE).
import { Redis } from 'ioredis';
import { processCpuMicros } from '../lib/proc.js';
import { metricTotal, metricValue, scrapeMetrics, type MetricSample } from '../lib/prometheus.js';
import { round } from '../lib/stats.js';

export interface SoakSample {
  /** Seconds since the load started. */
  t: number;
  rssMb: number;
  heapUsedMb: number;
  /** V8's external memory (Buffers and the like, outside the heap). */
  externalMb: number;
  /**
   * prom-client's event-loop lag over the interval since the previous scrape (it resets its
   * histogram on every scrape): each value is the whole period of its 10 ms timer, so an idle loop
   * reads about 10 ms.
   */
  eventLoopLagP99Ms: number;
  eventLoopLagMeanMs: number;
  activeHandles: number;
  openFds: number;
  redisKeys: number;
  /** The worker's CPU (all threads) since the previous sample, % of one core. */
  workerCpuPercent: number;
  /** Hot-path messages the worker handled to the end (a job that synced, or found nothing new). */
  jobsDone: number;
  /** Jobs that ended FAILED. */
  jobsFailed: number;
  /** Retried sync attempts (not final): a steady run without faults should have none. */
  attemptFailures: number;
  /** Messages of any channel that the runtime failed or found poisonous. */
  messagesFailed: number;
  /** Messages in the hot-path queue and the webhook buffer (visible, in flight, delayed). */
  queueDepth: number;
}

const MB = 1024 * 1024;

export interface Sampler {
  sample(t: number): Promise<SoakSample>;
  /**
   * The stack's keys by kind: at most three of the key's `##`-separated segments, up to the first
   * that holds a digit (an id or a window), e.g. `ratelimit##fitbit##user`, `config`, `coalesce`.
   * Tells which kind grows.
   */
  redisKeysByKind(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export function startSampler(o: { metricsUrl: string; redisUrl: string; workerPid: number }): Sampler {
  const redis = new Redis(o.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let previous = { at: performance.now(), cpu: processCpuMicros(o.workerPid) };
  const queued = (m: MetricSample[], channel: string) => metricTotal(m, 'syncwell_queue_depth', { channel });
  return {
    async sample(t) {
      const [m, redisKeys] = await Promise.all([scrapeMetrics(o.metricsUrl), redis.dbsize()]);
      const now = { at: performance.now(), cpu: processCpuMicros(o.workerPid) };
      const cpuPercent = ((now.cpu - previous.cpu) / ((now.at - previous.at) * 1000)) * 100;
      previous = now;
      return {
        t: round(t, 1),
        rssMb: round(metricValue(m, 'syncwell_process_resident_memory_bytes') / MB, 1),
        heapUsedMb: round(metricValue(m, 'syncwell_nodejs_heap_size_used_bytes') / MB, 1),
        externalMb: round(metricValue(m, 'syncwell_nodejs_external_memory_bytes') / MB, 1),
        eventLoopLagP99Ms: round(metricValue(m, 'syncwell_nodejs_eventloop_lag_p99_seconds') * 1000, 2),
        eventLoopLagMeanMs: round(metricValue(m, 'syncwell_nodejs_eventloop_lag_mean_seconds') * 1000, 2),
        activeHandles: metricValue(m, 'syncwell_nodejs_active_handles_total'),
        openFds: metricValue(m, 'syncwell_process_open_fds'),
        redisKeys,
        workerCpuPercent: round(cpuPercent, 1),
        jobsDone: metricTotal(m, 'syncwell_messages_total', { channel: 'hotPathSync', outcome: 'done' }),
        jobsFailed: metricTotal(m, 'syncwell_sync_jobs_total', { outcome: 'failed' }),
        attemptFailures: metricTotal(m, 'syncwell_sync_attempt_failures_total'),
        messagesFailed:
          metricTotal(m, 'syncwell_messages_total', { outcome: 'fail' }) +
          metricTotal(m, 'syncwell_messages_total', { outcome: 'poison' }),
        queueDepth: queued(m, 'hotPathSync') + queued(m, 'coalescingBuffer'),
      };
    },
    async redisKeysByKind() {
      const counts: Record<string, number> = {};
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          const segments = key.split('##');
          const idAt = segments.findIndex((s) => /\d/.test(s));
          const kind = segments.slice(0, Math.min(3, idAt === -1 ? 3 : Math.max(1, idAt))).join('##');
          counts[kind] = (counts[kind] ?? 0) + 1;
        }
      } while (cursor !== '0');
      return counts;
    },
    async stop() {
      redis.disconnect();
    },
  };
}
