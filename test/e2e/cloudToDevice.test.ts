// Cloud → device (seed §3 Model 3, Diagram 8) end to end: a Garmin → Apple Health job parks
// WAITING_FOR_DEVICE, the phone (played here through the public API) answers the read request,
// fetches the staged records, writes them and confirms; then a second job finds nothing new, a
// phone that never answers fails its job after 24 hours, and another user can touch nothing.
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { ledgerSk, userPk } from '../../core/store/keys.js';
import { clock, startProcessClockAt } from '../../core/clock/clock.js';
import type { CanonicalWorkout, SyncJob } from '../../core/domain/types.js';
import type { Harness } from '../support/harness.js';
import { fakeApnsToken, startPushFakes, type PushFakes } from '../../infra/local/push/pushFakes.js';
import { connectedUser, createSyncConfig, requestSync, startE2E, until, type E2E } from './support.js';

interface Pending {
  kind: 'read' | 'write';
  jobId: string;
  requestId?: string;
  recordCount?: number;
  window: { start: string; end: string };
  expiresAt: string;
}

async function jobOf(h: Harness, token: string, jobId: string): Promise<SyncJob> {
  const r = await h.request<SyncJob>('GET', `/v1/sync-jobs/${jobId}`, { token });
  expect(r.status, r.text).to.equal(200);
  return r.body;
}

/** Waits until the job is in `status` (or one of them) and returns it. */
async function waitForStatus(
  h: Harness,
  token: string,
  jobId: string,
  status: SyncJob['status'] | SyncJob['status'][],
) {
  const statuses = [status].flat();
  let last: SyncJob | undefined;
  await until(
    async () => statuses.includes((last = await jobOf(h, token, jobId)).status),
    30_000,
    `job ${jobId} to be ${statuses.join(' or ')}`,
  ).catch((error: unknown) => {
    throw new Error(
      `job ${jobId} is ${last?.status} (${JSON.stringify(last?.error)}), not ${statuses.join(' or ')}`,
      { cause: error },
    );
  });
  return last!;
}

async function pending(h: Harness, token: string): Promise<Pending[]> {
  const r = await h.request<{ requests: Pending[] }>('GET', '/v1/device-requests', { token });
  expect(r.status, r.text).to.equal(200);
  return r.body.requests;
}

/** One item of the table, read directly (the ledger has no API). */
async function tableItem(e: E2E, userId: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const db = createDocumentClient(e.h.config);
  try {
    return (
      await db.send(new GetCommand({ TableName: e.h.config.TABLE_NAME, Key: { PK: userPk(userId), SK: sk } }))
    ).Item;
  } finally {
    db.destroy();
  }
}

const ledgerPair = (u: { connections: { garmin: string }; appleHealth: string }) => ({
  sourceConnectionId: u.connections.garmin,
  destinationConnectionId: u.appleHealth,
  dataType: 'workout' as const,
});

/** A user with Garmin (a month of workouts in the sandbox) and an iPhone with Apple Health connected. */
async function garminToAppleHealth(e: E2E) {
  const user = await connectedUser(e, ['garmin']);
  const device = await e.h.request('POST', '/v1/devices', {
    token: user.token,
    body: { installationId: randomUUID(), platform: 'ios', pushToken: fakeApnsToken() },
  });
  expect(device.status, device.text).to.equal(201);
  const health = await e.h.request<{ connectionId: string }>('POST', '/v1/device-connections', {
    token: user.token,
    body: { provider: 'apple_health' },
  });
  expect(health.status, health.text).to.equal(201);
  await createSyncConfig(e.h, user.token, user.connections.garmin, health.body.connectionId, 'workout');
  return { ...user, appleHealth: health.body.connectionId };
}

