// Wiring for the worker process: adapters created once, shared by every job in flight.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from '../core/cache/redis.js';
import { startUserConfigCache } from '../core/cache/userConfigCache.js';
import type { Config } from '../core/config/config.js';
import { createEventBus, type EventBus } from '../core/events/eventBus.js';
import type { Logger } from '../core/logging/logger.js';
import { loadPolicies } from '../core/ratelimit/policies.js';
import { RedisRateLimiter } from '../core/ratelimit/tokenBucket.js';
import { createSecretStore } from '../core/secrets/secretStore.js';
import { BatchWriter } from '../core/store/batchWriter.js';
import { ConnectionRepository } from '../core/store/connectionRepository.js';
import { createDocumentStore } from '../core/store/dynamoClient.js';
import { AwsJsonClient, credentialsFor } from '../core/aws/awsJsonClient.js';
import { LeanSqsClient } from '../core/aws/leanSqsClient.js';
import { LedgerRepository } from '../core/store/ledgerRepository.js';
import { SyncConfigRepository } from '../core/store/syncConfigRepository.js';
import { SyncCursorRepository } from '../core/store/syncCursorRepository.js';
import { SyncJobRepository } from '../core/store/syncJobRepository.js';
import { ProviderManager } from './providers/providerManager.js';
import { Coalescer } from './coalescer/coalescer.js';
import { TieredScheduler } from './scheduler/tieredScheduler.js';
import { HotPathQueue } from '../core/messages/hotPathQueue.js';
import { createSqsJsonClient, SqsQueueSender } from '../core/queue/sqs.js';
import { ProfileRepository } from '../core/store/profileRepository.js';
import { ProviderUserIndex } from '../core/store/providerUserIndex.js';
import { SqsConsumer } from './queue/sqsConsumer.js';
import { CredentialManager } from './sync/credentials.js';
import { HotPathJob, type JobOutcome } from './sync/hotPathJob.js';
import { SyncConfidence } from './sync/syncConfidence.js';
import { SyncManager } from './sync/syncManager.js';
import { ProviderContexts } from './sync/providerContexts.js';
import { HistoricalChunkJob } from './historical/historicalChunkJob.js';
import { AdaptivePoller } from './polling/adaptivePoller.js';
import { PollState } from './polling/pollState.js';
import { PreflightChecker } from './polling/preflightChecker.js';
import { PollQueue } from '../core/messages/pollQueue.js';

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
  consumer: SqsConsumer;
  /** Consumes the webhook buffer queue; undefined without COALESCING_QUEUE_URL. */
  coalescer: { consumer: SqsConsumer; engine: Coalescer } | undefined;
  /** Consumes the poll-schedule queue; undefined without POLL_SCHEDULE_QUEUE_URL. */
  preflight: { consumer: SqsConsumer; checker: PreflightChecker } | undefined;
  /** Consumes the historical queue; undefined without HISTORICAL_QUEUE_URL. */
  historical: { consumer: SqsConsumer; stats: HistoricalStats } | undefined;
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
  const secrets = createSecretStore(config, logger);
  const credentials = new CredentialManager({
    config,
    secrets,
    connections,
    logger,
    onConnectionChanged: (userId) => userConfig.invalidate(userId),
  });
  const limiter = new RedisRateLimiter(redis, loadPolicies(config.RATE_LIMIT_OVERRIDES));
  const events = createEventBus(config, logger);
  const providers = new ProviderManager();
  const contexts = new ProviderContexts({ config, logger, providers, credentials, limiter });
  const syncManager = new SyncManager({
    config,
    logger,
    providers,
    contexts,
    confidence: new SyncConfidence(redis, config.SYNC_CONFIDENCE_THRESHOLD, logger),
    ledger: new LedgerRepository(db, config.TABLE_NAME, writer),
    cursors: new SyncCursorRepository(db, config.TABLE_NAME, writer),
    userConfig,
    connections,
  });
  const profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
  const sqsSender = createSqsJsonClient(config);
  // Adaptive polling (seed §3f) for sources without webhooks: Tier 1 schedules, Tier 2 checks.
  const pollQueue = config.POLL_SCHEDULE_QUEUE_URL
    ? new PollQueue(
        new SqsQueueSender(sqsSender, config.POLL_SCHEDULE_QUEUE_URL, config.BATCH_WINDOW_MS),
        config.POLL_MAX_HOP_SECONDS,
      )
    : undefined;
  const pollState = new PollState(redis, config.POLL_MAX_INTERVAL_SECONDS * 2 + 3600);
  const poller = pollQueue
    ? new AdaptivePoller({ config, logger, queue: pollQueue, state: pollState, userConfig, providers })
    : undefined;
  const hotPath = new HotPathJob({
    config,
    logger,
    syncManager,
    syncJobs,
    events,
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
  const sqs = new LeanSqsClient(
    new AwsJsonClient({
      service: 'sqs',
      targetPrefix: 'AmazonSQS',
      region: config.AWS_REGION,
      endpoint: config.SQS_ENDPOINT,
      credentials: credentialsFor(config),
      // Long polls hold the request open for WORKER_WAIT_TIME_SECONDS.
      timeoutMs: (config.WORKER_WAIT_TIME_SECONDS + 10) * 1000,
    }),
  ) as unknown as SQSClient;
  // Every consumer shares these settings; each has its own queue, concurrency and handler.
  const consumerFor = (
    name: string,
    queueUrl: string,
    concurrency: number,
    handle: ConstructorParameters<typeof SqsConsumer>[0]['handle'],
  ) =>
    new SqsConsumer({
      name,
      sqs,
      queueUrl,
      concurrency,
      waitTimeSeconds: config.WORKER_WAIT_TIME_SECONDS,
      visibilityTimeoutSeconds: config.WORKER_VISIBILITY_TIMEOUT_SECONDS,
      maxReceiveCount: config.MAX_RECEIVE_COUNT,
      batchWindowMs: config.BATCH_WINDOW_MS,
      logger,
      // Degraded mode: without Redis there is no rate limiter (nor windows, nor poll state), so
      // nothing is received and no provider is called.
      isHealthy: () => redis.status === 'ready',
      onCritical: hooks.onCritical,
      handle,
    });

  const consumer = consumerFor(
    'hot-path',
    config.HOT_PATH_QUEUE_URL,
    config.WORKER_CONCURRENCY,
    async (job, signal) => {
      const outcome = await hotPath.handle(job, signal);
      stats.jobs += 1;
      stats.jobWrites += outcome.jobWrites;
      if (outcome.result) {
        stats.succeeded += 1;
        stats.providerCalls += outcome.result.providerCalls;
        stats.itemsWritten += outcome.result.itemsWritten;
      } else if (outcome.disposition.action === 'defer') stats.deferred += 1;
      else stats.failed += 1;
      hooks.onJob?.(outcome);
      return outcome.disposition;
    },
  );

  // Scheduler, coalescer and pre-flight checker all produce hot-path jobs.
  const hotPathQueue = new HotPathQueue(
    new SqsQueueSender(sqsSender, config.HOT_PATH_QUEUE_URL, config.BATCH_WINDOW_MS),
  );

  // The coalescer: webhook events in, one hot-path job per configuration and window out.
  let coalescer: Worker['coalescer'];
  if (config.COALESCING_QUEUE_URL) {
    const engine = new Coalescer({
      config,
      logger,
      redis,
      providerUsers: new ProviderUserIndex(db, config.TABLE_NAME),
      userConfig,
      profiles,
      connections,
      hotPathQueue,
    });
    coalescer = {
      engine,
      consumer: consumerFor('coalescer', config.COALESCING_QUEUE_URL, config.WORKER_CONCURRENCY, (job) =>
        engine.handle(job),
      ),
    };
  }

  // The pre-flight checker: poll hops in, a hot-path job only when the source has new data.
  let preflight: Worker['preflight'];
  if (poller && pollQueue && config.POLL_SCHEDULE_QUEUE_URL) {
    const checker = new PreflightChecker({
      config,
      logger,
      poller,
      state: pollState,
      queue: pollQueue,
      providers,
      contexts,
      hotPathQueue,
      profiles,
    });
    preflight = {
      checker,
      consumer: consumerFor('preflight', config.POLL_SCHEDULE_QUEUE_URL, config.WORKER_CONCURRENCY, (job) =>
        checker.handle(job),
      ),
    };
  }

  // The cold path: historical chunks, few at a time and at low rate-limit priority.
  let historical: Worker['historical'];
  if (config.HISTORICAL_QUEUE_URL) {
    const chunks = new HistoricalChunkJob({ config, logger, syncManager, syncJobs, events });
    const historicalStats: HistoricalStats = { synced: 0, failed: 0, duplicates: 0, deferred: 0 };
    historical = {
      stats: historicalStats,
      consumer: consumerFor(
        'historical',
        config.HISTORICAL_QUEUE_URL,
        config.HISTORICAL_CONCURRENCY,
        async (job, signal) => {
          const outcome = await chunks.handle(job, signal);
          if (outcome.kind === 'synced') historicalStats.synced += 1;
          else if (outcome.kind === 'failed') historicalStats.failed += 1;
          else if (outcome.kind === 'duplicate') historicalStats.duplicates += 1;
          else if (outcome.kind === 'deferred') historicalStats.deferred += 1;
          return outcome.disposition;
        },
      ),
    };
  }

  // The tiered scheduler runs on a timer in every worker; shards are claimed per tick.
  const scheduler = config.SCHEDULER_ENABLED
    ? new TieredScheduler({ config, logger, db, userConfig, hotPathQueue, ...(poller ? { poller } : {}) })
    : undefined;
  const sideConsumers = [coalescer?.consumer, preflight?.consumer, historical?.consumer].filter(
    (c): c is SqsConsumer => c !== undefined,
  );

  let stopped: Promise<void> | undefined;
  return {
    consumer,
    coalescer,
    preflight,
    historical,
    credentials,
    events,
    stats,
    redis,
    start: () => {
      consumer.start();
      for (const c of sideConsumers) c.start();
      scheduler?.start();
    },
    stop: () =>
      (stopped ??= (async () => {
        await scheduler?.stop();
        await Promise.all([consumer, ...sideConsumers].map((c) => c.stop(config.WORKER_SHUTDOWN_GRACE_MS)));
        await Promise.all([hotPathQueue.drain(), pollQueue?.drain()]).catch(() => undefined);
        await events.close?.().catch(() => undefined);
        await writer
          .drain()
          .catch((error: unknown) => logger.error({ err: error }, 'pending writes failed at shutdown'));
        redis.disconnect();
        subscriber.disconnect();
        sqs.destroy();
        sqsSender.destroy();
        db.destroy();
      })()),
  };
}
