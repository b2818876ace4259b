// The sync engine end to end: connect providers through OAuth against the sandbox, configure a
// sync, POST /v1/sync-jobs, wait for SUCCEEDED, then read the destination sandbox and check that
// exactly the expected records arrived — no duplicates, right instants, right units. Then the
// same under duplicate delivery, a killed worker, 429 storms, expired and revoked tokens.
import { randomUUID } from 'node:crypto';
import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { readLocalEvents } from '../../core/events/localEventBus.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import type { Persona, PersonaWorkout } from '../../infra/local/sandbox/persona.js';
import type { SandboxRecordView } from '../../infra/local/sandbox/types.js';
import {
  connectedUser,
  createSyncConfig,
  inJobWindow,
  requestSync,
  startE2E,
  waitForJob,
  type E2E,
  spawnWorkerProcess,
  sendScheduledJob,
} from './support.js';
import { clock } from '../../core/clock/clock.js';

const sameInstant = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b)) < 1000;
const apiCreated = (views: SandboxRecordView[]) => views.filter((v) => v.createdBy === 'api');

/** Garmin workouts in a job's window (`inJobWindow`), or all of them. */
function garminWorkouts(persona: Persona, inWindow: (instant: string) => boolean = () => true) {
  return persona.workouts.filter((w) => w.recordedBy.includes('garmin') && inWindow(w.start));
}

/** Garmin workouts Strava does not already have (auto-upload copies, tz-bug copies included). */
function garminOnly(persona: Persona, inWindow?: (instant: string) => boolean): PersonaWorkout[] {
  return garminWorkouts(persona, inWindow).filter((w) => !w.recordedBy.includes('strava'));
}

async function itemsOf(e: E2E, userId: string): Promise<Record<string, unknown>[]> {
  const db = createDocumentClient(e.h.config);
  try {
    const out = await db.send(
      new QueryCommand({
        TableName: e.h.config.TABLE_NAME,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `USER#${userId}` },
      }),
    );
    return (out.Items ?? []) as Record<string, unknown>[];
  } finally {
    db.destroy();
  }
}