describe('cloud → device (Garmin → Apple Health)', function () {
  this.timeout(120_000);
  let e: E2E;
  let s3: S3Client;
  let push: PushFakes;

  before(async () => {
    // The real APNs and FCM adapters, against the local fakes.
    push = await startPushFakes();
    // A week, not a month: each round trip reads Garmin twice (the job, then the answer), and the
    // sandbox enforces Garmin's real per-user budget.
    e = await startE2E({ SYNC_INITIAL_LOOKBACK_DAYS: '7', ...push.env });
    s3 = new S3Client({
      region: e.h.config.AWS_REGION,
      endpoint: e.h.config.S3_ENDPOINT!,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  after(async () => {
    s3?.destroy();
    await e?.stop();
    await push?.close();
  });

  const stagedObjects = async (userId: string) =>
    (
      await s3.send(
        new ListObjectsV2Command({ Bucket: e.h.config.STAGING_BUCKET!, Prefix: `device-writes/${userId}/` }),
      )
    ).Contents ?? [];

  it('parks the job, resolves the phone’s answer, stages encrypted records, and records what the phone wrote', async () => {
    const u = await garminToAppleHealth(e);
    const jobId = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    await waitForStatus(e.h, u.token, jobId, 'WAITING_FOR_DEVICE');

    const [read] = await pending(e.h, u.token);
    expect(read).to.include({ kind: 'read', jobId });
    expect((await jobOf(e.h, u.token, jobId)).deviceRequest).to.deep.equal(read);
    const answer = await e.h.request<{ status: string; recordCount: number }>(
      'POST',
      '/v1/device-read-response',
      {
        token: u.token,
        body: { jobId, requestId: read!.requestId, records: [] },
      },
    );
    expect(answer.status, answer.text).to.equal(200);
    expect(answer.body.status).to.equal('WAITING_FOR_DEVICE');
    expect(answer.body.recordCount).to.be.greaterThan(1);

    const [write] = await pending(e.h, u.token);
    expect(write).to.include({ kind: 'write', jobId, recordCount: answer.body.recordCount });
    const staged = await e.h.request<{ records: CanonicalWorkout[]; expiresAt: string }>(
      'GET',
      `/v1/staged-data/${jobId}`,
      { token: u.token },
    );
    expect(staged.status, staged.text).to.equal(200);
    expect(staged.body.records).to.have.length(answer.body.recordCount);
    for (const r of staged.body.records) {
      expect(r.provider).to.equal('garmin');
      expect(Date.parse(r.startTime)).to.be.within(
        Date.parse(read!.window.start),
        Date.parse(read!.window.end),
      );
    }
    // At rest, the staged object is sealed: no title, no start time in clear.
    const [object] = await stagedObjects(u.userId);
    const raw = await (
      await s3.send(new GetObjectCommand({ Bucket: e.h.config.STAGING_BUCKET!, Key: object!.Key! }))
    ).Body!.transformToString('latin1');
    expect(raw).to.not.include(staged.body.records[0]!.startTime);
    // Nowhere else either: the table holds ids and times of the request, never the records.
    const db = createDocumentClient(e.h.config);
    try {
      const table = JSON.stringify(
        (await db.send(new ScanCommand({ TableName: e.h.config.TABLE_NAME }))).Items,
      );
      for (const r of staged.body.records) if (r.title) expect(table).to.not.include(r.title);
    } finally {
      db.destroy();
    }

    // The phone wrote all but one (say HealthKit refused it).
    const ids = staged.body.records.map((r) => r.recordId);
    const confirm = await e.h.request<{ status: string }>('POST', `/v1/confirm-write/${jobId}`, {
      token: u.token,
      body: { writtenRecordIds: ids.slice(0, -1), failedRecordIds: ids.slice(-1) },
    });
    expect(confirm.status, confirm.text).to.equal(200);
    expect(confirm.body.status).to.equal('CONFIRMED');
    const done = await jobOf(e.h, u.token, jobId);
    expect(done.status).to.equal('SUCCEEDED');
    expect(done.result).to.include({ recordsWritten: ids.length - 1 });
    expect(await pending(e.h, u.token)).to.deep.equal([]);
    expect(await stagedObjects(u.userId)).to.deep.equal([]);
    expect((await e.h.request('GET', `/v1/staged-data/${jobId}`, { token: u.token })).status).to.equal(404);

    // The next job only offers the one that failed; the phone has it by now (another app wrote it),
    // so conflict resolution finds the duplicate and nothing is staged.
    const again = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    await waitForStatus(e.h, u.token, again, 'WAITING_FOR_DEVICE');
    const [second] = await pending(e.h, u.token);
    const failed = staged.body.records.at(-1)!;
    const onPhone = {
      ...failed,
      recordId: randomUUID().toUpperCase(),
      sourceId: 'com.garmin.connect',
      provider: 'apple_health',
    };
    const settled = await e.h.request<{ status: string; recordCount: number }>(
      'POST',
      '/v1/device-read-response',
      {
        token: u.token,
        body: { jobId: again, requestId: second!.requestId, records: [onPhone] },
      },
    );
    expect(settled.status, settled.text).to.equal(200);
    expect(settled.body).to.deep.include({ status: 'SUCCEEDED', recordCount: 0 });
    expect((await jobOf(e.h, u.token, again)).status).to.equal('SUCCEEDED');
    expect(await stagedObjects(u.userId)).to.deep.equal([]);

    // The phone showed the record already there: the ledger holds it under the store's own id, as
    // for a record SyncWell wrote, so a third job finds nothing new and does not wake the phone.
    const ledgered = await tableItem(e, u.userId, ledgerSk(ledgerPair(u), failed.recordId));
    expect(ledgered).to.include({
      SourceRecordId: failed.recordId,
      DestinationRecordId: onPhone.recordId,
      SourceLastModified: failed.lastModified,
    });
    const third = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    const quiet = await waitForStatus(e.h, u.token, third, ['SUCCEEDED', 'WAITING_FOR_DEVICE', 'FAILED']);
    expect(quiet.status, 'the third job asks the phone nothing').to.equal('SUCCEEDED');
    expect(quiet.deviceRequest).to.equal(undefined);
    expect(quiet.result).to.include({ recordsWritten: 0 });
    expect(await pending(e.h, u.token)).to.deep.equal([]);
  });

  it('fails the job with device_unreachable when the phone has not answered after 24 hours', async () => {
    const u = await garminToAppleHealth(e);
    const jobId = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    await waitForStatus(e.h, u.token, jobId, 'WAITING_FOR_DEVICE');
    const [read] = await pending(e.h, u.token);
    const before = clock.now();
    startProcessClockAt(before + 25 * 3_600_000);
    try {
      const token = await e.h.token(u.userId, { tier: 'PRO' });
      expect(await pending(e.h, token)).to.deep.equal([]);
      const failed = await jobOf(e.h, token, jobId);
      expect(failed.status).to.equal('FAILED');
      expect(failed.error?.code).to.equal('device_unreachable');
      const late = await e.h.request('POST', '/v1/device-read-response', {
        token,
        body: { jobId, requestId: read!.requestId, records: [] },
      });
      expect(late.status).to.equal(404);
    } finally {
      startProcessClockAt(clock.now() - 25 * 3_600_000);
    }
  });

  it('takes a staged record the store already held as already present: ledgered under its id, not written, never offered again', async () => {
    const u = await garminToAppleHealth(e);
    const jobId = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    await waitForStatus(e.h, u.token, jobId, 'WAITING_FOR_DEVICE');
    const [read] = await pending(e.h, u.token);
    const answer = await e.h.request<{ recordCount: number }>('POST', '/v1/device-read-response', {
      token: u.token,
      body: { jobId, requestId: read!.requestId, records: [] },
    });
    expect(answer.status, answer.text).to.equal(200);
    const staged = await e.h.request<{ records: CanonicalWorkout[] }>('GET', `/v1/staged-data/${jobId}`, {
      token: u.token,
    });
    const ids = staged.body.records.map((r) => r.recordId);
    expect(ids.length).to.be.greaterThan(1);
    // HealthKit found the last one already there (another app wrote it between the read and the write).
    const present = ids.at(-1)!;
    const confirm = await e.h.request<{ status: string }>('POST', `/v1/confirm-write/${jobId}`, {
      token: u.token,
      body: {
        writtenRecordIds: ids.slice(0, -1),
        alreadyPresentRecordIds: [present],
        deviceRecordIds: { [present]: 'HK-ALREADY-THERE' },
      },
    });
    expect(confirm.status, confirm.text).to.equal(200);
    const done = await jobOf(e.h, u.token, jobId);
    expect(done.status).to.equal('SUCCEEDED');
    expect(done.result).to.include({ recordsWritten: ids.length - 1 });
    expect(done.result!.recordsSkipped).to.be.at.least(1);
    expect(await tableItem(e, u.userId, ledgerSk(ledgerPair(u), present))).to.include({
      SourceRecordId: present,
      DestinationRecordId: 'HK-ALREADY-THERE',
    });
    // Everything due was handled: the next job has nothing to ask the phone.
    const next = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    const quiet = await waitForStatus(e.h, u.token, next, ['SUCCEEDED', 'WAITING_FOR_DEVICE', 'FAILED']);
    expect(quiet.status).to.equal('SUCCEEDED');
    expect(await pending(e.h, u.token)).to.deep.equal([]);
  });

  it('lets no other user answer, read or confirm a job', async () => {
    const u = await garminToAppleHealth(e);
    const jobId = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    await waitForStatus(e.h, u.token, jobId, 'WAITING_FOR_DEVICE');
    const [read] = await pending(e.h, u.token);
    const mallory = await e.h.token(e.h.newUserId('mallory'));
    expect(await pending(e.h, mallory)).to.deep.equal([]);
    const answer = await e.h.request('POST', '/v1/device-read-response', {
      token: mallory,
      body: { jobId, requestId: read!.requestId, records: [] },
    });
    expect(answer.status).to.equal(404);
    expect((await e.h.request('GET', `/v1/staged-data/${jobId}`, { token: mallory })).status).to.equal(404);
    const confirm = await e.h.request('POST', `/v1/confirm-write/${jobId}`, {
      token: mallory,
      body: { writtenRecordIds: ['x'] },
    });
    expect(confirm.status).to.equal(404);
    expect(await pending(e.h, u.token)).to.have.length(1);
    expect((await jobOf(e.h, u.token, jobId)).status).to.equal('WAITING_FOR_DEVICE');
  });

  it('wakes the phone with silent pushes carrying ids only, and prunes a token APNs calls dead', async () => {
    const u = await garminToAppleHealth(e);
    const apnsPushes = () => push.received().flatMap((p) => (p.service === 'apns' ? [p] : []));
    const dead = fakeApnsToken();
    const second = await e.h.request('POST', '/v1/devices', {
      token: u.token,
      body: { installationId: randomUUID(), platform: 'ios', pushToken: dead },
    });
    expect(second.status, second.text).to.equal(201);
    push.markUnregistered(dead);
    const jobId = await requestSync(e.h, u.token, u.connections.garmin, u.appleHealth, 'workout');
    await waitForStatus(e.h, u.token, jobId, 'WAITING_FOR_DEVICE');
    const [read] = await pending(e.h, u.token);
    await until(
      () =>
        push
          .received()
          .some((p) => p.service === 'apns' && p.status === 200 && JSON.stringify(p.payload).includes(jobId)),
      10_000,
      'the read request push',
    );
    const delivered = apnsPushes().find(
      (p) => p.status === 200 && JSON.stringify(p.payload).includes(jobId),
    )!;
    expect(delivered.headers).to.include({ 'apns-push-type': 'background', 'apns-priority': '5' });
    const payload = delivered.payload as Record<string, unknown>;
    expect(payload.aps).to.deep.equal({ 'content-available': 1 });
    expect(payload).to.include({
      type: 'device_read_request',
      jobId,
      requestId: read!.requestId,
      dataType: 'workout',
    });
    // The dead token's device is gone; the live one stays.
    await until(
      async () =>
        (await e.h.request<{ devices: unknown[] }>('GET', '/v1/devices', { token: u.token })).body.devices
          .length === 1,
      10_000,
      'the dead device to be pruned',
    );
    // The answer stages records: the write request follows by push.
    const answer = await e.h.request<{ recordCount: number }>('POST', '/v1/device-read-response', {
      token: u.token,
      body: { jobId, requestId: read!.requestId, records: [] },
    });
    expect(answer.status, answer.text).to.equal(200);
    await until(
      () =>
        push
          .received()
          .some((p) => p.service === 'apns' && JSON.stringify(p.payload).includes('device_write_request')),
      10_000,
      'the write request push',
    );
    const write = apnsPushes().find(
      (p) =>
        JSON.stringify(p.payload).includes('device_write_request') &&
        JSON.stringify(p.payload).includes(jobId),
    )!;
    expect(write.payload).to.include({ jobId, recordCount: String(answer.body.recordCount) });
  });
});
