// The Fitbit fake through real HTTP: OAuth (Basic client auth, PKCE, rotating refresh tokens), the
// documented response shapes and their paging, writes, units by Accept-Language and the per-user
// hourly rate limit.
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { recordedBy } from './persona.js';
import { startProviderSandbox, type ProviderSandbox, type SandboxUser } from './sandboxServer.js';
import { issueTokens } from './testTokens.js';
import { localIso } from './time.js';

const NOW = new Date('2026-11-20T15:00:00Z');

// Bodies are asserted field by field against Fitbit's documented shapes; a loose type keeps that readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('sandbox: Fitbit fake', () => {
  let sandbox: ProviderSandbox;
  /** Read-only tests use `user`; tests that write use `writer`, so the seeded data stays as built. */
  let user: SandboxUser;
  let token: string;
  let writer: SandboxUser;
  let writerToken: string;

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
    user = sandbox.createUser({ name: 'fiona' });
    token = issueTokens(sandbox, 'fitbit', user.sandboxUserId).accessToken;
    writer = sandbox.createUser({ name: 'walter' });
    writerToken = issueTokens(sandbox, 'fitbit', writer.sandboxUserId).accessToken;
  });
  after(() => sandbox.stop());
  afterEach(() => sandbox.fakes.fitbit.configure!({ hourlyLimit: 150, floatingClock: 'profile' }));

  const root = () => `${sandbox.url}/fitbit`;
  async function api(
    path: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      headers?: Record<string, string>;
      as?: string;
    } = {},
  ) {
    const res = await fetch(path.startsWith('http') ? path : `${root()}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.as ?? token}`,
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...init.headers,
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Json) : undefined };
  }

  const asWriter = (path: string, init: Parameters<typeof api>[1] = {}) =>
    api(path, { ...init, as: writerToken });

  describe('OAuth', () => {
    const basic = (secret = 'sandbox-fitbit-secret') =>
      `Basic ${Buffer.from(`sandbox-fitbit-client:${secret}`).toString('base64')}`;

    async function consent(): Promise<{ code: string; verifier: string }> {
      const verifier = randomBytes(32).toString('base64url');
      const url = new URL(`${root()}/oauth2/authorize`);
      url.search = new URLSearchParams({
        client_id: 'sandbox-fitbit-client',
        response_type: 'code',
        redirect_uri: 'http://127.0.0.1/cb',
        scope: 'activity sleep weight profile',
        state: 'st',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        sandbox_user: user.sandboxUserId,
      }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status).to.equal(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.searchParams.get('state')).to.equal('st');
      return { code: location.searchParams.get('code')!, verifier };
    }

    async function token(form: Record<string, string>, authorization?: string) {
      const res = await fetch(`${root()}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(authorization ? { authorization } : {}),
        },
        body: new URLSearchParams(form).toString(),
      });
      return { status: res.status, body: (await res.json()) as Json };
    }

    it('exchanges a code with HTTP Basic client auth and PKCE, answering with the encoded user id', async () => {
      const { code, verifier } = await consent();
      const res = await token(
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: 'http://127.0.0.1/cb',
          code_verifier: verifier,
        },
        basic(),
      );
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ token_type: 'Bearer', user_id: user.providerUserIds.fitbit });
      expect(res.body.user_id).to.match(/^[0-9A-Z]{6}$/);
      expect(res.body.access_token).to.be.a('string');
      expect(res.body.refresh_token).to.be.a('string');
      expect(res.body.expires_in).to.be.a('number');
      expect(res.body.scope).to.equal('activity sleep weight profile');
    });

    it('refuses client credentials in the body (Fitbit wants Basic) and a wrong PKCE verifier', async () => {
      const { code, verifier } = await consent();
      const inBody = await token({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        client_id: 'sandbox-fitbit-client',
        client_secret: 'sandbox-fitbit-secret',
      });
      expect(inBody.status).to.equal(401);
      expect(inBody.body).to.deep.include({ success: false });
      expect(inBody.body.errors[0].errorType).to.equal('invalid_client');
      const wrongVerifier = await token(
        { grant_type: 'authorization_code', code, code_verifier: 'nope' },
        basic(),
      );
      expect(wrongVerifier.status).to.equal(400);
      expect(wrongVerifier.body.errors[0].errorType).to.equal('invalid_grant');
    });

    it('rotates refresh tokens: a reused refresh token is invalid_grant', async () => {
      const { code, verifier } = await consent();
      const first = await token({ grant_type: 'authorization_code', code, code_verifier: verifier }, basic());
      const refreshed = await token(
        { grant_type: 'refresh_token', refresh_token: first.body.refresh_token },
        basic(),
      );
      expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
      expect(refreshed.body.refresh_token).to.not.equal(first.body.refresh_token);
      expect(refreshed.body.user_id).to.equal(user.providerUserIds.fitbit);
      const reuse = await token(
        { grant_type: 'refresh_token', refresh_token: first.body.refresh_token },
        basic(),
      );
      expect(reuse.status).to.equal(400);
      expect(reuse.body).to.deep.equal({
        errors: [{ errorType: 'invalid_grant', message: 'refresh token already used' }],
        success: false,
      });
      // The rotated token still works, and so does its access token.
      const me = await api('/1/user/-/profile.json', { as: refreshed.body.access_token });
      expect(me.status, JSON.stringify(me.body)).to.equal(200);
    });
  });

  it('serves the profile with the home time zone and its current offset', async () => {
    const res = await api('/1/user/-/profile.json');
    expect(res.status).to.equal(200);
    expect(res.body.user).to.include({
      encodedId: user.providerUserIds.fitbit,
      timezone: 'America/New_York',
      offsetFromUTCMillis: -5 * 3_600_000,
    });
    // The encoded id works in place of "-"; another user's id does not.
    expect((await api(`/1/user/${user.providerUserIds.fitbit}/profile.json`)).status).to.equal(200);
    expect((await api('/1/user/ZZZZZZ/profile.json')).status).to.equal(403);
  });

  describe('activities', () => {
    it('pages the log list through pagination.next until it is empty', async () => {
      const seen: Json[] = [];
      let next = '/1/user/-/activities/list.json?afterDate=2026-10-01&sort=asc&offset=0&limit=2';
      let pages = 0;
      while (next) {
        const res = await api(next);
        expect(res.status).to.equal(200);
        expect(res.body.pagination).to.include({ afterDate: '2026-10-01', limit: 2, sort: 'asc' });
        seen.push(...res.body.activities);
        next = res.body.pagination.next;
        if (next) expect(next.startsWith(`${root()}/1/user/-/activities/list.json?`)).to.equal(true);
        pages += 1;
      }
      const expected = recordedBy(user.persona, 'fitbit').workouts;
      expect(expected.length).to.be.greaterThan(2);
      expect(pages).to.equal(Math.ceil(expected.length / 2));
      expect(seen.map((a) => Date.parse(a.startTime))).to.deep.equal(
        expected.map((w) => Date.parse(w.start)),
      );
      const first = seen[0];
      expect(first.startTime).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000[+-]\d{2}:\d{2}$/);
      expect(first).to.include({ activityName: 'Weights', activityTypeId: 2131, logType: 'tracker' });
      expect(first.duration).to.equal(expected[0]!.elapsedSeconds * 1000);
      expect(first.activeDuration).to.equal(expected[0]!.movingSeconds * 1000);
      expect(first.logId).to.be.a('number');
      expect(first.source.type).to.equal('tracker');
    });

    it('lists newest first with beforeDate and rejects malformed list queries', async () => {
      const desc = await api(
        '/1/user/-/activities/list.json?beforeDate=2026-11-21&sort=desc&offset=0&limit=100',
      );
      const starts = desc.body.activities.map((a: Json) => Date.parse(a.startTime));
      expect(starts).to.deep.equal([...starts].sort((a: number, b: number) => b - a));
      expect(
        (await api('/1/user/-/activities/list.json?afterDate=2026-10-01&offset=0&limit=10')).status,
      ).to.equal(400);
      expect(
        (await api('/1/user/-/activities/list.json?afterDate=2026-10-01&sort=asc&offset=0&limit=101')).status,
      ).to.equal(400);
      const both = await api(
        '/1/user/-/activities/list.json?afterDate=2026-10-01&beforeDate=2026-11-01&sort=asc&offset=0&limit=1',
      );
      expect(both.status).to.equal(400);
      expect(both.body.errors[0].errorType).to.equal('validation');
    });

    it('creates an activity log at a local time in the profile zone, lists and deletes it', async () => {
      const created = await asWriter('/1/user/-/activities.json', {
        method: 'POST',
        form: {
          activityId: '90009',
          startTime: '07:30:00',
          durationMillis: '1800000',
          date: '2026-11-19',
          distance: '5.25',
          distanceUnit: 'Kilometer',
          manualCalories: '350',
        },
      });
      expect(created.status).to.equal(201);
      expect(created.body.activityLog).to.include({
        activityId: 90009,
        name: 'Run',
        startDate: '2026-11-19',
        startTime: '07:30',
      });
      const logId = created.body.activityLog.logId as number;
      const view = sandbox
        .records('fitbit', writer.sandboxUserId, 'workout')
        .find((r) => r.id === String(logId))!;
      expect(view).to.include({
        createdBy: 'api',
        startTime: '2026-11-19T12:30:00.000Z',
        localStartTime: '2026-11-19T07:30:00',
        utcOffsetMinutes: -300,
        durationSeconds: 1800,
        workoutType: 'running',
        distanceMeters: 5250,
      });
      const listed = await asWriter(
        '/1/user/-/activities/list.json?afterDate=2026-11-19T07:00:00&sort=asc&offset=0&limit=10',
      );
      const log = listed.body.activities.find((a: Json) => a.logId === logId);
      expect(log).to.include({
        startTime: '2026-11-19T07:30:00.000-05:00',
        distance: 5.25,
        distanceUnit: 'Kilometer',
        logType: 'manual',
        calories: 350,
      });
      const miles = await asWriter(
        '/1/user/-/activities/list.json?afterDate=2026-11-19T07:00:00&sort=asc&offset=0&limit=10',
        {
          headers: { 'accept-language': 'en_US' },
        },
      );
      expect(miles.body.activities.find((a: Json) => a.logId === logId)).to.include({
        distanceUnit: 'Mile',
        distance: 3.2622,
      });

      const custom = await asWriter('/1/user/-/activities.json', {
        method: 'POST',
        form: {
          activityName: 'Rowing',
          manualCalories: '200',
          startTime: '18:00',
          durationMillis: '600000',
          date: '2026-11-19',
        },
      });
      expect(custom.status).to.equal(201);
      const invalid = await asWriter('/1/user/-/activities.json', {
        method: 'POST',
        form: { activityName: 'Rowing', startTime: '18:00', durationMillis: '600000', date: '2026-11-19' },
      });
      expect(invalid.status).to.equal(400);

      expect((await asWriter(`/1/user/-/activities/${logId}.json`, { method: 'DELETE' })).status).to.equal(
        204,
      );
      expect((await asWriter(`/1/user/-/activities/${logId}.json`, { method: 'DELETE' })).status).to.equal(
        404,
      );
    });
  });

  describe('sleep v1.2', () => {
    it('answers a date range with stages, local times without offset and dateOfSleep = the day it ended', async () => {
      const res = await api('/1.2/user/-/sleep/date/2026-10-01/2026-11-20.json');
      expect(res.status).to.equal(200);
      const expected = recordedBy(user.persona, 'fitbit').sleeps;
      expect(res.body.sleep).to.have.length(expected.length);
      const byStart = [...res.body.sleep].sort((a: Json, b: Json) => a.startTime.localeCompare(b.startTime));
      const first = byStart[0];
      const persona = expected[0]!;
      expect(first.startTime).to.equal(`${localIso('America/New_York', new Date(persona.start))}.000`);
      expect(first.endTime).to.equal(`${localIso('America/New_York', new Date(persona.end))}.000`);
      expect(first.dateOfSleep).to.equal(first.endTime.slice(0, 10));
      expect(first).to.include({ type: 'stages', isMainSleep: true, efficiency: persona.efficiency });
      expect(first.duration).to.equal(Date.parse(persona.end) - Date.parse(persona.start));
      expect(first.minutesAsleep).to.equal(Math.round(persona.asleepSeconds / 60));
      expect(first.levels.summary.deep.minutes).to.equal(Math.round(persona.stages.deepSeconds / 60));
      expect(first.levels.summary.rem.minutes).to.equal(Math.round(persona.stages.remSeconds / 60));
      const stageSeconds = first.levels.data.reduce((sum: number, d: Json) => sum + d.seconds, 0);
      expect(stageSeconds * 1000).to.equal(first.duration);
      expect(first.levels.data[0].dateTime).to.equal(first.startTime);
    });

    it('limits the range to 100 days and pages the sleep list', async () => {
      expect((await api('/1.2/user/-/sleep/date/2026-01-01/2026-11-20.json')).status).to.equal(400);
      const first = await api('/1.2/user/-/sleep/list.json?afterDate=2026-10-01&sort=asc&offset=0&limit=5');
      expect(first.body.sleep).to.have.length(5);
      expect(first.body.pagination.next).to.contain('/fitbit/1.2/user/-/sleep/list.json?offset=5&limit=5');
      const second = await api(first.body.pagination.next);
      expect(second.body.sleep[0].startTime > first.body.sleep[4].startTime).to.equal(true);
      expect(second.body.pagination.previous).to.contain('offset=0');
    });

    it('logs a manual (classic) sleep at a local start time', async () => {
      const res = await asWriter('/1.2/user/-/sleep.json?startTime=23:10&duration=25200000&date=2026-11-19', {
        method: 'POST',
      });
      expect(res.status).to.equal(201);
      expect(res.body.sleep).to.include({
        startTime: '2026-11-19T23:10:00.000',
        endTime: '2026-11-20T06:10:00.000',
        dateOfSleep: '2026-11-20',
        type: 'classic',
        minutesAsleep: 420,
      });
      const view = sandbox
        .records('fitbit', writer.sandboxUserId, 'sleep_session')
        .find((r) => r.createdBy === 'api')!;
      expect(view).to.include({ startTime: '2026-11-20T04:10:00.000Z', durationSeconds: 25200 });
    });
  });

  describe('weight', () => {
    it('answers in kilograms by default and in POUNDS for Accept-Language en_US', async () => {
      const metric = await api('/1/user/-/body/log/weight/date/2026-10-25/2026-11-20.json');
      expect(metric.status).to.equal(200);
      const expected = recordedBy(user.persona, 'fitbit').weights.filter((w) => w.measuredAt >= '2026-10-25');
      expect(metric.body.weight).to.have.length(expected.length);
      const w = metric.body.weight[0];
      expect(w.weight).to.equal(expected[0]!.weightKg);
      expect(w.fat).to.equal(expected[0]!.bodyFatPercentage);
      expect(w).to.include({ source: 'Aria', time: '07:05:00' });
      expect(w.bmi).to.be.closeTo(expected[0]!.weightKg / 1.78 ** 2, 0.01);
      const us = await api('/1/user/-/body/log/weight/date/2026-10-25/2026-11-20.json', {
        headers: { 'accept-language': 'en_US' },
      });
      expect(us.body.weight[0].weight).to.be.closeTo(expected[0]!.weightKg * 2.20462, 0.01);
      expect((await api('/1/user/-/body/log/weight/date/2026-10-01/2026-11-20.json')).status).to.equal(400);
    });

    it('logs a weight (and its body fat) at a local time', async () => {
      const created = await asWriter('/1/user/-/body/log/weight.json', {
        method: 'POST',
        form: { weight: '72.35', date: '2026-11-20', time: '06:45:00' },
      });
      expect(created.status).to.equal(201);
      expect(created.body.weightLog).to.include({
        weight: 72.35,
        date: '2026-11-20',
        time: '06:45:00',
        source: 'API',
      });
      const fat = await asWriter('/1/user/-/body/log/fat.json', {
        method: 'POST',
        form: { fat: '18.4', date: '2026-11-20', time: '06:45:00' },
      });
      expect(fat.status).to.equal(201);
      const view = sandbox
        .records('fitbit', writer.sandboxUserId, 'weight')
        .find((r) => r.createdBy === 'api')!;
      expect(view).to.include({
        startTime: '2026-11-20T11:45:00.000Z',
        value: 72.35,
        utcOffsetMinutes: -300,
      });
      expect((view.native as Json).fat).to.equal(18.4);
      const pounds = await asWriter('/1/user/-/body/log/weight.json', {
        method: 'POST',
        form: { weight: '160', date: '2026-11-20', time: '20:00:00' },
        headers: { 'accept-language': 'en_US' },
      });
      expect(pounds.status).to.equal(201);
      const last = sandbox.records('fitbit', writer.sandboxUserId, 'weight').at(-1)!;
      expect(last.value).to.be.closeTo(72.57, 0.01);
    });
  });

  it('serves daily steps as strings for every day of the range (read-only)', async () => {
    const res = await api('/1/user/-/activities/steps/date/2026-11-17/2026-11-21.json');
    expect(res.status).to.equal(200);
    const series = res.body['activities-steps'];
    expect(series.map((s: Json) => s.dateTime)).to.deep.equal([
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
    ]);
    const expected = recordedBy(user.persona, 'fitbit').steps.find((s) => s.date === '2026-11-19')!;
    expect(series[2].value).to.equal(String(expected.byProvider.fitbit));
    expect(series[4].value).to.equal('0');
    const view = sandbox.records('fitbit', user.sandboxUserId, 'steps').find((r) => r.id === '2026-11-19')!;
    expect(view).to.include({ startTime: '2026-11-19T05:00:00.000Z', value: expected.byProvider.fitbit });
    expect((await api('/1/user/-/activities/steps.json', { method: 'POST' })).status).to.equal(404);
  });

  it('counts 150 requests an hour per user, with Fitbit-Rate-Limit-* headers and 429 + Retry-After', async () => {
    // Fresh users: the window (fixed NOW) is shared with the other tests' requests.
    const alice = sandbox.createUser({ name: 'alice', persona: { empty: true } });
    const aliceToken = issueTokens(sandbox, 'fitbit', alice.sandboxUserId).accessToken;
    const asAlice = () => api('/1/user/-/profile.json', { as: aliceToken });
    const first = await asAlice();
    expect(first.headers.get('fitbit-rate-limit-limit')).to.equal('150');
    expect(first.headers.get('fitbit-rate-limit-remaining')).to.equal('149');
    // NOW is 15:00:00Z: the window started on the hour and resets in an hour.
    expect(first.headers.get('fitbit-rate-limit-reset')).to.equal('3600');

    sandbox.fakes.fitbit.configure!({ hourlyLimit: 3 });
    expect((await asAlice()).headers.get('fitbit-rate-limit-remaining')).to.equal('1');
    expect((await asAlice()).status).to.equal(200);
    const limited = await asAlice();
    expect(limited.status).to.equal(429);
    expect(limited.headers.get('retry-after')).to.equal('3600');
    expect(limited.headers.get('fitbit-rate-limit-remaining')).to.equal('0');
    expect(limited.body.errors[0].errorType).to.equal('system');

    const other = sandbox.createUser({ name: 'otto', persona: { empty: true } });
    const otherToken = issueTokens(sandbox, 'fitbit', other.sandboxUserId).accessToken;
    const theirs = await api('/1/user/-/profile.json', { as: otherToken });
    expect(theirs.status).to.equal(200);
    expect(theirs.headers.get('fitbit-rate-limit-remaining')).to.equal('2');
  });

  it("with floatingClock 'device', floating times follow the zone the person was in", async () => {
    const berlin = recordedBy(user.persona, 'fitbit').sleeps.find((s) => s.timezone === 'Europe/Berlin')!;
    const inProfileZone = sandbox
      .records('fitbit', user.sandboxUserId, 'sleep_session')
      .find((r) => r.startTime === new Date(berlin.start).toISOString())!;
    expect(inProfileZone.localStartTime).to.equal(localIso('America/New_York', new Date(berlin.start)));
    sandbox.fakes.fitbit.configure!({ floatingClock: 'device' });
    const onDevice = sandbox
      .records('fitbit', user.sandboxUserId, 'sleep_session')
      .find((r) => r.id === inProfileZone.id)!;
    expect(onDevice.localStartTime).to.equal(localIso('Europe/Berlin', new Date(berlin.start)));
    expect(onDevice.utcOffsetMinutes).to.equal(60);
  });
});
