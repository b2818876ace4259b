// Wiring for the worker process: adapters created once, shared by every job in flight.
import type { Redis } from '../core/cache/redis.js';
import { startUserConfigCache } from '../core/cache/userConfigCache.js';
import type { Config } from '../core/config/config.js';
import { createEventBus } from '../core/events/createEventBus.js';
import { JobStatusFanOut } from '../core/realtime/jobStatusFanOut.js';
import type { EventBus } from '../core/events/eventBus.js';
import type { Logger } from '../core/logging/logger.js';
import { createSecretStore } from '../core/secrets/createSecretStore.js';
import { BatchWriter } from '../core/store/batchWriter.js';
import { ConnectionRepository } from '../core/store/connectionRepository.js';
import { createDocumentStore } from '../core/store/dynamoClient.js';
import { SyncConfigRepository } from '../core/store/syncConfigRepository.js';
import { SyncJobRepository } from '../core/store/syncJobRepository.js';
import { Coalescer } from './coalescer/coalescer.js';
import { TieredScheduler } from './scheduler/tieredScheduler.js';
import { SqsMessageProducer } from '../core/messaging/producer.js';
import type { QueueConsumer } from '../core/messaging/queueConsumer.js';
import { queueUrlsFrom } from '../core/messaging/queueUrls.js';
import type { QueueChannel } from '../generated/channels.gen.js';
import { createSqsJsonClient } from '../core/queue/sqs.js';
import { ProfileRepository } from '../core/store/profileRepository.js';
import { ProviderUserIndex } from '../core/store/providerUserIndex.js';
import { createConsumers, type ConsumerTable } from './consumers.js';
import { createSyncEngine } from '../core/sync/createSyncEngine.js';
import { CloudToDevice } from '../core/sync/cloudToDevice.js';
import { DeviceRepository } from '../core/store/deviceRepository.js';
import { createPushSender } from '../core/push/createPushSender.js';
import { DevicePushNotifier } from '../core/push/devicePushNotifier.js';
import { S3StagingStore } from '../core/staging/stagingStore.js';
import { DeviceRequestRepository } from '../core/store/deviceRequestRepository.js';
import type { CredentialManager } from '../core/sync/credentials.js';
import { HotPathJob, type JobOutcome } from './sync/hotPathJob.js';
import { HistoricalChunkJob } from './historical/historicalChunkJob.js';
import { AdaptivePoller } from './polling/adaptivePoller.js';
import { PollState } from './polling/pollState.js';
import { PreflightChecker } from './polling/preflightChecker.js';

export interface WorkerStats {
  jobs: number;
  succeeded: number;
  failed: number;
  deferred: number;
  providerCalls: number;
  jobWrites: number;
  itemsWritten: number;
}

export interface HistoricalStats {
  synced: number;
  failed: number;
  duplicates: number;
  deferred: number;
}

export interface Worker {
  /** One per consumed channel whose queue is configured (consumers.ts). */
  consumers: QueueConsumer<QueueChannel>[];
  /** Consumes the webhook buffer queue; undefined without COALESCING_QUEUE_URL. */
  coalescer: Coalescer | undefined;
  /** Consumes the poll-schedule queue; undefined without POLL_SCHEDULE_QUEUE_URL. */
  preflight: PreflightChecker | undefined;
  /** Consumes the historical queue; undefined without HISTORICAL_QUEUE_URL. */
  historical: HistoricalStats | undefined;
  credentials: CredentialManager;
  events: EventBus;
  stats: WorkerStats;
  redis: Redis;
  start(): void;
  /** Graceful: in-flight jobs finish (or return to the queue), batches flush, connections close. */
  stop(): Promise<void>;
}

