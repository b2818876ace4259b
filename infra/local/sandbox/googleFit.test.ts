/* eslint-disable @typescript-eslint/no-explicit-any -- tests probe Google's JSON bodies ad hoc */
import { expect } from 'chai';
import { recordedBy } from './persona.js';
import { startProviderSandbox, type ProviderSandbox, type SandboxUser } from './sandboxServer.js';
import { issueTokens } from './testTokens.js';
import { zonedToUtc } from './time.js';
import {
  ESTIMATED_STEPS_SOURCE,
  GOOGLE_FIT_SANDBOX_PROJECT_NUMBER,
  MERGE_WEIGHT_SOURCE,
  type GoogleFitFake,
} from './googleFit.js';

const NOW = new Date('2026-11-10T12:00:00Z');
const DAY = 86_400_000;

describe('sandbox: Google Fit REST fake', () => {
  let sandbox: ProviderSandbox;
  let user: SandboxUser;
  let token: string;

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
  });
  after(() => sandbox.stop());
  beforeEach(() => {
    sandbox.reset();
    user = sandbox.createUser({ name: 'fit-fake' });
    token = issueTokens(sandbox, 'google_fit', user.sandboxUserId).accessToken;
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/google_fit/fitness/v1/users/me${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> };
  };

  it('issues Google token JSON: refresh_token only on the code exchange; invalid_grant errors', async () => {
    const grant = issueTokens(sandbox, 'google_fit', user.sandboxUserId);
    const shape = sandbox.fakes.google_fit.oauthShape;
    expect(shape.tokenJson(grant, 'authorization_code')).to.include.keys('refresh_token');
    expect(shape.tokenJson(grant, 'refresh_token')).to.not.have.property('refresh_token');
    expect(shape.tokenJson(grant, 'refresh_token')).to.include({ token_type: 'Bearer' });
    const res = await fetch(`${sandbox.url}/google_fit/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'nope',
        client_id: 'sandbox-google_fit-client',
        client_secret: 'sandbox-google_fit-secret',
      }),
    });
    expect(res.status).to.equal(400);
    expect(await res.json()).to.have.property('error', 'invalid_grant');
  });

  it('lists sessions ending in an RFC 3339 range, int64 as strings, with paging', async () => {
    const mine = recordedBy(user.persona, 'google_fit');
    const range = `?startTime=${new Date(NOW.getTime() - 30 * DAY).toISOString()}&endTime=${NOW.toISOString()}`;
    const all = await call('GET', `/sessions${range}`);
    expect(all.status).to.equal(200);
    expect(all.body.session).to.have.length(mine.workouts.length + mine.sleeps.length);
    expect(typeof all.body.session[0].startTimeMillis).to.equal('string');
    const walks = await call('GET', `/sessions${range}&activityType=7`);
    expect(walks.body.session.map((s: any) => Number(s.startTimeMillis))).to.deep.equal(
      mine.workouts.map((w) => Date.parse(w.start)),
    );
    sandbox.fakes.google_fit.configure!({ sessionsPageSize: 3 });
    try {
      const first = await call('GET', `/sessions${range}&activityType=72`);
      expect(first.body).to.include({ hasMoreData: true });
      const second = await call(
        'GET',
        `/sessions${range}&activityType=72&pageToken=${first.body.nextPageToken}`,
      );
      expect(second.body.session[0].id).to.not.equal(first.body.session[0].id);
    } finally {
      sandbox.fakes.google_fit.configure!({ sessionsPageSize: 100 });
    }
    expect((await call('GET', '/sessions?startTime=yesterday')).body.error).to.include({
      code: 400,
      status: 'INVALID_ARGUMENT',
    });
  });

  it('creates and replaces a session with PUT, deletes it into deletedSession', async () => {
    const session = {
      id: 'syncwell-1',
      name: 'Run',
      startTimeMillis: String(NOW.getTime() - 3 * 3_600_000),
      endTimeMillis: String(NOW.getTime() - 2 * 3_600_000),
      activityType: 8,
      application: { name: 'SyncWell' },
      activeTimeMillis: '3000000',
    };
    expect((await call('PUT', '/sessions/syncwell-1', session)).status).to.equal(200);
    expect((await call('PUT', '/sessions/syncwell-1', { ...session, name: 'Tempo' })).body.name).to.equal(
      'Tempo',
    );
    expect((await call('PUT', '/sessions/other', session)).status).to.equal(400);
    const views = sandbox
      .records('google_fit', user.sandboxUserId, 'workout')
      .filter((v) => v.createdBy === 'api');
    expect(views).to.have.length(1);
    expect(views[0]).to.include({
      id: 'syncwell-1',
      workoutType: 'running',
      durationSeconds: 3000,
      utcOffsetMinutes: null,
    });
    expect((await call('DELETE', '/sessions/syncwell-1')).status).to.equal(204);
    const listed = await call(
      'GET',
      `/sessions?startTime=${new Date(NOW.getTime() - DAY).toISOString()}&endTime=${NOW.toISOString()}&includeDeleted=true`,
    );
    expect(listed.body.deletedSession.map((s: any) => s.id)).to.deep.equal(['syncwell-1']);
  });

  it('aggregates steps by UTC days or by the local days of a zone', async () => {
    const mine = recordedBy(user.persona, 'google_fit').steps;
    const day = mine.find((d) => d.timezone === 'America/New_York')!;
    const start = zonedToUtc('America/New_York', `${day.date}T00:00:00`).getTime();
    const local = await call('POST', '/dataset:aggregate', {
      aggregateBy: [{ dataTypeName: 'com.google.step_count.delta' }],
      bucketByTime: { period: { type: 'day', value: 1, timeZoneId: 'America/New_York' } },
      startTimeMillis: String(start),
      endTimeMillis: String(start + 2 * DAY),
    });
    expect(local.body.bucket).to.have.length(2);
    expect(local.body.bucket[0].dataset[0].point[0].value[0].intVal).to.equal(day.byProvider.google_fit);
    const utc = await call('POST', '/dataset:aggregate', {
      aggregateBy: [{ dataSourceId: ESTIMATED_STEPS_SOURCE }],
      bucketByTime: { durationMillis: 86_400_000 },
      startTimeMillis: Date.parse(`${day.date}T00:00:00Z`),
      endTimeMillis: Date.parse(`${day.date}T00:00:00Z`) + DAY,
    });
    // 08:00–21:00 New York runs past UTC midnight: the UTC day misses the evening hours.
    expect(utc.body.bucket[0].dataset[0].point[0].value[0].intVal).to.be.lessThan(day.byProvider.google_fit!);
    expect((await call('POST', '/dataset:aggregate', { aggregateBy: [] })).status).to.equal(400);
  });

  it('reads the merged weight stream and writes through a raw source the client creates', async () => {
    const mine = recordedBy(user.persona, 'google_fit').weights;
    const from = (NOW.getTime() - 30 * DAY) * 1e6;
    const path = `/dataSources/${encodeURIComponent(MERGE_WEIGHT_SOURCE)}/datasets/${from}-${NOW.getTime()}000000`;
    const read = await call('GET', path);
    expect(read.body.point.map((p: any) => p.value[0].fpVal)).to.deep.equal(mine.map((w) => w.weightKg));
    expect((await call('PATCH', path, { point: [] })).status).to.equal(403); // derived: read-only

    const created = await call('POST', '/dataSources', {
      dataStreamName: 'SyncWell',
      type: 'raw',
      application: { name: 'SyncWell' },
      dataType: { name: 'com.google.weight', field: [{ name: 'weight', format: 'floatPoint' }] },
    });
    const id = created.body.dataStreamId as string;
    expect(id).to.equal(`raw:com.google.weight:${GOOGLE_FIT_SANDBOX_PROJECT_NUMBER}:SyncWell`);
    expect(
      (
        await call('POST', '/dataSources', {
          ...created.body,
          type: 'raw',
          application: { name: 'SyncWell' },
        })
      ).status,
    ).to.equal(409);
    const at = `${NOW.getTime() - 3_600_000}000000`;
    const write = await call('PATCH', `/dataSources/${encodeURIComponent(id)}/datasets/${at}-${at}`, {
      dataSourceId: id,
      minStartTimeNs: at,
      maxEndTimeNs: at,
      point: [
        { startTimeNanos: at, endTimeNanos: at, dataTypeName: 'com.google.weight', value: [{ fpVal: 71.9 }] },
      ],
    });
    expect(write.status).to.equal(200);
    const views = sandbox.records('google_fit', user.sandboxUserId, 'weight');
    expect(views.find((v) => v.createdBy === 'api')).to.include({ id: at, value: 71.9 });
    expect((sandbox.fakes.google_fit as GoogleFitFake).dataSourceIds(user.sandboxUserId)).to.include(id);
  });

  it('answers 429 RESOURCE_EXHAUSTED over the per-user minute quota', async () => {
    sandbox.fakes.google_fit.configure!({ rateLimitPerMinute: 1 });
    try {
      expect((await call('GET', '/dataSources')).status).to.equal(200);
      const limited = await call('GET', '/dataSources');
      expect(limited.status).to.equal(429);
      expect(limited.body.error).to.include({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    } finally {
      sandbox.fakes.google_fit.configure!({ rateLimitPerMinute: 300 });
    }
  });

  it('exposes steps views per persona day', () => {
    const views = sandbox.records('google_fit', user.sandboxUserId, 'steps');
    const mine = recordedBy(user.persona, 'google_fit').steps;
    expect(views.map((v) => v.value)).to.deep.equal(mine.map((d) => d.byProvider.google_fit));
  });
});
