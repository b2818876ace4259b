// The tiered scheduler against dynalite and fauxqs with 10,000 users across both tiers and every
// shard: each due user's job is enqueued exactly once per tick, non-due users never, the tick's
// shards are claimed once (a second worker running the same tick does nothing), and
// NextSyncTimestamp moves on by the tier's interval.
import { PurgeQueueCommand, ReceiveMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { newConnectionId } from '../../core/domain/ids.js';
import { startUserConfigCache, type UserConfigCache } from '../../core/cache/userConfigCache.js';
import { loadConfig, type Config } from '../../core/config/config.js';
import { syncTierShardId } from '../../core/domain/shard.js';
import { createLogger } from '../../core/logging/logger.js';
import { SqsMessageProducer } from '../../core/messaging/producer.js';
import { createSqsClient, createSqsJsonClient } from '../../core/queue/sqs.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { connectionSk, PROFILE_SK, syncConfigSk, userPk } from '../../core/store/keys.js';
import { SyncConfigRepository } from '../../core/store/syncConfigRepository.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { TieredScheduler } from './tieredScheduler.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const USERS = 10_000;

describe('TieredScheduler (10,000 users, dynalite + fauxqs)', function () {
  this.timeout(300_000);
  let stack: LocalStack;
  let config: Config;
  let db: ReturnType<typeof createDocumentStore>;
  let sqs: ReturnType<typeof createSqsClient>;
  let sqsJson: ReturnType<typeof createSqsJsonClient>;
  let cache: {
    userConfig: UserConfigCache;
    redis: { disconnect(): void };
    subscriber: { disconnect(): void };
  };
  const now = new Date('2026-11-25T12:00:00Z');
  const due = new Set<string>();
  const tierOf = new Map<string, 'PRO' | 'FREE'>();

  before(async () => {
    stack = await startLocalStack();
    config = loadConfig({ ...stack.env, NODE_ENV: 'test', SCHEDULER_SHARDS: '16', BATCH_WINDOW_MS: '2' });
    // The lean client (the SDK's would queue thousands of sockets here).
    db = createDocumentStore(config);
    sqs = createSqsClient(config);
    sqsJson = createSqsJsonClient(config);
    const writer = new BatchWriter(db, config.TABLE_NAME, 2);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < USERS; i += 1) {
      const userId = `sched-${String(i).padStart(5, '0')}`;
      const tier = i % 3 === 0 ? 'PRO' : 'FREE';
      tierOf.set(userId, tier);
      // Two in three users are due (some long overdue); the rest are due in an hour.
      const next = i % 3 === 2 ? now.getTime() + 3_600_000 : now.getTime() - (i % 7) * 60_000;
      if (next <= now.getTime()) due.add(userId);
      const at = now.toISOString();
      writes.push(
        writer.put({
          PK: userPk(userId),
          SK: PROFILE_SK,
          Entity: 'PROFILE',
          UserId: userId,
          SubscriptionLevel: tier,
          version: 1,
          CreatedAt: at,
          UpdatedAt: at,
          SyncTierShardId: syncTierShardId(tier, userId, config.SCHEDULER_SHARDS),
          NextSyncTimestamp: next,
        }),
      );
      const source = newConnectionId();
      const destination = newConnectionId();
      for (const [id, provider] of [
        [source, 'strava'],
        [destination, 'fitbit'],
      ] as const)
        writes.push(
          writer.put({
            PK: userPk(userId),
            SK: connectionSk(id),
            Entity: 'CONN',
            ConnectionId: id,
            Provider: provider,
            Status: 'active',
            CredentialArn: null,
            CreatedAt: at,
            UpdatedAt: at,
          }),
        );
      writes.push(
        writer.put({
          PK: userPk(userId),
          SK: syncConfigSk(source, 'workout'),
          Entity: 'SYNCCONFIG',
          ConfigId: `cfg_${randomUUID()}`,
          SourceConnectionId: source,
          DestinationConnectionId: destination,
          DataType: 'workout',
          ConflictStrategy: 'newest_wins',
          IsEnabled: true,
          version: 1,
          CreatedAt: at,
          UpdatedAt: at,
        }),
      );
    }
    await Promise.all(writes);
    await writer.drain();
    const connections = new ConnectionRepository(db, config.TABLE_NAME, writer);
    const syncConfigs = new SyncConfigRepository(db, config.TABLE_NAME, writer);
    cache = await startUserConfigCache({ config, logger, connections, syncConfigs, name: 'sched-test' });
    await sqs.send(new PurgeQueueCommand({ QueueUrl: config.HOT_PATH_QUEUE_URL }));
  });

  after(async () => {
    cache?.redis.disconnect();
    cache?.subscriber.disconnect();
    sqs?.destroy();
    sqsJson?.destroy();
    db?.destroy();
    await stack?.stop();
  });

  const scheduler = () =>
    new TieredScheduler({
      config,
      logger,
      db,
      userConfig: cache.userConfig,
      producer: new SqsMessageProducer(
        sqsJson,
        { hotPathSync: config.HOT_PATH_QUEUE_URL },
        config.BATCH_WINDOW_MS,
      ),
      concurrency: 8,
    });

  async function drainQueue(): Promise<Map<string, number>> {
    const perUser = new Map<string, number>();
    for (let empty = 0; empty < 2;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: config.HOT_PATH_QUEUE_URL,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        empty += 1;
        continue;
      }
      for (const m of messages) {
        const body = JSON.parse(m.Body!) as { userId: string; trigger: string; tier: string };
        expect(body.trigger).to.equal('schedule');
        expect(body.tier).to.equal(tierOf.get(body.userId));
        perUser.set(body.userId, (perUser.get(body.userId) ?? 0) + 1);
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: config.HOT_PATH_QUEUE_URL,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return perUser;
  }

  it('enqueues every due user exactly once per tick and no one else; a second worker on the same tick does nothing', async () => {
    const [first, second] = await Promise.all([scheduler().runTick(now), scheduler().runTick(now)]);
    // The 32 tier/shard pairs were claimed once between the two workers.
    expect(first.shardsRun + second.shardsRun).to.equal(2 * config.SCHEDULER_SHARDS);
    expect(first.shardsSkipped + second.shardsSkipped).to.equal(2 * config.SCHEDULER_SHARDS);
    expect(first.jobsEnqueued + second.jobsEnqueued).to.equal(due.size);
    const perUser = await drainQueue();
    expect(perUser.size).to.equal(due.size);
    for (const [userId, count] of perUser) {
      expect(due.has(userId), `${userId} was not due`).to.equal(true);
      expect(count, userId).to.equal(1);
    }
  });

  it('moves NextSyncTimestamp on by the tier’s interval, so the next tick enqueues nobody early', async () => {
    for (const userId of ['sched-00000', 'sched-00001']) {
      const out = await db.get({ TableName: config.TABLE_NAME, Key: { PK: userPk(userId), SK: PROFILE_SK } });
      const interval =
        tierOf.get(userId) === 'PRO'
          ? config.SCHEDULER_PRO_INTERVAL_SECONDS
          : config.SCHEDULER_FREE_INTERVAL_SECONDS;
      expect(out.Item?.NextSyncTimestamp).to.equal(now.getTime() + interval * 1000);
    }
    const nextTick = new Date(now.getTime() + config.SCHEDULER_TICK_SECONDS * 1000);
    const report = await scheduler().runTick(nextTick);
    expect(report.jobsEnqueued).to.equal(0);
    expect((await drainQueue()).size).to.equal(0);
  });
  it('hands sources without webhooks to the adaptive poller: a chain check instead of a full sync', async () => {
    const userId = 'sched-polled';
    const at = now.toISOString();
    const googleFit = newConnectionId();
    const strava = newConnectionId();
    const writer = new BatchWriter(db, config.TABLE_NAME, 2);
    const config_ = (source: string, destination: string) => ({
      PK: userPk(userId),
      SK: syncConfigSk(source, 'workout'),
      Entity: 'SYNCCONFIG',
      ConfigId: `cfg_${randomUUID()}`,
      SourceConnectionId: source,
      DestinationConnectionId: destination,
      DataType: 'workout',
      ConflictStrategy: 'newest_wins',
      IsEnabled: true,
      version: 1,
      CreatedAt: at,
      UpdatedAt: at,
    });
    await Promise.all([
      writer.put({
        PK: userPk(userId),
        SK: PROFILE_SK,
        Entity: 'PROFILE',
        UserId: userId,
        SubscriptionLevel: 'PRO',
        version: 1,
        CreatedAt: at,
        UpdatedAt: at,
        SyncTierShardId: syncTierShardId('PRO', userId, config.SCHEDULER_SHARDS),
        NextSyncTimestamp: now.getTime(),
      }),
      ...(
        [
          [googleFit, 'google_fit'],
          [strava, 'strava'],
        ] as const
      ).map(([id, provider]) =>
        writer.put({
          PK: userPk(userId),
          SK: connectionSk(id),
          Entity: 'CONN',
          ConnectionId: id,
          Provider: provider,
          Status: 'active',
          CredentialArn: null,
          CreatedAt: at,
          UpdatedAt: at,
        }),
      ),
      // Google Fit (no webhooks) → Strava, and Strava (webhooks) → Google Fit.
      writer.put(config_(googleFit, strava)),
      writer.put(config_(strava, googleFit)),
    ]);
    await writer.drain();
    tierOf.set(userId, 'PRO');
    const chains: Array<[string, string]> = [];
    const report = await new TieredScheduler({
      config,
      logger,
      db,
      userConfig: cache.userConfig,
      producer: new SqsMessageProducer(sqsJson, { hotPathSync: config.HOT_PATH_QUEUE_URL }, 0),
      poller: {
        isPolled: (provider) => provider === 'google_fit',
        ensureChain: async (user, connectionId) => {
          chains.push([user, connectionId]);
          return true;
        },
      },
    }).runTick(new Date(now.getTime() + 2 * config.SCHEDULER_TICK_SECONDS * 1000));
    expect(report).to.include({ dueUsers: 1, jobsEnqueued: 1, pollChainsStarted: 1 });
    expect(chains).to.deep.equal([[userId, googleFit]]);
    const perUser = await drainQueue();
    expect([...perUser]).to.deep.equal([[userId, 1]]);
  });
});