export async function createWorker(
  config: Config,
  logger: Logger,
  hooks: { onCritical(error: Error): void; onJob?(outcome: JobOutcome): void },
): Promise<Worker> {
  // The per-job calls go through lean clients (core/aws/): the AWS SDK v3's CPU per call was
  // most of the worker's own cost per job (bench:worker, bench/results/README.md).
  const db = createDocumentStore(config);
  const writer = new BatchWriter(db, config.TABLE_NAME, config.BATCH_WINDOW_MS);
  const connections = new ConnectionRepository(db, config.TABLE_NAME, writer);
  const syncConfigs = new SyncConfigRepository(db, config.TABLE_NAME, writer);
  const syncJobs = new SyncJobRepository(db, config.TABLE_NAME, writer);
  const { userConfig, redis, subscriber } = await startUserConfigCache({
    config,
    logger,
    connections,
    syncConfigs,
    name: 'worker',
  });
  const { syncManager, providers, contexts, credentials, ledger, cursors } = createSyncEngine({
    config,
    logger,
    db,
    writer,
    redis,
    connections,
    userConfig,
    secrets: createSecretStore(config, logger),
  });
  // Each sync event also goes to the user's WebSockets (Redis `ws:user:{userId}`, core/realtime/).
  const events = new JobStatusFanOut(createEventBus(config, logger), redis, logger);
  const profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
  // Consumers' long polls hold a request open for WORKER_WAIT_TIME_SECONDS; sends keep short timeouts.
  const sqs = createSqsJsonClient(config, { timeoutMs: (config.WORKER_WAIT_TIME_SECONDS + 10) * 1000 });
  const sqsSender = createSqsJsonClient(config);
  const queueUrls = queueUrlsFrom(config);
  // Scheduler, coalescer, pre-flight checker and poller produce; every message goes through here.
  const producer = new SqsMessageProducer(sqsSender, queueUrls, config.BATCH_WINDOW_MS);
  // Adaptive polling (seed §3f) for sources without webhooks: Tier 1 schedules, Tier 2 checks.
  const pollState = new PollState(redis, config.POLL_MAX_INTERVAL_SECONDS * 2 + 3600);
  const poller = producer.has('pollSchedule')
    ? new AdaptivePoller({ config, logger, producer, state: pollState, userConfig, providers })
    : undefined;
  const staging = config.STAGING_BUCKET ? new S3StagingStore(config, config.STAGING_BUCKET) : undefined;
  // Fails at start-up on a bad push configuration (production needs APNs and FCM credentials).
  const push = createPushSender(config, logger);
  const cloudToDevice = new CloudToDevice({
    config,
    logger,
    sync: syncManager,
    contexts,
    requests: new DeviceRequestRepository(db, config.TABLE_NAME),
    syncJobs,
    ledger,
    cursors,
    staging,
    notifier: new DevicePushNotifier(push, new DeviceRepository(db, config.TABLE_NAME), logger),
    events,
  });
  const hotPath = new HotPathJob({
    config,
    logger,
    syncManager,
    syncJobs,
    events,
    cloudToDevice,
    ...(poller ? { afterSync: (m, r, at) => poller.afterSync(m, r, at) } : {}),
  });
  const stats: WorkerStats = {
    jobs: 0,
    succeeded: 0,
    failed: 0,
    deferred: 0,
    providerCalls: 0,
    jobWrites: 0,
    itemsWritten: 0,
  };

  // The coalescer: webhook events in, one hot-path job per configuration and window out.
  const coalescer = producer.has('coalescingBuffer')
    ? new Coalescer({
        config,
        logger,
        redis,
        providerUsers: new ProviderUserIndex(db, config.TABLE_NAME),
        userConfig,
        profiles,
        connections,
        producer,
      })
    : undefined;

  // The pre-flight checker: poll hops in, a hot-path job only when the source has new data.
  const preflight = poller
    ? new PreflightChecker({
        config,
        logger,
        poller,
        state: pollState,
        producer,
        providers,
        contexts,
        profiles,
      })
    : undefined;

  // The cold path: historical chunks, few at a time and at low rate-limit priority.
  const chunks = new HistoricalChunkJob({ config, logger, syncManager, syncJobs, events });
  const historical: HistoricalStats = { synced: 0, failed: 0, duplicates: 0, deferred: 0 };

  // One line per consumed channel (consumers.ts says how to add one).
  const table: ConsumerTable = {
    hotPathSync: {
      handler: async (message, delivery, signal) => {
        const job = await hotPath.handle(message, delivery, signal);
        stats.jobs += 1;
        stats.jobWrites += job.jobWrites;
        if (job.result) {
          stats.succeeded += 1;
          stats.providerCalls += job.result.providerCalls;
          stats.itemsWritten += job.result.itemsWritten;
        } else if (job.outcome.kind === 'defer') stats.deferred += 1;
        else stats.failed += 1;
        hooks.onJob?.(job);
        return job.outcome;
      },
    },
    coalescingBuffer: coalescer && { handler: (event, delivery) => coalescer.handle(event, delivery) },
    pollSchedule: preflight && { handler: (poll, delivery) => preflight.handle(poll, delivery) },
    historicalSync: {
      settings: { concurrency: config.HISTORICAL_CONCURRENCY },
      handler: async (chunk, delivery, signal) => {
        const done = await chunks.handle(chunk, delivery, signal);
        if (done.kind === 'synced') historical.synced += 1;
        else if (done.kind === 'failed') historical.failed += 1;
        else if (done.kind === 'duplicate') historical.duplicates += 1;
        else if (done.kind === 'deferred') historical.deferred += 1;
        return done.outcome;
      },
    },
  };
  const consumers = createConsumers(table, queueUrls, {
    sqs,
    logger,
    concurrency: config.WORKER_CONCURRENCY,
    waitTimeSeconds: config.WORKER_WAIT_TIME_SECONDS,
    visibilityTimeoutSeconds: config.WORKER_VISIBILITY_TIMEOUT_SECONDS,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    batchWindowMs: config.BATCH_WINDOW_MS,
    redelivery: {
      baseMs: config.REQUEUE_BACKOFF_BASE_SECONDS * 1000,
      maxMs: config.REQUEUE_BACKOFF_MAX_SECONDS * 1000,
    },
    // Degraded mode: without Redis there is no rate limiter (nor windows, nor poll state), so
    // nothing is received and no provider is called.
    isHealthy: () => redis.status === 'ready',
    onCritical: hooks.onCritical,
  });

  // The tiered scheduler runs on a timer in every worker; shards are claimed per tick.
  const scheduler = config.SCHEDULER_ENABLED
    ? new TieredScheduler({ config, logger, db, userConfig, producer, ...(poller ? { poller } : {}) })
    : undefined;

  let stopped: Promise<void> | undefined;
  return {
    consumers,
    coalescer,
    preflight,
    historical: queueUrls.historicalSync ? historical : undefined,
    credentials,
    events,
    stats,
    redis,
    start: () => {
      for (const c of consumers) c.start();
      scheduler?.start();
    },
    stop: () =>
      (stopped ??= (async () => {
        await scheduler?.stop();
        await Promise.all(consumers.map((c) => c.stop(config.WORKER_SHUTDOWN_GRACE_MS)));
        await producer.drain().catch(() => undefined);
        await events.close?.().catch(() => undefined);
        await writer
          .drain()
          .catch((error: unknown) => logger.error({ err: error }, 'pending writes failed at shutdown'));
        redis.disconnect();
        subscriber.disconnect();
        sqs.destroy();
        sqsSender.destroy();
        staging?.close();
        await push.close().catch(() => undefined);
        db.destroy();
      })()),
  };
}
