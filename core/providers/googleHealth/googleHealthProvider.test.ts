// GoogleHealthProvider against the in-process provider sandbox (the Google Health fake built from
// Google's discovery document) through the real ProviderHttp, with grants from Google's OAuth flow
// for exactly the profile's scopes: what it reads must be what the persona's Fitbit tracker and
// phone recorded, what it writes must read back the same, and a retried write must not duplicate.
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type {
  CanonicalSleepSession,
  CanonicalSteps,
  CanonicalWeight,
  CanonicalWorkout,
} from '../../domain/types.js';
import { recordedBy, recordedStart } from '../../../infra/local/sandbox/persona.js';
import {
  startProviderSandbox,
  type ProviderSandbox,
  type SandboxUser,
} from '../../../infra/local/sandbox/sandboxServer.js';
import { GOOGLE_HEALTH_DEFAULT_QUOTA_PER_MINUTE } from '../../../infra/local/sandbox/googleHealth/googleHealthFake.js';
import { utcOffsetMinutes } from '../../../infra/local/sandbox/time.js';
import type { ProviderContext, PushOutcome, TimeWindow } from '../dataProvider.js';
import { providerEndpoints } from '../endpoints.js';
import {
  ProviderAuthError,
  ProviderNotFoundError,
  ProviderRateLimitedError,
  ProviderRequestError,
  ProviderUnavailableError,
} from '../errors.js';
import { JobCache } from '../jobCache.js';
import { createProviderHttp, type ProviderHttp } from '../providerHttp.js';
import { clientDataPointId, fixedOffsetZone } from './googleHealthMapping.js';
import { GoogleHealthProvider, parseGoogleHealthRateLimit } from './googleHealthProvider.js';
import { googleHealthProfile } from './profile.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const DAY = 86_400_000;
const WINDOW: TimeWindow = { since: new Date(NOW.getTime() - 30 * DAY), until: NOW };
const SCOPE = 'https://www.googleapis.com/auth/googlehealth';
const iso = (s: string | Date) => new Date(s).toISOString();
/** The zone Google's offsets give a record (no settings zone): `Etc/GMT+5` for New York in winter. */
const zoneAt = (timezone: string, at: string | Date) =>
  fixedOffsetZone(utcOffsetMinutes(timezone, new Date(at)) * 60);
const byStart = <T extends { start: string }>(list: T[]) =>
  [...list].sort((a, b) => a.start.localeCompare(b.start));

