// FitbitProvider against the in-process provider sandbox through the real ProviderHttp: what it
// reads must be exactly what the persona's Fitbit devices recorded, and what it writes must land at
// the right local time in the right units.
import { expect } from 'chai';
import { providerEndpoints } from '../endpoints.js';
import type { CanonicalSleepSession, CanonicalWeight, CanonicalWorkout } from '../../domain/types.js';
import { recordedBy } from '../../../infra/local/sandbox/persona.js';
import {
  startProviderSandbox,
  type ProviderSandbox,
  type SandboxUser,
} from '../../../infra/local/sandbox/sandboxServer.js';
import { issueTokens } from '../../../infra/local/sandbox/testTokens.js';
import { localIso, zonedToUtc } from '../../../infra/local/sandbox/time.js';
import type { ProviderContext, TimeWindow } from '../dataProvider.js';
import {
  ProviderPayloadError,
  ProviderRateLimitedError,
  ProviderRequestError,
  ProviderUnavailableError,
} from '../errors.js';
import { JobCache } from '../jobCache.js';
import { createProviderHttp, type ProviderHttp } from '../providerHttp.js';
import { FitbitProvider, nextPageRequest, parseFitbitRateLimit } from './fitbitProvider.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const DAY = 86_400_000;
const HOME = 'America/New_York';
const WINDOW: TimeWindow = { since: new Date(NOW.getTime() - 30 * DAY), until: NOW };

