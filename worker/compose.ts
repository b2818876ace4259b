// Wiring for the worker process: adapters created once, shared by every job in flight.
import type { Redis } from '../core/cache/redis.js';
import { startUserConfigCache } from '../core/cache/userConfigCache.js';
import type { Config } from '../core/config/config.js';
import { createEventBus } from '../core/events/createEventBus.js';
import { JobStatusFanOut } from '../core/realtime/jobStatusFanOut.js';
import type { EventBus } from '../core/events/eventBus.js';
import type { Logger } from '../core/logging/logger.js';
import { createWorkerSecretStore } from '../core/secrets/createSecretStore.js';
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
import { HotPathJob, type JobOutcome } from '../core/sync/hotPathJob.js';
import { HistoricalChunkJob } from './historical/historicalChunkJob.js';
import { AdaptivePoller } from './polling/adaptivePoller.js';
import { PollState } from './polling/pollState.js';
import { PreflightChecker } from './polling/preflightChecker.js';
import { AccountStatus } from '../core/account/accountStatus.js';
import { AccountDeletion, type AccountDeletionStats } from '../core/account/accountDeletion.js';
import { UserCacheEraser } from '../core/account/userCacheEraser.js';
import { UserObjectEraser, userObjectLocations } from '../core/account/userObjectEraser.js';
import { DeletedUserRepository } from '../core/store/deletedUserRepository.js';
import { UserItemEraser } from '../core/store/userItemEraser.js';
import { createExportWorker, type ExportStats } from './export/exportWorker.js';
import { PushUserNotifier } from '../core/push/pushUserNotifier.js';
import { SyncOutcomeNotifications } from './notifications/syncOutcomeNotifications.js';
import { ReAuthSurfacer } from './reauth/reAuthSurfacer.js';
import { ProviderNoticeSweeper } from './notices/providerNoticeSweeper.js';
import { loggingNoticeMailer } from '../core/notices/noticeMailer.js';
import { createConnectionRemoval } from '../core/connections/createConnectionRemoval.js';
import type { ConnectionRemoval } from '../core/connections/connectionRemoval.js';
import { RevocationSweeper } from './revocation/revocationSweeper.js';
import { followRedis, readQueueDepthsWith } from '../core/observability/processGauges.js';
import { readQueueDepths } from '../core/messaging/queueDepths.js';
import type { DynamicConfig } from '../core/config/dynamicConfig.js';
import { createTunables } from '../core/config/tunables.js';
import { DeadLetters } from '../core/messaging/deadLetters.js';
import { ExhaustedLetterSweeper } from './exhaustedLetterSweeper.js';

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
  /** Account deletions (core/account/accountDeletion.ts). */
  accountDeletion: AccountDeletionStats;
  /** Builds data exports; undefined without EXPORT_BUCKET. */
  exports: ExportStats | undefined;
  credentials: CredentialManager;
  /** Revocation at the provider, then the connection and its tokens (account deletion reuses it). */
  connectionRemoval: ConnectionRemoval;
  /** Retries revocations providers could not take when a connection was deleted. */
  revocations: RevocationSweeper;
  /** Settles the DLQ letters whose receives ran out (./exhaustedLetterSweeper.ts). */
  exhaustedLetters: ExhaustedLetterSweeper;
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
  hooks: {
    onCritical(error: Error): void;
    onJob?(outcome: JobOutcome): void;
    /**
     * What operators change without a deploy (core/config/tunables.ts, provider notices); the
     * environment's otherwise, and no provider notices.
     */
    dynamicConfig?: Pick<DynamicConfig, 'current' | 'isEnabled'>;
  },
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
  const secrets = createWorkerSecretStore(config, logger);
  const tunables = createTunables(config, hooks.dynamicConfig);
  const { syncManager, providers, contexts, credentials, ledger, cursors } = createSyncEngine({
    tunables,
    config,
    logger,
    db,
    writer,
    redis,
    connections,
    userConfig,
    secrets,
  });
  // Each sync event also goes to the user's WebSockets (Redis `ws:user:{userId}`, core/realtime/).
  const events = new JobStatusFanOut(createEventBus(config, logger), redis, logger);
  const profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
  // Jobs of a deleted account do nothing: the tombstone, cached per process, dropped with the
  // user's cached config (the API invalidates it when it accepts the deletion).
  const deletedUsers = new DeletedUserRepository(db, config.TABLE_NAME);
  const accountStatus = new AccountStatus(deletedUsers, { ttlMs: config.AUTH_CACHE_TTL_MS });
  accountStatus.followInvalidations(userConfig);
  // Consumers' long polls hold a request open for WORKER_WAIT_TIME_SECONDS; sends keep short timeouts.
  const sqs = createSqsJsonClient(config, { timeoutMs: (config.WORKER_WAIT_TIME_SECONDS + 10) * 1000 });
  const sqsSender = createSqsJsonClient(config);
  const queueUrls = queueUrlsFrom(config);
  // Scheduler, coalescer, pre-flight checker and poller produce; every message goes through here.
  const producer = new SqsMessageProducer(sqsSender, queueUrls, config.BATCH_WINDOW_MS);
  // Adaptive polling (seed §3f) for sources without webhooks: Tier 1 schedules, Tier 2 checks.
  // Poll state outlives the longest wait the environment or the dynamic configuration may set.
  const pollState = new PollState(redis, Math.max(config.POLL_MAX_INTERVAL_SECONDS, 7 * 86_400) * 2 + 3600);
  const poller = producer.has('pollSchedule')
    ? new AdaptivePoller({ config, logger, producer, state: pollState, userConfig, providers, tunables })
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
    tunables,
    syncManager,
    syncJobs,
    events,
    statuses: events,
    cloudToDevice,
    accountStatus,
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
        accountStatus,
        tunables,
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
        accountStatus,
        tunables,
      })
    : undefined;

  // The cold path: historical chunks, few at a time and at low rate-limit priority.
  const chunks = new HistoricalChunkJob({ config, logger, syncManager, syncJobs, events, accountStatus });
  const historical: HistoricalStats = { synced: 0, failed: 0, duplicates: 0, deferred: 0 };

  // Visible notifications (sync outcomes, reconnect, export ready): at most once per notification id.
  const notifier = PushUserNotifier.create(config, db, push, logger, accountStatus);
  const syncNotifications = new SyncOutcomeNotifications({ notifier, userConfig, logger });

  // Data exports (worker/export/): a year of each provider at low priority, few at a time.
  const exportWorker = createExportWorker({
    config,
    logger,
    db,
    connections,
    syncConfigs,
    syncJobs,
    profiles,
    providers,
    contexts,
    notifier,
  });

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
      onExhausted: async (message) => void (await hotPath.settleExhausted(message)),
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
    exportRequests: exportWorker && {
      settings: { concurrency: config.EXPORT_CONCURRENCY },
      handler: async (request, delivery, signal) => {
        // An account being deleted gets no export: its objects and items are about to go.
        if (await accountStatus.isDeleted(request.userId)) return { kind: 'done' };
        const run = await exportWorker.job.handle(request, delivery, signal);
        const stats = exportWorker.stats;
        stats.providerCalls += run.providerCalls;
        if (run.kind === 'succeeded') stats.succeeded += 1;
        else if (run.kind === 'failed') stats.failed += 1;
        else if (run.kind === 'deferred' || run.kind === 'busy') stats.deferred += 1;
        else if (run.kind === 'duplicate') stats.duplicates += 1;
        return run.outcome;
      },
    },
    syncNotifications: { handler: (event, _delivery, signal) => syncNotifications.handle(event, signal) },
    // Built below, with the connection removal it reuses.
    userDeletion: {
      handler: (request, delivery, signal) => accountDeletion.handle(request, delivery, signal),
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
    receiveWindowMs: config.WORKER_RECEIVE_WINDOW_MS,
    deleteWindowMs: config.WORKER_DELETE_WINDOW_MS,
    redelivery: {
      baseMs: config.REQUEUE_BACKOFF_BASE_SECONDS * 1000,
      maxMs: config.REQUEUE_BACKOFF_MAX_SECONDS * 1000,
    },
    // Degraded mode: without Redis there is no rate limiter (nor windows, nor poll state), so
    // nothing is received and no provider is called.
    isHealthy: () => redis.status === 'ready',
    onCritical: hooks.onCritical,
  });

  // Letters SQS dead-lettered after their last receive: their jobs end instead of staying open.
  const exhaustedLetters = new ExhaustedLetterSweeper({
    deadLetters: new DeadLetters(sqsSender, queueUrls),
    table,
    logger,
    intervalSeconds: config.DEAD_LETTER_SWEEP_SECONDS,
  });

  // Metrics: degraded-mode time and the depth of every queue this worker consumes.
  const unfollowRedis = followRedis('worker_redis', redis);
  readQueueDepthsWith(() => readQueueDepths(sqsSender, queueUrls));

  // The tiered scheduler runs on a timer in every worker; shards are claimed per tick.
  const scheduler = config.SCHEDULER_ENABLED
    ? new TieredScheduler({
        config,
        logger,
        db,
        userConfig,
        producer,
        accountStatus,
        ...(poller ? { poller } : {}),
      })
    : undefined;

  // Pending revocations (a provider was down when a connection was deleted), swept on a timer.
  const { removal, pending } = createConnectionRemoval({
    config,
    logger,
    db,
    connections,
    syncConfigs,
    providerUsers: new ProviderUserIndex(db, config.TABLE_NAME),
    userConfig,
    secrets,
  });
  const revocations = new RevocationSweeper({ config, logger, pending, removal });

  // Account deletion (DELETE /v1/users/me): revocations, items, Redis keys, objects.
  const userObjects = new UserObjectEraser(config, userObjectLocations(config));
  const accountDeletion = new AccountDeletion({
    config,
    logger,
    deletedUsers,
    connections,
    syncConfigs,
    providerUsers: new ProviderUserIndex(db, config.TABLE_NAME),
    removal,
    pendingRevocations: pending,
    secrets,
    items: new UserItemEraser(db, config.TABLE_NAME),
    cache: new UserCacheEraser(redis, tunables.rateLimitPolicies),
    objects: userObjects,
  });

  // Connections that need their user to sign in again: one reconnect notification per episode.
  const reAuth = config.REAUTH_CHECK_ENABLED
    ? new ReAuthSurfacer({ config, logger, db, notifier })
    : undefined;

  // Retiring providers' notices: one push (and one hand-over to the app's mailer) per user.
  const notices = hooks.dynamicConfig
    ? new ProviderNoticeSweeper({
        config,
        logger,
        db,
        notifier,
        mailer: loggingNoticeMailer(logger),
        profiles,
        dynamicConfig: hooks.dynamicConfig,
      })
    : undefined;

  let stopped: Promise<void> | undefined;
  return {
    consumers,
    coalescer,
    preflight,
    historical: queueUrls.historicalSync ? historical : undefined,
    accountDeletion: accountDeletion.stats,
    exports: exportWorker?.stats,
    credentials,
    connectionRemoval: removal,
    revocations,
    exhaustedLetters,
    events,
    stats,
    redis,
    start: () => {
      for (const c of consumers) c.start();
      scheduler?.start();
      exportWorker?.sweeper.start();
      revocations.start();
      exhaustedLetters.start();
      reAuth?.start();
      notices?.start();
    },
    stop: () =>
      (stopped ??= (async () => {
        await scheduler?.stop();
        await exportWorker?.sweeper.stop();
        await revocations.stop();
        await exhaustedLetters.stop();
        await reAuth?.stop();
        await notices?.stop();
        await Promise.all(consumers.map((c) => c.stop(config.WORKER_SHUTDOWN_GRACE_MS)));
        await producer.drain().catch(() => undefined);
        await events.close?.().catch(() => undefined);
        await writer
          .drain()
          .catch((error: unknown) => logger.error({ err: error }, 'pending writes failed at shutdown'));
        unfollowRedis();
        readQueueDepthsWith(undefined);
        redis.disconnect();
        subscriber.disconnect();
        sqs.destroy();
        sqsSender.destroy();
        staging?.close();
        userObjects.close();
        exportWorker?.store.close();
        await push.close().catch(() => undefined);
        db.destroy();
      })()),
  };
}
