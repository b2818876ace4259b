// The SDK's device module against the real API, worker and provider sandbox (through the device
// simulator's in-memory health store): upload batches and lastSyncTime, the offline log, a body the
// API finds too large, the write journal after a lost confirmation, pushes and pulls of the same
// work side by side, and push payloads as FCM delivers them.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  ApiError,
  HealthStoreUnavailableError,
  NetworkError,
  type CanonicalRecord,
} from '../../client-sdk/dist/index.js';
import { clock } from '../../core/clock/clock.js';
import type { CanonicalWorkout, SyncJob } from '../../core/domain/types.js';
import { DeviceSimulator } from '../support/deviceSimulator.js';
import { connectedUser, createSyncConfig, requestSync, startE2E, until, type E2E } from '../e2e/support.js';
import { connectionRefused, observingFetch, problemResponse, type Fault } from './support.js';

const HOUR = 3_600_000;

let runs = 0;
/**
 * A run about `hoursAgo` back, saved 5 minutes after it ended. Each has its own minute and length:
 * runs a whole number of hours apart with the same length look like one run with a time-zone bug.
 */
function run(hoursAgo: number, notes?: string): CanonicalWorkout {
  runs += 1;
  const start = Math.floor(clock.now() / HOUR) * HOUR - hoursAgo * HOUR + (1 + 4 * (runs % 14)) * 60_000;
  const seconds = 1200 + 97 * (runs % 20);
  return {
    recordId: randomUUID().toUpperCase(),
    sourceId: 'com.apple.health',
    provider: 'apple_health',
    workoutType: 'running',
    title: `Run ${runs}`,
    ...(notes ? { notes } : {}),
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + seconds * 1000).toISOString(),
    durationSeconds: seconds,
    distanceMeters: seconds * 3,
    calories: Math.round(seconds / 6),
    timezone: 'Europe/Berlin',
    lastModified: new Date(start + seconds * 1000 + 5 * 60_000).toISOString(),
  };
}

const uploads = (seen: { method: string; url: string; body: string | undefined }[]) =>
  seen
    .filter((r) => r.method === 'POST' && r.url.endsWith('/v1/device-upload'))
    .map((r) => (JSON.parse(r.body!) as { records: CanonicalRecord[] }).records.length);

