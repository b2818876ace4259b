// The phone end to end: a device simulator (the SDK's device module over an in-memory HealthKit)
// against the real API, worker and provider sandbox. Apple Health → Strava exactly once; Garmin →
// Apple Health with the phone online, offline then back, and offline past the 24-hour deadline;
// Google Health → Apple Health with more records than one answer or one staging carries; and a
// second user's phone that can see or touch none of it.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ApiError, NetworkError, type DeviceWorkOutcome } from '../../client-sdk/dist/index.js';
import { clock, startProcessClockAt } from '../../core/clock/clock.js';
import type { CanonicalWorkout, SyncJob, WorkoutType } from '../../core/domain/types.js';
import type { Persona } from '../../infra/local/sandbox/persona.js';
import { googleHealthProfile } from '../../core/providers/googleHealth/profile.js';
import type { Harness } from '../support/harness.js';
import { DeviceSimulator } from '../support/deviceSimulator.js';
import {
  connectedUser,
  createSyncConfig,
  dynamicConfigFile,
  inJobWindow,
  recordGoogleHealthRun,
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
    `job ${jobId} to be ${statuses.join(' or ')}`,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message} (last ${JSON.stringify(last)})`);
  });
  return last!;
}

/** A user with Garmin (a persona's month of workouts) and a phone syncing Garmin → Apple Health. */
async function garminToPhone(e: E2E) {
  const user = await connectedUser(e, ['garmin']);
  const phone = await DeviceSimulator.start({ baseUrl: e.h.api.url, userId: user.userId });
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

  let dynamicConfig: Awaited<ReturnType<typeof dynamicConfigFile>>;

  before(async () => {
    // Google Health (one suite's source) is rolled out behind its profile's flag: open to everyone here.
    dynamicConfig = await dynamicConfigFile({
      flags: { [googleHealthProfile.rolloutFlag]: { enabled: true, percentage: 100 } },
    });
    // A week, not a month: each round trip reads Garmin twice, and the sandbox enforces Garmin's
    // real per-user budget.
    e = await startE2E({
      SYNC_INITIAL_LOOKBACK_DAYS: '7',
      // A phone's answer of up to 500 records fits, as with the API's default body limit.
      BODY_LIMIT: '1mb',
      ...dynamicConfig.env,
    });
  });
  after(async () => {
    await e?.stop();
    await dynamicConfig?.remove();
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

  it('a phone holding more records than one answer carries: each job syncs the part it can decide, every run once', async () => {
    const { userId, token, person, connections } = await connectedUser(e, ['google_health'], undefined, {
      empty: true,
    });
    // A phone whose answers carry at most 100 records (the contract's bound is 500; fewer keeps it short).
    const phone = await DeviceSimulator.start({ baseUrl: e.h.api.url, userId, maxBatchRecords: 100 });
    await createSyncConfig(e.h, token, connections.google_health, phone.healthConnectionId, 'workout');
    const now = clock.now();
    // Two runs the tracker recorded, six days and one day ago.
    const runs = [now - 6 * DAY, now - DAY].map((at) => Math.floor(at / HOUR) * HOUR + 20 * 60_000);
    for (const [i, start] of runs.entries())
      recordGoogleHealthRun(e, person.sandboxUserId, { start, minutes: 40, meters: 8000, name: `Run ${i}` });
    // 110 yoga sessions of the phone's own (no run matches one): the earliest 100 from seven days
    // back, the rest from three days back, where the 101st starts. The answer carries 100 and says
    // so; the first job decides up to 48 hours before that: the older run, not the newer.
    const cut = now - 3 * DAY;
    const every = Math.floor((cut - (now - 7 * DAY) - HOUR) / 100);
    const yoga = Array.from({ length: 110 }, (_, i) => now - 7 * DAY + HOUR + i * every);
    for (const start of yoga)
      phone.store.seed(
        workout(start, 10 * 60, {
          sourceId: 'com.apple.health',
          title: 'Yoga',
          workoutType: 'yoga',
          distanceMeters: null,
        }),
      );
    const sync = () =>
      requestSync(e.h, token, connections.google_health, phone.healthConnectionId, 'workout');

    const jobId = await sync();
    await waitForStatus(e.h, userId, jobId, ['WAITING_FOR_DEVICE']);
    const first = await phone.device.pullPendingWork();
    expect(steps(first)).to.deep.equal([
      ['read', jobId, 'answered'],
      ['write', jobId, 'confirmed'],
    ]);
    expect(first[0]).to.include({ records: 100, staged: 1 });
    const job = await jobOf(e.h, userId, jobId);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    expect(job.result?.window?.until).to.equal(new Date(yoga[100]! - 48 * HOUR).toISOString());
    // The runs on the phone: every workout that is not yoga.
    const writtenAt = () =>
      phone.store
        .all('workout')
        .filter((r) => (r as CanonicalWorkout).workoutType !== 'yoga')
        .map((r) => (r as CanonicalWorkout).startTime);
    expect(writtenAt()).to.deep.equal([new Date(runs[0]!).toISOString()]);

    // The next job asks from 48 hours before the newer run; the rest fits one answer.
    const again = await sync();
    await waitForStatus(e.h, userId, again, ['WAITING_FOR_DEVICE']);
    const second = await phone.device.pullPendingWork();
    expect(steps(second)).to.deep.equal([
      ['read', again, 'answered'],
      ['write', again, 'confirmed'],
    ]);
    expect((await jobOf(e.h, userId, again)).status).to.equal('SUCCEEDED');
    expect(writtenAt(), 'each run once').to.deep.equal(runs.map((t) => new Date(t).toISOString()));
    expect(await phone.device.pullPendingWork()).to.deep.equal([]);
  });

  it('Google Health → Apple Health, more due than one staging holds: 500 staged, the next job the rest, each once', async () => {
    const { userId, token, person, connections } = await connectedUser(e, ['google_health'], undefined, {
      empty: true,
    });
    const phone = await DeviceSimulator.start({ baseUrl: e.h.api.url, userId });
    await createSyncConfig(e.h, token, connections.google_health, phone.healthConnectionId, 'workout');
    // 520 short runs the tracker recorded: 500 every 10 minutes from six days back, then 20 more,
    // all over 48 hours ago. Distances fall in 17 classes 25 % apart, so no run is an hour-shifted
    // copy of another (runs 6k apart are k hours apart; 17 divides no 6k up to 14 hours).
    const first = Math.floor((clock.now() - 6 * DAY) / HOUR) * HOUR;
    for (let i = 0; i < 520; i++)
      recordGoogleHealthRun(e, person.sandboxUserId, {
        start: first + i * 10 * 60_000 + (i >= 500 ? 3 * HOUR : 0),
        minutes: 10,
        meters: 1000 * 1.25 ** (i % 17),
        name: `Run ${i}`,
      });
    const sync = () =>
      requestSync(e.h, token, connections.google_health, phone.healthConnectionId, 'workout');

    const jobId = await sync();
    await waitForStatus(e.h, userId, jobId, ['WAITING_FOR_DEVICE']);
    const firstRound = await phone.device.pullPendingWork();
    expect(firstRound[0]).to.include({ kind: 'read', jobId, status: 'answered', staged: 500 });
    expect(firstRound[1]).to.include({ kind: 'write', jobId, status: 'confirmed', written: 500 });
    expect((await jobOf(e.h, userId, jobId)).status).to.equal('SUCCEEDED');

    // The next job finds the 20 left (the first one's cursor stayed; the ledger knows the 500) and
    // stages them alone.
    const again = await sync();
    expect((await waitForStatus(e.h, userId, again, ['WAITING_FOR_DEVICE', 'SUCCEEDED'])).status).to.equal(
      'WAITING_FOR_DEVICE',
    );
    const secondRound = await phone.device.pullPendingWork();
    expect(secondRound[0]).to.include({ kind: 'read', jobId: again, status: 'answered', staged: 20 });
    expect((await jobOf(e.h, userId, again)).status).to.equal('SUCCEEDED');
    const written = phone.store.all('workout').map((w) => (w as CanonicalWorkout).startTime);
    expect(written).to.have.length(520);
    expect(new Set(written).size, 'no run written twice').to.equal(520);

    // Everything is on the phone: a third job asks it nothing.
    const third = await sync();
    expect((await waitForStatus(e.h, userId, third, ['SUCCEEDED', 'WAITING_FOR_DEVICE'])).status).to.equal(
      'SUCCEEDED',
    );
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

  it('Garmin → Health Connect, Health Connect gone: one answer fails every job waiting on it, the store needs reconnecting, connecting it again resumes', async () => {
    const user = await connectedUser(e, ['garmin']);
    const phone = await DeviceSimulator.start({
      baseUrl: e.h.api.url,
      userId: user.userId,
      platform: 'android',
    });
    const healthConnect = phone.healthConnectionId;
    for (const dataType of ['workout', 'sleep_session'] as const)
      await createSyncConfig(e.h, user.token, user.connections.garmin, healthConnect, dataType);
    const sync = (dataType: 'workout' | 'sleep_session') =>
      requestSync(e.h, user.token, user.connections.garmin, healthConnect, dataType);
    const connectionStatus = async () =>
      (
        await e.h.request<{ connections: { connectionId: string; status: string }[] }>(
          'GET',
          '/v1/connections',
          {
            token: user.token,
          },
        )
      ).body.connections.find((c) => c.connectionId === healthConnect)?.status;

    phone.setOffline(true);
    const workouts = await sync('workout');
    const sleeps = await sync('sleep_session');
    for (const jobId of [workouts, sleeps])
      await waitForStatus(e.h, user.userId, jobId, ['WAITING_FOR_DEVICE']);

    // The user uninstalled Health Connect; the app comes back online and pulls its work.
    phone.setOffline(false);
    // An answer that says both "unavailable" and "here are records" is refused, and changes nothing.
    const read = (await phone.client.listDeviceRequests()).requests.find((r) => r.jobId === workouts)!;
    const contradictory = await phone.client
      .submitDeviceReadResponse({
        jobId: workouts,
        requestId: read.requestId!,
        records: [
          workout(freeStart(user.person.persona, 2), 1800, {
            sourceId: 'com.google.android.apps.fitness',
            title: 'Run',
          }),
        ],
        storeUnavailable: 'not_installed',
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(contradictory).to.be.instanceOf(ApiError);
    expect([(contradictory as ApiError).status, (contradictory as ApiError).code]).to.deep.equal([
      400,
      'validation_failed',
    ]);
    expect(await connectionStatus()).to.equal('active');
    expect((await jobOf(e.h, user.userId, workouts)).status).to.equal('WAITING_FOR_DEVICE');
    phone.store.unavailable = 'not_installed';
    // Both requests are pending: the first one handled (either, oldest first) reports the store
    // unavailable, and the backend fails the other with it.
    const outcomes = await phone.device.pullPendingWork();
    const [first, second] = outcomes as Array<{ jobId: string }>;
    expect(outcomes).to.have.length(2);
    expect([first!.jobId, second!.jobId]).to.have.members([workouts, sleeps]);
    expect(outcomes).to.deep.equal([
      { kind: 'read', jobId: first!.jobId, status: 'store_unavailable', reason: 'not_installed' },
      { kind: 'read', jobId: second!.jobId, status: 'gone' },
    ]);
    for (const jobId of [workouts, sleeps]) {
      const job = await jobOf(e.h, user.userId, jobId);
      expect([job.status, job.error?.code]).to.deep.equal(['FAILED', 'device_store_unavailable']);
    }
    expect(await connectionStatus()).to.equal('needs_reauth');
    expect(await phone.device.pullPendingWork(), 'no work is left').to.deep.equal([]);
    const refused = await e.h.request<{ code: string }>('POST', '/v1/sync-jobs', {
      token: user.token,
      body: {
        sourceConnectionId: user.connections.garmin,
        destinationConnectionId: healthConnect,
        dataType: 'workout',
        mode: 'manual',
      },
    });
    expect([refused.status, refused.body.code], refused.text).to.deep.equal([409, 'connection_not_active']);

    // Health Connect is back: the app connects it again, and the next sync reaches the phone.
    phone.store.unavailable = undefined;
    expect((await phone.device.connectHealthStore()).status).to.equal('active');
    const resumed = await sync('workout');
    await waitForStatus(e.h, user.userId, resumed, ['WAITING_FOR_DEVICE']);
    expect(steps(await phone.device.pullPendingWork())).to.deep.equal([
      ['read', resumed, 'answered'],
      ['write', resumed, 'confirmed'],
    ]);
    expect((await jobOf(e.h, user.userId, resumed)).status).to.equal('SUCCEEDED');
    expect(phone.store.writes.length).to.be.greaterThan(0);
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
