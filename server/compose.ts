// Wiring for the API process: adapters are created here once and handed to the handlers. Tests
// call the same function with the local stack's configuration, so they exercise the real thing.
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type express from 'express';
import { startUserConfigCache } from '../core/cache/userConfigCache.js';
import type { Config } from '../core/config/config.js';
import type { Logger } from '../core/logging/logger.js';
import { SqsMessageProducer } from '../core/messaging/producer.js';
import { queueUrlsFrom } from '../core/messaging/queueUrls.js';
import { createSqsClient, createSqsJsonClient } from '../core/queue/sqs.js';
import { BatchWriter } from '../core/store/batchWriter.js';
import { ConnectionRepository } from '../core/store/connectionRepository.js';
import { createDocumentStore } from '../core/store/dynamoClient.js';
import { HEALTH_KEY } from '../core/store/keys.js';
import { IdempotencyRepository } from '../core/store/idempotencyRepository.js';
import { ProfileRepository } from '../core/store/profileRepository.js';
import { SyncConfigRepository } from '../core/store/syncConfigRepository.js';
import { SyncJobRepository } from '../core/store/syncJobRepository.js';
import { OAuthStateRepository } from '../core/oauth/oauthStateRepository.js';
import { ProviderUserIndex } from '../core/store/providerUserIndex.js';
import { createSecretStore } from '../core/secrets/createSecretStore.js';
import { DeviceRepository } from '../core/store/deviceRepository.js';
import { createSyncEngine } from '../core/sync/createSyncEngine.js';
import { CloudToDevice } from '../core/sync/cloudToDevice.js';
import { createPushSender } from '../core/push/createPushSender.js';
import { DevicePushNotifier } from '../core/push/devicePushNotifier.js';
import { createEventBus } from '../core/events/createEventBus.js';
import { createRedis, waitForRedis } from '../core/cache/redis.js';
import { RedisRateLimiter } from '../core/ratelimit/tokenBucket.js';
import { RequestBudget } from './middleware/rateLimit.js';
import { followRedis } from '../core/observability/processGauges.js';
import { Anonymizer } from '../core/anonymizer/anonymizer.js';
import { JobStatusFanOut } from '../core/realtime/jobStatusFanOut.js';
import { S3StagingStore } from '../core/staging/stagingStore.js';
import { DeviceRequestRepository } from '../core/store/deviceRequestRepository.js';
import { ExportJobRepository } from '../core/store/exportJobRepository.js';
import { S3ExportArchiveStore } from '../core/export/exportArchiveStore.js';
import { ProviderMigration } from '../core/connections/providerMigration.js';
import { createConnectionRemoval } from '../core/connections/createConnectionRemoval.js';
import { AccountStatus } from '../core/account/accountStatus.js';
import { DeletedUserRepository } from '../core/store/deletedUserRepository.js';
import { DeadLetters } from '../core/messaging/deadLetters.js';
import { readQueueDepths } from '../core/messaging/queueDepths.js';
import { KpiHistory } from '../core/observability/kpiHistory.js';
import { ReAuthRepository } from '../core/store/reAuthRepository.js';
import { createDynamicConfig } from '../core/config/createDynamicConfig.js';
import type { DynamicConfig } from '../core/config/dynamicConfig.js';
import { createTunables } from '../core/config/tunables.js';
import { HotPathJob } from '../core/sync/hotPathJob.js';
import { ForegroundSyncRunner } from './ws/foregroundSyncRunner.js';
import { buildApp } from './app.js';
import { JwksCache } from './auth/jwksCache.js';
import { TokenVerifier } from './auth/tokenVerifier.js';
import type { DependencyStatus, HandlerDependencies } from './handlers/dependencies.js';
import { createHandlers } from './handlers/index.js';
import { WebSocketLane } from './ws/webSocketLane.js';

export interface Api {
  app: express.Express;
  dependencies: HandlerDependencies;
  /** GET /v1/ws: attached to the HTTP server by server/main.ts. */
  webSockets: WebSocketLane;
  /** Socket-requested syncs run in this process (its stats: tests, benchmarks). */
  foreground: ForegroundSyncRunner;
  /** Flushes pending batches and closes connections. */
  close(): Promise<void>;
}

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);

async function probe(check: () => Promise<unknown>): Promise<DependencyStatus> {
  try {
    await within(2000, check());
    return 'ok';
  } catch {
    return 'failing';
  }
}

