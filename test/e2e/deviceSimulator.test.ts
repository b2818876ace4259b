// The phone end to end: a device simulator (the SDK's device module over an in-memory HealthKit)
// against the real API, worker and provider sandbox. Apple Health → Strava exactly once; Garmin →
// Apple Health with the phone online, offline then back, and offline past the 24-hour deadline; and
// a second user's phone that can see or touch none of it.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ApiError, NetworkError, type DeviceWorkOutcome } from '../../client-sdk/dist/index.js';
import { clock, startProcessClockAt } from '../../core/clock/clock.js';
import type { CanonicalWorkout, SyncJob, WorkoutType } from '../../core/domain/types.js';
import type { Persona } from '../../infra/local/sandbox/persona.js';
import type { Harness } from '../support/harness.js';
import { DeviceSimulator } from '../support/deviceSimulator.js';
import {
  connectedUser,
  createSyncConfig,
  inJobWindow,
  requestSync,
  startE2E,
  until,
  type E2E,
} from './support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function workout(
  startMs: number,
  seconds: number,
  o: {
    sourceId: string;
    title: string;
    workoutType?: WorkoutType;
    distanceMeters?: number | null;
    /** When the sample was saved, after the workout's end (default 5 minutes). */
    savedAfterMs?: number;
  },
): CanonicalWorkout {
  const end = startMs + seconds * 1000;
  return {
    recordId: randomUUID().toUpperCase(),
    sourceId: o.sourceId,
    provider: 'apple_health',
    workoutType: o.workoutType ?? 'running',
    title: o.title,
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(end).toISOString(),
    durationSeconds: seconds,
    distanceMeters: o.distanceMeters === undefined ? seconds * 3 : o.distanceMeters,
    calories: Math.round(seconds / 6),
    timezone: 'America/New_York',
    lastModified: new Date(end + (o.savedAfterMs ?? 5 * 60_000)).toISOString(),
  };
}

/**
 * A start about `daysAgo` days back that no persona workout comes within 3 hours of: a new run. At
 * 7 past the hour, where persona workouts never start, so no whole-hour shift of one matches it either.
 */
function freeStart(persona: Persona, daysAgo: number): number {
  let t = Math.floor((clock.now() - daysAgo * DAY) / HOUR) * HOUR + 7 * 60_000;
  while (persona.workouts.some((w) => Math.abs(Date.parse(w.start) - t) < 3 * HOUR)) t += HOUR;
  return t;
}

async function jobOf(h: Harness, userId: string, jobId: string): Promise<SyncJob> {
  const r = await h.request<SyncJob>('GET', `/v1/sync-jobs/${jobId}`, {
    token: await h.token(userId, { tier: 'PRO' }),
  });
  expect(r.status, r.text).to.equal(200);
  return r.body;
}

async function waitForStatus(h: Harness, userId: string, jobId: string, statuses: SyncJob['status'][]) {
  let last: SyncJob | undefined;
  await until(
    async () => statuses.includes((last = await jobOf(h, userId, jobId)).status),
    30_000,
    `job ${jobId} to be ${statuses.join(' or ')} (last ${last?.status})`,
  );
  return last!;
}

/** A user with Garmin (a persona's month of workouts) and a phone syncing Garmin → Apple Health. */
async function garminToPhone(e: E2E, phoneOptions: { maxBatchRecords?: number } = {}) {
  const user = await connectedUser(e, ['garmin']);
  const phone = await DeviceSimulator.start({ baseUrl: e.h.api.url, userId: user.userId, ...phoneOptions });
  await createSyncConfig(e.h, user.token, user.connections.garmin, phone.healthConnectionId, 'workout');
  const garminViews = () => e.h.stack.sandbox.records('garmin', user.person.sandboxUserId, 'workout');
  const sync = () =>
    requestSync(e.h, user.token, user.connections.garmin, phone.healthConnectionId, 'workout');
  return { ...user, phone, garminViews, sync };
}

