// Worker process entry point (`npm run worker`; `npm start` runs one beside the API): configuration,
// wiring, the hot-path consumer, graceful shutdown on SIGTERM/SIGINT (in-flight jobs finish or go
// back to the queue), and a critical exit when the queue cannot take a message back.
import { ConfigError, loadConfig } from '../core/config/config.js';
import { createLogger, type Logger } from '../core/logging/logger.js';
import { createWorker, type Worker } from './compose.js';
import { scheduleRetirement } from './lifetime.js';
import type { JobOutcome } from '../core/sync/hotPathJob.js';
import { startObservability } from '../core/observability/observability.js';
import { valueOf } from '../core/observability/metrics.js';
import { createDynamicConfig } from '../core/config/createDynamicConfig.js';
import type { DynamicConfig } from '../core/config/dynamicConfig.js';

/** Exit code when SQS refuses to take a message back (seed R-003): the orchestrator restarts us. */
export const CRITICAL_EXIT_CODE = 70;

export interface RunningWorker {
  worker: Worker;
  /** `GET /metrics` on the operations port (METRICS_PORT), when configured. */
  metricsUrl: string | undefined;
  /** What operators tune without a deploy (AppConfig or a local file). */
  dynamicConfig: DynamicConfig;
  logger: Logger;
  stop(): Promise<void>;
}

export async function startWorker(
  env?: Record<string, string | undefined>,
  hooks: { onCritical?(error: Error): void; onJob?(outcome: JobOutcome): void } = {},
): Promise<RunningWorker> {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.LOG_LEVEL, service: 'worker' });
  const dynamicConfig = createDynamicConfig(config, logger, 'worker');
  await dynamicConfig.start();
  dynamicConfig.onChange((doc) => (logger.level = doc.logLevel ?? config.LOG_LEVEL));
  const worker = await createWorker(config, logger, {
    dynamicConfig,
    onCritical:
      hooks.onCritical ??
      ((error) => {
        logger.fatal({ err: error }, 'critical: exiting so SQS redrives the message');
        process.exit(CRITICAL_EXIT_CODE);
      }),
    ...(hooks.onJob ? { onJob: hooks.onJob } : {}),
  });
  const observability = await startObservability(config, logger, { service: 'worker', dynamicConfig });
  worker.start();
  logger.info({ queue: config.HOT_PATH_QUEUE_URL, concurrency: config.WORKER_CONCURRENCY }, 'worker started');
  return {
    worker,
    metricsUrl: observability.metricsUrl,
    dynamicConfig,
    logger,
    stop: async () => {
      await worker.stop();
      await observability.stop();
      dynamicConfig.stop();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startWorker().catch((error: unknown) => {
    const text =
      error instanceof ConfigError ? error.message : error instanceof Error ? error.stack : String(error);
    process.stderr.write(`${text}\n`);
    process.exit(1);
  });
  // Started with an IPC channel (benchmarks, supervisors): answer stats requests with the counters.
  if (process.send)
    process.on('message', async (m: { type?: string }) => {
      if (m.type === 'stats')
        process.send?.({
          // Tail sampling's effect (core/logging/jobLogs.ts): lines of finished jobs kept or not.
          logLines: {
            written: await valueOf('syncwell_job_log_lines_total', { result: 'written' }),
            discarded: await valueOf('syncwell_job_log_lines_total', { result: 'discarded' }),
          },
          type: 'stats',
          stats: running.worker.stats,
          credentials: running.worker.credentials.stats,
          coalescer: running.worker.coalescer?.stats,
          preflight: running.worker.preflight?.stats,
          historical: running.worker.historical,
          exports: running.worker.exports,
          memory: process.memoryUsage(),
        });
    });
  let stopping = false;
  const stopAndExit = () => {
    if (stopping) return;
    stopping = true;
    void running.stop().then(() => process.exit(0));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, stopAndExit);
  const config = loadConfig();
  const retirement = scheduleRetirement({
    seconds: config.WORKER_MAX_LIFETIME_SECONDS,
    onRetire: () => {
      running.logger.info('maximum lifetime reached: retiring (the orchestrator starts a fresh task)');
      stopAndExit();
    },
  });
  process.once('exit', () => retirement.cancel());
}
