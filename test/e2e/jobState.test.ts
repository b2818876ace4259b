// A job's state tells the truth, whatever the order of writes and whatever fails in between:
// - a finished manual job never reads QUEUED again, even when the API's own JOB write is slow;
// - a historical job whose final update failed is finished by the chunk's redelivery;
// - a permanent failure ends the job once for every trigger: one SyncFailed, one log line, the
//   message moved to the DLQ with its reason, no provider call repeated.
// The API, a worker process and the test share one DynamoDB emulator through a fault-injecting
// proxy (test/support/dynamoFaultProxy.ts), which holds or fails chosen calls.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { clock } from '../../core/clock/clock.js';
import type { SyncTrigger } from '../../core/domain/types.js';
import { readLocalEvents, type LocalEventRecord } from '../../core/events/localEventBus.js';
import { sendStravaEvent, stravaEvent } from '../../infra/local/sandbox/webhooks.js';
import { DynamoFaultProxy } from '../support/dynamoFaultProxy.js';
import {
  connectedUser,
  createSyncConfig,
  requestSync,
  startE2E,
  waitForJob,
  type E2E,
  shortenWebhookBuffer,
  spawnWorkerProcess,
  sendScheduledJob,
} from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const isFinal = (status: string | undefined) => status === 'SUCCEEDED' || status === 'FAILED';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface LogLine {
  level: string;
  message: string;
  jobId?: string;
}

