// The hot path's claim of a job the API created, against the real table (dynalite): the API sends
// the message first and writes the JOB item a few milliseconds later, so a worker that claims at
// once usually finds nothing and pays a failed conditional write and a backoff. The worker waits
// for the item instead (core/sync/hotPathJob.ts, JOB_ITEM_SETTLE_MS). A first delivery claims only
// before its first side effect: a job that finds nothing new costs one conditional write.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { clock } from '../../core/clock/clock.js';
import type { SyncEvent } from '../../core/events/eventBus.js';
import { createLogger } from '../../core/logging/logger.js';
import type { SyncJobRecord } from '../../core/store/syncJobRecords.js';
import type { SyncRunContext, SyncRunResult } from '../../core/sync/syncManager.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import { HotPathJob } from '../../core/sync/hotPathJob.js';
import { getHarness } from './hooks.js';

const nothingNew: SyncRunResult = {
  recordsRead: 0,
  recordsWritten: 0,
  recordsSkipped: 0,
  skippedByReason: {},
  destinationFetched: false,
  providerCalls: 1,
  itemsWritten: 0,
};

describe('hot path: claiming a job the API is still writing', () => {
  function setup(run: (ctx: SyncRunContext) => Promise<SyncRunResult> = () => Promise.resolve(nothingNew)) {
    const h = getHarness();
    const events: SyncEvent[] = [];
    const runs: SyncRunContext[] = [];
    const announced: string[] = [];
    const job = new HotPathJob({
      config: h.config,
      logger: createLogger({ level: 'silent', service: 'test' }),
      // Only the claim is under test: by default the sync finds nothing (the e2e suites run real ones).
      syncManager: {
        run: (ctx: SyncRunContext) => {
          runs.push(ctx);
          return run(ctx);
        },
      } as never,
      syncJobs: h.syncJobs,
      events: { publish: (e) => Promise.resolve(void events.push(...e)) },
      // A device job's ask is taken (the round trip has its own suites); any other never asks.
      cloudToDevice: {
        ask: () => Promise.resolve({} as never),
        hasPending: () => Promise.resolve(false),
      },
      accountStatus: { isDeleted: () => Promise.resolve(false) },
      statuses: { announce: (u) => Promise.resolve(void announced.push(u.status)) },
    });
    const userId = h.newUserId();
    const requestedAt = clock.date();
    const message: HotPathSyncRequested = {
      schemaVersion: 1,
      jobId: `job_${randomUUID()}`,
      userId,
      sourceConnectionId: 'conn_src',
      destinationConnectionId: 'conn_dst',
      sourceProvider: 'strava',
      destinationProvider: 'garmin',
      dataType: 'workout',
      priority: 'medium',
      trigger: 'manual',
      tier: 'FREE',
      requestedAt: requestedAt.toISOString(),
    };
    const record: SyncJobRecord = {
      userId,
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
      expiresAt: Math.floor(requestedAt.getTime() / 1000) + 86_400,
    };
    return { h, job, message, record, events, runs, announced };
  }

  it('a message received before its JOB item lands is finished with one write, none failed', async () => {
    const { h, job, message, record, events } = setup();
    // The API's BatchWriteItem lands a few milliseconds after the message (well inside the wait).
    const apiWrite = sleep(10).then(() => h.syncJobs.put(record));
    const delivery = { originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false };
    const outcome = await job.handle(message, delivery);
    await apiWrite;

    assert.deepEqual(outcome.outcome, { kind: 'done' });
    assert.equal(outcome.jobWrites, 1, 'the outcome only; a write before the item landed makes it 2');
    const stored = await h.syncJobs.get(message.userId, message.jobId);
    assert.equal(stored?.status, 'SUCCEEDED');
    assert.deepEqual(
      events.map((e) => e.type),
      ['SyncSucceeded'],
    );
  });

  it('a job that finds nothing new costs one conditional write, its history still RUNNING then SUCCEEDED', async () => {
    const { h, job, message, record, announced } = setup();
    await h.syncJobs.put(record);
    const delivery = { originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false };
    const outcome = await job.handle(message, delivery);
    assert.equal(outcome.jobWrites, 1);
    const stored = await h.syncJobs.get(message.userId, message.jobId);
    assert.equal(stored?.status, 'SUCCEEDED');
    assert.deepEqual(stored?.result, { recordsWritten: 0, recordsSkipped: 0 });
    assert.deepEqual(
      stored?.history?.map((e) => e.status),
      ['QUEUED', 'RUNNING', 'SUCCEEDED'],
    );
    assert.deepEqual(announced, [], 'no claim, no Redis publish: the outcome comes with its event');
  });

  it('a job that writes claims before its first write (RUNNING under its claim, told to sockets), then finishes: two writes', async () => {
    const seen: Array<string | undefined> = [];
    const { h, job, message, record, announced } = setup(async (ctx) => {
      seen.push((await h.syncJobs.get(message.userId, message.jobId))?.status);
      await ctx.beforeWrite?.();
      seen.push((await h.syncJobs.get(message.userId, message.jobId))?.status);
      return { ...nothingNew, recordsWritten: 2, itemsWritten: 3 };
    });
    await h.syncJobs.put(record);
    const delivery = { originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false };
    const outcome = await job.handle(message, delivery);
    assert.deepEqual(seen, ['QUEUED', 'RUNNING']);
    assert.deepEqual(
      announced,
      ['RUNNING'],
      'the sockets hear of the claim; the outcome comes with its event',
    );
    assert.equal(outcome.jobWrites, 2);
    const stored = await h.syncJobs.get(message.userId, message.jobId);
    assert.equal(stored?.status, 'SUCCEEDED');
    assert.equal(stored?.result?.recordsWritten, 2);
  });

  it('a write refused because another holder runs the job stops the sync before writing: deferred', async () => {
    let wrote = false;
    const { h, job, message, record, events } = setup(async (ctx) => {
      await ctx.beforeWrite?.();
      wrote = true;
      return { ...nothingNew, recordsWritten: 1, itemsWritten: 2 };
    });
    await h.syncJobs.put(record);
    const now = clock.date();
    await h.syncJobs.claim(message.userId, message.jobId, {
      originMessageId: 'another-holder',
      leaseUntilMs: now.getTime() + 60_000,
      now,
    });
    const delivery = { originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false };
    const outcome = await job.handle(message, delivery);
    assert.equal(outcome.outcome.kind, 'defer');
    assert.equal(wrote, false);
    assert.equal((await h.syncJobs.get(message.userId, message.jobId))?.status, 'RUNNING');
    assert.deepEqual(events, []);
  });

  it('a late duplicate of a finished job leaves its outcome alone and announces nothing', async () => {
    const { h, job, message, record, events, runs } = setup();
    await h.syncJobs.put(record);
    const first = { originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false };
    await job.handle(message, first);
    const stored = await h.syncJobs.get(message.userId, message.jobId);
    // The same job delivered again as a new message (past FIFO deduplication's five minutes).
    const late = await job.handle(message, { ...first, originMessageId: randomUUID() });
    assert.deepEqual(late.outcome, { kind: 'done' });
    assert.deepEqual(await h.syncJobs.get(message.userId, message.jobId), stored);
    assert.deepEqual(
      events.map((e) => e.type),
      ['SyncSucceeded'],
    );
    // A redelivery (receive count 2) claims first, so it does not even read the provider.
    await job.handle(message, { ...first, receiveCount: 2 });
    assert.equal(runs.length, 2);
  });

  it("a job another holder is running (the API's foreground runner) is deferred, not dropped, until it ends", async () => {
    const { h, job, message: queued, record, events, runs } = setup();
    // The API set claimFirst: its foreground runner may run the job, so the worker claims before reading.
    const message = { ...queued, claimFirst: true };
    await h.syncJobs.put(record);
    const now = clock.date();
    const foreground = 'foreground:' + message.jobId;
    const claimed = await h.syncJobs.claim(message.userId, message.jobId, {
      originMessageId: foreground,
      leaseUntilMs: now.getTime() + 60_000,
      now,
    });
    assert.equal(claimed.claimed, true);
    const delivery = { originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false };
    // While it runs elsewhere: the queued message waits (should that holder die, it takes over).
    const waiting = await job.handle(message, delivery);
    assert.equal(waiting.outcome.kind, 'defer');
    assert.equal((await h.syncJobs.get(message.userId, message.jobId))?.status, 'RUNNING');
    // Once the holder finished it, the message is a duplicate: done, nothing run twice.
    await h.syncJobs.finish(message.userId, message.jobId, {
      originMessageId: foreground,
      status: 'SUCCEEDED',
      now: clock.date(),
    });
    assert.deepEqual((await job.handle(message, { ...delivery, receiveCount: 2 })).outcome, { kind: 'done' });
    assert.deepEqual(events, []);
    assert.equal(runs.length, 0, 'the provider was never read by the waiting message');
  });

  it('a job that must ask the phone parks WAITING_FOR_DEVICE and tells the sockets so', async () => {
    const { h, job, message, record, events, announced } = setup(() =>
      Promise.resolve({
        ...nothingNew,
        awaitingDevice: {
          window: {
            since: new Date(Date.parse(message.requestedAt) - 86_400_000),
            until: new Date(message.requestedAt),
          },
          candidates: 2,
          destinationProvider: 'apple_health',
        },
      }),
    );
    await h.syncJobs.put(record);
    const outcome = await job.handle(message, {
      originMessageId: randomUUID(),
      receiveCount: 1,
      isLastAttempt: false,
    });
    assert.deepEqual(outcome.outcome, { kind: 'done' });
    assert.equal((await h.syncJobs.get(message.userId, message.jobId))?.status, 'WAITING_FOR_DEVICE');
    assert.deepEqual(announced, ['RUNNING', 'WAITING_FOR_DEVICE']);
    assert.deepEqual(events, [], 'no sync event until the phone answers');
  });
});
