// The Strava fake through real HTTP: OAuth as Strava answers it, the activity list's paging and
// filters, detail, createActivity with its duplicate check, the application rate limits and the
// shared fault injection.
import { expect } from 'chai';
import { recordedBy, recordedStart } from './persona.js';
import { startProviderSandbox, type ProviderSandbox, type SandboxUser } from './sandboxServer.js';
import { issueTokens } from './testTokens.js';

const NOW = new Date('2025-11-20T12:00:00Z');

interface Json {
  status: number;
  headers: Headers;
  body: unknown;
}

describe('sandbox: Strava fake', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let token: string;

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(async () => {
    await sandbox.stop();
  });
  beforeEach(() => {
    sandbox.reset();
    user = sandbox.createUser({ name: 'alex' });
    token = issueTokens(sandbox, 'strava', user.sandboxUserId).accessToken;
  });

  async function api(
    path: string,
    init: { method?: string; body?: string; contentType?: string; token?: string } = {},
  ): Promise<Json> {
    const res = await fetch(`${sandbox.url}/strava/api/v3${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${init.token ?? token}`,
        ...(init.contentType ? { 'content-type': init.contentType } : {}),
      },
      body: init.body,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text (malformed-JSON faults)
    }
    return { status: res.status, headers: res.headers, body };
  }

  const list = async (query: string) =>
    (await api(`/athlete/activities?${query}`)).body as Record<string, unknown>[];
  const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  const expected = () =>
    recordedBy(user.persona, 'strava')
      .workouts.map((w) => recordedStart(w, 'strava').toISOString().replace('.000Z', 'Z'))
      .sort();

  describe('OAuth', () => {
    const client = () => sandbox.oauth.strava;
    async function tokenCall(form: Record<string, string>): Promise<Json> {
      const res = await fetch(`${sandbox.url}/strava/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      return { status: res.status, headers: res.headers, body: await res.json() };
    }

    it('runs the code grant and rotates refresh tokens the way Strava answers', async () => {
      const authorize = new URL(`${sandbox.url}/strava/oauth/authorize`);
      authorize.search = new URLSearchParams({
        client_id: client().clientId,
        redirect_uri: 'http://127.0.0.1:9/callback',
        response_type: 'code',
        scope: 'read,activity:read_all,activity:write',
        state: 'st4te',
        sandbox_user: user.sandboxUserId,
      }).toString();
      const consent = await fetch(authorize, { redirect: 'manual' });
      expect(consent.status).to.equal(302);
      const location = new URL(consent.headers.get('location')!);
      expect(location.searchParams.get('state')).to.equal('st4te');
      const code = location.searchParams.get('code')!;

      const secrets = { client_id: client().clientId, client_secret: client().clientSecret };
      const first = await tokenCall({ ...secrets, code, grant_type: 'authorization_code' });
      expect(first.status).to.equal(200);
      const grant = first.body as Record<string, unknown>;
      expect(grant).to.include({ token_type: 'Bearer', expires_in: 6 * 3600 });
      expect(grant.expires_at).to.equal(epoch(NOW.toISOString()) + 6 * 3600);
      expect(grant.access_token).to.be.a('string');
      expect(grant.athlete).to.deep.include({ id: Number(user.providerUserIds.strava), firstname: 'alex' });
      expect(grant.athlete).to.have.property('username');

      const refreshed = await tokenCall({
        ...secrets,
        grant_type: 'refresh_token',
        refresh_token: grant.refresh_token as string,
      });
      expect(refreshed.status).to.equal(200);
      const second = refreshed.body as Record<string, unknown>;
      expect(second).to.not.have.property('athlete');
      expect(second.refresh_token).to.not.equal(grant.refresh_token);
      expect((await api('/athlete', { token: second.access_token as string })).status).to.equal(200);

      const reused = await tokenCall({
        ...secrets,
        grant_type: 'refresh_token',
        refresh_token: grant.refresh_token as string,
      });
      expect(reused.status).to.equal(400);
      expect(reused.body).to.deep.include({
        message: 'Bad Request',
        errors: [{ resource: 'RefreshToken', field: 'refresh_token', code: 'invalid' }],
        error: 'invalid_grant',
      });

      const badClient = await tokenCall({ ...secrets, client_secret: 'nope', grant_type: 'refresh_token' });
      expect(badClient.status).to.equal(401);
      expect(badClient.body).to.deep.include({ error: 'invalid_client' });
    });

    it('refuses API calls without a valid token', async () => {
      expect((await api('/athlete/activities', { token: 'at_bogus' })).status).to.equal(401);
    });
  });

  describe('GET /athlete/activities', () => {
    it('lists what the persona recorded with Strava, newest first, in Strava shapes', async () => {
      const all = await list('per_page=200');
      expect(all.map((a) => a.start_date)).to.deep.equal(expected().reverse());
      const first = all.at(-1)!;
      expect(first.id).to.equal(10_000_000_000);
      expect(first).to.include.keys(
        'name',
        'type',
        'sport_type',
        'start_date_local',
        'timezone',
        'utc_offset',
        'distance',
        'moving_time',
        'elapsed_time',
        'total_elevation_gain',
        'average_heartrate',
        'max_heartrate',
        'has_heartrate',
        'external_id',
      );
      expect(first).to.not.have.any.keys('calories', 'description', 'device_name');
      expect(first.athlete).to.deep.equal({ id: Number(user.providerUserIds.strava), resource_state: 1 });
      expect(first.resource_state).to.equal(2);
      for (const a of all) {
        expect(a.start_date).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        // Strava's local time carries a Z although it is wall-clock time.
        expect(a.start_date_local).to.match(/Z$/);
        const offset = Date.parse(a.start_date_local as string) - Date.parse(a.start_date as string);
        expect(offset / 1000).to.equal(a.utc_offset);
        expect(a.timezone).to.match(/^\(GMT[+-]\d{2}:\d{2}\) (America\/New_York|Europe\/Berlin)$/);
        expect(['Run', 'Ride']).to.include(a.sport_type);
      }
    });

    it('shifts the start of tz-bug copies by the bug hours', async () => {
      const bugged = recordedBy(user.persona, 'strava').workouts.filter((w) => w.tzBug);
      expect(bugged).to.have.length.greaterThan(0);
      const starts = (await list('per_page=200')).map((a) => a.start_date);
      for (const w of bugged) {
        const shifted = new Date(Date.parse(w.start) + w.tzBug!.hours * 3_600_000);
        expect(starts).to.include(shifted.toISOString().replace('.000Z', 'Z'));
        expect(starts).to.not.include(w.start.replace('.000Z', 'Z'));
      }
    });

    it('pages 1-based with per_page (default 30, at most 200)', async () => {
      const all = await list('per_page=200');
      expect(all.length).to.be.greaterThan(5);
      const pages: unknown[] = [];
      for (let page = 1; ; page += 1) {
        const chunk = await list(`per_page=4&page=${page}`);
        pages.push(...chunk.map((a) => a.id));
        if (chunk.length < 4) break;
      }
      expect(pages).to.deep.equal(all.map((a) => a.id));
      expect(await list('')).to.have.length(Math.min(30, all.length));
      expect(await list('per_page=5000')).to.have.length(all.length);
      expect((await api('/athlete/activities?page=0')).status).to.equal(400);
      expect((await api('/athlete/activities?after=yesterday')).status).to.equal(400);
    });

    it('filters with exclusive before/after epoch seconds', async () => {
      const starts = expected();
      const lo = starts[2]!;
      const hi = starts[6]!;
      const between = await list(`after=${epoch(lo)}&before=${epoch(hi)}&per_page=200`);
      expect(between.map((a) => a.start_date).sort()).to.deep.equal(starts.slice(3, 6));
      const inclusive = await list(`after=${epoch(lo) - 1}&before=${epoch(hi) + 1}&per_page=200`);
      expect(inclusive).to.have.length(5);
      expect(await list(`after=${epoch(starts.at(-1)!)}`)).to.deep.equal([]);
    });

    it('keeps athletes apart', async () => {
      const other = sandbox.createUser({ name: 'blake' });
      const otherToken = issueTokens(sandbox, 'strava', other.sandboxUserId).accessToken;
      const mine = (await list('per_page=200')).map((a) => a.id);
      const theirs = (
        (await api('/athlete/activities?per_page=200', { token: otherToken })).body as { id: number }[]
      ).map((a) => a.id);
      expect(mine.filter((id) => theirs.includes(id as number))).to.deep.equal([]);
      expect((await api(`/activities/${String(mine[0])}`, { token: otherToken })).status).to.equal(404);
    });
  });

  describe('GET /activities/{id}', () => {
    it('answers a DetailedActivity with calories, description and device_name', async () => {
      const [summary] = await list('per_page=1');
      const detail = await api(`/activities/${String(summary!.id)}`);
      expect(detail.status).to.equal(200);
      const body = detail.body as Record<string, unknown>;
      expect(body).to.include({ resource_state: 3, id: summary!.id, start_date: summary!.start_date });
      expect(body.calories).to.be.a('number').greaterThan(0);
      expect(body.device_name).to.be.oneOf(['Garmin Forerunner 255', 'Strava iPhone App']);
      expect(body).to.have.property('description', null);
      expect((await api('/activities/99')).status).to.equal(404);
      expect((await api('/activities/abc')).status).to.equal(404);
    });
  });

  describe('POST /activities', () => {
    it('creates a manual activity in the athlete profile zone (form body) and refuses its duplicate', async () => {
      const form = new URLSearchParams({
        name: 'Treadmill',
        sport_type: 'Run',
        start_date_local: '2025-11-19T07:15:00',
        elapsed_time: '1800',
        distance: '5000.5',
        description: 'easy',
        trainer: '1',
      }).toString();
      const ct = 'application/x-www-form-urlencoded';
      const created = await api('/activities', { method: 'POST', body: form, contentType: ct });
      expect(created.status).to.equal(201);
      const body = created.body as Record<string, unknown>;
      expect(body).to.include({
        name: 'Treadmill',
        sport_type: 'Run',
        type: 'Run',
        start_date: '2025-11-19T12:15:00Z',
        start_date_local: '2025-11-19T07:15:00Z',
        timezone: '(GMT-05:00) America/New_York',
        utc_offset: -18000,
        elapsed_time: 1800,
        moving_time: 1800,
        distance: 5000.5,
        description: 'easy',
        trainer: true,
        commute: false,
        manual: true,
      });
      const view = sandbox
        .records('strava', user.sandboxUserId, 'workout')
        .find((r) => r.id === String(body.id));
      expect(view).to.include({
        createdBy: 'api',
        startTime: '2025-11-19T12:15:00Z',
        localStartTime: '2025-11-19T07:15:00',
        utcOffsetMinutes: -300,
        workoutType: 'running',
        distanceMeters: 5000.5,
      });

      const duplicate = await api('/activities', { method: 'POST', body: form, contentType: ct });
      expect(duplicate.status).to.equal(409);
      expect(duplicate.body).to.deep.include({ error: `duplicate of activity ${String(body.id)}` });
      expect((duplicate.body as { errors: { code: string }[] }).errors[0]!.code).to.equal('duplicate');
    });

    it('takes a JSON body, honours an explicit offset and validates fields', async () => {
      const post = (b: Record<string, unknown>) =>
        api('/activities', { method: 'POST', body: JSON.stringify(b), contentType: 'application/json' });
      const ok = await post({
        name: 'Lift',
        sport_type: 'WeightTraining',
        start_date_local: '2025-07-01T18:00:00+02:00',
        elapsed_time: 2400,
      });
      expect(ok.status).to.equal(201);
      // The instant comes from the stated offset; local display stays in the athlete's zone.
      expect(ok.body).to.include({ start_date: '2025-07-01T16:00:00Z', utc_offset: -14400, distance: 0 });
      const missing = await post({
        sport_type: 'Run',
        start_date_local: '2025-11-19T07:15:00',
        elapsed_time: 5,
      });
      expect(missing.status).to.equal(400);
      expect(missing.body).to.deep.equal({
        message: 'Bad Request',
        errors: [{ resource: 'Activity', field: 'name', code: 'missing' }],
      });
      const badSport = await post({
        name: 'x',
        sport_type: 'Quidditch',
        start_date_local: '2025-11-19T07:15:00',
        elapsed_time: 5,
      });
      expect(badSport.status).to.equal(400);
      const badTime = await post({ name: 'x', sport_type: 'Run', start_date_local: 'soon', elapsed_time: 5 });
      expect(badTime.status).to.equal(400);
      const zero = await post({
        name: 'x',
        sport_type: 'Run',
        start_date_local: '2025-11-19T07:15:00',
        elapsed_time: 0,
      });
      expect(zero.status).to.equal(400);
      expect(
        sandbox.records('strava', user.sandboxUserId, 'workout').filter((r) => r.createdBy === 'api'),
      ).to.have.length(1);
    });
  });

  describe('rate limits', () => {
    it('reports application usage on every answer and refuses past the 15-minute limit', async () => {
      const first = await api('/athlete');
      expect(first.headers.get('x-ratelimit-limit')).to.equal('200,2000');
      expect(first.headers.get('x-ratelimit-usage')).to.equal('1,1');
      sandbox.fakes.strava.configure!({ shortLimit: 3, dailyLimit: 10 });
      const second = await api('/athlete/activities');
      expect(second.headers.get('x-ratelimit-limit')).to.equal('3,10');
      expect(second.headers.get('x-ratelimit-usage')).to.equal('2,2');
      expect(second.headers.get('x-readratelimit-usage')).to.equal('2,2');
      // Per application: another athlete's requests count against the same window.
      const other = sandbox.createUser({ name: 'blake' });
      const otherToken = issueTokens(sandbox, 'strava', other.sandboxUserId).accessToken;
      expect((await api('/athlete', { token: otherToken })).status).to.equal(200);
      const refused = await api('/activities/10000000000');
      expect(refused.status).to.equal(429);
      expect(refused.headers.get('x-ratelimit-usage')).to.equal('4,4');
      expect(refused.body).to.deep.equal({
        message: 'Rate Limit Exceeded',
        errors: [{ resource: 'Application', field: 'rate limit', code: 'exceeded' }],
      });
      // Refused requests still count, as Strava documents.
      expect((await api('/athlete')).headers.get('x-ratelimit-usage')).to.equal('5,5');
    });

    it('applies the daily limit and a separate read limit', async () => {
      sandbox.fakes.strava.configure!({ shortLimit: 100, dailyLimit: 2, readShortLimit: 100 });
      expect((await api('/athlete')).status).to.equal(200);
      expect((await api('/athlete')).status).to.equal(200);
      const daily = await api('/athlete');
      expect(daily.status).to.equal(429);
      expect(daily.headers.get('x-ratelimit-usage')).to.equal('3,3');

      sandbox.reset();
      user = sandbox.createUser({ name: 'alex' });
      token = issueTokens(sandbox, 'strava', user.sandboxUserId).accessToken;
      sandbox.fakes.strava.configure!({ readShortLimit: 1 });
      expect((await api('/athlete')).status).to.equal(200);
      expect((await api('/athlete')).status).to.equal(429);
      const write = await api('/activities', {
        method: 'POST',
        body: JSON.stringify({
          name: 'x',
          sport_type: 'Yoga',
          start_date_local: '2025-11-19T07:15:00',
          elapsed_time: 60,
        }),
        contentType: 'application/json',
      });
      expect(write.status).to.equal(201);
      expect(write.headers.get('x-readratelimit-usage')).to.equal('2,2');
      expect(write.headers.get('x-ratelimit-usage')).to.equal('3,3');
    });
  });

  describe('faults', () => {
    it('answers an injected status or malformed body once, then normally', async () => {
      sandbox.faults.add({
        provider: 'strava',
        kind: 'status',
        status: 503,
        pathPrefix: '/api/v3/athlete/activities',
      });
      expect((await api('/athlete/activities')).status).to.equal(503);
      expect((await api('/athlete/activities')).status).to.equal(200);
      sandbox.faults.add({ provider: 'strava', kind: 'malformed' });
      const garbled = await api('/athlete/activities');
      expect(garbled.status).to.equal(200);
      expect(garbled.body).to.be.a('string');
      sandbox.faults.add({ provider: 'strava', kind: 'expired_token' });
      expect((await api('/athlete')).status).to.equal(401);
      expect((await api('/athlete')).status).to.equal(200);
    });
  });
});