describe('job state end to end', function () {
  this.timeout(180_000);
  let e: E2E;
  let proxy: DynamoFaultProxy;
  let worker: ChildProcess;
  const logs: LogLine[] = [];

  before(async () => {
    // The API, the worker and the test's own reads all reach DynamoDB through the proxy.
    proxy = await DynamoFaultProxy.start();
    e = await startE2E({ DYNAMODB_ENDPOINT: proxy.url }, { worker: false });
    proxy.forwardTo(e.h.stack.env.DYNAMODB_ENDPOINT!);
    await shortenWebhookBuffer(e);
    // A worker process of its own, so that its log lines can be counted.
    worker = spawnWorkerProcess(e, 'info', ['ignore', 'pipe', 'inherit']);
    createInterface({ input: worker.stdout! }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log line
      }
    });
    await until(async () => logs.find((l) => l.message === 'worker started'), 60_000, 'the worker to start');
  });
  after(async () => {
    worker?.kill('SIGKILL');
    await proxy?.stop();
    await e?.stop();
  });
  afterEach(() => {
    proxy.clear();
    e.h.stack.sandbox.faults.clear();
  });

  const eventsOf = async (jobId: string): Promise<LocalEventRecord[]> =>
    (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter((ev) => ev.detail.jobId === jobId);

  it('(a) a finished manual job never reads QUEUED again, even when the API writes its JOB item late', async () => {
    const { userId, token, connections } = await connectedUser(e, ['garmin', 'strava'], 'late-write', {
      days: 4,
    });
    // The API's batched JOB write is held: the worker gets every chance to finish first.
    const held = proxy.hold({ operation: 'BatchWriteItem', body: (b) => b.includes('"JOB#') });
    const posted = requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    const caught = await Promise.race([held.caught, posted.then(() => undefined)]);
    expect(caught, 'the API writes the JOB item in a batch').to.be.a('string');
    const heldJobId = /"JobId":\{"S":"(job_[^"]+)"\}/.exec(caught!)?.[1];
    expect(heldJobId).to.be.a('string');
    // Until the worker has finished the job (it can when the message went out first), or 5 s.
    const deadline = clock.now() + 5000;
    while (clock.now() < deadline && !isFinal((await e.h.syncJobs.get(userId, heldJobId!))?.status))
      await sleep(100);
    held.release();
    const jobId = await posted;
    expect(jobId).to.equal(heldJobId);
    // The API answered, so all its writes have landed: the job must still reach (and keep) its outcome.
    const job = await waitForJob(e.h, token, jobId, 20_000);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    await sleep(500);
    expect((await e.h.syncJobs.get(userId, jobId))?.status).to.equal('SUCCEEDED');
    expect((await eventsOf(jobId)).map((ev) => ev.type)).to.deep.equal(['SyncSucceeded']);
  });

  it('(b) finishes a historical job whose final update failed, when the chunk is delivered again', async () => {
    const { token, connections } = await connectedUser(e, ['garmin', 'strava'], 'unfinished', { days: 4 });
    // The update that moves the job to its final status fails once (the count before it succeeds).
    const fault = proxy.failOnce({
      operation: 'UpdateItem',
      body: (b) => b.includes('"JOB#') && /"S":"(SUCCEEDED|FAILED)"/.test(b),
    });
    const today = Date.parse(`${isoDay(clock.now())}T00:00:00Z`);
    const created = await e.h.request<{ jobId: string }>('POST', '/v1/sync-jobs', {
      token,
      body: {
        sourceConnectionId: connections.garmin,
        destinationConnectionId: connections.strava,
        dataType: 'workout',
        mode: 'historical',
        dateRange: { startDate: isoDay(today - 3 * DAY_MS), endDate: isoDay(today) },
      },
    });
    expect(created.status, created.text).to.equal(202);
    const { jobId } = created.body;
    const job = await waitForJob(e.h, token, jobId, 30_000);
    expect(fault.failures, 'the final update was failed').to.be.greaterThan(0);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    expect(job.progress).to.deep.equal({ totalChunks: 1, processedChunks: 1, failedChunks: 0 });
    await until(async () => ((await eventsOf(jobId)).length > 0 ? true : undefined), 5000, 'the event');
    expect((await eventsOf(jobId)).map((ev) => ev.type)).to.deep.equal(['SyncSucceeded']);
  });

  /** The hot-path queue holds nothing (visible, in flight or delayed). */
  async function hotPathQueueEmpty(): Promise<true | undefined> {
    const out = await e.h.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: e.h.config.HOT_PATH_QUEUE_URL,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const counts = Object.values(out.Attributes ?? {}).map(Number);
    return counts.every((n) => n === 0) ? true : undefined;
  }

  /**
   * A destination that revoked SyncWell's access, found by a job of `trigger`: the job ends once.
   * `start` makes the job happen and returns its id once its first SyncFailed is out.
   */
  async function expectEndedOnce(userId: string, jobId: string): Promise<void> {
    const callsAfterFailure = e.h.stack.sandbox.requestCounts();
    // Whatever would come back (redeliveries, a message left in flight) has left the queue.
    await until(hotPathQueueEmpty, 30_000, 'the hot-path queue to empty');
    await sleep(1000);
    const failed = (await eventsOf(jobId)).flatMap((ev) =>
      ev.type === 'SyncFailed'
        ? [`${ev.detail.errorCode} attempt ${ev.detail.attempt}${ev.detail.retryable ? ' retryable' : ''}`]
        : [],
    );
    const job = await e.h.syncJobs.get(userId, jobId);
    // The message runtime moves a permanent failure to the DLQ at once, with its reason, for operators.
    const dlq = await e.h.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: e.h.config.HOT_PATH_DLQ_URL,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const seen = {
      syncFailed: failed,
      providerCallsSinceTheFailure: e.h.stack.sandbox.requestCounts(),
      warningsLogged: logs
        .filter((l) => l.jobId === jobId && ['warn', 'error', 'fatal'].includes(l.level))
        .map((l) => l.message),
      job: { status: job?.status, code: job?.error?.code },
      inTheDlq: (dlq.Messages ?? []).map((m) => ({
        jobId: (JSON.parse(m.Body ?? '{}') as { jobId?: string }).jobId,
        code: m.MessageAttributes?.FailureCode?.StringValue,
      })),
    };
    expect(seen).to.deep.equal({
      syncFailed: failed.slice(0, 1).map((f) => f.replace(/ retryable$/, '')),
      providerCallsSinceTheFailure: callsAfterFailure,
      warningsLogged: ['sync attempt failed'],
      job: { status: 'FAILED', code: job?.error?.code },
      inTheDlq: [{ jobId, code: job?.error?.code }],
    });
    expect(failed[0]).to.match(/auth_revoked attempt 1$/);
  }

  async function firstFailure(userId: string, trigger: SyncTrigger): Promise<string> {
    const event = await until(
      async () =>
        (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).find(
          (ev) => ev.type === 'SyncFailed' && ev.detail.userId === userId && ev.detail.trigger === trigger,
        ),
      30_000,
      `a SyncFailed of the ${trigger} job`,
    );
    return event.detail.jobId;
  }

  describe('(c) a permanent failure ends the job once', () => {
    beforeEach(async () => {
      await e.h.sqs.send(new PurgeQueueCommand({ QueueUrl: e.h.config.HOT_PATH_DLQ_URL }));
    });

    it('webhook: Strava reports a new activity, the Fitbit destination has revoked access', async () => {
      const { userId, token, person, connections } = await connectedUser(e, ['strava', 'fitbit']);
      await createSyncConfig(e.h, token, connections.strava, connections.fitbit, 'workout');
      e.h.stack.sandbox.oauth.fitbit.revokeUser(person.sandboxUserId);
      const res = await sendStravaEvent(
        e.h.api.url,
        stravaEvent(person.providerUserIds.strava, { objectId: 4242 }),
      );
      expect(res.status).to.equal(200);
      await expectEndedOnce(userId, await firstFailure(userId, 'webhook'));
    });

    it('schedule: a scheduled sync into a Strava destination whose stored credentials are gone', async () => {
      // Like the seeded users' connections: active, but nothing in the secret store. The source is
      // read before the destination's tokens are needed, so every rerun would call Garmin again.
      const { userId, token, connections: real } = await connectedUser(e, ['garmin']);
      const connections = { ...real, strava: (await e.h.connection(userId, 'strava')).connectionId };
      await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
      await sendScheduledJob(e, {
        userId: userId,
        sourceConnectionId: connections.garmin,
        destinationConnectionId: connections.strava,
      });
      await expectEndedOnce(userId, await firstFailure(userId, 'schedule'));
    });

    it('manual: a user-requested sync into a Strava destination that has revoked access', async () => {
      const { userId, token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
      e.h.stack.sandbox.oauth.strava.revokeUser(person.sandboxUserId);
      const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
      expect(await firstFailure(userId, 'manual')).to.equal(jobId);
      await expectEndedOnce(userId, jobId);
    });
  });
});