export async function createApi(
  config: Config,
  logger: Logger,
  o: { dynamicConfig?: DynamicConfig } = {},
): Promise<Api> {
  const db = createDocumentStore(config);
  // Only the OAuth state repository (core/oauth) still takes the SDK's Document client.
  const writer = new BatchWriter(db, config.TABLE_NAME, config.BATCH_WINDOW_MS);
  const profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
  const connections = new ConnectionRepository(db, config.TABLE_NAME, writer);
  const syncConfigs = new SyncConfigRepository(db, config.TABLE_NAME, writer);
  const syncJobs = new SyncJobRepository(db, config.TABLE_NAME, writer);
  const idempotency = new IdempotencyRepository(db, config.TABLE_NAME, writer, {
    ttlHours: config.IDEMPOTENCY_TTL_HOURS,
    lockTimeoutMs: config.IDEMPOTENCY_LOCK_TIMEOUT_MS,
  });

  // The WebSocket lane's own subscriber connection (job status channels), connecting meanwhile.
  const wsRedis = createRedis(config.REDIS_URL, logger, 'ws-job-status');
  const wsRedisReady = waitForRedis(wsRedis, 3000);
  const { userConfig, redis, subscriber } = await startUserConfigCache({
    config,
    logger,
    connections,
    syncConfigs,
    name: 'cache',
  });

  const secrets = createSecretStore(config, logger);
  // What operators tune without a deploy. Tests that build the API alone get the environment's
  // configuration (no document source).
  const ownDynamicConfig = o.dynamicConfig ? undefined : createDynamicConfig(config, logger, 'api');
  await ownDynamicConfig?.start();
  const dynamicConfig = o.dynamicConfig ?? ownDynamicConfig!;
  const tunables = createTunables(config, dynamicConfig);
  // Device uploads run the sync engine in the request (their records may not be queued).
  const { syncManager, contexts, ledger, cursors } = createSyncEngine({
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
  // Cloud → device round trips (seed §3 Model 3): the phone's answers are resolved here too.
  // Sync events also tell the sockets of the job's user, in whichever API process holds them.
  const events = new JobStatusFanOut(createEventBus(config, logger), redis, logger);
  const unfollowRedis = followRedis('api_redis', redis);
  const staging = config.STAGING_BUCKET ? new S3StagingStore(config, config.STAGING_BUCKET) : undefined;
  // Data exports: the API presigns downloads and deletes archives past their retention.
  const exportArchives = config.EXPORT_BUCKET
    ? new S3ExportArchiveStore(config, config.EXPORT_BUCKET)
    : undefined;
  const deviceRequests = new DeviceRequestRepository(db, config.TABLE_NAME);
  // Fails at start-up on a bad push configuration (production needs APNs and FCM credentials).
  const push = createPushSender(config, logger);
  const cloudToDevice = new CloudToDevice({
    config,
    logger,
    sync: syncManager,
    contexts,
    requests: deviceRequests,
    syncJobs,
    ledger,
    cursors,
    staging,
    notifier: new DevicePushNotifier(push, new DeviceRepository(db, config.TABLE_NAME), logger),
    events,
  });

  const sqs = createSqsClient(config);
  const sqsJson = createSqsJsonClient(config);
  const producer = new SqsMessageProducer(sqsJson, queueUrlsFrom(config), config.BATCH_WINDOW_MS);
  const tokenVerifier = new TokenVerifier(
    new JwksCache(config.JWKS_URL, config.JWKS_CACHE_TTL_MS),
    config.FIREBASE_PROJECT_ID,
    config.AUTH_CACHE_TTL_MS,
  );

  const providerUsers = new ProviderUserIndex(db, config.TABLE_NAME);
  // Deleted accounts get 410 from the first moment: the tombstone, cached like the verified token.
  const deletedUsers = new DeletedUserRepository(db, config.TABLE_NAME);
  const accountStatus = new AccountStatus(deletedUsers, { ttlMs: config.AUTH_CACHE_TTL_MS });
  accountStatus.followInvalidations(userConfig);
  // DELETE /v1/connections/{id}: revocation at the provider first (pending when it is down).
  const { removal: connectionRemoval } = createConnectionRemoval({
    config,
    logger,
    db,
    connections,
    syncConfigs,
    providerUsers,
    userConfig,
    secrets,
  });
  // A Google Health connection activated: the user's retiring Fitbit / Google Fit connections move onto it.
  const providerMigration = new ProviderMigration({
    connections,
    syncConfigs,
    cursors,
    ledger,
    removal: connectionRemoval,
    userConfig,
    logger,
  });

  // The operator console: dead letters, KPIs over time, the configuration in force.
  const deadLetters = new DeadLetters(sqsJson, queueUrlsFrom(config));
  const hotPathUrl = config.HOT_PATH_QUEUE_URL;
  const kpis = new KpiHistory({
    intervalSeconds: config.OPERATIONS_KPI_INTERVAL_SECONDS,
    logger,
    hotPathVisible: async () => (await readQueueDepths(sqsJson, { hotPathSync: hotPathUrl }))[0]?.visible,
  });
  kpis.start();

  const dependencies: HandlerDependencies = {
    config,
    profiles,
    connections,
    syncConfigs,
    syncJobs,
    userConfig,
    oauthStates: new OAuthStateRepository(db, config.TABLE_NAME),
    providerUsers,
    producer,
    secrets,
    connectionRemoval,
    providerMigration,
    devices: new DeviceRepository(db, config.TABLE_NAME),
    deviceRequests,
    cloudToDevice,
    sync: syncManager,
    tokenVerifier,
    anonymizer: Anonymizer.fromConfig(config, logger),
    exportJobs: new ExportJobRepository(db, config.TABLE_NAME),
    exportArchives,
    deletedUsers,
    accountStatus,
    tunables,
    dynamicConfig,
    operations: {
      deadLetters,
      kpis,
      reAuth: new ReAuthRepository(db, config.TABLE_NAME),
      dynamicConfig,
    },
    readiness: async () => {
      const [dynamodb, sqsStatus, redisStatus] = await Promise.all([
        probe(() => db.get({ TableName: config.TABLE_NAME, Key: { PK: HEALTH_KEY, SK: HEALTH_KEY } })),
        probe(() =>
          sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: config.HOT_PATH_QUEUE_URL,
              AttributeNames: ['QueueArn'],
            }),
          ),
        ),
        probe(() => redis.ping()),
      ]);
      return { dynamodb, sqs: sqsStatus, redis: redisStatus };
    },
  };

  // Socket-requested syncs of foreground users run here when there is room (seed §2.9).
  const foreground = new ForegroundSyncRunner({
    job: new HotPathJob({
      config,
      logger,
      tunables,
      syncManager,
      syncJobs,
      events,
      statuses: events,
      cloudToDevice,
      accountStatus,
    }),
    syncJobs,
    logger,
    concurrency: config.WS_FOREGROUND_CONCURRENCY,
    leaseMs: config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
  });

  // Per-user request budgets across the fleet: the provider limiter's token buckets in Redis, with
  // a short timeout, so a slow Redis costs a request its fallback, not seconds.
  const budgetLimiter = new RedisRateLimiter(redis, tunables.rateLimitPolicies, { timeoutMs: 150 });
  const budgets = {
    http: new RequestBudget({
      lane: 'http',
      limiter: budgetLimiter,
      perMinute: tunables.apiRateLimitPerMinute,
      logger,
    }),
    ws: new RequestBudget({
      lane: 'ws',
      limiter: budgetLimiter,
      perMinute: tunables.apiRateLimitPerMinute,
      logger,
    }),
  };

  await wsRedisReady;
  const webSockets = new WebSocketLane({
    requestBudget: budgets.ws,
    runner: foreground,
    config,
    logger,
    tokenVerifier,
    dependencies,
    idempotency,
    subscriberRedis: wsRedis,
    redis,
  });

  const app = buildApp({
    config,
    logger,
    tokenVerifier,
    idempotency,
    profiles,
    accountStatus,
    requestBudget: budgets.http,
    handlers: createHandlers(dependencies),
  });
  return {
    app,
    dependencies,
    webSockets,
    foreground,
    async close() {
      await webSockets.close();
      await foreground.stop();
      kpis.stop();
      ownDynamicConfig?.stop();
      await Promise.allSettled([
        writer.drain(),
        producer.drain(),
        events.close?.(),
        // What this process admitted on its own is owed to the fleet's buckets.
        budgets.http.close(),
        budgets.ws.close(),
      ]);
      staging?.close();
      exportArchives?.close();
      await push.close().catch(() => undefined);
      unfollowRedis();
      redis.disconnect();
      subscriber.disconnect();
      sqs.destroy();
      sqsJson.destroy();
      db.destroy();
    },
  };
}
