// Data export (issue 13 §2, seed §3d) end to end: POST /v1/export-jobs through the API, the export
// worker reading the user's providers live in the sandbox, the ZIP streamed to the export bucket
// (fauxqs S3), downloaded through the presigned URL with fetch and unzipped: one file per data type
// matching what the sandbox holds, account.json without any token, an "export ready" push through
// the local APNs fake. Then the failure paths: a provider that fails for good (the export succeeds
// without it and says why), a rate-limited and a failing provider (deferred and retried, resumed
// without losing written windows), a worker killed mid-build (another finishes it), a redelivered
// request (nothing happens), another user's id (404), and the end of the retention on the test clock
// (410, the archive deleted by the GET or by the worker's sweep).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { buildMessage } from '../../core/messaging/messageCodec.js';
import { clock, startProcessClockAt } from '../../core/clock/clock.js';
import type { CloudProvider, DataType, ExportJob } from '../../core/domain/types.js';
import { S3ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { ExportJobRepository } from '../../core/store/exportJobRepository.js';
import { createLogger } from '../../core/logging/logger.js';
import { fakeApnsToken, startPushFakes, type PushFakes } from '../../infra/local/push/pushFakes.js';
import { ExpiredExportSweeper } from '../../worker/export/expiredExportSweeper.js';
import { connectedUser, spawnWorkerProcess, until, type E2E, startE2E } from './support.js';
import { zipEntries } from '../support/zipEntries.js';

const HOUR = 3_600_000;
const WIDE = { scope: 'app', capacity: 1_000_000, windowSeconds: 60 };
const WIDE_USER = { scope: 'user', capacity: 1_000_000, windowSeconds: 60 };
/** Our own buckets wide open: these tests are about exports, the rate limiter has its own. */
const WIDE_LIMITS = JSON.stringify(
  Object.fromEntries(['strava', 'fitbit', 'garmin', 'google_fit'].map((p) => [p, [WIDE, WIDE_USER]])),
);
const EXPORT_ENV = {
  // Four weekly windows over the persona's three weeks: several parts per stream, still quick.
  EXPORT_LOOKBACK_DAYS: '28',
  EXPORT_WINDOW_DAYS: '7',
  EXPORT_SWEEP_SECONDS: '0',
  RATE_LIMIT_OVERRIDES: WIDE_LIMITS,
};
const FILES: Record<DataType, string> = {
  workout: 'workouts.json',
  sleep_session: 'sleep.json',
  steps: 'steps.json',
  weight: 'weight.json',
};
/** What the sandbox's OAuth server issues: `at_…` access and `rt_…` refresh tokens. */
const SANDBOX_TOKEN = /\b[ar]t_[A-Za-z0-9_-]{20,}/;

interface Manifest {
  range: { since: string; until: string };
  dataTypes: { dataType: DataType; status: string; records: number }[];
}

describe('data export end to end', function () {
  this.timeout(180_000);
  let e: E2E;
  let push: PushFakes;
  let s3: S3Client;

  before(async () => {
    push = await startPushFakes();
    e = await startE2E({ ...EXPORT_ENV, ...push.env }, { worker: false });
    s3 = new S3Client({
      region: e.h.config.AWS_REGION,
      endpoint: e.h.config.S3_ENDPOINT!,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const sandbox = e.h.stack.sandbox;
    sandbox.fakes.strava.configure!({
      shortLimit: 1e6,
      dailyLimit: 1e6,
      readShortLimit: 1e6,
      readDailyLimit: 1e6,
    });
    sandbox.fakes.fitbit.configure!({ hourlyLimit: 1e6 });
  });
  after(async () => {
    s3?.destroy();
    await e?.stop();
    await push?.close();
  });
  afterEach(async () => {
    await fetch(`${e.h.stack.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  });

  const post = (token: string, idempotencyKey = randomUUID()) =>
    e.h.request<{ jobId: string; status: string }>('POST', '/v1/export-jobs', { token, idempotencyKey });
  const get = (token: string, jobId: string) =>
    e.h.request<ExportJob>('GET', `/v1/export-jobs/${jobId}`, { token });

  async function waitForExport(token: string, jobId: string, timeoutMs = 60_000): Promise<ExportJob> {
    let last: ExportJob | undefined;
    await until(
      async () => {
        const r = await get(token, jobId);
        expect(r.status, r.text).to.equal(200);
        last = r.body;
        return last.status === 'SUCCEEDED' || last.status === 'FAILED';
      },
      timeoutMs,
      `export ${jobId} to finish`,
    ).catch((error: unknown) => {
      throw new Error(`export ${jobId} is ${JSON.stringify(last)}`, { cause: error });
    });
    return last!;
  }

  async function download(job: ExportJob): Promise<Map<string, string>> {
    expect(job.downloadUrl, 'a download URL').to.be.a('string');
    const res = await fetch(job.downloadUrl!);
    expect(res.status).to.equal(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).to.equal(job.sizeBytes);
    return zipEntries(bytes);
  }

  /** The APNs pushes that name `jobId`. */
  const pushesFor = (jobId: string) =>
    push
      .received()
      .flatMap((p) => (p.service === 'apns' && JSON.stringify(p.payload).includes(jobId) ? [p] : []));

  const objectsOf = async (userId: string) =>
    (
      (await s3.send(new ListObjectsV2Command({ Bucket: e.h.config.EXPORT_BUCKET!, Prefix: `${userId}/` })))
        .Contents ?? []
    ).map((o) => o.Key!);
  /**
   * The user's objects once a finished export has removed its part objects: the job is SUCCEEDED
   * when its archive is written, and the parts go right after (exportJob.ts), so a listing taken
   * at once may still see them.
   */
  const settledObjectsOf = async (userId: string) => {
    await until(
      async () => !(await objectsOf(userId)).some((k) => k.includes('/parts/')),
      15_000,
      'the export parts to be deleted',
    );
    return objectsOf(userId);
  };

  /** The record ids the sandbox holds for the person at `provider`, inside the export's range. */
  function sandboxIds(sandboxUserId: string, provider: CloudProvider, dataType: DataType, m: Manifest) {
    const since = Date.parse(m.range.since);
    const untilMs = Date.parse(m.range.until);
    return e.h.stack.sandbox
      .records(provider, sandboxUserId, dataType)
      .filter((r) => Date.parse(r.startTime) >= since && Date.parse(r.startTime) < untilMs)
      .map((r) => r.id)
      .sort();
  }

  const exportedIds = (files: Map<string, string>, dataType: DataType, provider: CloudProvider) =>
    (JSON.parse(files.get(FILES[dataType])!) as { provider: string; recordId: string }[])
      .filter((r) => r.provider === provider)
      .map((r) => r.recordId)
      .sort();

  it('answers PENDING at once, one export per user at a time, idempotent, invisible to others', async () => {
    const u = await connectedUser(e, ['strava']);
    const key = randomUUID();
    const first = await post(u.token, key);
    expect(first.status, first.text).to.equal(202);
    expect(first.body.status).to.equal('PENDING');
    expect(first.body.jobId).to.match(/^export-job-[0-9a-f-]{36}$/);
    expect(first.headers.get('location')).to.equal(`/v1/export-jobs/${first.body.jobId}`);

    const replay = await post(u.token, key);
    expect(replay.status).to.equal(202);
    expect(replay.headers.get('idempotent-replayed')).to.equal('true');
    expect(replay.body).to.deep.equal(first.body);
    // Another tap (another key) while the first is pending: the same export, not a second one.
    const again = await post(u.token);
    expect(again.status, again.text).to.equal(202);
    expect(again.body).to.deep.equal({ jobId: first.body.jobId, status: 'PENDING' });

    const pending = await get(u.token, first.body.jobId);
    expect(pending.status).to.equal(200);
    expect(pending.body).to.include({ jobId: first.body.jobId, status: 'PENDING' });
    expect(pending.body.downloadUrl).to.equal(undefined);

    const mallory = await e.h.token(e.h.newUserId('mallory'));
    const foreign = await get(mallory, first.body.jobId);
    expect(foreign.status).to.equal(404);
    expect(foreign.body).to.include({ code: 'not_found' });
    // Mallory's own export is hers, not the running one of another user.
    const hers = await post(mallory);
    expect(hers.status).to.equal(202);
    expect(hers.body.jobId).to.not.equal(first.body.jobId);
    const malformed = await get(u.token, 'export-job-not-a-uuid');
    expect(malformed.status).to.equal(400);

    e.worker = await e.startWorker();
    const done = await waitForExport(u.token, first.body.jobId);
    expect(done.status).to.equal('SUCCEEDED');
    // Finished: the next request starts a new export.
    const next = await post(u.token);
    expect(next.body.jobId).to.not.equal(first.body.jobId);
    expect((await waitForExport(u.token, next.body.jobId)).status).to.equal('SUCCEEDED');
  });

  it('exports every data type of every provider, account records without tokens, and says it is ready', async () => {
    const u = await connectedUser(e, ['strava', 'fitbit']);
    const pushToken = fakeApnsToken();
    const device = await e.h.request('POST', '/v1/devices', {
      token: u.token,
      body: { installationId: randomUUID(), platform: 'ios', pushToken },
    });
    expect(device.status, device.text).to.equal(201);
    const config = await e.h.syncConfig(u.userId, u.connections.strava, u.connections.fitbit, 'workout');
    const now = clock.date().toISOString();
    await e.h.syncJobs.put({
      userId: u.userId,
      jobId: `job_${randomUUID()}`,
      status: 'SUCCEEDED',
      mode: 'manual',
      priority: 'high',
      trigger: 'manual',
      sourceConnectionId: u.connections.strava,
      destinationConnectionId: u.connections.fitbit,
      dataType: 'workout',
      createdAt: now,
      updatedAt: now,
      result: { recordsWritten: 2, recordsSkipped: 0 },
      expiresAt: Math.floor(clock.now() / 1000) + 86_400,
    });

    const created = await post(u.token);
    const job = await waitForExport(u.token, created.body.jobId);
    expect(job.status, JSON.stringify(job)).to.equal('SUCCEEDED');
    expect(job.missing).to.deep.equal([]);
    expect(Date.parse(job.availableUntil!) - Date.parse(job.completedAt!)).to.equal(72 * HOUR);
    const urlSeconds = (Date.parse(job.expiresAt!) - clock.now()) / 1000;
    expect(urlSeconds).to.be.within(3590, 3601);
    expect(new URL(job.downloadUrl!).pathname).to.equal(
      `/${e.h.config.EXPORT_BUCKET}/${u.userId}/${created.body.jobId}.zip`,
    );

    const files = await download(job);
    expect([...files.keys()].sort()).to.deep.equal(
      ['account.json', 'manifest.json', 'sleep.json', 'steps.json', 'weight.json', 'workouts.json'].sort(),
    );
    const manifest = JSON.parse(files.get('manifest.json')!) as Manifest;
    expect(Date.parse(manifest.range.until) - Date.parse(manifest.range.since)).to.equal(28 * 24 * HOUR);
    const expectedWorkouts = {
      strava: sandboxIds(u.person.sandboxUserId, 'strava', 'workout', manifest),
      fitbit: sandboxIds(u.person.sandboxUserId, 'fitbit', 'workout', manifest),
    };
    expect(expectedWorkouts.strava.length).to.be.greaterThan(5);
    expect(exportedIds(files, 'workout', 'strava')).to.deep.equal(expectedWorkouts.strava);
    expect(exportedIds(files, 'workout', 'fitbit')).to.deep.equal(expectedWorkouts.fitbit);
    for (const dataType of ['sleep_session', 'steps', 'weight'] as const) {
      const expected = sandboxIds(u.person.sandboxUserId, 'fitbit', dataType, manifest);
      expect(expected.length, dataType).to.be.greaterThan(0);
      expect(exportedIds(files, dataType, 'fitbit'), dataType).to.deep.equal(expected);
    }
    const counts = Object.fromEntries(job.progress!.map((p) => [p.dataType, p]));
    expect(counts.workout).to.include({
      status: 'complete',
      recordCount: expectedWorkouts.strava.length + expectedWorkouts.fitbit.length,
      completedWindows: 8,
      totalWindows: 8,
    });
    expect(counts.steps).to.include({ status: 'complete', completedWindows: 4, totalWindows: 4 });

    const account = JSON.parse(files.get('account.json')!) as {
      profile: { userId: string };
      connections: { connectionId: string }[];
      syncConfigs: unknown[];
      syncJobs: unknown[];
      devices: unknown[];
      exportJobs: { jobId: string }[];
    };
    expect(account.profile.userId).to.equal(u.userId);
    expect(account.connections.map((c) => c.connectionId).sort()).to.deep.equal(
      [u.connections.strava, u.connections.fitbit].sort(),
    );
    expect(account.syncConfigs).to.have.length(1);
    expect(account.syncConfigs[0]).to.include({ configId: config.configId });
    expect(account.syncJobs).to.have.length(1);
    expect(account.devices).to.have.length(1);
    expect(account.exportJobs.map((x) => x.jobId)).to.include(created.body.jobId);

    // Never a token: no OAuth token, no credential pointer, no push token, anywhere in the archive.
    const credentialRefs = await Promise.all(
      [u.connections.strava, u.connections.fitbit].map(
        async (id) => (await e.h.connections.get(u.userId, id))!.credentialRef!,
      ),
    );
    for (const [name, text] of files) {
      expect(SANDBOX_TOKEN.test(text), `${name} holds an OAuth token`).to.equal(false);
      for (const ref of credentialRefs) expect(text, `${name} holds a credential ref`).to.not.include(ref);
      expect(text, `${name} holds the push token`).to.not.include(pushToken);
      expect(text).to.not.match(/credentialRef|CredentialArn|pushToken|accessToken|refreshToken/i);
    }

    // Ready: one visible push naming the export, and the parts are gone from the bucket.
    await until(() => pushesFor(created.body.jobId).length > 0, 10_000, 'the export-ready push');
    const ready = pushesFor(created.body.jobId);
    expect(ready).to.have.length(1);
    expect(ready[0]!.payload).to.include({ type: 'export_ready', jobId: created.body.jobId });
    expect(await settledObjectsOf(u.userId)).to.deep.equal([`${u.userId}/${created.body.jobId}.zip`]);

    // The same request again (a redelivery): nothing is fetched, written or sent.
    const calls = e.h.stack.sandbox.requestCounts();
    const duplicates = e.worker!.worker.exports!.duplicates;
    await e.h.sqs.send(
      new SendMessageCommand({
        QueueUrl: e.h.config.EXPORT_QUEUE_URL,
        MessageBody: JSON.stringify(
          buildMessage('exportRequests', { jobId: created.body.jobId, userId: u.userId, requestedAt: now }),
        ),
      }),
    );
    await until(() => e.worker!.worker.exports!.duplicates > duplicates, 15_000, 'the redelivery');
    expect(e.h.stack.sandbox.requestCounts()).to.deep.equal(calls);
    expect((await get(u.token, created.body.jobId)).body.updatedAt).to.equal(job.updatedAt);
    expect(pushesFor(created.body.jobId)).to.have.length(1);
  });

  it('succeeds without a provider that fails for good, naming each missing data type and why', async () => {
    const u = await connectedUser(e, ['strava', 'fitbit']);
    // The person removed SyncWell at Fitbit: its tokens (and refresh) are refused from now on.
    await fetch(`${e.h.stack.sandbox.url}/_sandbox/users/${u.person.sandboxUserId}/revoke?provider=fitbit`, {
      method: 'POST',
    });
    const created = await post(u.token);
    const job = await waitForExport(u.token, created.body.jobId);
    expect(job.status).to.equal('SUCCEEDED');
    expect(job.missing).to.have.deep.members(
      (['workout', 'sleep_session', 'steps', 'weight'] as const).map((dataType) => ({
        dataType,
        provider: 'fitbit',
        connectionId: u.connections.fitbit,
        code: 'provider_auth_revoked',
      })),
    );
    const status = Object.fromEntries(job.progress!.map((p) => [p.dataType, p.status]));
    expect(status).to.deep.equal({
      workout: 'partial',
      sleep_session: 'failed',
      steps: 'failed',
      weight: 'failed',
    });
    const files = await download(job);
    const manifest = JSON.parse(files.get('manifest.json')!) as Manifest;
    expect(exportedIds(files, 'workout', 'strava')).to.deep.equal(
      sandboxIds(u.person.sandboxUserId, 'strava', 'workout', manifest),
    );
    expect(exportedIds(files, 'workout', 'fitbit')).to.deep.equal([]);
    expect(JSON.parse(files.get('sleep.json')!)).to.deep.equal([]);
    expect(files.get('manifest.json')).to.include('provider_auth_revoked');
  });

  it('waits out a rate limit and retries a failing provider, resuming without fetching a window twice', async () => {
    const u = await connectedUser(e, ['strava']);
    const sandbox = e.h.stack.sandbox;
    const fault = (body: Record<string, unknown>) =>
      fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'strava', pathPrefix: '/api/v3/athlete/activities', ...body }),
      });
    const stats = e.worker!.worker.exports!;
    const deferred = stats.deferred;
    const before = sandbox.requestCounts().strava;
    const refusedBefore = sandbox.faults.applied.status;
    // The first listing is rate limited (429), the next one fails (503): one deferral, one retry.
    await fault({ kind: 'status', status: 429, retryAfterSeconds: 1, times: 1 });
    const created = await post(u.token);
    await until(() => stats.deferred > deferred, 20_000, 'the deferral');
    await fault({ kind: 'status', status: 503, times: 1 });
    const job = await waitForExport(u.token, created.body.jobId);
    expect(job.status).to.equal('SUCCEEDED');
    const files = await download(job);
    const manifest = JSON.parse(files.get('manifest.json')!) as Manifest;
    const expected = sandboxIds(u.person.sandboxUserId, 'strava', 'workout', manifest);
    expect(exportedIds(files, 'workout', 'strava')).to.deep.equal(expected);
    // Four listings (one per window) and one detail request per workout (the sandbox does not
    // count the two refused calls): no window that was written is read again.
    expect(sandbox.requestCounts().strava - before).to.equal(4 + expected.length);
    expect(sandbox.faults.applied.status - refusedBefore, 'the 429 and the 503 were both answered').to.equal(
      2,
    );
  });

  it('is finished by another worker when the one building it is killed mid-way', async () => {
    const u = await connectedUser(e, ['strava', 'fitbit']);
    // Slow listings, so the kill lands while windows are still being read.
    await fetch(`${e.h.stack.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'fitbit', kind: 'latency', ms: 400, times: 1000 }),
    });
    // Only the child may take the job: the in-process worker steps aside until the kill.
    await e.worker!.stop();
    e.worker = undefined;
    const child = spawnWorkerProcess(e, 'silent', 'ignore');
    try {
      const created = await post(u.token);
      await until(
        async () => {
          const j = (await get(u.token, created.body.jobId)).body;
          return j.status === 'RUNNING' && (j.progress ?? []).some((p) => p.completedWindows > 0);
        },
        30_000,
        'the export to be half-built',
      );
      child.kill('SIGKILL');
      await once(child, 'exit');
      const half = (await get(u.token, created.body.jobId)).body;
      expect(half.status).to.equal('RUNNING');
      expect(
        half.progress!.some((p) => p.completedWindows < p.totalWindows),
        'killed mid-way',
      ).to.equal(true);
      await fetch(`${e.h.stack.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });

      e.worker = await e.startWorker();
      const job = await waitForExport(u.token, created.body.jobId, 90_000);
      expect(job.status).to.equal('SUCCEEDED');
      const files = await download(job);
      const manifest = JSON.parse(files.get('manifest.json')!) as Manifest;
      for (const dataType of ['workout', 'sleep_session', 'steps', 'weight'] as const) {
        const ids = exportedIds(files, dataType, 'fitbit');
        expect(new Set(ids).size, `${dataType}: no record twice`).to.equal(ids.length);
        expect(ids, dataType).to.deep.equal(sandboxIds(u.person.sandboxUserId, 'fitbit', dataType, manifest));
      }
      expect(exportedIds(files, 'workout', 'strava')).to.deep.equal(
        sandboxIds(u.person.sandboxUserId, 'strava', 'workout', manifest),
      );
      expect(await settledObjectsOf(u.userId)).to.deep.equal([`${u.userId}/${created.body.jobId}.zip`]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      e.worker ??= await e.startWorker();
    }
  });

  it('expires after its retention: 410 and no URL, the archive deleted by the GET or the sweep', async () => {
    const u = await connectedUser(e, ['strava']);
    const first = await waitForExport(u.token, (await post(u.token)).body.jobId);
    const second = await waitForExport(u.token, (await post(u.token)).body.jobId);
    expect([first.status, second.status]).to.deep.equal(['SUCCEEDED', 'SUCCEEDED']);
    expect(await settledObjectsOf(u.userId)).to.have.length(2);

    // 71 hours later both are still there; 73 hours later neither.
    const before = clock.now();
    try {
      startProcessClockAt(before + 71 * HOUR);
      let token = await e.h.token(u.userId);
      expect((await get(token, first.jobId)).status).to.equal(200);

      startProcessClockAt(before + 73 * HOUR);
      token = await e.h.token(u.userId);
      const gone = await get(token, first.jobId);
      expect(gone.status).to.equal(410);
      expect(gone.body).to.include({ code: 'export_expired' });
      expect(gone.text).to.not.include('downloadUrl');
      expect(await objectsOf(u.userId)).to.deep.equal([`${u.userId}/${second.jobId}.zip`]);

      // The worker's sweep deletes the other one without anybody asking for it.
      const db = createDocumentStore(e.h.config);
      const store = new S3ExportArchiveStore(e.h.config, e.h.config.EXPORT_BUCKET!);
      try {
        const sweeper = new ExpiredExportSweeper({
          exports: new ExportJobRepository(db, e.h.config.TABLE_NAME),
          store,
          logger: createLogger({ level: 'silent', service: 'test' }),
          intervalSeconds: 0,
        });
        expect(await sweeper.sweep()).to.be.greaterThanOrEqual(1);
        expect(await objectsOf(u.userId)).to.deep.equal([]);
        expect(await sweeper.sweep()).to.equal(0);
      } finally {
        store.close();
        db.destroy();
      }
      expect((await get(token, second.jobId)).status).to.equal(410);
    } finally {
      startProcessClockAt(clock.now() - 73 * HOUR);
    }
  });
});