describe('sync engine end to end', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    e = await startE2E();
  });
  after(async () => {
    await e?.stop();
  });
  afterEach(() => e.h.stack.sandbox.faults.clear());

  it('moves Garmin workouts to Strava exactly once, at the right instants and in metres', async () => {
    const { token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    const job = await waitForJob(e.h, token, jobId);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');

    const inWindow = inJobWindow(job);
    const expected = garminOnly(person.persona, inWindow);
    const garminTotal = garminWorkouts(person.persona, inWindow).length;
    expect(expected.length).to.be.greaterThan(0);
    expect(job.result).to.deep.include({
      recordsWritten: expected.length,
      recordsSkipped: garminTotal - expected.length,
    });

    const strava = e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout');
    const created = apiCreated(strava);
    expect(created).to.have.length(expected.length);
    for (const w of expected) {
      const matches = created.filter((v) => sameInstant(v.startTime, w.start));
      expect(matches, `${w.key} at ${w.start}`).to.have.length(1);
      expect(matches[0]!.workoutType).to.equal(w.workoutType);
      expect(matches[0]!.distanceMeters).to.be.closeTo(w.distanceMeters ?? 0, 0.5);
    }
    // Every Garmin workout now exists at Strava exactly once (seeded copies count, tz-bug ones too).
    for (const w of garminWorkouts(person.persona, inWindow)) {
      const near = strava.filter(
        (v) => Math.abs(Date.parse(v.startTime) - Date.parse(w.start)) <= 3_600_000 + 1000,
      );
      expect(near.length, `copies of ${w.key}`).to.be.at.least(1);
      expect(apiCreated(near).length + near.filter((v) => v.createdBy === 'seed').length).to.equal(
        near.length,
      );
    }

    // A second sync finds everything in the ledger: nothing new is written.
    const again = await waitForJob(
      e.h,
      token,
      await requestSync(e.h, token, connections.garmin, connections.strava, 'workout'),
    );
    expect(again.status).to.equal('SUCCEEDED');
    expect(again.result?.recordsWritten).to.equal(0);
    expect(apiCreated(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout'))).to.have.length(
      expected.length,
    );

    const events = (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter(
      (ev) => ev.detail.jobId === jobId,
    );
    expect(events.map((ev) => ev.type)).to.deep.equal(['SyncSucceeded']);
  });

  it('moves Fitbit sleep and weight to Google Fit with the right units, skipping what is already there', async () => {
    const { token, person, connections } = await connectedUser(e, ['fitbit', 'google_fit']);
    const windows: Partial<Record<'sleep_session' | 'weight', (instant: string) => boolean>> = {};
    for (const dataType of ['sleep_session', 'weight'] as const) {
      await createSyncConfig(e.h, token, connections.fitbit, connections.google_fit, dataType);
      const job = await waitForJob(
        e.h,
        token,
        await requestSync(e.h, token, connections.fitbit, connections.google_fit, dataType),
      );
      expect(job.status, `${dataType}: ${JSON.stringify(job.error)}`).to.equal('SUCCEEDED');
      windows[dataType] = inJobWindow(job);
    }
    const sleeps = person.persona.sleeps.filter(
      (s) =>
        s.recordedBy.includes('fitbit') &&
        !s.recordedBy.includes('google_fit') &&
        windows.sleep_session!(s.start),
    );
    const createdSleeps = apiCreated(
      e.h.stack.sandbox.records('google_fit', person.sandboxUserId, 'sleep_session'),
    );
    expect(createdSleeps).to.have.length(sleeps.length);
    for (const s of sleeps)
      expect(
        createdSleeps.filter((v) => sameInstant(v.startTime, s.start)),
        s.key,
      ).to.have.length(1);

    const weights = person.persona.weights.filter(
      (w) =>
        w.recordedBy.includes('fitbit') &&
        !w.recordedBy.includes('google_fit') &&
        windows.weight!(w.measuredAt),
    );
    const createdWeights = apiCreated(
      e.h.stack.sandbox.records('google_fit', person.sandboxUserId, 'weight'),
    );
    expect(createdWeights).to.have.length(weights.length);
    for (const w of weights) {
      const [match, ...more] = createdWeights.filter((v) => sameInstant(v.startTime, w.measuredAt));
      expect(more, w.key).to.have.length(0);
      expect(match?.value, w.key).to.be.closeTo(w.weightKg, 0.05); // kilograms, not pounds
    }
  });

  it('ignores a duplicate delivery of a finished job', async () => {
    const { userId, token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    expect((await waitForJob(e.h, token, jobId)).status).to.equal('SUCCEEDED');
    const before = apiCreated(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout')).length;
    const jobsBefore = e.worker!.worker.stats.jobs;
    // The same message again, as SQS may deliver it (a new deduplication id defeats FIFO dedup).
    const message = {
      schemaVersion: 1,
      jobId,
      userId,
      sourceConnectionId: connections.garmin,
      destinationConnectionId: connections.strava,
      sourceProvider: 'garmin',
      destinationProvider: 'strava',
      dataType: 'workout',
      priority: 'medium',
      trigger: 'manual',
      tier: 'PRO',
      requestedAt: clock.date().toISOString(),
    };
    await e.h.sqs.send(
      new SendMessageCommand({
        QueueUrl: e.h.config.HOT_PATH_QUEUE_URL,
        MessageBody: JSON.stringify(message),
        MessageGroupId: userId,
        MessageDeduplicationId: randomUUID(),
      }),
    );
    const deadline = clock.now() + 10_000;
    while (e.worker!.worker.stats.jobs === jobsBefore && clock.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(e.worker!.worker.stats.jobs).to.be.greaterThan(jobsBefore);
    expect(apiCreated(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout'))).to.have.length(
      before,
    );
    const events = (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter(
      (ev) => ev.detail.jobId === jobId,
    );
    expect(events).to.have.length(1);
  });

  it('rides out a 429 storm from the source without failing or dead-lettering the job @any-date', async () => {
    const { token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    e.h.stack.sandbox.faults.add({
      provider: 'garmin',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      times: 6,
    });
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    const job = await waitForJob(e.h, token, jobId, 60_000);
    expect(job.status).to.equal('SUCCEEDED');
    expect(e.h.stack.sandbox.faults.applied.status).to.be.at.least(6);
    expect(apiCreated(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout'))).to.have.length(
      garminOnly(person.persona, inJobWindow(job)).length,
    );
    const dlq = await e.h.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: e.h.config.HOT_PATH_DLQ_URL,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
      }),
    );
    expect(dlq.Messages ?? []).to.have.length(0);
  });

  it('refreshes expired tokens (rotating refresh tokens) and keeps the connection active', async () => {
    const { token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    const stats = e.h.stack.sandbox.oauth.strava.stats;
    const refreshesBefore = stats.refreshes;
    e.h.stack.sandbox.oauth.strava.expireAccessTokens(person.sandboxUserId);
    e.h.stack.sandbox.oauth.garmin.expireAccessTokens(person.sandboxUserId);
    const job = await waitForJob(
      e.h,
      token,
      await requestSync(e.h, token, connections.garmin, connections.strava, 'workout'),
    );
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    expect(stats.refreshes).to.equal(refreshesBefore + 1);
    expect(stats.refreshReuseRefused).to.equal(0);
    const list = await e.h.request<{ connections: { connectionId: string; status: string }[] }>(
      'GET',
      '/v1/connections',
      { token },
    );
    expect(list.body.connections.every((c) => c.status === 'active')).to.equal(true);
  });

  it('fails a job whose destination revoked access, marks the connection needs_reauth and ends it once', async () => {
    await e.h.sqs.send(new PurgeQueueCommand({ QueueUrl: e.h.config.HOT_PATH_DLQ_URL }));
    const { userId, token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    e.h.stack.sandbox.oauth.strava.revokeUser(person.sandboxUserId);
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    const job = await waitForJob(e.h, token, jobId);
    expect(job.status).to.equal('FAILED');
    expect(job.error?.code).to.equal('provider_auth_revoked');
    const list = await e.h.request<{ connections: { connectionId: string; status: string }[] }>(
      'GET',
      '/v1/connections',
      { token },
    );
    expect(list.body.connections.find((c) => c.connectionId === connections.strava)?.status).to.equal(
      'needs_reauth',
    );
    const items = await itemsOf(e, userId);
    expect(items.find((i) => i.SK === `CONN#${connections.strava}`)?.ReAuthStatus).to.equal(
      'pending_user_action',
    );
    // Failed for good: the runtime moves the message to the DLQ at once, once, with its reason for
    // operators; it is never received again (one SyncFailed below).
    const deadline = clock.now() + 5000;
    const dead: Array<{ code: string | undefined }> = [];
    while (dead.length === 0 && clock.now() < deadline) {
      const out = await e.h.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: e.h.config.HOT_PATH_DLQ_URL,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      for (const m of out.Messages ?? [])
        if (m.Body?.includes(jobId)) dead.push({ code: m.MessageAttributes?.FailureCode?.StringValue });
    }
    expect(dead, 'message in the DLQ').to.deep.equal([{ code: 'provider_auth_revoked' }]);
    const events = (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter(
      (ev) => ev.detail.jobId === jobId,
    );
    expect(events.map((ev) => ev.type === 'SyncFailed' && ev.detail.retryable)).to.deep.equal([false]);
  });

  it('writes nothing to DynamoDB for a scheduled sync that finds nothing (write-avoidance)', async () => {
    const userId = e.h.newUserId('empty');
    const token = await e.h.token(userId, { tier: 'PRO' });
    const person = e.h.stack.sandbox.createUser({ persona: { empty: true } });
    const { connectProvider } = await import('./support.js');
    const garmin = await connectProvider(e.h, token, 'garmin', person.sandboxUserId);
    const strava = await connectProvider(e.h, token, 'strava', person.sandboxUserId);
    const itemsBefore = await itemsOf(e, userId);
    const jobsBefore = e.worker!.worker.stats.succeeded;
    const callsBefore = e.h.stack.sandbox.requestCounts().garmin;
    await sendScheduledJob(e, { userId, sourceConnectionId: garmin, destinationConnectionId: strava });
    const deadline = clock.now() + 10_000;
    while (e.worker!.worker.stats.succeeded === jobsBefore && clock.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    // The job really ran: it succeeded and read the source.
    expect(e.worker!.worker.stats.succeeded).to.be.greaterThan(jobsBefore);
    expect(e.h.stack.sandbox.requestCounts().garmin).to.be.greaterThan(callsBefore);
    const itemsAfter = await itemsOf(e, userId);
    expect(itemsAfter.map((i) => i.SK).sort()).to.deep.equal(itemsBefore.map((i) => i.SK).sort());
  });

  it('finishes a job whose worker was killed mid-batch, without writing anything twice @any-date', async () => {
    const { token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    // The in-process worker steps aside; a child worker takes the job and is killed while pushing.
    await e.worker!.stop();
    e.h.stack.sandbox.faults.add({
      provider: 'strava',
      kind: 'latency',
      ms: 1500,
      method: 'POST',
      pathPrefix: '/api/v3/activities',
      times: 100,
    });
    const child = spawnWorkerProcess(e, 'silent', 'ignore');
    try {
      const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
      const deadline = clock.now() + 30_000;
      while (e.h.stack.sandbox.faults.applied.latency === 0 && clock.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(e.h.stack.sandbox.faults.applied.latency, 'the child reached the destination').to.be.greaterThan(
        0,
      );
      child.kill('SIGKILL');
      e.h.stack.sandbox.faults.clear();
      e.worker = await e.startWorker();
      const job = await waitForJob(e.h, token, jobId, 60_000);
      expect(job.status).to.equal('SUCCEEDED');
      const created = apiCreated(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout'));
      const expected = garminOnly(person.persona, inJobWindow(job));
      expect(created).to.have.length(expected.length);
      for (const w of expected)
        expect(
          created.filter((v) => sameInstant(v.startTime, w.start)),
          w.key,
        ).to.have.length(1);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