describe('client SDK device module', function () {
  this.timeout(60_000);
  let e: E2E;

  before(async () => {
    e = await startE2E({ SYNC_INITIAL_LOOKBACK_DAYS: '7' });
  });
  after(async () => {
    await e?.stop();
  });

  /** An empty persona with Strava, and a phone whose requests `fault` may answer or break. */
  async function stravaPhone(
    fault: Fault = () => undefined,
    extra: { maxBatchRecords?: number; maxBatchBytes?: number } = {},
  ) {
    const u = await connectedUser(e, ['strava'], undefined, { empty: true });
    const observed = observingFetch(fault);
    const phone = await DeviceSimulator.start({
      baseUrl: e.h.api.url,
      userId: u.userId,
      fetch: observed.fetch,
      retry: { maxAttempts: 1 },
      ...extra,
    });
    const atStrava = () => e.h.stack.sandbox.records('strava', u.person.sandboxUserId, 'workout');
    return { ...u, phone, observed, atStrava };
  }

  it('uploads oldest change first in batches, moves lastSyncTime per answered batch and resumes after a failure', async () => {
    let uploadCalls = 0;
    const u = await stravaPhone(
      (r) =>
        r.url.endsWith('/v1/device-upload') && ++uploadCalls === 2
          ? problemResponse(503, 'provider_unavailable', { 'retry-after': '1' })
          : undefined,
      { maxBatchRecords: 2 },
    );
    const records = [5, 30, 12, 50, 20].map((h) => u.phone.store.seed(run(h)));
    const byChange = [...records].sort((a, b) => a.lastModified.localeCompare(b.lastModified));

    const failed = await u.phone.device
      .upload('workout', u.connections.strava)
      .catch((error: unknown) => error);
    expect(failed).to.be.instanceOf(ApiError).and.to.include({ status: 503 });
    // The first batch (the two oldest changes) was answered: lastSyncTime is its watermark.
    expect(await u.phone.device.lastSyncTime('workout', u.connections.strava)).to.equal(
      byChange[1]!.lastModified,
    );
    expect(u.atStrava()).to.have.length(2);

    const resumed = await u.phone.device.upload('workout', u.connections.strava);
    expect(resumed).to.include({ changed: 3, batches: 2, written: 3, skipped: 0 });
    expect(resumed.results.map((r) => r.recordId)).to.deep.equal(byChange.slice(2).map((r) => r.recordId));
    expect(resumed.lastSyncTime).to.equal(byChange[4]!.lastModified);
    expect(uploads(u.observed.seen)).to.deep.equal([2, 2, 2, 1]);
    expect(u.atStrava()).to.have.length(5);
  });

  it('reports a store that cannot be read before throwing, and uploads again once it is connected again', async () => {
    const u = await stravaPhone();
    const records = [u.phone.store.seed(run(30)), u.phone.store.seed(run(20))];
    u.phone.store.unavailable = 'not_supported';
    const error = await u.phone.device.upload('workout', u.connections.strava).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(HealthStoreUnavailableError);
    expect((error as HealthStoreUnavailableError).reason).to.equal('not_supported');
    const unavailable = u.observed.seen.filter((r) =>
      r.url.endsWith('/v1/device-connections/apple_health/unavailable'),
    );
    expect(unavailable.map((r) => JSON.parse(r.body!) as unknown)).to.deep.equal([
      { reason: 'not_supported' },
    ]);
    const listed = await u.phone.client.listConnections();
    expect(listed.connections.find((c) => c.provider === 'apple_health')?.status).to.equal('needs_reauth');
    expect(u.atStrava()).to.have.length(0);

    u.phone.store.unavailable = undefined;
    expect((await u.phone.device.connectHealthStore()).status).to.equal('active');
    const summary = await u.phone.device.upload('workout', u.connections.strava);
    expect(summary).to.include({ changed: 2, written: 2 });
    expect(u.atStrava()).to.have.length(records.length);
  });

  it('puts an upload made offline in the offline log, and does not move lastSyncTime until an answer', async () => {
    const u = await stravaPhone();
    for (const h of [8, 16, 24]) u.phone.store.seed(run(h));
    u.phone.setOffline(true);
    const offline = await u.phone.device.upload('workout', u.connections.strava);
    expect(offline).to.include({ changed: 3, batches: 0, lastSyncTime: undefined });
    expect(offline.queued?.endpoint).to.equal('POST /v1/device-upload');
    expect(await u.phone.offlineLog.list()).to.deep.equal([offline.queued]);
    expect(await u.phone.device.lastSyncTime('workout', u.connections.strava)).to.equal(undefined);

    u.phone.setOffline(false);
    const replay = await u.phone.client.replayOfflineActions();
    expect(replay.sent.map((s) => s.status)).to.deep.equal([200]);
    expect(u.atStrava()).to.have.length(3);
    // The replay's answer went to the offline log, not to the module: the next upload sends the
    // records again, the API skips them, and lastSyncTime moves.
    const next = await u.phone.device.upload('workout', u.connections.strava);
    expect(next).to.include({ changed: 3, written: 0, skipped: 3 });
    expect(next.lastSyncTime).to.be.a('string');
    expect(u.atStrava()).to.have.length(3);
  });

  it('halves a batch the API answers 413 and uploads it all', async () => {
    // The test API's body limit is 64 kB; 8 runs with 10 kB of notes each are over it.
    const u = await stravaPhone(undefined, { maxBatchBytes: 1_000_000 });
    for (let i = 0; i < 8; i += 1) u.phone.store.seed(run(4 + i * 3, 'n'.repeat(10_000)));
    const summary = await u.phone.device.upload('workout', u.connections.strava);
    expect(uploads(u.observed.seen)).to.deep.equal([8, 4, 4]);
    expect(summary).to.include({ changed: 8, batches: 2, written: 8 });
    expect(u.atStrava()).to.have.length(8);
  });

  describe('cloud → device', () => {
    async function jobStatus(userId: string, jobId: string): Promise<SyncJob> {
      const r = await e.h.request<SyncJob>('GET', `/v1/sync-jobs/${jobId}`, {
        token: await e.h.token(userId, { tier: 'PRO' }),
      });
      return r.body;
    }
    async function parkedJob(platform: 'ios' | 'android', fault: Fault = () => undefined) {
      const u = await connectedUser(e, ['garmin']);
      const observed = observingFetch(fault);
      const phone = await DeviceSimulator.start({
        baseUrl: e.h.api.url,
        userId: u.userId,
        platform,
        fetch: observed.fetch,
        retry: { maxAttempts: 1 },
      });
      await createSyncConfig(e.h, u.token, u.connections.garmin, phone.healthConnectionId, 'workout');
      const jobId = await requestSync(
        e.h,
        u.token,
        u.connections.garmin,
        phone.healthConnectionId,
        'workout',
      );
      await until(
        async () => (await jobStatus(u.userId, jobId)).status === 'WAITING_FOR_DEVICE',
        30_000,
        `job ${jobId} to wait for the device`,
      );
      return { ...u, phone, jobId };
    }

    it('keeps a journal of what it wrote when the confirmation is lost, and never writes twice', async () => {
      let refuse = true;
      const u = await parkedJob('ios', (r) =>
        refuse && r.url.includes('/v1/confirm-write/') ? ((refuse = false), connectionRefused()) : undefined,
      );
      const first = await u.phone.device.pullPendingWork();
      expect(first.map((o) => o.kind + ':' + ('status' in o ? o.status : ''))).to.deep.equal([
        'read:answered',
        'write:failed',
      ]);
      expect(first[1]).to.have.property('error').that.is.instanceOf(NetworkError);
      const written = u.phone.store.writes.length;
      expect(written).to.be.greaterThan(0);
      // The journal holds ids only.
      const journal = (await u.phone.state.get('syncwell.device.writeJournal'))!;
      expect(Object.keys(JSON.parse(journal) as object)).to.deep.equal([u.jobId]);
      for (const r of u.phone.store.all('workout'))
        expect(journal).to.not.include((r as CanonicalWorkout).startTime);

      // The write push and the launch-time pull arrive together: one confirms, nothing is written again.
      const write = { schemaVersion: 1, type: 'device_write_request', jobId: u.jobId, dataType: 'workout' };
      const [pushed, pulled] = await Promise.all([
        u.phone.device.handlePush(write),
        u.phone.device.pullPendingWork(),
      ]);
      expect(pushed).to.deep.equal([
        { kind: 'write', jobId: u.jobId, status: 'confirmed', written, failed: 0, alreadyPresent: 0 },
      ]);
      expect(pulled).to.deep.equal([]);
      expect(u.phone.store.writes).to.have.length(written);
      expect(await u.phone.state.get('syncwell.device.writeJournal')).to.equal(undefined);
      const job = await jobStatus(u.userId, u.jobId);
      expect(job.status).to.equal('SUCCEEDED');
      expect(job.result).to.include({ recordsWritten: written });
    });

    it('confirms what the store already held as already present: not written again, synced under the store id', async () => {
      const u = await parkedJob('ios');
      const { requests } = await u.phone.client.listDeviceRequests();
      const read = requests[0]!;
      const answered = await u.phone.client.submitDeviceReadResponse({
        jobId: u.jobId,
        requestId: read.requestId!,
        records: [],
      });
      expect(answered.status).to.equal('WAITING_FOR_DEVICE');
      const staged = await u.phone.client.getStagedData(u.jobId);
      const held = staged.records[0]!.recordId;
      // HealthKit's sync identifier matches a sample another app saved a moment ago.
      u.phone.store.alreadyThere.set(held, 'HK-SAMPLE-1');
      const outcomes = await u.phone.device.pullPendingWork();
      expect(outcomes).to.deep.equal([
        {
          kind: 'write',
          jobId: u.jobId,
          status: 'confirmed',
          written: staged.records.length - 1,
          failed: 0,
          alreadyPresent: 1,
        },
      ]);
      expect(u.phone.store.writes.map((w) => w.recordId)).not.to.include(held);
      const job = await jobStatus(u.userId, u.jobId);
      expect(job.status).to.equal('SUCCEEDED');
      expect(job.result).to.include({ recordsWritten: staged.records.length - 1 });
    });

    it('gives a staged write up when the store became unusable: the backend fails the job and the store needs connecting again', async () => {
      const u = await parkedJob('android');
      const { requests } = await u.phone.client.listDeviceRequests();
      expect(
        (
          await u.phone.client.submitDeviceReadResponse({
            jobId: u.jobId,
            requestId: requests[0]!.requestId!,
            records: [],
          })
        ).status,
      ).to.equal('WAITING_FOR_DEVICE');
      // The user took SyncWell's Health Connect permissions away after the read.
      u.phone.store.unavailable = 'permission_denied';
      expect(await u.phone.device.pullPendingWork()).to.deep.equal([
        { kind: 'write', jobId: u.jobId, status: 'store_unavailable', reason: 'permission_denied' },
      ]);
      expect(u.phone.store.writes).to.deep.equal([]);
      const job = await jobStatus(u.userId, u.jobId);
      expect([job.status, job.error?.code]).to.deep.equal(['FAILED', 'device_store_unavailable']);
      expect(await u.phone.state.get('syncwell.device.writeJournal')).to.equal(undefined);
      expect(await u.phone.device.pullPendingWork()).to.deep.equal([]);
      u.phone.store.unavailable = undefined;
      expect((await u.phone.device.connectHealthStore()).status).to.equal('active');
    });

    it('handles a read push as FCM delivers it (strings only) on Android, and ignores other payloads', async () => {
      const u = await parkedJob('android');
      expect(u.phone.device.source).to.equal('health_connect');
      const { requests } = await u.phone.client.listDeviceRequests();
      const read = requests[0]!;
      const fcmData = {
        schemaVersion: '1',
        type: 'device_read_request',
        jobId: u.jobId,
        requestId: read.requestId!,
        dataType: read.dataType,
        // The contract's DeviceReadRequest as the backend sends it: the window as two instants.
        windowStart: read.window.start,
        windowEnd: read.window.end,
        respondBy: read.expiresAt,
      };
      const outcomes = await u.phone.device.handlePush(fcmData);
      expect(outcomes.map((o) => o.kind + ':' + ('status' in o ? o.status : ''))).to.deep.equal([
        'read:answered',
        'write:confirmed',
      ]);
      expect(u.phone.store.all('workout').every((r) => r.provider === 'health_connect')).to.equal(true);
      expect((await jobStatus(u.userId, u.jobId)).status).to.equal('SUCCEEDED');

      for (const payload of [{ type: 'export_ready', jobId: 'exp_1' }, 'not an object', null])
        expect(await u.phone.device.handlePush(payload)).to.deep.equal([
          { kind: 'ignored', type: typeof payload === 'object' && payload ? 'export_ready' : undefined },
        ]);
    });
  });
});
