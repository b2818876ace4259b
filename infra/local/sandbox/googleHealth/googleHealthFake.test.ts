/* eslint-disable @typescript-eslint/no-explicit-any -- tests probe Google's JSON bodies ad hoc */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { recordedBy, recordedStart, type PersonaWorkout } from '../persona.js';
import { startProviderSandbox, type ProviderSandbox, type SandboxUser } from '../sandboxServer.js';
import { localDate, localIso } from '../time.js';
import { validateRequest, validateResponse } from './discoverySchemas.js';
import { googleHealthScope, type HealthDataType } from './googleHealthFake.js';

const NOW = new Date('2026-11-10T12:00:00Z');
const DAY = 86_400_000;
const TYPES: HealthDataType[] = ['exercise', 'sleep', 'steps', 'weight'];
const READ = TYPES.map((t) => googleHealthScope(t, 'readonly'));
const WRITE = TYPES.map((t) => googleHealthScope(t, 'writeonly'));
const LIST = 'health.users.dataTypes.dataPoints.list';
const GET = 'health.users.dataTypes.dataPoints.get';
const CREATE = 'health.users.dataTypes.dataPoints.create';
const IDENTITY = 'health.users.getIdentity';

describe('sandbox: Google Health API fake (v4, from the discovery document)', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let token: string;
  /** Every response of the scripted calls, for the conformance check at the end of each test. */
  let served: { methodId: string; status: number; body: unknown }[];

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(() => sandbox.stop());
  beforeEach(async () => {
    sandbox.reset();
    served = [];
    user = sandbox.createUser({ name: 'health-fake' });
    token = (await connect([...READ, ...WRITE])).access_token;
  });
  afterEach(function () {
    // EVERY response the fake gave in the test conforms to the discovery document.
    if (this.currentTest?.state !== 'passed') return;
    for (const r of served)
      expect(validateResponse(r.methodId, r.body, r.status), `${r.methodId} ${r.status}`).to.deep.equal([]);
  });

  const base = () => `${sandbox.url}/google_health`;

  /** Google's OAuth flow over HTTP: consent (PKCE S256), then the code exchange. */
  async function connect(scopes: string[]): Promise<Record<string, any>> {
    const verifier = randomBytes(32).toString('base64url');
    const consent = new URL(`${base()}/o/oauth2/v2/auth`);
    const params = {
      client_id: 'sandbox-google_health-client',
      redirect_uri: 'http://127.0.0.1/callback',
      response_type: 'code',
      scope: scopes.join(' '),
      access_type: 'offline',
      state: 'st',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sandbox_user: user.sandboxUserId,
    };
    for (const [k, v] of Object.entries(params)) consent.searchParams.set(k, v);
    const redirect = await fetch(consent, { redirect: 'manual' });
    expect(redirect.status).to.equal(302);
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    return tokenCall({
      grant_type: 'authorization_code',
      code,
      redirect_uri: params.redirect_uri,
      code_verifier: verifier,
    });
  }

  async function tokenCall(form: Record<string, string>): Promise<Record<string, any>> {
    const res = await fetch(`${base()}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...form,
        client_id: 'sandbox-google_health-client',
        client_secret: 'sandbox-google_health-secret',
      }),
    });
    return { status: res.status, ...((await res.json()) as Record<string, any>) };
  }

  async function call(
    methodId: string,
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; bearer?: string | null } = {},
  ) {
    const bearer = options.bearer === undefined ? token : options.bearer;
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(bearer !== null ? { authorization: `Bearer ${bearer}` } : {}),
        'content-type': 'application/json',
      },
      ...(options.rawBody !== undefined
        ? { body: options.rawBody }
        : options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
    });
    const text = await res.text();
    const body = (text ? JSON.parse(text) : undefined) as Record<string, any>;
    served.push({ methodId, status: res.status, body });
    return { status: res.status, headers: res.headers, body };
  }

  const list = (type: string, query: Record<string, string> = {}, bearer?: string | null) =>
    call(LIST, 'GET', `/v4/users/me/dataTypes/${type}/dataPoints?${new URLSearchParams(query)}`, {
      ...(bearer !== undefined ? { bearer } : {}),
    });

  /** Every page of a list, following nextPageToken. */
  async function listAll(type: string, query: Record<string, string> = {}) {
    const points: any[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await list(type, { ...query, ...(pageToken ? { pageToken } : {}) });
      expect(page.status).to.equal(200);
      points.push(...(page.body.dataPoints ?? []));
      pageToken = page.body.nextPageToken;
      pages += 1;
    } while (pageToken);
    return { points, pages };
  }

  const startOf = (p: any) =>
    Date.parse((p.steps ?? p.exercise ?? p.sleep)?.interval.startTime ?? p.weight.sampleTime.physicalTime);

  it('runs Google OAuth: code + PKCE, scopes on the grant, refresh tokens that do not rotate', async () => {
    const grant = await connect([googleHealthScope('sleep', 'readonly')]);
    expect(grant).to.include({
      status: 200,
      token_type: 'Bearer',
      scope: googleHealthScope('sleep', 'readonly'),
    });
    expect(grant).to.have.property('refresh_token');
    const refreshed = await tokenCall({ grant_type: 'refresh_token', refresh_token: grant.refresh_token });
    expect(refreshed).to.include({ status: 200, scope: googleHealthScope('sleep', 'readonly') });
    expect(refreshed).to.not.have.property('refresh_token');
    const again = await tokenCall({ grant_type: 'refresh_token', refresh_token: grant.refresh_token });
    expect(again.status).to.equal(200);
    expect(sandbox.fakes.google_health.grantedScope(again.access_token)).to.equal(
      googleHealthScope('sleep', 'readonly'),
    );
    expect((await list('sleep', {}, again.access_token)).status).to.equal(200);

    const revoked = await fetch(`${base()}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: again.access_token }),
    });
    expect(revoked.status).to.equal(200);
    const after = await list('sleep', {}, again.access_token);
    expect(after.status).to.equal(401);
    expect(after.body.error).to.include({ code: 401, status: 'UNAUTHENTICATED' });
  });

  it('answers users.getIdentity with the health user id and the same person’s Fitbit id', async () => {
    const res = await call(IDENTITY, 'GET', '/v4/users/me/identity');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      name: 'users/me/identity',
      healthUserId: user.providerUserIds.google_health,
      legacyUserId: user.providerUserIds.fitbit,
    });
    const byId = await call(IDENTITY, 'GET', `/v4/users/${user.providerUserIds.google_health}/identity`);
    expect(byId.body.healthUserId).to.equal(user.providerUserIds.google_health);
  });

  it('lists steps of a civil day as hourly intervals from both platforms, newest first', async () => {
    const day = user.persona.steps.find((d) => d.timezone === 'Europe/Berlin')!;
    const next = new Date(Date.parse(`${day.date}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
    const res = await list('steps', {
      filter: `steps.interval.civil_start_time >= "${day.date}" AND steps.interval.civil_start_time < "${next}"`,
    });
    expect(res.status).to.equal(200);
    const points = res.body.dataPoints as any[];
    expect(points).to.have.length(26);
    const starts = points.map(startOf);
    expect(starts).to.deep.equal([...starts].sort((a, b) => b - a));
    const total = (platform: string) =>
      points
        .filter((p) => p.dataSource.platform === platform)
        .reduce((acc, p) => acc + Number(p.steps.count), 0);
    expect(total('FITBIT')).to.equal(day.byProvider.fitbit);
    expect(total('FIT')).to.equal(day.byProvider.google_fit);
    // Berlin local time: the first interval starts at 08:00 civil, +01:00 (CET).
    const first = points.at(-1).steps.interval;
    expect(first.startUtcOffset).to.equal('3600s');
    expect(first.civilStartTime).to.deep.equal({
      date: {
        year: Number(day.date.slice(0, 4)),
        month: Number(day.date.slice(5, 7)),
        day: Number(day.date.slice(8)),
      },
      time: { hours: 8 },
    });

    const physical = await list('steps', {
      filter: `steps.interval.start_time >= "${first.startTime}" AND steps.interval.start_time < "${first.endTime}"`,
    });
    expect(physical.body.dataPoints).to.have.length(2);
  });

  it('lists exercises (civil start filter), weights (sample time) and sleeps (end time, OR)', async () => {
    const fitbit = recordedBy(user.persona, 'fitbit');
    const fit = recordedBy(user.persona, 'google_fit');
    const cut = '2026-11-01';
    const local = (w: PersonaWorkout, provider: 'fitbit' | 'google_fit') =>
      localDate(w.timezone, recordedStart(w, provider));
    const expected =
      fitbit.workouts.filter((w) => local(w, 'fitbit') >= cut).length +
      fit.workouts.filter((w) => local(w, 'google_fit') >= cut).length;
    const exercises = await list('exercise', { filter: `exercise.interval.civil_start_time >= "${cut}"` });
    expect(exercises.body.dataPoints).to.have.length(expected);
    const gym = exercises.body.dataPoints.find((p: any) => p.exercise.exerciseType === 'STRENGTH_TRAINING');
    const source = fitbit.workouts.find((w) => Date.parse(w.start) === startOf(gym))!;
    expect(gym.exercise).to.include({
      displayName: 'Strength training',
      activeDuration: `${source.movingSeconds}s`,
    });
    expect(gym.dataSource).to.include({ platform: 'FITBIT' });

    const weights = await list('weight', {
      filter: `weight.sample_time.physical_time >= "${new Date(NOW.getTime() - 30 * DAY).toISOString()}"`,
    });
    expect(weights.body.dataPoints).to.have.length(fitbit.weights.length + fit.weights.length);
    const w0 = fitbit.weights.at(-1)!;
    const mine = weights.body.dataPoints.find(
      (p: any) =>
        p.dataSource.platform === 'FITBIT' &&
        Date.parse(p.weight.sampleTime.physicalTime) === Date.parse(w0.measuredAt),
    );
    expect(mine.weight.weightGrams).to.equal(Math.round(w0.weightKg * 1000));
    const civil = await list('weight', {
      filter: `weight.sample_time.civil_time >= "${localIso(w0.timezone, new Date(w0.measuredAt))}"`,
    });
    expect(civil.body.dataPoints.length).to.be.greaterThan(0);

    const sleeps = [...fitbit.sleeps, ...fit.sleeps];
    const a = new Date(NOW.getTime() - 15 * DAY).toISOString();
    const b = new Date(NOW.getTime() - 5 * DAY).toISOString();
    const outside = sleeps.filter(
      (s) => Date.parse(s.end) < Date.parse(a) || Date.parse(s.end) >= Date.parse(b),
    );
    const { points } = await listAll('sleep', {
      filter: `sleep.interval.end_time < "${a}" OR sleep.interval.end_time >= "${b}"`,
    });
    expect(points).to.have.length(outside.length);
    const staged = points.find((p) => p.dataSource.platform === 'FITBIT').sleep;
    expect(staged.type).to.equal('STAGES');
    expect(staged.stages.map((s: any) => s.type)).to.include.members(['LIGHT', 'DEEP', 'REM', 'AWAKE']);
    expect(Number(staged.summary.minutesInSleepPeriod)).to.be.greaterThan(
      Number(staged.summary.minutesAsleep),
    );
  });

  it('pages with nextPageToken: each point exactly once, even when a point is written between pages', async () => {
    const whole = await list('steps', { pageSize: '10000' });
    const all = (whole.body.dataPoints as any[]).map((p) => p.name);
    expect(new Set(all).size).to.equal(all.length);
    const days = user.persona.steps;
    expect(all).to.have.length(days.length * 13 * 2);

    const first = await list('steps', { pageSize: '37' });
    expect(first.body.dataPoints).to.have.length(37);
    // A point older than the cursor, written while the client pages.
    const at = Date.parse(days[0]!.date) + 3 * 3_600_000;
    const created = await call(CREATE, 'POST', '/v4/users/me/dataTypes/steps/dataPoints', {
      body: {
        steps: {
          count: '42',
          interval: {
            startTime: new Date(at).toISOString(),
            endTime: new Date(at + 60_000).toISOString(),
            startUtcOffset: '-18000s',
            endUtcOffset: '-18000s',
          },
        },
      },
    });
    expect(created.status).to.equal(200);
    const rest = await listAll('steps', { pageSize: '37', pageToken: first.body.nextPageToken });
    const paged = [...first.body.dataPoints, ...rest.points].map((p: any) => p.name);
    expect(new Set(paged).size).to.equal(paged.length);
    expect(paged).to.have.length(all.length + 1);
    expect(paged).to.include(created.body.response.name);
    expect(paged.map((n: string) => n)).to.include.members(all);

    // Sleep and exercise pages hold 25 at most, whatever the client asks.
    const sleeps = await list('sleep', { pageSize: '100' });
    expect(sleeps.body.dataPoints).to.have.length(25);
    expect(sleeps.body).to.have.property('nextPageToken');
    const byDefault = await listAll('sleep');
    expect(byDefault.pages).to.equal(2);
    const sleepNames = byDefault.points.map((p) => p.name);
    expect(new Set(sleepNames).size).to.equal(sleepNames.length);

    // proto3 JSON: no matches is an empty object.
    const none = await list('weight', {
      filter: 'weight.sample_time.physical_time >= "2030-01-01T00:00:00Z"',
    });
    expect(none.body).to.deep.equal({});
  });

  it('gets a data point by name and answers NOT_FOUND for an unknown one', async () => {
    const [point] = (await list('sleep', { pageSize: '1' })).body.dataPoints;
    const id = point.name.split('/').pop();
    const got = await call(GET, 'GET', `/v4/users/me/dataTypes/sleep/dataPoints/${id}`);
    expect(got.status).to.equal(200);
    expect(got.body).to.deep.equal(point);
    expect(point.name).to.equal(
      `users/${user.providerUserIds.google_health}/dataTypes/sleep/dataPoints/${id}`,
    );
    const missing = await call(GET, 'GET', '/v4/users/me/dataTypes/sleep/dataPoints/nope-0000');
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.include({ code: 404, status: 'NOT_FOUND' });
  });

  it('creates data points (an Operation, done, holding the DataPoint) that list and get then find', async () => {
    const start = Date.parse('2026-11-09T17:00:00Z');
    const exercise = {
      name: 'users/me/dataTypes/exercise/dataPoints/syncwell-run-1',
      dataSource: {
        recordingMethod: 'ACTIVELY_MEASURED',
        device: { manufacturer: 'Garmin', formFactor: 'WATCH' },
      },
      exercise: {
        interval: {
          startTime: new Date(start).toISOString(),
          endTime: new Date(start + 3_000_000).toISOString(),
          startUtcOffset: '-18000s',
          endUtcOffset: '-18000s',
        },
        exerciseType: 'RUNNING',
        displayName: 'Tempo run',
        activeDuration: '2900s',
        metricsSummary: {
          distanceMillimeters: 8_000_000,
          caloriesKcal: 540,
          averageHeartRateBeatsPerMinute: '150',
        },
      },
    };
    expect(
      validateRequest(CREATE, { path: { parent: 'users/me/dataTypes/exercise' }, query: {}, body: exercise }),
    ).to.deep.equal([]);
    const created = await call(CREATE, 'POST', '/v4/users/me/dataTypes/exercise/dataPoints', {
      body: exercise,
    });
    expect(created.status).to.equal(200);
    expect(created.body).to.include({ done: true });
    expect(created.body.name).to.match(/^operations\//);
    const point = created.body.response;
    expect(point['@type']).to.equal('type.googleapis.com/google.devicesandservices.health.v4.DataPoint');
    expect(point.name).to.equal(
      `users/${user.providerUserIds.google_health}/dataTypes/exercise/dataPoints/syncwell-run-1`,
    );
    // Google names a non-OTHER exercise after its type and computes the civil times.
    expect(point.exercise.displayName).to.equal('Running');
    expect(point.exercise.interval.civilStartTime).to.deep.equal({
      date: { year: 2026, month: 11, day: 9 },
      time: { hours: 12 },
    });
    expect(point.dataSource).to.deep.include({
      platform: 'GOOGLE_WEB_API',
      application: { googleWebClientId: 'sandbox-google_health-client' },
    });

    const listed = await list('exercise', { filter: 'exercise.interval.civil_start_time >= "2026-11-09"' });
    const { '@type': _type, ...stored } = point;
    expect(listed.body.dataPoints).to.deep.include(stored);
    expect(
      (await call(GET, 'GET', '/v4/users/me/dataTypes/exercise/dataPoints/syncwell-run-1')).body,
    ).to.deep.equal(stored);
    const again = await call(CREATE, 'POST', '/v4/users/me/dataTypes/exercise/dataPoints', {
      body: exercise,
    });
    expect(again.status).to.equal(409);
    expect(again.body.error.status).to.equal('ALREADY_EXISTS');

    const sleep = await call(CREATE, 'POST', '/v4/users/me/dataTypes/sleep/dataPoints', {
      body: {
        sleep: {
          interval: {
            startTime: '2026-11-09T03:00:00Z',
            endTime: '2026-11-09T05:00:00Z',
            startUtcOffset: '-18000s',
            endUtcOffset: '-18000s',
          },
          stages: [
            {
              type: 'LIGHT',
              startTime: '2026-11-09T03:00:00Z',
              endTime: '2026-11-09T04:00:00Z',
              startUtcOffset: '-18000s',
              endUtcOffset: '-18000s',
            },
            {
              type: 'AWAKE',
              startTime: '2026-11-09T04:00:00Z',
              endTime: '2026-11-09T05:00:00Z',
              startUtcOffset: '-18000s',
              endUtcOffset: '-18000s',
            },
          ],
        },
      },
    });
    expect(sleep.status).to.equal(200);
    expect(sleep.body.response.sleep.summary).to.include({ minutesAsleep: '60', minutesAwake: '60' });

    const weight = await call(CREATE, 'POST', '/v4/users/me/dataTypes/weight/dataPoints', {
      body: {
        weight: {
          weightGrams: 71900,
          sampleTime: { physicalTime: '2026-11-10T07:05:00Z', utcOffset: '-18000s' },
        },
      },
    });
    expect(weight.status).to.equal(200);
    const views = sandbox
      .records('google_health', user.sandboxUserId, 'weight')
      .filter((v) => v.createdBy === 'api');
    expect(views).to.have.length(1);
    expect(views[0]).to.include({
      value: 71.9,
      utcOffsetMinutes: -300,
      localStartTime: '2026-11-10T02:05:00',
    });
    const workouts = sandbox
      .records('google_health', user.sandboxUserId, 'workout')
      .filter((v) => v.createdBy === 'api');
    expect(workouts[0]).to.include({ workoutType: 'running', durationSeconds: 2900, distanceMeters: 8000 });
  });

  it('answers Google’s errors: no token, a bad token, a scope the grant lacks, another user', async () => {
    const none = await list('steps', {}, null);
    expect(none.status).to.equal(401);
    expect(none.body.error).to.include({ code: 401, status: 'UNAUTHENTICATED' });
    expect(none.body.error.details[0]).to.include({ reason: 'CREDENTIALS_MISSING' });
    const bad = await list('steps', {}, 'not-a-token');
    expect(bad.status).to.equal(401);
    expect(bad.headers.get('www-authenticate')).to.contain('invalid_token');

    const sleepOnly = (await connect([googleHealthScope('sleep', 'readonly')])).access_token as string;
    expect((await list('sleep', {}, sleepOnly)).status).to.equal(200);
    const denied = await list('steps', {}, sleepOnly);
    expect(denied.status).to.equal(403);
    expect(denied.body.error).to.include({ code: 403, status: 'PERMISSION_DENIED' });
    expect(denied.body.error.details[0]).to.include({ reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT' });
    const readOnly = (await connect(READ)).access_token as string;
    const write = await call(CREATE, 'POST', '/v4/users/me/dataTypes/weight/dataPoints', {
      bearer: readOnly,
      body: {
        weight: { weightGrams: 70000, sampleTime: { physicalTime: '2026-11-10T07:05:00Z', utcOffset: '0s' } },
      },
    });
    expect(write.status).to.equal(403);
    const writeOnly = (await connect(WRITE)).access_token as string;
    expect((await call(IDENTITY, 'GET', '/v4/users/me/identity', { bearer: writeOnly })).status).to.equal(
      403,
    );

    const other = await call(LIST, 'GET', '/v4/users/12345/dataTypes/steps/dataPoints');
    expect(other.status).to.equal(403);
  });

  it('answers 400 INVALID_ARGUMENT (never 500) for bad filters, page sizes, tokens and bodies', async () => {
    const invalid = async (p: Promise<{ status: number; body: any }>) => {
      const res = await p;
      expect(res.status, JSON.stringify(res.body)).to.equal(400);
      expect(res.body.error).to.include({ code: 400, status: 'INVALID_ARGUMENT' });
      return res.body.error;
    };
    const filters: [string, string][] = [
      ['steps', 'steps.interval.start_time >= "2026-11-01T00:00:00Z" AND'],
      ['steps', 'steps.interval.start_time > "2026-11-01T00:00:00Z"'],
      ['steps', 'steps.interval.start_time >= 2026-11-01T00:00:00Z'],
      ['steps', 'steps.interval.start_time >= "yesterday"'],
      ['steps', 'steps.interval.civil_start_time >= "2026-11-01T00:00:00Z"'],
      [
        'steps',
        'steps.interval.start_time >= "2026-11-01T00:00:00Z" OR steps.interval.start_time < "2026-11-02T00:00:00Z"',
      ],
      ['steps', 'weight.sample_time.physical_time >= "2026-11-01T00:00:00Z"'],
      ['exercise', 'exercise.interval.start_time >= "2026-11-01T00:00:00Z"'],
      ['sleep', 'sleep.interval.civil_end_time >= "2026-13-01"'],
      ['weight', 'body-fat.sample_time.physical_time >= "2026-11-01T00:00:00Z"'],
      ['weight', '(weight.sample_time.physical_time >= "2026-11-01T00:00:00Z"'],
      ['weight', 'NOT weight.sample_time.physical_time >= "2026-11-01T00:00:00Z"'],
    ];
    for (const [type, filter] of filters) {
      const error = await invalid(list(type, { filter }));
      expect(error.details[0].reason, filter).to.match(/^INVALID_DATA_POINT_FILTER/);
    }
    expect(
      (await list('weight', { filter: '(weight.sample_time.physical_time >= "2026-11-01T00:00:00Z")' }))
        .status,
    ).to.equal(200);
    await invalid(list('steps', { pageSize: 'ten' }));
    await invalid(list('steps', { pageSize: '-1' }));
    await invalid(list('steps', { pageToken: 'garbage' }));
    const page = await list('steps', { pageSize: '5' });
    await invalid(
      list('steps', {
        pageToken: page.body.nextPageToken,
        filter: 'steps.interval.start_time >= "2026-11-01T00:00:00Z"',
      }),
    );
    await invalid(list('steps', { colour: 'blue' }));
    await invalid(list('foo'));
    expect((await list('heart-rate')).status).to.equal(501);

    const post = (body: unknown, type = 'steps') =>
      call(CREATE, 'POST', `/v4/users/me/dataTypes/${type}/dataPoints`, { body });
    const interval = {
      startTime: '2026-11-09T10:00:00Z',
      endTime: '2026-11-09T11:00:00Z',
      startUtcOffset: '0s',
      endUtcOffset: '0s',
    };
    await invalid(post({ steps: { count: 10, interval } }));
    await invalid(post({ steps: { count: '10', interval, colour: 'blue' } }));
    await invalid(post({ steps: { count: '10' } }));
    await invalid(post({ steps: { count: '2000000', interval } }));
    await invalid(
      post({ steps: { count: '10', interval: { ...interval, endTime: '2026-11-09T09:00:00Z' } } }),
    );
    await invalid(
      post({
        weight: { weightGrams: 1, sampleTime: { physicalTime: '2026-11-09T10:00:00Z', utcOffset: '0s' } },
      }),
    );
    await invalid(
      post(
        { exercise: { interval, exerciseType: 'PARKOUR_ON_MARS', displayName: 'x', metricsSummary: {} } },
        'exercise',
      ),
    );
    await invalid(post({ name: 'users/me/dataTypes/steps/dataPoints/X!', steps: { count: '1', interval } }));
    await invalid(call(CREATE, 'POST', '/v4/users/me/dataTypes/steps/dataPoints', { rawBody: '{"steps": ' }));
  });

  it('answers 429 RESOURCE_EXHAUSTED over the per-user minute quota, and the usual faults in Google’s shape', async () => {
    sandbox.fakes.google_health.configure!({ rateLimitPerMinute: 2 });
    expect((await call(IDENTITY, 'GET', '/v4/users/me/identity')).status).to.equal(200);
    expect((await list('weight')).status).to.equal(200);
    const limited = await list('weight');
    expect(limited.status).to.equal(429);
    expect(limited.body.error).to.include({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    sandbox.fakes.google_health.configure!({ rateLimitPerMinute: 300 });

    const fault = (rule: Record<string, unknown>) =>
      fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'google_health', pathPrefix: '/v4/users/me/dataTypes', ...rule }),
      });
    await fault({ kind: 'status', status: 503, retryAfterSeconds: 7 });
    const unavailable = await list('steps');
    expect(unavailable.status).to.equal(503);
    expect(unavailable.headers.get('retry-after')).to.equal('7');
    expect(unavailable.body.error).to.include({ code: 503, status: 'UNAVAILABLE' });
    await fault({ kind: 'expired_token' });
    const expired = await list('steps');
    expect(expired.status).to.equal(401);
    expect(expired.body.error.details[0]).to.include({ reason: 'ACCESS_TOKEN_EXPIRED' });
    expect((await list('steps')).status).to.equal(200);
    expect(sandbox.requestCounts().google_health).to.be.greaterThan(0);
  });

  it('serves the admin views of the person: steps per platform-day as the persona counted them', async () => {
    const res = await fetch(
      `${sandbox.url}/_sandbox/users/${user.sandboxUserId}/records?provider=google_health&dataType=steps`,
    );
    const views = (await res.json()) as any[];
    const fitbitDays = views.filter((v) => v.id.startsWith('steps:FITBIT:'));
    expect(fitbitDays.map((v) => v.value)).to.deep.equal(user.persona.steps.map((d) => d.byProvider.fitbit));
    const sleeps = sandbox.records('google_health', user.sandboxUserId, 'sleep_session');
    expect(sleeps).to.have.length(
      recordedBy(user.persona, 'fitbit').sleeps.length + recordedBy(user.persona, 'google_fit').sleeps.length,
    );
  });

  describe('the conformance validator itself', () => {
    it('refuses an unknown field, a value outside an enum and a number where an int64 string belongs', async () => {
      const res = await list('steps', { pageSize: '1' });
      const good = res.body;
      expect(validateResponse(LIST, good)).to.deep.equal([]);
      const clone = () => JSON.parse(JSON.stringify(good));

      const extra = clone();
      extra.dataPoints[0].steps.source = 'pedometer';
      expect(validateResponse(LIST, extra)).to.have.length.greaterThan(0);
      expect(
        validateResponse(IDENTITY, { name: 'users/me/identity', healthUserId: '1', email: 'x@y' })[0],
      ).to.contain('unknown field "email"');

      const enumWrong = clone();
      enumWrong.dataPoints[0].dataSource.platform = 'STRAVA';
      expect(validateResponse(LIST, enumWrong).join()).to.contain('platform');

      const number = clone();
      number.dataPoints[0].steps.count = Number(number.dataPoints[0].steps.count);
      expect(validateResponse(LIST, number).join()).to.contain('steps/count');

      const duration = clone();
      duration.dataPoints[0].steps.interval.startUtcOffset = '-05:00';
      expect(validateResponse(LIST, duration)).to.have.length.greaterThan(0);
      const timestamp = clone();
      timestamp.dataPoints[0].steps.interval.startTime = '2026-11-09 10:00';
      expect(validateResponse(LIST, timestamp)).to.have.length.greaterThan(0);
      const missing = clone();
      delete missing.dataPoints[0].steps.interval;
      expect(validateResponse(LIST, missing)).to.have.length.greaterThan(0);

      expect(
        validateResponse(LIST, { error: { code: 400, message: 'x', status: 'NOT_FOUND' } }, 400),
      ).to.have.length(1);
      expect(validateResponse(LIST, { error: { code: 404, message: 'x' } }, 404)).to.have.length.greaterThan(
        0,
      );
    });

    it('refuses a request missing a required parameter, with a bad pattern, type or unknown name', () => {
      expect(validateRequest(LIST, { path: {}, query: {} })).to.deep.equal([
        'path parameter "parent" is required',
      ]);
      expect(
        validateRequest(LIST, { path: { parent: 'users/me/dataTypes/steps' }, query: {} }),
      ).to.deep.equal([]);
      expect(validateRequest(LIST, { path: { parent: 'users/me/steps' }, query: {} })[0]).to.contain(
        'does not match',
      );
      expect(
        validateRequest(LIST, { path: { parent: 'users/me/dataTypes/steps' }, query: { page_size: '10' } }),
      ).to.deep.equal([]);
      expect(
        validateRequest(LIST, {
          path: { parent: 'users/me/dataTypes/steps' },
          query: { pageSize: '1.5' },
        })[0],
      ).to.contain('int32');
      expect(
        validateRequest(LIST, { path: { parent: 'users/me/dataTypes/steps' }, query: { alt: 'xml' } })[0],
      ).to.contain('alt');
      expect(validateRequest(GET, { path: { parent: 'users/me/dataTypes/steps' }, query: {} })).to.include(
        'path parameter "name" is required',
      );
      expect(
        validateRequest(CREATE, {
          path: { parent: 'users/me/dataTypes/weight' },
          query: {},
          body: { weight: { weightGrams: 1 } },
        })[0],
      ).to.contain("required property 'sampleTime'");
    });
  });
});