describe('FitbitProvider (against the provider sandbox)', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let writer: SandboxUser;
  const provider = new FitbitProvider({ now: () => NOW });

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
    user = sandbox.createUser({ name: 'fiona' });
    writer = sandbox.createUser({ name: 'walter', persona: { empty: true } });
  });
  after(() => sandbox.stop());
  afterEach(() => {
    sandbox.faults.clear();
    sandbox.fakes.fitbit.configure!({ hourlyLimit: 150, floatingClock: 'profile' });
  });

  /** A new context is a new job: its own profile lookup and list cache. */
  function ctx(who: SandboxUser = user, http?: ProviderHttp): ProviderContext {
    const grant = issueTokens(sandbox, 'fitbit', who.sandboxUserId);
    return {
      connection: {
        userId: `usr_${who.sandboxUserId}`,
        connectionId: `conn_fitbit_${who.sandboxUserId}`,
        provider: 'fitbit',
        providerUserId: who.providerUserIds.fitbit,
      },
      http:
        http ??
        createProviderHttp({
          provider: 'fitbit',
          baseUrl: providerEndpoints('fitbit', sandbox.url).apiBaseUrl,
          tokens: { accessToken: async () => grant.accessToken },
        }),
      job: new JobCache(),
    };
  }
  const requests = () => sandbox.requestCounts().fitbit;
  const iso = (s: string) => new Date(s).toISOString();

  describe('fetchMetadata', () => {
    it('lists the workouts Fitbit recorded, following pagination.next, with the profile read once', async () => {
      const paged = new FitbitProvider({ now: () => NOW, pageSize: 2 });
      const expected = recordedBy(user.persona, 'fitbit').workouts;
      const before = requests();
      const summaries = await paged.fetchMetadata(ctx(), 'workout', WINDOW);
      // One profile lookup, then one request per page of two.
      expect(requests() - before).to.equal(1 + Math.ceil(expected.length / 2));
      expect(summaries.map((s) => s.startTime)).to.deep.equal(expected.map((w) => iso(w.start)));
      expect(summaries.map((s) => s.recordId)).to.deep.equal(
        sandbox.records('fitbit', user.sandboxUserId, 'workout').map((r) => r.id),
      );
      summaries.forEach((s, i) => {
        const w = expected[i]!;
        expect(s).to.deep.include({
          dataType: 'workout',
          workoutType: 'strength_training',
          durationSeconds: w.movingSeconds,
          distanceMeters: null,
          timezone: HOME,
          endTime: new Date(Date.parse(w.start) + w.elapsedSeconds * 1000).toISOString(),
        });
      });
    });

    it('keeps to the window (half-open) and returns nothing for an empty one', async () => {
      const all = await provider.fetchMetadata(ctx(), 'workout', WINDOW);
      const cut = all[2]!.startTime;
      const first = await provider.fetchMetadata(ctx(), 'workout', {
        since: WINDOW.since,
        until: new Date(cut),
      });
      const rest = await provider.fetchMetadata(ctx(), 'workout', {
        since: new Date(cut),
        until: WINDOW.until,
      });
      expect(first.map((s) => s.recordId)).to.deep.equal(all.slice(0, 2).map((s) => s.recordId));
      expect(rest.map((s) => s.recordId)).to.deep.equal(all.slice(2).map((s) => s.recordId));
      const empty = await provider.fetchMetadata(ctx(), 'workout', {
        since: new Date(NOW.getTime() - 90 * DAY),
        until: new Date(NOW.getTime() - 60 * DAY),
      });
      expect(empty).to.deep.equal([]);
    });

    it('lists every night with exact instants (Berlin nights and the DST night included)', async () => {
      const expected = recordedBy(user.persona, 'fitbit').sleeps;
      const summaries = await provider.fetchMetadata(ctx(), 'sleep_session', WINDOW);
      expect(summaries).to.have.length(expected.length);
      expect(expected.some((s) => s.timezone === 'Europe/Berlin')).to.equal(true);
      summaries.forEach((s, i) => {
        const night = expected[i]!;
        expect(s.startTime).to.equal(iso(night.start));
        // The end comes from the duration: exact across the autumn DST change too.
        expect(s.endTime).to.equal(iso(night.end));
        expect(s.durationSeconds).to.equal(Math.round(night.asleepSeconds / 60) * 60);
        // Sleep logs carry no offset: the zone is the profile's, also for the Berlin nights.
        expect(s.timezone).to.equal(HOME);
      });
    });

    it('lists weights in kilograms at their local measuring time, over several 31-day ranges', async () => {
      const window = { since: new Date(NOW.getTime() - 45 * DAY), until: NOW };
      const before = requests();
      const summaries = await provider.fetchMetadata(ctx(), 'weight', window);
      expect(requests() - before).to.equal(1 + 2); // profile + two ranges of at most 31 days
      const expected = recordedBy(user.persona, 'fitbit').weights;
      expect(summaries.map((s) => [s.startTime, s.value])).to.deep.equal(
        expected.map((w) => [iso(w.measuredAt), w.weightKg]),
      );
      expect(summaries.every((s) => s.timezone === HOME && s.endTime === null)).to.equal(true);
    });

    it('lists daily steps with the value, one record per local day, skipping days without data', async () => {
      const expected = recordedBy(user.persona, 'fitbit').steps;
      const summaries = await provider.fetchMetadata(ctx(), 'steps', WINDOW);
      expect(summaries.map((s) => [s.date, s.value])).to.deep.equal(
        expected.map((d) => [d.date, d.byProvider.fitbit]),
      );
      const last = summaries.at(-1)!;
      expect(last).to.deep.include({
        recordId: last.date,
        startTime: zonedToUtc(HOME, `${last.date}T00:00:00`).toISOString(),
        timezone: HOME,
      });
    });

    it('with the device clock on travel time: workouts keep exact instants, offset-less sleeps cannot', async () => {
      sandbox.fakes.fitbit.configure!({ floatingClock: 'device' });
      const persona = recordedBy(user.persona, 'fitbit');
      const workouts = await provider.fetchMetadata(ctx(), 'workout', WINDOW);
      const berlinGym = persona.workouts.findIndex((w) => w.timezone === 'Europe/Berlin');
      expect(berlinGym).to.be.greaterThan(-1);
      expect(workouts.map((s) => s.startTime)).to.deep.equal(persona.workouts.map((w) => iso(w.start)));
      // The list's +01:00 offset gives the instant; only the offset, not the zone's name, is known.
      expect(workouts[berlinGym]!.timezone).to.equal('Etc/GMT-1');
      expect(workouts.filter((s) => s.timezone === HOME)).to.have.length(persona.workouts.length - 1);

      // Known Fitbit limitation: a floating Berlin wall-clock read in the profile zone is 6 h off.
      const sleeps = await provider.fetchMetadata(ctx(), 'sleep_session', WINDOW);
      const berlinNight = persona.sleeps.find((s) => s.timezone === 'Europe/Berlin')!;
      const misread = zonedToUtc(HOME, localIso('Europe/Berlin', new Date(berlinNight.start))).toISOString();
      expect(sleeps.map((s) => s.startTime)).to.include(misread);
      expect(Date.parse(misread) - Date.parse(berlinNight.start)).to.equal(6 * 3_600_000);
    });
  });

  describe('fetchPayloads', () => {
    it('maps workouts from the job cache without further requests', async () => {
      const context = ctx();
      const summaries = await provider.fetchMetadata(context, 'workout', WINDOW);
      const before = requests();
      const workouts = await provider.fetchPayloads(context, 'workout', summaries);
      expect(requests()).to.equal(before);
      const persona = recordedBy(user.persona, 'fitbit').workouts;
      workouts.forEach((w, i) => {
        const p = persona[i]!;
        expect(w).to.deep.include({
          recordId: summaries[i]!.recordId,
          sourceId: context.connection.connectionId,
          provider: 'fitbit',
          workoutType: 'strength_training',
          title: 'Weights',
          startTime: iso(p.start),
          durationSeconds: p.movingSeconds,
          distanceMeters: null,
          calories: p.calories,
          averageHeartRate: p.averageHeartRate,
          maxHeartRate: null,
          deviceName: 'Charge 6',
          timezone: HOME,
        });
        expect(w).to.not.have.property('heartRateSamples');
      });
    });

    it('lists again for summaries a fresh job has not seen, and keeps the order asked for', async () => {
      const summaries = await provider.fetchMetadata(ctx(), 'workout', WINDOW);
      const reversed = [...summaries].reverse();
      const before = requests();
      const workouts = await provider.fetchPayloads(ctx(), 'workout', reversed);
      expect(requests() - before).to.equal(2); // profile + one list page
      expect(workouts.map((w) => w.recordId)).to.deep.equal(reversed.map((s) => s.recordId));
    });

    it('maps sleep with the stage summary and a contiguous, DST-safe hypnogram', async () => {
      const context = ctx();
      const summaries = await provider.fetchMetadata(context, 'sleep_session', WINDOW);
      const sessions = await provider.fetchPayloads(context, 'sleep_session', summaries);
      const persona = recordedBy(user.persona, 'fitbit').sleeps;
      sessions.forEach((s, i) => {
        const night = persona[i]!;
        const minutes = (seconds: number) => Math.round(seconds / 60) * 60;
        expect(s).to.deep.include({
          startTime: iso(night.start),
          endTime: iso(night.end),
          efficiency: night.efficiency,
          timezone: HOME,
          stageSummary: {
            awakeSeconds: minutes(night.stages.awakeSeconds),
            lightSeconds: minutes(night.stages.lightSeconds),
            deepSeconds: minutes(night.stages.deepSeconds),
            remSeconds: minutes(night.stages.remSeconds),
          },
        });
        const stages = s.sleepStages!;
        expect(stages[0]!.startTime).to.equal(s.startTime);
        expect(stages.at(-1)!.endTime).to.equal(s.endTime);
        stages.slice(1).forEach((stage, k) => expect(stage.startTime).to.equal(stages[k]!.endTime));
      });
    });

    it('maps weight with body fat and BMI, and steps from their summaries', async () => {
      const context = ctx();
      const weights = await provider.fetchPayloads(
        context,
        'weight',
        await provider.fetchMetadata(context, 'weight', WINDOW),
      );
      const persona = recordedBy(user.persona, 'fitbit').weights;
      weights.forEach((w, i) => {
        expect(w).to.deep.include({
          measuredAt: iso(persona[i]!.measuredAt),
          weightKg: persona[i]!.weightKg,
          bodyFatPercentage: persona[i]!.bodyFatPercentage,
          timezone: HOME,
        });
        expect(w.bmi).to.be.closeTo(persona[i]!.weightKg / 1.78 ** 2, 0.01);
      });
      const stepSummaries = await provider.fetchMetadata(context, 'steps', WINDOW);
      const steps = await provider.fetchPayloads(context, 'steps', stepSummaries);
      expect(steps[0]).to.deep.equal({
        recordId: stepSummaries[0]!.date,
        sourceId: context.connection.connectionId,
        provider: 'fitbit',
        date: stepSummaries[0]!.date,
        steps: stepSummaries[0]!.value,
        timezone: HOME,
        lastModified: stepSummaries[0]!.lastModified,
      });
    });
  });

  describe('push', () => {
    const workout = (over: Partial<CanonicalWorkout>): CanonicalWorkout => ({
      recordId: 'strava-1',
      sourceId: 'conn_strava',
      provider: 'strava',
      workoutType: 'running',
      title: 'Morning Run',
      startTime: '2026-11-18T11:45:30Z', // 06:45:30 in New York
      endTime: '2026-11-18T12:30:00Z',
      durationSeconds: 2580,
      distanceMeters: 8012.5,
      calories: 600,
      timezone: 'America/Los_Angeles',
      lastModified: '2026-11-18T12:35:00Z',
      ...over,
    });

    it('creates activity logs at the profile-local time, km → m and ms → s on read-back', async () => {
      const outcomes = await provider.push(ctx(writer), 'workout', [
        { record: workout({}) },
        {
          record: workout({
            recordId: 'strava-2',
            workoutType: 'rowing',
            title: 'Erg',
            distanceMeters: null,
          }),
        },
      ]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['created', 'created']);
      const views = sandbox.records('fitbit', writer.sandboxUserId, 'workout');
      const run = views.find(
        (v) => v.id === (outcomes[0] as { destinationRecordId: string }).destinationRecordId,
      )!;
      expect(run).to.deep.include({
        createdBy: 'api',
        startTime: '2026-11-18T11:45:30.000Z',
        localStartTime: '2026-11-18T06:45:30',
        utcOffsetMinutes: -300,
        durationSeconds: 2580,
        workoutType: 'running',
        distanceMeters: 8012,
      });
      const erg = views.find(
        (v) => v.id === (outcomes[1] as { destinationRecordId: string }).destinationRecordId,
      )!;
      expect(erg.native).to.deep.include({ activityName: 'Rowing', calories: 600 });

      // And the provider reads its own writes back the same way.
      const read = await provider.fetchMetadata(ctx(writer), 'workout', WINDOW);
      expect(read.find((s) => s.recordId === run.id)).to.deep.include({
        startTime: '2026-11-18T11:45:30.000Z',
        durationSeconds: 2580,
        distanceMeters: 8012,
        workoutType: 'running',
        timezone: HOME,
      });
      expect(read.find((s) => s.recordId === erg.id)!.workoutType).to.equal('rowing');
    });

    it('logs sleep on the local date of its start', async () => {
      const record: CanonicalSleepSession = {
        recordId: 'garmin-s1',
        sourceId: 'conn_garmin',
        provider: 'garmin',
        startTime: '2026-11-18T03:40:00Z', // 22:40 on the 17th in New York
        endTime: '2026-11-18T10:55:00Z',
        durationSeconds: 24_000,
        timezone: HOME,
        lastModified: '2026-11-18T11:00:00Z',
      };
      const [outcome] = await provider.push(ctx(writer), 'sleep_session', [{ record }]);
      expect(outcome).to.deep.include({ sourceRecordId: 'garmin-s1', status: 'created' });
      const view = sandbox
        .records('fitbit', writer.sandboxUserId, 'sleep_session')
        .find((v) => v.id === (outcome as { destinationRecordId: string }).destinationRecordId)!;
      expect(view).to.deep.include({
        startTime: '2026-11-18T03:40:00.000Z',
        localStartTime: '2026-11-17T22:40:00',
      });
      expect(view.native).to.deep.include({ dateOfSleep: '2026-11-18', duration: 7.25 * 3_600_000 });
    });

    it('logs weight in kilograms with its body fat at the same local moment', async () => {
      const record: CanonicalWeight = {
        recordId: 'hk-w1',
        sourceId: 'com.apple.Health',
        provider: 'apple_health',
        measuredAt: '2026-11-19T12:02:00Z',
        weightKg: 72.44,
        bodyFatPercentage: 18.1,
        bmi: null,
        timezone: HOME,
        lastModified: '2026-11-19T12:02:04Z',
      };
      const [outcome] = await provider.push(ctx(writer), 'weight', [{ record }]);
      const view = sandbox
        .records('fitbit', writer.sandboxUserId, 'weight')
        .find((v) => v.id === (outcome as { destinationRecordId: string }).destinationRecordId)!;
      expect(view).to.deep.include({
        startTime: '2026-11-19T12:02:00.000Z',
        localStartTime: '2026-11-19T07:02:00',
        value: 72.44,
      });
      expect(view.native).to.deep.include({ weight: 72.44, fat: 18.1 });
    });

    it('refuses to write steps (Fitbit cannot)', async () => {
      const error = await provider
        .push(ctx(writer), 'steps', [
          {
            record: {
              recordId: 'd',
              sourceId: 's',
              provider: 'garmin',
              date: '2026-11-19',
              steps: 1,
              timezone: HOME,
              lastModified: '2026-11-19T00:00:00Z',
            },
          },
        ])
        .catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderRequestError);
    });
  });

  describe('hasNewData', () => {
    it('answers from one request per data type', async () => {
      const context = ctx();
      const before = requests();
      expect(await provider.hasNewData(context, 'workout', new Date(NOW.getTime() - 2 * DAY))).to.equal(true);
      expect(await provider.hasNewData(context, 'workout', NOW)).to.equal(false);
      expect(await provider.hasNewData(context, 'sleep_session', new Date(NOW.getTime() - 2 * DAY))).to.equal(
        true,
      );
      expect(await provider.hasNewData(context, 'sleep_session', new Date(NOW.getTime() + DAY))).to.equal(
        false,
      );
      expect(await provider.hasNewData(context, 'weight', new Date(NOW.getTime() - 2 * DAY))).to.equal(true);
      expect(await provider.hasNewData(context, 'weight', NOW)).to.equal(false);
      expect(await provider.hasNewData(context, 'steps', new Date(NOW.getTime() - 2 * DAY))).to.equal(true);
      expect(await provider.hasNewData(context, 'steps', NOW)).to.equal(false);
      expect(requests() - before).to.equal(8);
    });
  });

  describe('errors', () => {
    it('a 429 from Fitbit is a ProviderRateLimitedError with Retry-After', async () => {
      const busy = sandbox.createUser({ name: 'busy', persona: { empty: true } });
      sandbox.fakes.fitbit.configure!({ hourlyLimit: 1 });
      const error = await provider.fetchMetadata(ctx(busy), 'workout', WINDOW).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderRateLimitedError);
      expect((error as ProviderRateLimitedError).retryAfterSeconds).to.equal(3600);
    });

    it('malformed JSON is a transient ProviderUnavailableError', async () => {
      sandbox.faults.add({
        provider: 'fitbit',
        kind: 'malformed',
        pathPrefix: '/1/user/-/activities/list.json',
      });
      const error = await provider.fetchMetadata(ctx(), 'workout', WINDOW).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderUnavailableError);
      expect((error as ProviderUnavailableError).code).to.equal('provider_malformed_response');
    });

    it('a body that is not the documented shape is a permanent ProviderPayloadError', async () => {
      const http: ProviderHttp = {
        request: async <T>(req: { path: string }) => ({
          status: 200,
          headers: new Headers(),
          body: (req.path.endsWith('profile.json')
            ? { user: { encodedId: 'ABC123', timezone: HOME } }
            : { activities: [{ logId: 'not-a-number' }] }) as T,
        }),
      };
      const error = await provider.fetchMetadata(ctx(user, http), 'workout', WINDOW).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ProviderPayloadError);
      expect((error as ProviderPayloadError).transient).to.equal(false);
    });
  });

  describe('rate-limit headers and paging links', () => {
    it('parses Fitbit-Rate-Limit-* into a per-user hourly window', async () => {
      const res = await fetch(
        `${providerEndpoints('fitbit', sandbox.url).apiBaseUrl}/1/user/-/profile.json`,
        {
          headers: {
            authorization: `Bearer ${issueTokens(sandbox, 'fitbit', writer.sandboxUserId).accessToken}`,
          },
        },
      );
      await res.body?.cancel();
      const observed = parseFitbitRateLimit(res.headers, NOW)!;
      expect(observed.windows).to.have.length(1);
      expect(observed.windows[0]).to.deep.include({ scope: 'user', limit: 150, windowSeconds: 3600 });
      expect(observed.windows[0]!.used).to.be.greaterThan(0);
      expect(observed.windows[0]!.resetAt).to.equal(NOW.getTime() + 3600 * 1000);
      expect(parseFitbitRateLimit(new Headers())).to.equal(undefined);
      expect(
        parseFitbitRateLimit(
          new Headers({ 'fitbit-rate-limit-limit': 'x', 'fitbit-rate-limit-remaining': '3' }),
        ),
      ).to.equal(undefined);
    });

    it('turns a pagination.next URL (real or sandbox) into a path below the API base', () => {
      expect(
        nextPageRequest(
          'https://api.fitbit.com/1/user/-/activities/list.json?offset=20&limit=20&sort=asc&afterDate=2026-10-01',
        ),
      ).to.deep.equal({
        path: '/1/user/-/activities/list.json',
        query: { offset: '20', limit: '20', sort: 'asc', afterDate: '2026-10-01' },
      });
      expect(
        nextPageRequest('http://127.0.0.1:4000/fitbit/1.2/user/-/sleep/list.json?offset=5').path,
      ).to.equal('/1.2/user/-/sleep/list.json');
      expect(() => nextPageRequest('https://evil.example/steal')).to.throw(ProviderPayloadError);
    });
  });
});
