import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { recordedBy } from './persona.js';
import { startProviderSandbox, type ProviderSandbox, type SandboxUser } from './sandboxServer.js';
import { issueTokens } from './testTokens.js';
import type { GarminFake } from './garmin.js';

// A fixed clock nine days after the New York DST change (2026-11-01), so the persona holds the
// repeated-hour run and the Berlin trip.
const NOW = new Date('2026-11-10T12:00:00Z');
const nowS = Math.floor(NOW.getTime() / 1000);
const DAY = 86_400;

describe('sandbox: Garmin Health API fake', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let token: string;

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    user = sandbox.createUser({ name: 'garmin-fake' });
    token = issueTokens(sandbox, 'garmin', user.sandboxUserId).accessToken;
  });

  const get = (path: string, query: Record<string, string | number> = {}) => {
    const url = new URL(`${sandbox.url}/garmin${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return fetch(url, { headers: { authorization: `Bearer ${token}` } });
  };

  async function scan(type: string, from: number, to: number): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (let s = from; s < to; s += DAY) {
      const res = await get(`/wellness-api/rest/${type}`, {
        uploadStartTimeInSeconds: s,
        uploadEndTimeInSeconds: Math.min(s + DAY, to),
      });
      expect(res.status).to.equal(200);
      out.push(...((await res.json()) as Record<string, unknown>[]));
    }
    return out;
  }

  it('runs Garmin OAuth 2.0 with PKCE and client credentials in the body', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${sandbox.url}/garmin/oauth2Confirm`);
    const params = {
      client_id: 'sandbox-garmin-client',
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1/cb',
      state: 's1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      sandbox_user: user.sandboxUserId,
    };
    for (const [k, v] of Object.entries(params)) authorize.searchParams.set(k, v);
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).to.equal(302);
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const tokenRes = await fetch(`${sandbox.url}/garmin/di-oauth2-service/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: 'http://127.0.0.1/cb',
        client_id: 'sandbox-garmin-client',
        client_secret: 'sandbox-garmin-secret',
      }),
    });
    expect(tokenRes.status).to.equal(200);
    const body = (await tokenRes.json()) as Record<string, unknown>;
    expect(body).to.have.keys(
      'access_token',
      'token_type',
      'refresh_token',
      'expires_in',
      'scope',
      'jti',
      'refresh_token_expires_in',
    );
    expect(body.token_type).to.equal('bearer');
  });

  it('answers the user id', async () => {
    const res = await get('/wellness-api/rest/user/id');
    expect(await res.json()).to.deep.equal({ userId: user.providerUserIds.garmin });
  });

  it('serves activities by upload time: every Garmin run once, with offsets (Berlin, DST repeated hour)', async () => {
    const mine = recordedBy(user.persona, 'garmin').workouts;
    const acts = await scan('activities', nowS - 30 * DAY, nowS);
    expect(acts.map((a) => a.startTimeInSeconds)).to.deep.equal(mine.map((w) => Date.parse(w.start) / 1000));
    const dst = mine.find((w) => w.key.endsWith('dst-run'))!;
    const dstAct = acts.find((a) => a.startTimeInSeconds === Date.parse(dst.start) / 1000)!;
    expect(dstAct.startTimeOffsetInSeconds).to.equal(-4 * 3600); // 01:30 EDT, first occurrence
    const berlin = mine.find((w) => w.timezone === 'Europe/Berlin')!;
    const berlinAct = acts.find((a) => a.startTimeInSeconds === Date.parse(berlin.start) / 1000)!;
    expect(berlinAct).to.include({ startTimeOffsetInSeconds: 3600, activityType: 'RUNNING' });
    expect(berlinAct.distanceInMeters).to.equal(berlin.distanceMeters);
    // Upload time is after the end: a window right after the start but before the end is empty.
    const start = Date.parse(berlin.start) / 1000;
    const early = await get('/wellness-api/rest/activities', {
      uploadStartTimeInSeconds: start,
      uploadEndTimeInSeconds: start + 600,
    });
    expect(await early.json()).to.deep.equal([]);
  });

  it('serves dailies and sleeps for every persona day and night', async () => {
    const mine = recordedBy(user.persona, 'garmin');
    const dailies = await scan('dailies', nowS - 30 * DAY, nowS);
    expect(dailies.map((d) => [d.calendarDate, d.steps])).to.deep.equal(
      mine.steps.map((d) => [d.date, d.byProvider.garmin]),
    );
    const sleeps = await scan('sleeps', nowS - 30 * DAY, nowS);
    expect(sleeps).to.have.length(mine.sleeps.length);
    const first = sleeps[0]!;
    expect(first).to.include.keys(
      'summaryId',
      'calendarDate',
      'durationInSeconds',
      'deepSleepDurationInSeconds',
      'lightSleepDurationInSeconds',
      'remSleepInSeconds',
      'awakeDurationInSeconds',
    );
  });

  it('refuses upload ranges over 86400 s and missing parameters in Garmin error shape', async () => {
    const tooLong = await get('/wellness-api/rest/dailies', {
      uploadStartTimeInSeconds: nowS - DAY - 1,
      uploadEndTimeInSeconds: nowS,
    });
    expect(tooLong.status).to.equal(400);
    expect(((await tooLong.json()) as { errorMessage: string }).errorMessage).to.match(/86400/);
    const missing = await get('/wellness-api/rest/sleeps', { uploadStartTimeInSeconds: nowS - 10 });
    expect(missing.status).to.equal(400);
  });

  it('serves body compositions in grams once added, and is read-only', async () => {
    const fake = sandbox.fakes.garmin as GarminFake;
    fake.addBodyComposition(user.sandboxUserId, {
      measuredAt: '2026-11-09T12:05:00Z',
      timezone: 'America/New_York',
      weightKg: 72.4,
      bodyFatPercentage: 18.1,
    });
    const comps = await scan('bodyComps', nowS - 2 * DAY, nowS);
    expect(comps).to.have.length(1);
    expect(comps[0]).to.include({
      weightInGrams: 72400,
      bodyFatInPercent: 18.1,
      measurementTimeOffsetInSeconds: -18000,
    });
    expect(sandbox.records('garmin', user.sandboxUserId, 'weight')[0]).to.include({
      value: 72.4,
      utcOffsetMinutes: -300,
    });
    const post = await fetch(`${sandbox.url}/garmin/wellness-api/rest/bodyComps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '[]',
    });
    expect(post.status).to.equal(405);
  });

  it('records backfill requests and answers 202', async () => {
    const res = await get('/wellness-api/rest/backfill/activities', {
      summaryStartTimeInSeconds: nowS - 60 * DAY,
      summaryEndTimeInSeconds: nowS - 30 * DAY,
    });
    expect(res.status).to.equal(202);
    const tooLong = await get('/wellness-api/rest/backfill/sleeps', {
      summaryStartTimeInSeconds: nowS - 100 * DAY,
      summaryEndTimeInSeconds: nowS,
    });
    expect(tooLong.status).to.equal(400);
    expect((sandbox.fakes.garmin as GarminFake).backfillRequests(user.sandboxUserId)).to.deep.equal([
      {
        summaryType: 'activities',
        summaryStartTimeInSeconds: nowS - 60 * DAY,
        summaryEndTimeInSeconds: nowS - 30 * DAY,
        requestedAt: nowS,
      },
    ]);
  });

  it('answers 429 over the per-user minute budget', async () => {
    sandbox.fakes.garmin.configure!({ rateLimitPerMinute: 2 });
    try {
      expect((await get('/wellness-api/rest/user/id')).status).to.equal(200);
      expect((await get('/wellness-api/rest/user/id')).status).to.equal(200);
      expect((await get('/wellness-api/rest/user/id')).status).to.equal(429);
    } finally {
      sandbox.fakes.garmin.configure!({ rateLimitPerMinute: 100 });
    }
  });

  it('exposes record views with local start and offset', () => {
    const views = sandbox.records('garmin', user.sandboxUserId, 'workout');
    const dst = views.find((v) => v.localStartTime.endsWith('01:30:00') && v.utcOffsetMinutes === -240);
    expect(dst, 'the DST-edge run').to.not.equal(undefined);
    expect(sandbox.records('garmin', user.sandboxUserId, 'steps')).to.have.length(21);
  });
});
