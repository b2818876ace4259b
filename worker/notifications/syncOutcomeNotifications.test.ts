// Sync outcome notifications over the real delivery path: the local event bus adapter puts each
// SyncSucceeded/SyncFailed on the syncNotifications queue (fauxqs) as EventBridge's rule would, the
// message runtime's consumer hands it to the handler, and the PushUserNotifier sends through the
// real APNs and FCM adapters to the push fakes. The rule: final failures once per job (background
// ones once per pair, error and day), successes of backfills and of manual jobs that wrote.
import { randomUUID } from 'node:crypto';
import { PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import fc from 'fast-check';
import { startUserConfigCache, type UserConfigCache } from '../../core/cache/userConfigCache.js';
import { clock } from '../../core/clock/clock.js';
import { loadConfig, type Config } from '../../core/config/config.js';
import { newConnectionId } from '../../core/domain/ids.js';
import type { DataType, SyncTrigger } from '../../core/domain/types.js';
import { createEventBus } from '../../core/events/createEventBus.js';
import type { EventBus, SyncEvent } from '../../core/events/eventBus.js';
import { EVENT_ROUTES, routeMatches } from '../../core/events/eventRoutes.js';
import { createLogger } from '../../core/logging/logger.js';
import { QueueConsumer } from '../../core/messaging/queueConsumer.js';
import { createPushSender } from '../../core/push/createPushSender.js';
import { PushUserNotifier } from '../../core/push/pushUserNotifier.js';
import type { PushSender } from '../../core/push/pushSender.js';
import { createSqsClient, createSqsJsonClient } from '../../core/queue/sqs.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { DeviceRepository } from '../../core/store/deviceRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { ProfileRepository } from '../../core/store/profileRepository.js';
import { SyncConfigRepository } from '../../core/store/syncConfigRepository.js';
import {
  fakeApnsToken,
  fakeFcmToken,
  startPushFakes,
  type PushFakes,
} from '../../infra/local/push/pushFakes.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { notificationFor, SyncOutcomeNotifications } from './syncOutcomeNotifications.js';

const logger = createLogger({ level: 'silent', service: 'test' });

interface Pair {
  userId: string;
  source: string;
  destination: string;
  tokens: string[];
}

let n = 0;
const jobId = () => `job_${randomUUID()}`;

function failedEvent(
  pair: Pair,
  o: { jobId: string; trigger: SyncTrigger; retryable: boolean; attempt?: number; errorCode?: string },
): SyncEvent {
  return {
    type: 'SyncFailed',
    detail: {
      schemaVersion: 1,
      eventId: randomUUID(),
      jobId: o.jobId,
      userId: pair.userId,
      sourceConnectionId: pair.source,
      destinationConnectionId: pair.destination,
      dataType: 'workout',
      trigger: o.trigger,
      errorCode: o.errorCode ?? 'provider_request_rejected',
      retryable: o.retryable,
      attempt: o.attempt ?? 1,
      failedAt: clock.date().toISOString(),
    },
  };
}

function succeededEvent(
  pair: Pair,
  o: { trigger: SyncTrigger; written: number; dataType?: DataType },
): SyncEvent {
  return {
    type: 'SyncSucceeded',
    detail: {
      schemaVersion: 1,
      eventId: randomUUID(),
      jobId: jobId(),
      userId: pair.userId,
      sourceConnectionId: pair.source,
      destinationConnectionId: pair.destination,
      dataType: o.dataType ?? 'workout',
      trigger: o.trigger,
      recordsWritten: o.written,
      recordsSkipped: 0,
      startedAt: clock.date().toISOString(),
      finishedAt: clock.date().toISOString(),
    },
  };
}

describe('sync outcome notifications (local event bus → fauxqs → consumer → push fakes)', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let fakes: PushFakes;
  let config: Config;
  let push: PushSender;
  let db: ReturnType<typeof createDocumentStore>;
  let writer: BatchWriter;
  let bus: EventBus;
  let cache: {
    userConfig: UserConfigCache;
    redis: { disconnect(): void };
    subscriber: { disconnect(): void };
  };
  let sqsJson: ReturnType<typeof createSqsJsonClient>;
  let connections: ConnectionRepository;
  let profiles: ProfileRepository;
  let devices: DeviceRepository;
  let published = 0;

  before(async () => {
    [stack, fakes] = await Promise.all([startLocalStack(), startPushFakes()]);
    config = loadConfig({ ...stack.env, ...fakes.env, NODE_ENV: 'test' });
    expect(config.SYNC_NOTIFICATIONS_QUEUE_URL).to.match(/\/syncwell-sync-notifications$/);
    push = createPushSender(config, logger);
    db = createDocumentStore(config);
    writer = new BatchWriter(db, config.TABLE_NAME, 0);
    connections = new ConnectionRepository(db, config.TABLE_NAME, writer);
    profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
    devices = new DeviceRepository(db, config.TABLE_NAME);
    const syncConfigs = new SyncConfigRepository(db, config.TABLE_NAME, writer);
    cache = await startUserConfigCache({ config, logger, connections, syncConfigs, name: 'notify-test' });
    bus = createEventBus(config, logger);
    sqsJson = createSqsJsonClient(config);
  });
  after(async () => {
    await bus?.close?.();
    cache?.redis.disconnect();
    cache?.subscriber.disconnect();
    sqsJson?.destroy();
    await push?.close();
    await writer?.drain();
    db?.destroy();
    await Promise.all([stack?.stop(), fakes?.close()]);
  });

  /** A user (these settings) with an iPhone and an Android phone, and a Garmin → Strava pair. */
  async function pair(settings: { notificationsEnabled?: boolean } = {}): Promise<Pair> {
    const userId = `outcome-${(n += 1)}-${randomUUID().slice(0, 6)}`;
    const profile = await profiles.ensure(userId, { email: null, tier: 'PRO' });
    if (settings.notificationsEnabled !== undefined)
      await profiles.updateSettings(userId, { ...profile.settings, ...settings }, profile.version);
    const now = clock.date().toISOString();
    const tokens = [fakeApnsToken(), fakeFcmToken()];
    await devices.register(
      {
        userId,
        deviceId: `i-${userId}`,
        installationId: randomUUID(),
        platform: 'ios',
        pushToken: tokens[0]!,
      },
      now,
    );
    await devices.register(
      {
        userId,
        deviceId: `a-${userId}`,
        installationId: randomUUID(),
        platform: 'android',
        pushToken: tokens[1]!,
      },
      now,
    );
    const ids: string[] = [];
    for (const provider of ['garmin', 'strava'] as const) {
      const c = await connections.create({
        userId,
        connectionId: newConnectionId(),
        provider,
        status: 'active',
        credentialRef: randomUUID(),
        createdAt: now,
        updatedAt: now,
      });
      ids.push(c.connectionId);
    }
    return { userId, source: ids[0]!, destination: ids[1]!, tokens };
  }

  const pushesTo = (p: Pair) => fakes.received().filter((r) => p.tokens.includes(r.token ?? ''));

  it('the local event bus puts the detail of each event the rule matches on its queue, as EventBridge’s input path does', async () => {
    const sqs = createSqsClient(config);
    try {
      await sqs.send(new PurgeQueueCommand({ QueueUrl: config.SYNC_NOTIFICATIONS_QUEUE_URL }));
      const p = await pair();
      const events = [
        failedEvent(p, { jobId: jobId(), trigger: 'manual', retryable: false }),
        succeededEvent(p, { trigger: 'manual', written: 1 }),
      ];
      // What the consumer would only drop never reaches the queue.
      const dropped = [
        failedEvent(p, { jobId: jobId(), trigger: 'manual', retryable: true }),
        succeededEvent(p, { trigger: 'schedule', written: 1 }),
        succeededEvent(p, { trigger: 'manual', written: 0 }),
      ];
      await bus.publish([...dropped, ...events]);
      const bodies: unknown[] = [];
      // Until the two arrived, then one receive more for anything that should not have.
      for (let i = 0, extra = 1; i < 6 && (bodies.length < events.length || extra-- > 0); i += 1) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: config.SYNC_NOTIFICATIONS_QUEUE_URL,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        bodies.push(...(out.Messages ?? []).map((m) => JSON.parse(m.Body!)));
      }
      expect(bodies).to.have.deep.members(events.map((e) => e.detail));
      await sqs.send(new PurgeQueueCommand({ QueueUrl: config.SYNC_NOTIFICATIONS_QUEUE_URL }));
    } finally {
      sqs.destroy();
    }
  });

  describe('with the consumer running', () => {
    let consumer: QueueConsumer<'syncNotifications'>;

    before(() => {
      const handler = new SyncOutcomeNotifications({
        notifier: PushUserNotifier.create(config, db, push, logger),
        userConfig: cache.userConfig,
        logger,
      });
      consumer = new QueueConsumer({
        channel: 'syncNotifications',
        queueUrl: config.SYNC_NOTIFICATIONS_QUEUE_URL!,
        sqs: sqsJson,
        logger,
        handler: (event, _delivery, signal) => handler.handle(event, signal),
        concurrency: 10,
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 5,
        maxReceiveCount: 5,
        batchWindowMs: 2,
        redelivery: { baseMs: 100, maxMs: 200 },
        onCritical: (error) => {
          throw error;
        },
      });
      consumer.start();
    });
    after(async () => {
      await consumer?.stop(1000);
    });

    /** Publishes and waits until the consumer has handled everything the rule routed so far. */
    async function deliver(events: SyncEvent[]): Promise<void> {
      await bus.publish(events);
      published += events.filter((e) => routeMatches(route, e)).length;
      const deadline = clock.now() + 20_000;
      while (consumer.stats.done < published) {
        if (clock.now() > deadline)
          throw new Error(`consumer handled ${consumer.stats.done} of ${published}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it('a job that fails for good → one visible push on each device with the resource text; retries → still one', async () => {
      const p = await pair();
      const id = jobId();
      await deliver([
        failedEvent(p, { jobId: id, trigger: 'manual', retryable: true, attempt: 1 }),
        failedEvent(p, { jobId: id, trigger: 'manual', retryable: true, attempt: 2 }),
      ]);
      expect(pushesTo(p)).to.deep.equal([]);
      const final = failedEvent(p, { jobId: id, trigger: 'manual', retryable: false, attempt: 3 });
      await deliver([final]);
      // EventBridge and SQS deliver at least once: the same event again is no second notification.
      await deliver([final, failedEvent(p, { jobId: id, trigger: 'manual', retryable: false, attempt: 3 })]);
      const got = pushesTo(p);
      expect(got.map((r) => r.service).sort()).to.deep.equal(['apns', 'fcm']);
      const apns = got.find((r) => r.service === 'apns')!.payload as Record<string, unknown>;
      expect(apns).to.deep.equal({
        aps: {
          alert: {
            title: 'Sync failed',
            body: "SyncWell couldn't copy your workouts from Garmin to Strava. Open the app to see why.",
          },
        },
        schemaVersion: '1',
        type: 'sync_failed',
        jobId: id,
        dataType: 'workout',
        errorCode: 'provider_request_rejected',
      });
      const fcm = got.find((r) => r.service === 'fcm')!.message as { notification: unknown };
      expect(fcm.notification).to.deep.equal({
        title: 'Sync failed',
        body: "SyncWell couldn't copy your workouts from Garmin to Strava. Open the app to see why.",
      });
    });

    it('tells nothing to a user who turned notifications off', async () => {
      const p = await pair({ notificationsEnabled: false });
      await deliver([failedEvent(p, { jobId: jobId(), trigger: 'manual', retryable: false })]);
      expect(pushesTo(p)).to.deep.equal([]);
    });

    it('successes: a backfill and a manual job that wrote, never a background sync or an empty manual one', async () => {
      const p = await pair();
      await deliver([
        succeededEvent(p, { trigger: 'schedule', written: 3 }),
        succeededEvent(p, { trigger: 'webhook', written: 1 }),
        succeededEvent(p, { trigger: 'manual', written: 0 }),
      ]);
      expect(pushesTo(p)).to.deep.equal([]);
      await deliver([succeededEvent(p, { trigger: 'historical', written: 0, dataType: 'sleep_session' })]);
      await deliver([succeededEvent(p, { trigger: 'manual', written: 2 })]);
      const titles = pushesTo(p)
        .filter((r) => r.service === 'apns')
        .map((r) => (r.payload as { aps: { alert: { body: string } } }).aps.alert.body);
      expect(titles).to.have.members([
        'SyncWell finished copying your sleep data from Garmin to Strava.',
        'SyncWell finished copying your workouts from Garmin to Strava.',
      ]);
    });

    it('background failures: once per pair, error and day; re-authentication left to the reconnect notification', async () => {
      const p = await pair();
      await deliver([
        failedEvent(p, { jobId: jobId(), trigger: 'schedule', retryable: false }),
        failedEvent(p, { jobId: jobId(), trigger: 'poll', retryable: false }),
        failedEvent(p, {
          jobId: jobId(),
          trigger: 'webhook',
          retryable: false,
          errorCode: 'provider_auth_revoked',
        }),
      ]);
      expect(pushesTo(p)).to.have.length(2);
      await deliver([
        failedEvent(p, {
          jobId: jobId(),
          trigger: 'schedule',
          retryable: false,
          errorCode: 'provider_not_found',
        }),
      ]);
      expect(pushesTo(p)).to.have.length(4);
    });
  });
});

const route = EVENT_ROUTES.find((r) => r.channel === 'syncNotifications')!;

describe('the EventBridge rule in front of the queue', () => {
  const p: Pair = {
    userId: 'u1',
    source: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
    destination: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
    tokens: [],
  };
  const triggers = fc.constantFrom<SyncTrigger>('manual', 'historical', 'schedule', 'webhook', 'poll');
  const anyEvent = fc.oneof(
    fc
      .record({
        trigger: triggers,
        retryable: fc.boolean(),
        code: fc.constantFrom('provider_not_found', 'provider_auth_revoked', 'connection_not_active'),
      })
      .map((o) => failedEvent(p, { jobId: jobId(), ...o, errorCode: o.code })),
    fc
      .record({ trigger: triggers, written: fc.nat(5) })
      .map((o) => succeededEvent(p, { trigger: o.trigger, written: o.written })),
  );

  it('never holds back an event the consumer would tell the user about', () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        if (notificationFor(e.detail).notify)
          expect(routeMatches(route, e), JSON.stringify(e)).to.equal(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps back the events the consumer would only drop: retried attempts, background and empty manual successes', () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        const background = !['manual', 'historical'].includes(e.detail.trigger);
        const heldBack =
          e.type === 'SyncFailed'
            ? e.detail.retryable
            : background || (e.detail.trigger === 'manual' && e.detail.recordsWritten === 0);
        expect(routeMatches(route, e), JSON.stringify(e)).to.equal(!heldBack);
      }),
      { numRuns: 500 },
    );
  });
});

describe('notificationFor (the rule alone)', () => {
  const p: Pair = {
    userId: 'u1',
    source: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
    destination: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
    tokens: [],
  };
  const decide = (e: SyncEvent) => notificationFor(e.detail);

  it('keys background failures by pair, error and UTC day', () => {
    const a = decide(failedEvent(p, { jobId: jobId(), trigger: 'schedule', retryable: false }));
    const b = decide(failedEvent(p, { jobId: jobId(), trigger: 'poll', retryable: false }));
    expect(a).to.deep.equal(b);
    expect(a.notify && a.notificationId).to.match(/^sync-failed:[0-9a-f]{32}:\d{4}-\d{2}-\d{2}$/);
    const other = decide(
      failedEvent(
        { ...p, destination: 'conn_8c9e6679-7425-40de-944b-e07fc1f90ae7' },
        { jobId: jobId(), trigger: 'schedule', retryable: false },
      ),
    );
    expect(other).to.not.deep.equal(a);
  });

  it('says why it stays silent', () => {
    expect(decide(failedEvent(p, { jobId: jobId(), trigger: 'manual', retryable: true }))).to.deep.equal({
      notify: false,
      reason: 'not_final',
    });
    expect(decide(succeededEvent(p, { trigger: 'poll', written: 9 }))).to.deep.equal({
      notify: false,
      reason: 'background_success',
    });
    expect(
      decide(
        failedEvent(p, {
          jobId: jobId(),
          trigger: 'schedule',
          retryable: false,
          errorCode: 'connection_not_active',
        }),
      ),
    ).to.deep.equal({
      notify: false,
      reason: 'reconnect_notification',
    });
  });
});
