// A hot-path job whose every delivery died with its worker: SQS's redrive moves the message to the
// DLQ on the receive after its last, no attempt recorded an outcome, and the JOB item said RUNNING
// for good (found by `npm run chaos`, bench/results/chaos-2026-12-06-stuck-job.json). The worker's
// dead-letter sweep now ends such a job once. Against the real queue (fauxqs, its own redrive) and
// table (dynalite).
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { clock } from '../../core/clock/clock.js';
import type { SyncEvent } from '../../core/events/eventBus.js';
import { createLogger } from '../../core/logging/logger.js';
import { DeadLetters } from '../../core/messaging/deadLetters.js';
import { queueUrlsFrom } from '../../core/messaging/queueUrls.js';
import { createSqsJsonClient } from '../../core/queue/sqs.js';
import { HotPathJob } from '../../core/sync/hotPathJob.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import { ExhaustedLetterSweeper } from '../../worker/exhaustedLetterSweeper.js';
import { getHarness } from './hooks.js';

describe('dead letters whose receives ran out: the job they leave open ends', () => {
  const h = () => getHarness();

  function setup() {
    const events: SyncEvent[] = [];
    const hotPath = new HotPathJob({
      config: h().config,
      logger: createLogger({ level: 'silent', service: 'test' }),
      syncManager: { run: () => Promise.reject(new Error('a settled job must not run')) } as never,
      syncJobs: h().syncJobs,
      events: { publish: (e) => Promise.resolve(void events.push(...e)) },
      cloudToDevice: {
        ask: () => Promise.reject(new Error('not a device job')),
        hasPending: () => Promise.resolve(false),
      },
      accountStatus: { isDeleted: () => Promise.resolve(false) },
    });
    const sqs = createSqsJsonClient(h().config);
    const sweeper = new ExhaustedLetterSweeper({
      deadLetters: new DeadLetters(sqs, queueUrlsFrom(h().config)),
      table: {
        hotPathSync: {
          handler: () => Promise.reject(new Error('the sweep does not deliver')),
          onExhausted: async (m) => void (await hotPath.settleExhausted(m)),
        },
      },
      logger: createLogger({ level: 'silent', service: 'test' }),
      intervalSeconds: 0,
    });
    return { events, sweeper, close: () => sqs.destroy() };
  }

  function messageFor(trigger: HotPathSyncRequested['trigger']): HotPathSyncRequested {
    return {
      schemaVersion: 1,
      jobId: `job_${randomUUID()}`,
      userId: h().newUserId(),
      sourceConnectionId: `conn_${randomUUID()}`,
      destinationConnectionId: `conn_${randomUUID()}`,
      sourceProvider: 'garmin',
      destinationProvider: 'strava',
      dataType: 'workout',
      priority: 'medium',
      trigger,
      tier: 'FREE',
      requestedAt: clock.date().toISOString(),
    };
  }

  /** Sends the message, then receives it as many times as the queue allows without finishing it. */
  async function exhaust(message: HotPathSyncRequested): Promise<void> {
    const QueueUrl = h().config.HOT_PATH_QUEUE_URL;
    await h().sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: JSON.stringify(message),
        MessageGroupId: `${message.userId}#pair`,
        MessageDeduplicationId: message.jobId,
      }),
    );
    for (let i = 1; i <= h().config.MAX_RECEIVE_COUNT; i++) {
      const got = await h().sqs.send(
        new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0, WaitTimeSeconds: 0 }),
      );
      assert.equal(got.Messages?.length, 1, `receive ${i}`);
    }
    // The next receive is when SQS moves it.
    const after = await h().sqs.send(
      new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0, WaitTimeSeconds: 0 }),
    );
    assert.equal(after.Messages?.length ?? 0, 0, 'moved to the DLQ');
  }

  async function deadLetters() {
    const out = await h().sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: h().config.HOT_PATH_DLQ_URL,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    return (out.Messages ?? []).map((m) => ({
      jobId: (JSON.parse(m.Body ?? '{}') as { jobId?: string }).jobId,
      code: m.MessageAttributes?.FailureCode?.StringValue,
      source: m.MessageAttributes?.SourceChannel?.StringValue,
    }));
  }

  beforeEach(async () => {
    await h().sqs.send(new PurgeQueueCommand({ QueueUrl: h().config.HOT_PATH_QUEUE_URL }));
    await h().sqs.send(new PurgeQueueCommand({ QueueUrl: h().config.HOT_PATH_DLQ_URL }));
  });

  it('a manual job left RUNNING by dead workers ends FAILED once, with one final SyncFailed', async () => {
    const { events, sweeper, close } = setup();
    try {
      const message = messageFor('manual');
      const now = clock.date();
      await h().syncJobs.put({
        userId: message.userId,
        jobId: message.jobId,
        status: 'QUEUED',
        mode: 'manual',
        priority: 'medium',
        trigger: 'manual',
        sourceConnectionId: message.sourceConnectionId,
        destinationConnectionId: message.destinationConnectionId,
        dataType: 'workout',
        createdAt: message.requestedAt,
        updatedAt: message.requestedAt,
        expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
      });
      // The last attempt's claim, held by a worker that died (its lease still running).
      const claim = await h().syncJobs.claim(message.userId, message.jobId, {
        originMessageId: randomUUID(),
        leaseUntilMs: now.getTime() + 60_000,
        now,
      });
      assert.equal(claim.claimed, true);
      await exhaust(message);

      const first = await sweeper.runOnce();
      assert.deepEqual(first.hotPathSync, { settled: 1, unreadable: 0, failed: 0 });
      const job = await h().syncJobs.get(message.userId, message.jobId);
      assert.equal(job?.status, 'FAILED');
      assert.equal(job?.error?.code, 'retries_exhausted');
      assert.deepEqual(
        job?.history?.map((e) => e.status),
        ['QUEUED', 'RUNNING', 'FAILED'],
      );
      assert.deepEqual(
        events.map((e) => [e.type, e.detail.jobId, 'retryable' in e.detail && e.detail.retryable]),
        [['SyncFailed', message.jobId, false]],
      );
      // Still in the DLQ for operators, now with its reason; a second sweep leaves it and the job alone.
      const marked = [{ jobId: message.jobId, code: 'max_receives_exceeded', source: 'hotPathSync' }];
      assert.deepEqual(await deadLetters(), marked);
      const second = await sweeper.runOnce();
      assert.deepEqual(second.hotPathSync, { settled: 0, unreadable: 0, failed: 0 });
      assert.equal(events.length, 1);
      assert.deepEqual(await h().syncJobs.get(message.userId, message.jobId), job);
      assert.deepEqual(await deadLetters(), marked);
    } finally {
      close();
    }
  });

  it('a job that ended already keeps its outcome; a system job gets a FAILED item and its event', async () => {
    const { events, sweeper, close } = setup();
    try {
      const finished = messageFor('manual');
      const now = clock.date();
      await h().syncJobs.put({
        userId: finished.userId,
        jobId: finished.jobId,
        status: 'SUCCEEDED',
        mode: 'manual',
        priority: 'medium',
        trigger: 'manual',
        sourceConnectionId: finished.sourceConnectionId,
        destinationConnectionId: finished.destinationConnectionId,
        dataType: 'workout',
        createdAt: finished.requestedAt,
        updatedAt: finished.requestedAt,
        expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
      });
      const scheduled = messageFor('schedule');
      await exhaust(finished);
      await exhaust(scheduled);

      const report = await sweeper.runOnce();
      assert.deepEqual(report.hotPathSync, { settled: 2, unreadable: 0, failed: 0 });
      assert.equal((await h().syncJobs.get(finished.userId, finished.jobId))?.status, 'SUCCEEDED');
      const system = await h().syncJobs.get(scheduled.userId, scheduled.jobId);
      assert.deepEqual(
        [system?.status, system?.trigger, system?.error?.code],
        ['FAILED', 'schedule', 'retries_exhausted'],
      );
      assert.deepEqual(
        events.map((e) => [e.type, e.detail.jobId]),
        [['SyncFailed', scheduled.jobId]],
      );
      await sweeper.runOnce();
      assert.equal(events.length, 1, 'settled once');
    } finally {
      close();
    }
  });
});