/** The pushes the backend sends for a job, as the phone receives them (ids and times only). */
async function pushesFor(phone: DeviceSimulator, jobId: string) {
  const { requests } = await phone.client.listDeviceRequests();
  const read = requests.find((r) => r.jobId === jobId && r.kind === 'read')!;
  expect(read, `a read request for ${jobId}`).to.not.equal(undefined);
  return {
    read: {
      schemaVersion: 1,
      type: 'device_read_request',
      jobId,
      requestId: read.requestId,
      dataType: read.dataType,
      dateRange: read.window,
      respondBy: read.expiresAt,
    },
    write: { schemaVersion: 1, type: 'device_write_request', jobId, dataType: 'workout', recordCount: 1 },
  };
}

const steps = (outcomes: DeviceWorkOutcome[]) =>
  outcomes.map((o) => ('jobId' in o ? [o.kind, o.jobId, o.status] : [o.kind]));

describe('device simulator end to end', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    // A week, not a month: each round trip reads Garmin twice, and the sandbox enforces Garmin's
    // real per-user budget.
    e = await startE2E({ SYNC_INITIAL_LOOKBACK_DAYS: '7' });
  });
  after(async () => {
    await e?.stop();
  });

  it('Apple Health → Strava: each run once; a run Strava already has is not written again', async () => {
    const u = await connectedUser(e, ['strava']);
    const phone = await DeviceSimulator.start({ baseUrl: e.h.api.url, userId: u.userId, maxBatchRecords: 2 });
    const now = clock.now();
    // The watch's run, auto-uploaded to Strava and written to Apple Health by Garmin Connect.
    const known = u.person.persona.workouts.find(
      (w) =>
        w.recordedBy.includes('strava') &&
        !w.tzBug &&
        Date.parse(w.start) > now - 6 * DAY &&
        Date.parse(w.start) < now - 2 * HOUR,
    )!;
    expect(known, 'the persona has a run on Strava this week').to.not.equal(undefined);
    const onStrava = phone.store.seed(
      workout(Date.parse(known.start), known.elapsedSeconds, {
        sourceId: 'com.garmin.connect',
        title: known.title,
        workoutType: known.workoutType,
        distanceMeters: known.distanceMeters,
        // Saved as it ended, as Strava's copy says: neither is newer, so Strava's copy stays.
        savedAfterMs: 0,
      }),
    );
    const fresh = [2, 3].map((d) =>
      phone.store.seed(
        workout(freeStart(u.person.persona, d), 1800, {
          sourceId: 'com.apple.health',
          title: `Watch run ${d}`,
        }),
      ),
    );
    const atStrava = () => e.h.stack.sandbox.records('strava', u.person.sandboxUserId, 'workout');
    const before = atStrava().length;

    const first = await phone.device.upload('workout', u.connections.strava);
    expect(first).to.include({ changed: 3, batches: 2, written: 2, skipped: 1 });
    expect(first.results.find((r) => r.recordId === onStrava.recordId)?.status).to.equal('skipped');
    expect(first.results.filter((r) => r.status === 'written').map((r) => r.recordId)).to.have.members(
      fresh.map((r) => r.recordId),
    );
    const latest = [onStrava, ...fresh]
      .map((r) => r.lastModified)
      .sort()
      .at(-1)!;
    expect(first.lastSyncTime).to.equal(new Date(latest).toISOString());
    expect(await phone.device.lastSyncTime('workout', u.connections.strava)).to.equal(first.lastSyncTime);
    expect(atStrava()).to.have.length(before + 2);

    // Nothing changed since: nothing is sent.
    expect(await phone.device.upload('workout', u.connections.strava)).to.include({ changed: 0, batches: 0 });
    // The app lost its state (reinstalled): everything goes up again, and nothing is written twice.
    const again = await phone.withFreshState().device.upload('workout', u.connections.strava);
    expect(again).to.include({ changed: 3, written: 0, skipped: 3 });
    expect(atStrava()).to.have.length(before + 2);
  });

  it('Garmin → Apple Health, phone online: one pull reads then writes each workout once; a second job writes nothing', async () => {
    const u = await garminToPhone(e);
    // One run is already in Apple Health (Garmin Connect wrote it): the backend must not stage it.
    // The latest of the week, so that the second job's window (from the watermark less the overlap)
    // most likely holds it too.
    const [already] = u
      .garminViews()
      .filter((v) => Date.parse(v.startTime) > clock.now() - 6 * DAY)
      .sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
    expect(already).to.not.equal(undefined);
    u.phone.store.seed(
      workout(Date.parse(already!.startTime), already!.durationSeconds!, {
        sourceId: 'com.garmin.connect',
        title: 'Run',
        workoutType: already!.workoutType!,
        distanceMeters: already!.distanceMeters ?? null,
      }),
    );

    const jobId = await u.sync();
    await waitForStatus(e.h, u.userId, jobId, ['WAITING_FOR_DEVICE']);
    const pushes = await pushesFor(u.phone, jobId);
    const outcomes = await u.phone.device.pullPendingWork();
    expect(steps(outcomes)).to.deep.equal([
      ['read', jobId, 'answered'],
      ['write', jobId, 'confirmed'],
    ]);
    const job = await jobOf(e.h, u.userId, jobId);
    expect(job.status).to.equal('SUCCEEDED');

    const inWindow = inJobWindow(job);
    const expected = u.garminViews().filter((v) => inWindow(v.startTime));
    const written = u.phone.store.writes.map((w) => w.recordId);
    expect(new Set(written).size, 'no Garmin workout written twice').to.equal(written.length);
    expect(written).to.have.members(expected.map((v) => v.id).filter((id) => id !== already!.id));
    expect(u.phone.store.all('workout')).to.have.length(expected.length);
    expect(job.result).to.include({ recordsWritten: written.length });

    // The pushes arrive late, after the pull did the work: nothing happens twice.
    expect(await u.phone.device.handlePush(pushes.read)).to.deep.equal([
      { kind: 'read', jobId, status: 'gone' },
    ]);
    expect(await u.phone.device.handlePush(pushes.write)).to.deep.equal([
      { kind: 'write', jobId, status: 'gone' },
    ]);

    // What the phone wrote, and the run it already held (under its HealthKit id), are in the ledger:
    // the second job finds nothing new and does not ask the phone at all.
    const again = await u.sync();
    const second = await waitForStatus(e.h, u.userId, again, ['SUCCEEDED', 'WAITING_FOR_DEVICE', 'FAILED']);
    expect(second.status, 'the second job asks the phone nothing').to.equal('SUCCEEDED');
    expect(second.result).to.include({ recordsWritten: 0 });
    expect(await u.phone.device.pullPendingWork()).to.deep.equal([]);
    expect(u.phone.store.writes).to.have.length(written.length);
  });

  it('Garmin → Apple Health, phone offline then back: the requests wait, one pull completes them', async () => {
    const u = await garminToPhone(e);
    u.phone.setOffline(true);
    const first = await u.sync();
    await waitForStatus(e.h, u.userId, first, ['WAITING_FOR_DEVICE']);
    const second = await u.sync();
    await waitForStatus(e.h, u.userId, second, ['WAITING_FOR_DEVICE']);
    expect(await u.phone.device.pullPendingWork().catch((error: unknown) => error)).to.be.instanceOf(
      NetworkError,
    );
    expect(u.phone.store.writes).to.deep.equal([]);

    u.phone.setOffline(false);
    const outcomes = await u.phone.device.pullPendingWork();
    expect(steps(outcomes)).to.deep.equal([
      ['read', first, 'answered'],
      ['write', first, 'confirmed'],
      ['read', second, 'answered'],
    ]);
    // The second read found the first job's workouts on the phone (and in the ledger): nothing to stage.
    expect(outcomes[2]).to.include({ jobStatus: 'SUCCEEDED', staged: 0 });
    const job = await jobOf(e.h, u.userId, first);
    expect(job.status).to.equal('SUCCEEDED');
    expect((await jobOf(e.h, u.userId, second)).status).to.equal('SUCCEEDED');
    const inWindow = inJobWindow(job);
    const written = u.phone.store.writes.map((w) => w.recordId);
    expect(written).to.have.members(
      u
        .garminViews()
        .filter((v) => inWindow(v.startTime))
        .map((v) => v.id),
    );
    expect(new Set(written).size).to.equal(written.length);
    expect(await u.phone.device.pullPendingWork()).to.deep.equal([]);
  });

  it('Garmin → Apple Health, a phone holding more than one answer carries: each job syncs the part it can decide, every workout once', async () => {
    // A phone whose answers carry at most 100 records (the contract's bound is 500; fewer keeps it short).
    const u = await garminToPhone(e, { maxBatchRecords: 100 });
    const jobId = await u.sync();
    await waitForStatus(e.h, u.userId, jobId, ['WAITING_FOR_DEVICE']);
    const { requests } = await u.phone.client.listDeviceRequests();
    const { window } = requests.find((r) => r.jobId === jobId)!;
    const windowStart = Date.parse(window.start);
    const every = Math.floor((Date.parse(window.end) - windowStart) / 110);
    // 110 yoga sessions of the phone's own (no Garmin run or ride matches one) across the read window.
    const yoga = Array.from({ length: 110 }, (_, i) =>
      Date.parse(
        (
          u.phone.store.seed(
            workout(windowStart + HOUR + i * every, 10 * 60, {
              sourceId: 'com.apple.health',
              title: 'Yoga',
              workoutType: 'yoga',
              distanceMeters: null,
            }),
          ) as CanonicalWorkout
        ).startTime,
      ),
    );
    const first = await u.phone.device.pullPendingWork();
    const job = await jobOf(e.h, u.userId, jobId);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    // The answer carried the earliest 100 and said where the 101st starts; decided: up to 48 hours
    // before it, where no session left out can match.
    expect(first[0]).to.include({ kind: 'read', jobId, status: 'answered', records: 100 });
    expect(job.result?.window?.until).to.equal(new Date(yoga[100]! - 48 * HOUR).toISOString());
    const firstPart = u
      .garminViews()
      .filter((v) => inJobWindow(job)(v.startTime))
      .map((v) => v.id);
    expect(firstPart.length, 'the persona has Garmin workouts in the decided part').to.be.greaterThan(0);
    expect(u.phone.store.writes.map((w) => w.recordId)).to.have.members(firstPart);

    // The next job asks from its first undecided workout on; the rest fits one answer.
    const again = await u.sync();
    await waitForStatus(e.h, u.userId, again, ['WAITING_FOR_DEVICE']);
    const second = await u.phone.device.pullPendingWork();
    expect(steps(second)).to.deep.equal([
      ['read', again, 'answered'],
      ['write', again, 'confirmed'],
    ]);
    const next = await jobOf(e.h, u.userId, again);
    expect(next.status).to.equal('SUCCEEDED');
    const written = u.phone.store.writes.map((w) => w.recordId);
    expect(new Set(written).size, 'no Garmin workout written twice').to.equal(written.length);
    const inRequestedWindow = (t: string) =>
      Date.parse(t) >= windowStart && Date.parse(t) < Date.parse(window.end);
    expect(written, 'every Garmin workout of the window, once').to.have.members(
      u
        .garminViews()
        .filter((v) => inRequestedWindow(v.startTime))
        .map((v) => v.id),
    );
    expect(await u.phone.device.pullPendingWork()).to.deep.equal([]);
  });

  it('a phone answer whose records cannot be decided (all within 48 hours) fails the job with its reason; a covered instant outside the window is refused', async () => {
    const u = await garminToPhone(e);
    const jobId = await u.sync();
    await waitForStatus(e.h, u.userId, jobId, ['WAITING_FOR_DEVICE']);
    const { requests } = await u.phone.client.listDeviceRequests();
    const read = requests.find((r) => r.jobId === jobId && r.kind === 'read')!;
    const start = Date.parse(read.window.start);
    const outside = await u.phone.client
      .submitDeviceReadResponse({
        jobId,
        requestId: read.requestId!,
        records: [],
        coveredUntil: new Date(start - HOUR).toISOString(),
      })
      .catch((error: unknown) => error);
    expect(outside).to.be.instanceOf(ApiError);
    expect((outside as ApiError).status).to.equal(400);
    expect((outside as ApiError).problem?.code).to.equal('validation_failed');
    expect((await jobOf(e.h, u.userId, jobId)).status, 'nothing changed').to.equal('WAITING_FOR_DEVICE');

    const dense = Array.from({ length: 100 }, (_, i) =>
      workout(start + HOUR + i * 60_000, 30, {
        sourceId: 'com.apple.health',
        title: 'Breath',
        workoutType: 'yoga',
      }),
    );
    const answer = await u.phone.client.submitDeviceReadResponse({
      jobId,
      requestId: read.requestId!,
      records: dense,
      coveredUntil: new Date(start + 10 * HOUR).toISOString(),
    });
    expect(answer).to.include({ status: 'FAILED', recordCount: 0 });
    const job = await jobOf(e.h, u.userId, jobId);
    expect([job.status, job.error?.code]).to.deep.equal(['FAILED', 'device_window_too_dense']);
    expect(await u.phone.device.pullPendingWork()).to.deep.equal([]);
  });

  it('Garmin → Apple Health, phone offline past 24 hours: the job fails device_unreachable and no work is left', async () => {
    const u = await garminToPhone(e);
    u.phone.setOffline(true);
    const jobId = await u.sync();
    await waitForStatus(e.h, u.userId, jobId, ['WAITING_FOR_DEVICE']);
    u.phone.setOffline(false);
    const pushes = await pushesFor(u.phone, jobId);
    u.phone.setOffline(true);

    const before = clock.now();
    startProcessClockAt(before + 25 * HOUR);
    try {
      u.phone.setOffline(false);
      // The phone's token has expired by now: the SDK gets a new one on the 401.
      expect(await u.phone.device.pullPendingWork()).to.deep.equal([]);
      const failed = await jobOf(e.h, u.userId, jobId);
      expect(failed.status).to.equal('FAILED');
      expect(failed.error?.code).to.equal('device_unreachable');
      expect(await u.phone.device.handlePush(pushes.read)).to.deep.equal([
        { kind: 'read', jobId, status: 'gone' },
      ]);
      expect(u.phone.store.writes).to.deep.equal([]);
    } finally {
      startProcessClockAt(clock.now() - 25 * HOUR);
    }
  });

  it("a second user's phone sees none of the first user's work and can neither fetch nor confirm it", async () => {
    const a = await garminToPhone(e);
    const jobId = await a.sync();
    await waitForStatus(e.h, a.userId, jobId, ['WAITING_FOR_DEVICE']);
    const pushes = await pushesFor(a.phone, jobId);
    // A's phone answers the read (the records are staged), but has not written yet.
    const answered = await a.phone.client.submitDeviceReadResponse({
      jobId,
      requestId: pushes.read.requestId!,
      records: [],
    });
    expect(answered.status).to.equal('WAITING_FOR_DEVICE');

    const b = await connectedUser(e, []);
    const mallory = await DeviceSimulator.start({ baseUrl: e.h.api.url, userId: b.userId });
    expect(await mallory.device.pullPendingWork()).to.deep.equal([]);
    expect(await mallory.device.handlePush(pushes.read)).to.deep.equal([
      { kind: 'read', jobId, status: 'gone' },
    ]);
    expect(await mallory.device.handlePush(pushes.write)).to.deep.equal([
      { kind: 'write', jobId, status: 'gone' },
    ]);
    const confirm = await mallory.client
      .confirmDeviceWrite(jobId, { writtenRecordIds: ['x'] })
      .catch((error: unknown) => error);
    expect(confirm).to.be.instanceOf(ApiError).and.to.include({ status: 404 });
    expect(mallory.store.writes).to.deep.equal([]);
    expect((await jobOf(e.h, a.userId, jobId)).status).to.equal('WAITING_FOR_DEVICE');

    // A's phone gets the write push and completes the job.
    const done = await a.phone.device.handlePush(pushes.write);
    expect(done).to.deep.equal([
      {
        kind: 'write',
        jobId,
        status: 'confirmed',
        written: answered.recordCount,
        failed: 0,
        alreadyPresent: 0,
      },
    ]);
    expect((await jobOf(e.h, a.userId, jobId)).status).to.equal('SUCCEEDED');
    expect(a.phone.store.writes).to.have.length(answered.recordCount!);
  });
});
