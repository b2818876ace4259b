// StravaProvider against the in-process sandbox with a real ProviderHttp and real sandbox tokens.
import { expect } from 'chai';
import { providerEndpoints } from '../endpoints.js';
import type { CanonicalWorkout } from '../../domain/types.js';
import { recordedBy, recordedStart } from '../../../infra/local/sandbox/persona.js';
import {
  startProviderSandbox,
  type ProviderSandbox,
  type SandboxUser,
} from '../../../infra/local/sandbox/sandboxServer.js';
import { issueTokens } from '../../../infra/local/sandbox/testTokens.js';
import type { ProviderContext } from '../dataProvider.js';
import {
  ProviderPayloadError,
  ProviderRateLimitedError,
  ProviderRequestError,
  ProviderUnavailableError,
} from '../errors.js';
import { JobCache } from '../jobCache.js';
import { createProviderHttp, parsePayload } from '../providerHttp.js';
import { localWallTime, parseStravaTimezone, workoutTypeFromStrava } from './stravaMapping.js';
import { parseStravaRateLimit, StravaProvider } from './stravaProvider.js';
import { StravaSummaryActivityListSchema } from './stravaSchemas.js';

const NOW = new Date('2025-11-20T12:00:00Z');
const DAY = 86_400_000;
const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