describe('GoogleHealthProvider (against the provider sandbox)', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let writer: SandboxUser;
  const grants = new Map<string, string>();
  const provider = new GoogleHealthProvider();

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
    user = sandbox.createUser({ name: 'gina' });
    writer = sandbox.createUser({ name: 'walter', persona: { empty: true } });
  });
  after(() => sandbox.stop());
  afterEach(() => {
    sandbox.faults.clear();
    sandbox.fakes.google_health.configure!({ rateLimitPerMinute: GOOGLE_HEALTH_DEFAULT_QUOTA_PER_MINUTE });
  });

  const endpoints = () => providerEndpoints('google_health', sandbox.url);

  /** Google's OAuth flow over HTTP at the profile's (sandboxed) endpoints: consent, code exchange. */
  async function connect(
    who: SandboxUser,
    scopes: readonly string[] = googleHealthProfile.oauth.scopes,
  ): Promise<{ access_token: string; refresh_token: string; scope: string }> {
    const server = sandbox.oauth.google_health;
    const verifier = randomBytes(32).toString('base64url');
    const consent = new URL(endpoints().authorizeUrl);
    const params = {
      client_id: server.clientId,
      redirect_uri: 'http://127.0.0.1/callback',
      response_type: 'code',
      scope: scopes.join(googleHealthProfile.oauth.scopeSeparator),
      ...googleHealthProfile.oauth.extraAuthorizeParams,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sandbox_user: who.sandboxUserId,
    };
    for (const [k, v] of Object.entries(params)) consent.searchParams.set(k, v);
    const redirect = await fetch(consent, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code');
    expect(code, 'authorization code').to.be.a('string');
    const res = await fetch(endpoints().tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: params.redirect_uri,
        code_verifier: verifier,
        client_id: server.clientId,
        client_secret: server.clientSecret,
      }),
    });
    expect(res.status).to.equal(200);
    return (await res.json()) as { access_token: string; refresh_token: string; scope: string };
  }

  /** A new context is a new job. The access token is one granted the profile's scopes (per user). */
  async function ctx(
    who: SandboxUser = user,
    options: { token?: string; http?: (base: ProviderHttp) => ProviderHttp } = {},
  ): Promise<ProviderContext> {
    let token = options.token ?? grants.get(who.sandboxUserId);
    if (!token) {
      token = (await connect(who)).access_token;
      grants.set(who.sandboxUserId, token);
    }
    const http = createProviderHttp({
      provider: 'google_health',
      baseUrl: endpoints().apiBaseUrl,
      // A forced refresh hands out the same token: a revoked grant stays revoked.
      tokens: { accessToken: async () => token },
    });
    return {
      connection: {
        userId: `usr_${who.sandboxUserId}`,
        connectionId: `conn_google_health_${who.sandboxUserId}`,
        provider: 'google_health',
        providerUserId: who.providerUserIds.google_health,
      },
      http: options.http ? options.http(http) : http,
      job: new JobCache(),
    };
  }
  const requests = () => sandbox.requestCounts().google_health;
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.fail('expected a rejection'),
      (e: unknown) => e,
    );

  describe('profile', () => {
    it('runs against the sandbox at the profile’s endpoints, with the user id from users.getIdentity', async () => {
      const { access_token, scope } = await connect(writer);
      expect(scope.split(' ').sort()).to.deep.equal([...googleHealthProfile.oauth.scopes].sort());
      const lookup = googleHealthProfile.oauth.userId;
      expect(lookup.from).to.equal('api');
      const res = await fetch(`${endpoints().apiBaseUrl}${lookup.from === 'api' ? lookup.path : ''}`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(res.status).to.equal(200);
      // The id is `healthUserId` (what notifications name), not a `userId` field.
      expect(await res.json()).to.include({ healthUserId: writer.providerUserIds.google_health });
    });

    it('states the per-user quota the fake enforces', () => {
      const perUser = googleHealthProfile.rateLimits.find((r) => r.scope === 'user')!;
      expect(perUser).to.deep.equal({
        scope: 'user',
        limit: GOOGLE_HEALTH_DEFAULT_QUOTA_PER_MINUTE,
        windowSeconds: 60,
      });
    });
  });

  describe('fetchMetadata', () => {
    it('lists the exercises of the tracker and the phone over the window, page by page', async () => {
      const paged = new GoogleHealthProvider({ pageSize: 2 });
      const expected = byStart([
        ...recordedBy(user.persona, 'fitbit').workouts.map((w) => ({
          w,
          start: iso(recordedStart(w, 'fitbit')),
        })),
        ...recordedBy(user.persona, 'google_fit').workouts.map((w) => ({
          w,
          start: iso(recordedStart(w, 'google_fit')),
        })),
      ]);
      expect(expected.length).to.be.greaterThan(4);
      const context = await ctx();
      const before = requests();
      const summaries = await paged.fetchMetadata(context, 'workout', WINDOW);
      expect(requests() - before).to.equal(Math.ceil(expected.length / 2));
      expect(summaries.map((s) => s.startTime)).to.deep.equal(expected.map((e) => e.start));
      expect(summaries.map((s) => s.recordId).sort()).to.deep.equal(
        sandbox
          .records('google_health', user.sandboxUserId, 'workout')
          .map((r) => r.id)
          .sort(),
      );
      summaries.forEach((s, i) => {
        const { w } = expected[i]!;
        expect(s).to.deep.include({
          dataType: 'workout',
          workoutType: w.workoutType,
          durationSeconds: w.movingSeconds,
          endTime: iso(new Date(Date.parse(expected[i]!.start) + w.elapsedSeconds * 1000)),
          timezone: zoneAt(w.timezone, s.startTime),
        });
        if (w.distanceMeters === null) expect(s.distanceMeters).to.equal(null);
        else expect(s.distanceMeters).to.be.closeTo(w.distanceMeters, 1e-6);
      });
      // Berlin days and both sides of the New York DST change: three fixed-offset zones.
      expect(new Set(summaries.map((s) => s.timezone))).to.have.keys('Etc/GMT+5', 'Etc/GMT+4', 'Etc/GMT-1');
    });

    it('keeps to the window (half-open) and returns nothing for an empty one', async () => {
      const all = await provider.fetchMetadata(await ctx(), 'workout', WINDOW);
      const cut = all[2]!.startTime;
      const first = await provider.fetchMetadata(await ctx(), 'workout', {
        since: WINDOW.since,
        until: new Date(cut),
      });
      const rest = await provider.fetchMetadata(await ctx(), 'workout', {
        since: new Date(cut),
        until: WINDOW.until,
      });
      expect(first.map((s) => s.recordId)).to.deep.equal(all.slice(0, 2).map((s) => s.recordId));
      expect(rest.map((s) => s.recordId)).to.deep.equal(all.slice(2).map((s) => s.recordId));
      expect(
        await provider.fetchMetadata(await ctx(), 'workout', {
          since: new Date(NOW.getTime() - 90 * DAY),
          until: new Date(NOW.getTime() - 60 * DAY),
        }),
      ).to.deep.equal([]);
    });

    it('lists every night of both sources with exact instants (25 a page)', async () => {
      const expected = byStart([
        ...recordedBy(user.persona, 'fitbit').sleeps,
        ...recordedBy(user.persona, 'google_fit').sleeps,
      ]);
      expect(expected.length).to.be.greaterThan(25);
      const before = requests();
      const summaries = await provider.fetchMetadata(await ctx(), 'sleep_session', WINDOW);
      expect(requests() - before).to.equal(2);
      expect(summaries.map((s) => [s.startTime, s.endTime])).to.deep.equal(
        expected.map((n) => [iso(n.start), iso(n.end)]),
      );
      expect(summaries.every((s, i) => s.timezone === zoneAt(expected[i]!.timezone, s.startTime))).to.equal(
        true,
      );
    });

    it('lists weights in kilograms at their instant', async () => {
      const expected = [
        ...recordedBy(user.persona, 'fitbit').weights,
        ...recordedBy(user.persona, 'google_fit').weights,
      ]
        .map((w) => [iso(w.measuredAt), w.weightKg] as const)
        .sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);
      const summaries = await provider.fetchMetadata(await ctx(), 'weight', WINDOW);
      expect(
        summaries
          .map((s) => [s.startTime, s.value] as const)
          .sort((a, b) => a[0].localeCompare(b[0]) || a[1]! - b[1]!),
      ).to.deep.equal(expected);
      expect(summaries.every((s) => s.endTime === null)).to.equal(true);
    });

    it('lists one steps record per local day: the source that counted most, not both added', async () => {
      const paged = new GoogleHealthProvider({ pageSize: 100 });
      const before = requests();
      const summaries = await paged.fetchMetadata(await ctx(), 'steps', WINDOW);
      // 13 hourly points per day and source.
      expect(requests() - before).to.equal(Math.ceil((user.persona.steps.length * 26) / 100));
      expect(summaries.map((s) => [s.date, s.value])).to.deep.equal(
        user.persona.steps.map((d) => [d.date, Math.max(d.byProvider.fitbit!, d.byProvider.google_fit!)]),
      );
      const berlin = user.persona.steps.find((d) => d.timezone === 'Europe/Berlin')!;
      expect(summaries.find((s) => s.date === berlin.date)).to.deep.include({
        recordId: berlin.date,
        // Midnight in Berlin (CET, UTC+1).
        startTime: iso(new Date(Date.parse(`${berlin.date}T00:00:00Z`) - 3_600_000)),
        timezone: 'Etc/GMT-1',
      });
    });
  });

  describe('fetchPayloads', () => {
    it('maps exercises from the job cache without further requests', async () => {
      const context = await ctx();
      const summaries = await provider.fetchMetadata(context, 'workout', WINDOW);
      const before = requests();
      const workouts = await provider.fetchPayloads(context, 'workout', summaries);
      expect(requests()).to.equal(before);
      const gym = recordedBy(user.persona, 'fitbit').workouts[0]!;
      const mapped = workouts.find((w) => w.startTime === iso(gym.start))!;
      expect(mapped).to.deep.include({
        sourceId: context.connection.connectionId,
        provider: 'google_health',
        workoutType: 'strength_training',
        durationSeconds: gym.movingSeconds,
        calories: gym.calories,
        averageHeartRate: gym.averageHeartRate,
        deviceName: gym.device,
      });
    });

    it('lists again for summaries a fresh job has not seen, keeping the order asked for', async () => {
      const summaries = await provider.fetchMetadata(await ctx(), 'sleep_session', WINDOW);
      const reversed = [...summaries].reverse();
      const before = requests();
      const sessions = await provider.fetchPayloads(await ctx(), 'sleep_session', reversed);
      expect(requests() - before).to.equal(2); // the window again: two pages of 25
      expect(sessions.map((s) => s.recordId)).to.deep.equal(reversed.map((s) => s.recordId));
      // The tracker's nights are staged; the phone's (CLASSIC) are not.
      const staged = sessions.filter((s) => s.sleepStages);
      expect(staged).to.have.length(recordedBy(user.persona, 'fitbit').sleeps.length);
      for (const s of staged) {
        const night = user.persona.sleeps.find((n) => iso(n.start) === s.startTime)!;
        expect(s.durationSeconds).to.equal(night.asleepSeconds);
        expect(s.stageSummary).to.deep.equal({
          awakeSeconds: night.stages.awakeSeconds,
          lightSeconds: night.stages.lightSeconds,
          deepSeconds: night.stages.deepSeconds,
          remSeconds: night.stages.remSeconds,
        });
      }
    });

    it('maps steps days with their hourly series, and a record Google does not have is not found', async () => {
      const context = await ctx();
      const summaries = await provider.fetchMetadata(context, 'steps', WINDOW);
      const days = await provider.fetchPayloads(context, 'steps', summaries.slice(-1));
      expect(days[0]).to.deep.include({ date: summaries.at(-1)!.date, steps: summaries.at(-1)!.value });
      expect(days[0]!.stepsTimeseries).to.have.length(13);
      const ghost = { ...summaries[0]!, dataType: 'weight' as const, recordId: 'sw-0000' };
      const before = requests();
      expect(await failure(provider.fetchPayloads(await ctx(), 'weight', [ghost]))).to.be.instanceOf(
        ProviderNotFoundError,
      );
      expect(requests() - before).to.equal(2); // listed again, then dataPoints.get: 404
    });
  });

  describe('push', () => {
    const workout: CanonicalWorkout = {
      recordId: 'strava-1',
      sourceId: 'conn_strava',
      provider: 'strava',
      workoutType: 'running',
      title: 'Morning Run',
      notes: null,
      startTime: '2026-11-18T11:45:30Z', // 03:45:30 in Los Angeles
      endTime: '2026-11-18T12:30:00Z',
      durationSeconds: 2580,
      distanceMeters: 8012.5,
      calories: 600,
      elevationGainMeters: null,
      averageHeartRate: 151,
      maxHeartRate: null,
      deviceName: null,
      timezone: 'America/Los_Angeles',
      lastModified: '2026-11-18T12:35:00Z',
    };
    const sleep: CanonicalSleepSession = {
      recordId: 'garmin-s1',
      sourceId: 'conn_garmin',
      provider: 'garmin',
      startTime: '2026-11-18T03:40:00Z',
      endTime: '2026-11-18T04:40:00Z',
      durationSeconds: 2700,
      sleepStages: [
        { stage: 'light', startTime: '2026-11-18T03:40:00Z', endTime: '2026-11-18T04:00:00Z' },
        { stage: 'deep', startTime: '2026-11-18T04:00:00Z', endTime: '2026-11-18T04:25:00Z' },
        { stage: 'awake', startTime: '2026-11-18T04:25:00Z', endTime: '2026-11-18T04:40:00Z' },
      ],
      timezone: 'America/New_York',
      lastModified: '2026-11-18T11:00:00Z',
    };
    const weight: CanonicalWeight = {
      recordId: 'hk-w1',
      sourceId: 'com.apple.Health',
      provider: 'apple_health',
      measuredAt: '2026-11-19T12:02:00Z',
      weightKg: 72.44,
      bodyFatPercentage: 18.1,
      bmi: null,
      timezone: 'America/New_York',
      lastModified: '2026-11-19T12:02:04Z',
    };
    const steps = (date: string, counts: number[]): CanonicalSteps => {
      const start = Date.parse(`${date}T14:00:00Z`); // 09:00 in New York
      return {
        recordId: date,
        sourceId: 'conn_garmin',
        provider: 'garmin',
        date,
        steps: counts.reduce((a, b) => a + b, 0),
        stepsTimeseries: counts.map((steps, h) => ({
          startTime: iso(new Date(start + h * 3_600_000)),
          endTime: iso(new Date(start + (h + 1) * 3_600_000)),
          steps,
        })),
        timezone: 'America/New_York',
        lastModified: `${date}T23:00:00Z`,
      };
    };
    const destination = (o: PushOutcome | undefined) =>
      (o as { destinationRecordId: string }).destinationRecordId;

    it('creates an exercise under a client id, and reads it back as written', async () => {
      const [outcome] = await provider.push(await ctx(writer), 'workout', [{ record: workout }]);
      const id = clientDataPointId(workout.sourceId, workout.recordId);
      expect(outcome).to.deep.equal({
        sourceRecordId: 'strava-1',
        status: 'created',
        destinationRecordId: id,
      });
      const view = sandbox
        .records('google_health', writer.sandboxUserId, 'workout')
        .find((v) => v.id === id)!;
      expect(view).to.deep.include({
        createdBy: 'api',
        startTime: '2026-11-18T11:45:30.000Z',
        localStartTime: '2026-11-18T03:45:30',
        utcOffsetMinutes: -480,
        workoutType: 'running',
        durationSeconds: 2580,
        distanceMeters: 8012.5,
      });
      const context = await ctx(writer);
      const summaries = await provider.fetchMetadata(context, 'workout', WINDOW);
      const [read] = await provider.fetchPayloads(
        context,
        'workout',
        summaries.filter((s) => s.recordId === id),
      );
      expect(read).to.deep.include({
        recordId: id,
        provider: 'google_health',
        workoutType: 'running',
        title: 'Running', // Google names every exercise but OTHER after its type
        startTime: '2026-11-18T11:45:30.000Z',
        endTime: '2026-11-18T12:30:00.000Z',
        durationSeconds: 2580,
        distanceMeters: 8012.5,
        calories: 600,
        averageHeartRate: 151,
        timezone: 'Etc/GMT+8',
      });
    });

    it('a retried write of the same record is a conflict naming the existing point, not a duplicate', async () => {
      const context = await ctx(writer);
      await provider.push(context, 'workout', [{ record: { ...workout, recordId: 'strava-2' } }]);
      const count = sandbox.records('google_health', writer.sandboxUserId, 'workout').length;
      const [again] = await provider.push(await ctx(writer), 'workout', [
        { record: { ...workout, recordId: 'strava-2' } },
      ]);
      expect(again).to.deep.include({
        sourceRecordId: 'strava-2',
        status: 'conflict',
        destinationRecordId: clientDataPointId(workout.sourceId, 'strava-2'),
      });
      expect(sandbox.records('google_health', writer.sandboxUserId, 'workout')).to.have.length(count);
    });

    it('writes sleep with its hypnogram and weight in grams; both read back and neither duplicates', async () => {
      const [night] = await provider.push(await ctx(writer), 'sleep_session', [{ record: sleep }]);
      const [scale] = await provider.push(await ctx(writer), 'weight', [{ record: weight }]);
      expect([night!.status, scale!.status]).to.deep.equal(['created', 'created']);
      const context = await ctx(writer);
      const [readSleep] = await provider.fetchPayloads(
        context,
        'sleep_session',
        (await provider.fetchMetadata(context, 'sleep_session', WINDOW)).filter(
          (s) => s.recordId === destination(night),
        ),
      );
      expect(readSleep).to.deep.include({
        startTime: '2026-11-18T03:40:00.000Z',
        endTime: '2026-11-18T04:40:00.000Z',
        durationSeconds: 45 * 60, // light + deep
        efficiency: 75,
        sleepStages: sleep.sleepStages!.map((s) => ({
          ...s,
          startTime: iso(s.startTime),
          endTime: iso(s.endTime),
        })),
        timezone: 'Etc/GMT+5',
      });
      const weights = await provider.fetchMetadata(context, 'weight', WINDOW);
      expect(weights.find((s) => s.recordId === destination(scale))).to.deep.include({
        startTime: '2026-11-19T12:02:00.000Z',
        value: 72.44,
        timezone: 'Etc/GMT+5',
      });
      const retried = await provider.push(await ctx(writer), 'sleep_session', [{ record: sleep }]);
      const retriedWeight = await provider.push(await ctx(writer), 'weight', [{ record: weight }]);
      expect([retried[0]!.status, retriedWeight[0]!.status]).to.deep.equal(['conflict', 'conflict']);
    });

    it('writes a steps day as its series; a retry is a conflict and the day reads back once', async () => {
      const day = steps('2026-11-17', [1200, 800, 2000]);
      const [outcome] = await provider.push(await ctx(writer), 'steps', [{ record: day }]);
      expect(outcome).to.deep.equal({
        sourceRecordId: day.date,
        status: 'created',
        destinationRecordId: day.date,
      });
      const [retry] = await provider.push(await ctx(writer), 'steps', [{ record: day }]);
      expect(retry).to.deep.include({ status: 'conflict', destinationRecordId: day.date });
      const context = await ctx(writer);
      const summaries = await provider.fetchMetadata(context, 'steps', WINDOW);
      expect(summaries.find((s) => s.date === day.date)).to.deep.include({
        value: 4000,
        timezone: 'Etc/GMT+5',
      });
      const [read] = await provider.fetchPayloads(
        context,
        'steps',
        summaries.filter((s) => s.date === day.date),
      );
      expect(read!.stepsTimeseries).to.deep.equal(day.stepsTimeseries!.map((i) => ({ ...i })));
    });

    it('a steps write cut off half-way is finished by the retry, without counting anything twice', async () => {
      const day = steps('2026-11-16', [100, 200, 300, 400]);
      let creates = 0;
      const flaky = (base: ProviderHttp): ProviderHttp => ({
        request: async (req) => {
          if (req.method === 'POST' && (creates += 1) > 2)
            throw new ProviderUnavailableError('google_health', 'connection reset');
          return base.request(req);
        },
      });
      expect(
        await failure(provider.push(await ctx(writer, { http: flaky }), 'steps', [{ record: day }])),
      ).to.be.instanceOf(ProviderUnavailableError);
      const [outcome] = await provider.push(await ctx(writer), 'steps', [{ record: day }]);
      expect(outcome!.status).to.equal('created');
      const summaries = await provider.fetchMetadata(await ctx(writer), 'steps', WINDOW);
      expect(summaries.find((s) => s.date === day.date)!.value).to.equal(1000);
    });

    it('does not add a steps day that other sources already count', async () => {
      const date = user.persona.steps.at(-1)!.date;
      const before = sandbox.records('google_health', user.sandboxUserId, 'steps').length;
      const [outcome] = await provider.push(await ctx(user), 'steps', [{ record: steps(date, [5000]) }]);
      expect(outcome).to.deep.include({ status: 'conflict', destinationRecordId: date });
      expect((outcome as { reason: string }).reason).to.match(/already counts \d+ steps/);
      expect(sandbox.records('google_health', user.sandboxUserId, 'steps')).to.have.length(before);
    });
  });

  describe('hasNewData', () => {
    it('answers from one request per data type', async () => {
      const context = await ctx();
      const before = requests();
      const twoDaysAgo = new Date(NOW.getTime() - 2 * DAY);
      const tomorrow = new Date(NOW.getTime() + DAY);
      expect(await provider.hasNewData(context, 'workout', new Date(NOW.getTime() - 5 * DAY))).to.equal(true);
      expect(await provider.hasNewData(context, 'workout', tomorrow)).to.equal(false);
      expect(await provider.hasNewData(context, 'sleep_session', twoDaysAgo)).to.equal(true);
      expect(await provider.hasNewData(context, 'sleep_session', tomorrow)).to.equal(false);
      expect(await provider.hasNewData(context, 'weight', new Date(NOW.getTime() - 4 * DAY))).to.equal(true);
      expect(await provider.hasNewData(context, 'weight', NOW)).to.equal(false);
      expect(await provider.hasNewData(context, 'steps', twoDaysAgo)).to.equal(true);
      expect(await provider.hasNewData(context, 'steps', NOW)).to.equal(false);
      expect(requests() - before).to.equal(8);
    });
  });

  describe('errors', () => {
    it('429 RESOURCE_EXHAUSTED (the per-user quota) is a ProviderRateLimitedError for the minute', async () => {
      const busy = sandbox.createUser({ name: 'busy', persona: { empty: true } });
      const context = await ctx(busy);
      sandbox.fakes.google_health.configure!({ rateLimitPerMinute: 1 });
      await provider.fetchMetadata(context, 'weight', WINDOW);
      const error = await failure(provider.fetchMetadata(context, 'weight', WINDOW));
      expect(error).to.be.instanceOf(ProviderRateLimitedError);
      expect((error as ProviderRateLimitedError).retryAfterSeconds).to.equal(60);
      expect((error as Error).message).to.include('RESOURCE_EXHAUSTED');
    });

    it('a 429 with Retry-After waits that long', async () => {
      sandbox.faults.add({ provider: 'google_health', kind: 'status', status: 429, retryAfterSeconds: 17 });
      const error = await failure(provider.fetchMetadata(await ctx(), 'steps', WINDOW));
      expect(error).to.be.instanceOf(ProviderRateLimitedError);
      expect((error as ProviderRateLimitedError).retryAfterSeconds).to.equal(17);
    });

    it('401 after the grant was revoked (at the profile’s revocation URL) is a ProviderAuthError', async () => {
      const revoked = sandbox.createUser({ name: 'revoked', persona: { empty: true } });
      const grant = await connect(revoked);
      const res = await fetch(endpoints().revocation.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: grant.refresh_token }),
      });
      expect(res.status).to.equal(200);
      const error = await failure(
        provider.fetchMetadata(await ctx(revoked, { token: grant.access_token }), 'workout', WINDOW),
      );
      expect(error).to.be.instanceOf(ProviderAuthError);
      expect((error as ProviderAuthError).transient).to.equal(false);
    });

    it('403 PERMISSION_DENIED for a data type the user did not grant is a ProviderAuthError (re-consent)', async () => {
      const partial = await connect(user, [`${SCOPE}.sleep.readonly`]);
      const context = await ctx(user, { token: partial.access_token });
      expect(await provider.fetchMetadata(context, 'sleep_session', WINDOW)).to.have.length.greaterThan(0);
      const read = await failure(provider.fetchMetadata(context, 'workout', WINDOW));
      expect(read).to.be.instanceOf(ProviderAuthError);
      expect((read as Error).message).to.include('PERMISSION_DENIED');
      const nap: CanonicalSleepSession = {
        recordId: 'nap-1',
        sourceId: 'conn_garmin',
        provider: 'garmin',
        startTime: '2026-11-18T18:00:00Z',
        endTime: '2026-11-18T18:30:00Z',
        durationSeconds: 1500,
        timezone: null,
        lastModified: '2026-11-18T18:31:00Z',
      };
      // Read-only grant: create needs sleep.writeonly.
      const write = await failure(provider.push(context, 'sleep_session', [{ record: nap }]));
      expect(write).to.be.instanceOf(ProviderAuthError);
    });

    it('5xx is a transient ProviderUnavailableError; 410 a permanent ProviderRequestError', async () => {
      sandbox.faults.add({ provider: 'google_health', kind: 'status', status: 503 });
      const unavailable = await failure(provider.fetchMetadata(await ctx(), 'weight', WINDOW));
      expect(unavailable).to.be.instanceOf(ProviderUnavailableError);
      expect((unavailable as ProviderUnavailableError).transient).to.equal(true);

      sandbox.faults.add({ provider: 'google_health', kind: 'status', status: 410 });
      const gone = await failure(provider.fetchMetadata(await ctx(), 'weight', WINDOW));
      expect(gone).to.be.instanceOf(ProviderRequestError);
      expect(gone).to.deep.include({ status: 410, transient: false });
      expect((gone as Error).message).to.include('retired');
    });
  });

  describe('parseGoogleHealthRateLimit', () => {
    it('knows only what a Retry-After says: the user’s window is spent until then', () => {
      expect(parseGoogleHealthRateLimit(new Headers(), NOW)).to.equal(undefined);
      expect(parseGoogleHealthRateLimit(new Headers({ 'retry-after': 'soon' }), NOW)).to.equal(undefined);
      expect(parseGoogleHealthRateLimit(new Headers({ 'retry-after': '30' }), NOW)).to.deep.equal({
        windows: [
          { scope: 'user', limit: 300, used: 300, windowSeconds: 60, resetAt: NOW.getTime() + 30_000 },
        ],
      });
      const at = new Date(NOW.getTime() + 45_000).toUTCString();
      expect(
        parseGoogleHealthRateLimit(new Headers({ 'retry-after': at }), NOW)!.windows[0]!.resetAt,
      ).to.equal(NOW.getTime() + 45_000);
    });
  });
});
