import { expect } from 'chai';
import type { CanonicalSleepSession, CanonicalWorkout } from '../../domain/types.js';
import { providerEndpoints } from '../endpoints.js';
import { recordedBy } from '../../../infra/local/sandbox/persona.js';
import {
  startProviderSandbox,
  type ProviderSandbox,
  type SandboxUser,
} from '../../../infra/local/sandbox/sandboxServer.js';
import { issueTokens } from '../../../infra/local/sandbox/testTokens.js';
import type { ProviderContext } from '../dataProvider.js';
import { ProviderRateLimitedError, ProviderUnavailableError } from '../errors.js';
import { JobCache } from '../jobCache.js';
import { createProviderHttp } from '../providerHttp.js';
import { GoogleFitProvider, parseGoogleFitRateLimit } from './googleFitProvider.js';

const NOW = new Date('2026-11-10T12:00:00Z');
const DAY = 86_400_000;

describe('GoogleFitProvider against the sandbox', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let ctx: ProviderContext;
  const provider = new GoogleFitProvider({ now: () => NOW, timezone: 'America/New_York' });
  const window = { since: new Date(NOW.getTime() - 30 * DAY), until: NOW };

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    user = sandbox.createUser({ name: 'fit-provider' });
    const grant = issueTokens(sandbox, 'google_fit', user.sandboxUserId);
    ctx = {
      connection: { userId: 'u1', connectionId: `conn_fit_${user.sandboxUserId}`, provider: 'google_fit' },
      http: createProviderHttp({
        provider: 'google_fit',
        baseUrl: providerEndpoints('google_fit', sandbox.url).apiBaseUrl,
        tokens: { accessToken: async () => grant.accessToken },
      }),
      job: new JobCache(),
    };
  });

  it('reads workouts and sleep sessions equal to the persona (ms → s, no time zone)', async () => {
    const mine = recordedBy(user.persona, 'google_fit');
    const workouts = await provider.fetchMetadata(ctx, 'workout', window);
    expect(workouts.map((w) => [w.startTime, w.workoutType, w.durationSeconds, w.timezone])).to.deep.equal(
      mine.workouts.map((w) => [w.start, 'walking', w.movingSeconds, null]),
    );
    const sleeps = await provider.fetchMetadata(ctx, 'sleep_session', window);
    expect(sleeps.map((s) => [s.startTime, s.endTime, s.durationSeconds])).to.deep.equal(
      mine.sleeps.map((s) => [s.start, s.end, s.asleepSeconds]),
    );
    const [night] = await provider.fetchPayloads(ctx, 'sleep_session', sleeps.slice(0, 1));
    expect(night).to.include({
      provider: 'google_fit',
      efficiency: mine.sleeps[0]!.efficiency,
      timezone: null,
    });
    const [walk] = await new GoogleFitProvider({ now: () => NOW }).fetchPayloads(
      ctx,
      'workout',
      workouts.slice(-1),
    );
    expect(walk).to.include({ title: 'Lunch Walk', startTime: mine.workouts.at(-1)!.start });
  });

  it('pages through sessions', async () => {
    sandbox.fakes.google_fit.configure!({ sessionsPageSize: 4 });
    try {
      const sleeps = await provider.fetchMetadata(ctx, 'sleep_session', window);
      expect(sleeps).to.have.length(recordedBy(user.persona, 'google_fit').sleeps.length);
    } finally {
      sandbox.fakes.google_fit.configure!({ sessionsPageSize: 100 });
    }
  });

  it('reads daily steps by the configured zone’s days (Berlin days land on the same date) and weights', async () => {
    const mine = recordedBy(user.persona, 'google_fit');
    const steps = await provider.fetchMetadata(ctx, 'steps', window);
    expect(steps.map((s) => [s.date, s.value, s.timezone])).to.deep.equal(
      mine.steps.map((d) => [d.date, d.byProvider.google_fit, 'America/New_York']),
    );
    const utcDays = await new GoogleFitProvider({ now: () => NOW }).fetchMetadata(ctx, 'steps', window);
    expect(utcDays.every((s) => s.timezone === null && s.startTime.endsWith('T00:00:00.000Z'))).to.equal(
      true,
    );
    const weights = await provider.fetchMetadata(ctx, 'weight', window);
    expect(weights.map((w) => [w.startTime, w.value, w.timezone])).to.deep.equal(
      mine.weights.map((w) => [w.measuredAt, w.weightKg, null]),
    );
    const [w] = await provider.fetchPayloads(ctx, 'weight', weights.slice(0, 1));
    expect(w).to.include({ weightKg: mine.weights[0]!.weightKg, measuredAt: mine.weights[0]!.measuredAt });
  });

  it('pushes a workout and a night, reads them back, and updates in place', async () => {
    const run: CanonicalWorkout = {
      recordId: '555',
      sourceId: 'conn_strava',
      provider: 'strava',
      workoutType: 'running',
      title: 'Morning Run',
      startTime: '2026-11-09T12:00:00.000Z',
      endTime: '2026-11-09T12:50:00.000Z',
      durationSeconds: 2900,
      distanceMeters: 8000,
      timezone: 'America/New_York',
      lastModified: '2026-11-09T13:00:00Z',
    };
    const [created] = await provider.push(ctx, 'workout', [{ record: run }]);
    expect(created).to.include({ status: 'created', sourceRecordId: '555' });
    const id = (created as { destinationRecordId: string }).destinationRecordId;
    const [again] = await provider.push(ctx, 'workout', [
      { record: { ...run, title: 'Tempo' }, replaces: id },
    ]);
    expect(again).to.deep.equal({ sourceRecordId: '555', status: 'updated', destinationRecordId: id });
    const back = await provider.fetchMetadata(ctx, 'workout', {
      since: new Date('2026-11-09T11:00:00Z'),
      until: NOW,
    });
    expect(back.find((s) => s.recordId === id)).to.include({
      startTime: run.startTime,
      endTime: run.endTime,
      durationSeconds: 2900,
      workoutType: 'running',
    });
    expect(
      sandbox.records('google_fit', user.sandboxUserId, 'workout').filter((v) => v.createdBy === 'api'),
    ).to.have.length(1);

    const night: CanonicalSleepSession = {
      recordId: 's1',
      sourceId: 'conn_fitbit',
      provider: 'fitbit',
      startTime: '2026-11-10T03:30:00.000Z',
      endTime: '2026-11-10T11:00:00.000Z',
      durationSeconds: 25_000,
      timezone: 'America/New_York',
      lastModified: '2026-11-10T11:05:00Z',
    };
    const [slept] = await provider.push(ctx, 'sleep_session', [{ record: night }]);
    const sleeps = await provider.fetchMetadata(ctx, 'sleep_session', {
      since: new Date('2026-11-10T00:00:00Z'),
      until: NOW,
    });
    expect(sleeps.map((s) => s.recordId)).to.include(
      (slept as { destinationRecordId: string }).destinationRecordId,
    );
  });

  it('pushes steps and weight to its own raw sources, refusing to double-count a day', async () => {
    const day = '2026-11-12'; // no phone data yet
    const [stepsOut] = await provider.push(ctx, 'steps', [
      {
        record: {
          recordId: day,
          sourceId: 'conn_fitbit',
          provider: 'fitbit',
          date: day,
          steps: 9000,
          timezone: 'America/New_York',
          lastModified: '2026-11-12T23:00:00Z',
        },
      },
    ]);
    expect(stepsOut).to.deep.equal({ sourceRecordId: day, status: 'created', destinationRecordId: day });
    const later = new GoogleFitProvider({
      now: () => new Date('2026-11-14T00:00:00Z'),
      timezone: 'America/New_York',
    });
    const read = await later.fetchMetadata(ctx, 'steps', {
      since: new Date('2026-11-12T00:00:00Z'),
      until: new Date('2026-11-14T00:00:00Z'),
    });
    expect(read.map((s) => [s.date, s.value])).to.deep.equal([[day, 9000]]);
    const [updated] = await provider.push(ctx, 'steps', [
      {
        record: {
          recordId: day,
          sourceId: 'c',
          provider: 'fitbit',
          date: day,
          steps: 9500,
          timezone: 'America/New_York',
          lastModified: '2026-11-13T01:00:00Z',
        },
        replaces: day,
      },
    ]);
    expect(updated).to.include({ status: 'updated' });
    const reread = await later.fetchMetadata(ctx, 'steps', {
      since: new Date('2026-11-12T00:00:00Z'),
      until: new Date('2026-11-14T00:00:00Z'),
    });
    expect(reread[0]!.value).to.equal(9500);

    const phoneDay = recordedBy(user.persona, 'google_fit').steps[0]!;
    const [conflict] = await provider.push(ctx, 'steps', [
      {
        record: {
          recordId: 'x',
          sourceId: 'c',
          provider: 'fitbit',
          date: phoneDay.date,
          steps: 1,
          timezone: phoneDay.timezone,
          lastModified: NOW.toISOString(),
        },
      },
    ]);
    expect(conflict).to.include({ status: 'conflict' });

    const weight = {
      recordId: 'w1',
      sourceId: 'conn_fitbit',
      provider: 'fitbit' as const,
      measuredAt: '2026-11-10T11:05:00.000Z',
      weightKg: 72.3,
      timezone: 'America/New_York',
      lastModified: '2026-11-10T11:05:00Z',
    };
    const [wOut] = await provider.push(ctx, 'weight', [{ record: weight }]);
    expect(wOut).to.include({ status: 'created' });
    const weights = await provider.fetchMetadata(ctx, 'weight', {
      since: new Date('2026-11-10T00:00:00Z'),
      until: NOW,
    });
    expect(weights.map((w) => [w.startTime, w.value])).to.deep.equal([[weight.measuredAt, 72.3]]);
    const [dup] = await provider.push(ctx, 'weight', [{ record: weight }]);
    expect(dup).to.include({ status: 'conflict' });
    const dest = (wOut as { destinationRecordId: string }).destinationRecordId;
    const [moved] = await provider.push(ctx, 'weight', [
      { record: { ...weight, measuredAt: '2026-11-10T11:06:00.000Z', weightKg: 72.1 }, replaces: dest },
    ]);
    expect(moved).to.include({ status: 'updated' });
    const afterMove = await provider.fetchMetadata(ctx, 'weight', {
      since: new Date('2026-11-10T00:00:00Z'),
      until: NOW,
    });
    expect(afterMove.map((w) => w.value)).to.deep.equal([72.1]);
  });

  it('hasNewData sees a session uploaded late: by modification, not by when it ended', async () => {
    const since = new Date(NOW.getTime() - 60_000);
    expect(await provider.hasNewData(ctx, 'workout', since)).to.equal(false);
    // Yesterday's ride, uploaded just now (the phone was offline).
    const start = NOW.getTime() - DAY;
    const grant = issueTokens(sandbox, 'google_fit', user.sandboxUserId);
    const put = await fetch(
      `${providerEndpoints('google_fit', sandbox.url).apiBaseUrl}/users/me/sessions/late-${start}`,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${grant.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          startTimeMillis: String(start),
          endTimeMillis: String(start + 3_600_000),
          activityType: 1,
          application: { packageName: 'com.example.bike' },
        }),
      },
    );
    expect(put.status).to.equal(200);
    expect(await provider.hasNewData(ctx, 'workout', since)).to.equal(true);
    expect(await provider.hasNewData(ctx, 'sleep_session', since)).to.equal(false);
  });

  it('hasNewData makes one cheap request per type', async () => {
    expect(await provider.hasNewData(ctx, 'steps', new Date(NOW.getTime() - 3 * DAY))).to.equal(true);
    expect(await provider.hasNewData(ctx, 'weight', new Date(NOW.getTime() - 60_000))).to.equal(false);
    expect(await provider.hasNewData(ctx, 'sleep_session', new Date(NOW.getTime() - 2 * DAY))).to.equal(true);
  });

  it('turns 429 into ProviderRateLimitedError and malformed JSON into ProviderUnavailableError', async () => {
    sandbox.fakes.google_fit.configure!({ rateLimitPerMinute: 0 });
    try {
      const error = await provider.fetchMetadata(ctx, 'workout', window).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderRateLimitedError);
    } finally {
      sandbox.fakes.google_fit.configure!({ rateLimitPerMinute: 300 });
    }
    sandbox.faults.add({
      provider: 'google_fit',
      kind: 'malformed',
      pathPrefix: '/fitness/v1/users/me/dataset',
    });
    const malformed = await provider.fetchMetadata(ctx, 'steps', window).catch((e: unknown) => e);
    expect(malformed).to.be.instanceOf(ProviderUnavailableError);
    expect(parseGoogleFitRateLimit(new Headers())).to.equal(undefined);
  });
});