describe('StravaProvider', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let ctx: ProviderContext;
  let calls: number;

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.reset();
    user = sandbox.createUser({ name: 'alex' });
    const grant = issueTokens(sandbox, 'strava', user.sandboxUserId);
    calls = 0;
    ctx = {
      connection: {
        userId: 'user_1',
        connectionId: 'conn_strava_1',
        provider: 'strava',
        providerUserId: user.providerUserIds.strava,
      },
      http: createProviderHttp({
        provider: 'strava',
        baseUrl: providerEndpoints('strava', sandbox.url).apiBaseUrl,
        tokens: { accessToken: async () => grant.accessToken },
        onCall: () => {
          calls += 1;
        },
      }),
      job: new JobCache(),
    };
  });

  const window = { since: new Date(NOW.getTime() - 30 * DAY), until: NOW };
  const recorded = () =>
    recordedBy(user.persona, 'strava')
      .workouts.map((w) => ({ w, start: recordedStart(w, 'strava') }))
      .sort((a, b) => a.start.getTime() - b.start.getTime());

  describe('fetchMetadata', () => {
    it('returns what the persona recorded with Strava, tz-bug shift included', async () => {
      const summaries = await new StravaProvider().fetchMetadata(ctx, 'workout', window);
      const expected = recorded();
      expect(summaries).to.have.length(expected.length);
      expect(summaries.map((s) => s.startTime)).to.deep.equal(expected.map((e) => iso(e.start)));
      expect(summaries.map((s) => s.workoutType)).to.deep.equal(expected.map((e) => e.w.workoutType));
      expect(expected.some((e) => e.w.tzBug)).to.equal(true);
      for (const [i, s] of summaries.entries()) {
        const { w, start } = expected[i]!;
        expect(s).to.include({
          dataType: 'workout',
          durationSeconds: w.movingSeconds,
          distanceMeters: w.distanceMeters,
          timezone: w.timezone,
          endTime: iso(new Date(start.getTime() + w.elapsedSeconds * 1000)),
          lastModified: iso(new Date(start.getTime() + w.elapsedSeconds * 1000)),
        });
        expect(s.recordId).to.match(/^\d+$/);
      }
      expect(calls).to.equal(1); // one page of 200, no detail calls
    });

    it('pages and keeps the window half-open [since, until)', async () => {
      const expected = recorded();
      const since = expected[3]!.start;
      const until = expected[9]!.start;
      const summaries = await new StravaProvider({ pageSize: 2 }).fetchMetadata(ctx, 'workout', {
        since,
        until,
      });
      expect(summaries.map((s) => s.startTime)).to.deep.equal(expected.slice(3, 9).map((e) => iso(e.start)));
      expect(calls).to.be.greaterThan(3);
      expect(
        await new StravaProvider().fetchMetadata(ctx, 'workout', { since: until, until: since }),
      ).to.deep.equal([]);
    });

    it('refuses data types Strava does not have', async () => {
      const error = await new StravaProvider()
        .fetchMetadata(ctx, 'sleep_session', window)
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderRequestError);
    });
  });

  describe('fetchPayloads', () => {
    it('hydrates calories, device, notes and the time zone from DetailedActivity', async () => {
      const provider = new StravaProvider();
      const summaries = await provider.fetchMetadata(ctx, 'workout', window);
      calls = 0;
      const workouts = await provider.fetchPayloads(ctx, 'workout', summaries);
      expect(calls).to.equal(summaries.length);
      const expected = recorded();
      expect(workouts.map((w) => w.recordId)).to.deep.equal(summaries.map((s) => s.recordId));
      for (const [i, workout] of workouts.entries()) {
        const { w, start } = expected[i]!;
        expect(workout).to.deep.equal({
          recordId: summaries[i]!.recordId,
          sourceId: 'conn_strava_1',
          provider: 'strava',
          workoutType: w.workoutType,
          title: w.title,
          notes: null,
          startTime: iso(start),
          endTime: iso(new Date(start.getTime() + w.elapsedSeconds * 1000)),
          durationSeconds: w.movingSeconds,
          distanceMeters: w.distanceMeters,
          calories: w.calories,
          elevationGainMeters: w.elevationGainMeters,
          averageHeartRate: w.averageHeartRate,
          maxHeartRate: w.maxHeartRate,
          timezone: w.timezone,
          lastModified: summaries[i]!.lastModified,
          deviceName: w.device,
        } satisfies CanonicalWorkout);
      }
      expect(workouts.map((w) => w.timezone)).to.include('Europe/Berlin');
    });
  });

  describe('push', () => {
    const record = (over: Partial<CanonicalWorkout> = {}): CanonicalWorkout => ({
      recordId: 'fitbit-123',
      sourceId: 'conn_fitbit_1',
      provider: 'fitbit',
      workoutType: 'strength_training',
      title: 'Weights',
      notes: 'upper body',
      startTime: '2025-11-19T17:15:00Z',
      endTime: '2025-11-19T18:05:00Z',
      durationSeconds: 2700,
      distanceMeters: null,
      calories: 320,
      timezone: 'America/New_York',
      lastModified: '2025-11-19T18:10:00Z',
      ...over,
    });

    it('creates activities at the right local time and reads them back', async () => {
      const provider = new StravaProvider();
      const run = record({
        recordId: 'g-1',
        workoutType: 'running',
        title: null,
        notes: null,
        startTime: '2025-11-19T11:30:00Z',
        endTime: '2025-11-19T12:15:30Z',
        durationSeconds: 2600,
        distanceMeters: 8012.5,
      });
      const outcomes = await provider.push(ctx, 'workout', [{ record: record() }, { record: run }]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['created', 'created']);
      const views = sandbox.records('strava', user.sandboxUserId, 'workout');
      const created = outcomes.map((o) =>
        views.find((r) => o.status === 'created' && r.id === o.destinationRecordId && r.createdBy === 'api'),
      );
      expect(created[0]).to.include({
        startTime: '2025-11-19T17:15:00Z',
        localStartTime: '2025-11-19T12:15:00',
        utcOffsetMinutes: -300,
        workoutType: 'strength_training',
        distanceMeters: null,
      });
      expect(created[0]!.native).to.include({
        name: 'Weights',
        sport_type: 'WeightTraining',
        elapsed_time: 3000,
        description: 'upper body',
      });
      expect(created[1]).to.include({
        startTime: '2025-11-19T11:30:00Z',
        workoutType: 'running',
        distanceMeters: 8012.5,
      });
      expect(created[1]!.native).to.include({ name: 'Run', elapsed_time: 2730, distance: 8012.5 });

      // And back through the provider: same instant, zone and units.
      const summaries = await provider.fetchMetadata(ctx, 'workout', {
        since: new Date('2025-11-19T00:00:00Z'),
        until: new Date('2025-11-20T00:00:00Z'),
      });
      const [back] = await provider.fetchPayloads(
        ctx,
        'workout',
        summaries.filter((s) => s.recordId === created[1]!.id),
      );
      expect(back).to.include({
        startTime: run.startTime,
        endTime: run.endTime,
        distanceMeters: 8012.5,
        timezone: 'America/New_York',
        calories: null,
      });
    });

    it('reports a duplicate as a conflict naming the existing activity', async () => {
      const provider = new StravaProvider();
      const [first] = await provider.push(ctx, 'workout', [{ record: record() }]);
      const [again] = await provider.push(ctx, 'workout', [{ record: record({ recordId: 'other' }) }]);
      expect(first!.status).to.equal('created');
      expect(again).to.deep.equal({
        sourceRecordId: 'other',
        status: 'conflict',
        destinationRecordId: first!.destinationRecordId,
        reason: 'strava_duplicate_activity',
      });
      const [replace] = await provider.push(ctx, 'workout', [{ record: record(), replaces: '42' }]);
      expect(replace).to.include({ status: 'conflict', reason: 'strava_update_not_supported' });
    });

    it('writes records without a time zone at their UTC instant', async () => {
      const [outcome] = await new StravaProvider().push(ctx, 'workout', [
        {
          record: record({
            timezone: null,
            startTime: '2025-11-18T09:00:00Z',
            endTime: '2025-11-18T09:30:00Z',
          }),
        },
      ]);
      const view = sandbox
        .records('strava', user.sandboxUserId, 'workout')
        .find((r) => outcome!.status === 'created' && r.id === outcome!.destinationRecordId);
      // Sent with an explicit +00:00: the instant is kept; Strava shows it in the athlete's zone.
      expect(view).to.include({ localStartTime: '2025-11-18T04:00:00', startTime: '2025-11-18T09:00:00Z' });
    });
  });

  describe('hasNewData', () => {
    it('asks one page of one activity after `since`', async () => {
      const provider = new StravaProvider();
      const last = recorded().at(-1)!.start;
      expect(await provider.hasNewData(ctx, 'workout', new Date(last.getTime() - 1000))).to.equal(true);
      expect(await provider.hasNewData(ctx, 'workout', last)).to.equal(false);
      expect(calls).to.equal(2);
    });
  });

  describe('errors', () => {
    it('turns a 429 into ProviderRateLimitedError with the wait until the window resets', async () => {
      sandbox.faults.add({ provider: 'strava', kind: 'status', status: 429, retryAfterSeconds: 7 });
      const fault = await new StravaProvider().hasNewData(ctx, 'workout', NOW).catch((e: unknown) => e);
      expect(fault).to.be.instanceOf(ProviderRateLimitedError);
      expect((fault as ProviderRateLimitedError).retryAfterSeconds).to.equal(7);

      sandbox.fakes.strava.configure!({ shortLimit: 1 });
      const provider = new StravaProvider({ now: () => NOW });
      await provider.hasNewData(ctx, 'workout', NOW);
      const limited = await provider.hasNewData(ctx, 'workout', NOW).catch((e: unknown) => e);
      expect(limited).to.be.instanceOf(ProviderRateLimitedError);
      // NOW is 12:00:00, so Strava's 15-minute window reopens at 12:15.
      expect((limited as ProviderRateLimitedError).retryAfterSeconds).to.equal(900);
    });

    it('turns malformed JSON into ProviderUnavailableError', async () => {
      sandbox.faults.add({ provider: 'strava', kind: 'malformed', pathPrefix: '/api/v3/athlete/activities' });
      const error = await new StravaProvider().fetchMetadata(ctx, 'workout', window).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderUnavailableError);
    });

    it('turns a body off the documented shape into ProviderPayloadError', () => {
      const bad = [{ id: 'x', name: 'Run', start_date: 'yesterday' }];
      expect(() => parsePayload('strava', 'activity list', StravaSummaryActivityListSchema, bad)).to.throw(
        ProviderPayloadError,
      );
      // Extra fields are fine.
      const ok = parsePayload('strava', 'activity list', StravaSummaryActivityListSchema, [
        {
          id: 1,
          name: 'Run',
          distance: 0,
          moving_time: 1,
          elapsed_time: 1,
          start_date: '2025-01-01T00:00:00Z',
          start_date_local: '2025-01-01T00:00:00Z',
          brand_new_field: { nested: true },
        },
      ]);
      expect(ok).to.have.length(1);
    });
  });

  describe('mapping and headers', () => {
    it('parses Strava time-zone labels', () => {
      expect(parseStravaTimezone('(GMT-05:00) America/New_York')).to.equal('America/New_York');
      expect(parseStravaTimezone('(GMT+00:00) Etc/UTC')).to.equal('Etc/UTC');
      expect(parseStravaTimezone('(GMT+01:00) Not/AZone')).to.equal(null);
      expect(parseStravaTimezone(null)).to.equal(null);
    });

    it('maps sport types both ways, unknown ones to other', () => {
      expect(workoutTypeFromStrava({ sport_type: 'TrailRun', type: 'Run' })).to.equal('running');
      expect(workoutTypeFromStrava({ type: 'Ride' })).to.equal('cycling');
      expect(workoutTypeFromStrava({ sport_type: 'Kitesurf' })).to.equal('other');
    });

    it('computes local wall time, DST included', () => {
      expect(localWallTime(new Date('2025-11-02T05:30:00Z'), 'America/New_York')).to.equal(
        '2025-11-02T01:30:00',
      );
      expect(localWallTime(new Date('2025-11-02T06:30:00Z'), 'America/New_York')).to.equal(
        '2025-11-02T01:30:00',
      );
      expect(localWallTime(new Date('2025-11-02T06:30:00Z'), null)).to.equal('2025-11-02T06:30:00');
    });

    it('reads X-RateLimit headers into app windows, the read limit when tighter', () => {
      const now = new Date('2025-11-20T12:07:00Z');
      const headers = new Headers({ 'x-ratelimit-limit': '200,2000', 'x-ratelimit-usage': '12,345' });
      expect(parseStravaRateLimit(headers, now)).to.deep.equal({
        windows: [
          {
            scope: 'app',
            limit: 200,
            used: 12,
            windowSeconds: 900,
            resetAt: Date.parse('2025-11-20T12:15:00Z'),
          },
          {
            scope: 'app',
            limit: 2000,
            used: 345,
            windowSeconds: 86_400,
            resetAt: Date.parse('2025-11-21T00:00:00Z'),
          },
        ],
      });
      headers.set('x-readratelimit-limit', '100,1000');
      headers.set('x-readratelimit-usage', '95,345');
      const windows = parseStravaRateLimit(headers, now)!.windows;
      expect(windows.map((w) => [w.limit, w.used])).to.deep.equal([
        [100, 95],
        [1000, 345],
      ]);
      expect(parseStravaRateLimit(new Headers())).to.equal(undefined);
      expect(
        parseStravaRateLimit(new Headers({ 'x-ratelimit-limit': 'a,b', 'x-ratelimit-usage': '1,2' })),
      ).to.equal(undefined);
    });
  });
});
