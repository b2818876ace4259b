// Devices, device connections and device uploads (seed §3 Model 2) through the public API, against
// the real local stack and the provider sandbox (Strava as the destination).
import { randomUUID } from 'node:crypto';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import type { CanonicalWorkout, Device } from '../../core/domain/types.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { consentAtSandbox, type Harness } from '../support/harness.js';
import { getHarness } from './hooks.js';
import { clock } from '../../core/clock/clock.js';

const hexToken = () => randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, '');
const iphone = (installationId = randomUUID(), pushToken = hexToken()) => ({
  installationId,
  platform: 'ios' as const,
  pushToken,
  appVersion: '1.4.2',
  deviceName: 'iPhone 15',
});

async function devicesOf(h: Harness, token: string): Promise<Device[]> {
  const r = await h.request<{ devices: Device[] }>('GET', '/v1/devices', { token });
  expect(r.status, r.text).to.equal(200);
  return r.body.devices;
}

async function stravaConnection(h: Harness, token: string, sandboxUserId: string): Promise<string> {
  const created = await h.request<{ authorizationUrl: string }>('POST', '/v1/connections', {
    token,
    body: { provider: 'strava' },
  });
  expect(created.status, created.text).to.equal(201);
  const callback = await consentAtSandbox(created.body.authorizationUrl, sandboxUserId);
  const done = await h.request<{ connectionId: string; status: string }>('GET', callback);
  expect(done.status, done.text).to.equal(200);
  return done.body.connectionId;
}

/** A user with an iPhone, Apple Health connected and a Strava account in the sandbox. */
async function appleHealthUser(h: Harness) {
  const userId = h.newUserId('device');
  const token = await h.token(userId);
  const person = h.stack.sandbox.createUser({ persona: { empty: true } });
  expect((await h.request('POST', '/v1/devices', { token, body: iphone() })).status).to.equal(201);
  const health = await h.request<{ connectionId: string }>('POST', '/v1/device-connections', {
    token,
    body: { provider: 'apple_health' },
  });
  expect(health.status, health.text).to.equal(201);
  const strava = await stravaConnection(h, token, person.sandboxUserId);
  return { userId, token, person, appleHealth: health.body.connectionId, strava };
}

function run(start: string, minutes: number, title: string): CanonicalWorkout {
  const end = new Date(Date.parse(start) + minutes * 60_000).toISOString();
  return {
    recordId: randomUUID().toUpperCase(),
    sourceId: 'com.apple.health.watch',
    provider: 'apple_health',
    workoutType: 'running',
    title,
    startTime: start,
    endTime: end,
    durationSeconds: minutes * 60,
    distanceMeters: minutes * 180,
    calories: minutes * 11,
    timezone: 'Europe/Berlin',
    lastModified: end,
  };
}

interface UploadResult {
  accepted: number;
  written: number;
  skipped: number;
  results: { recordId: string; status: string; reason?: string; destinationRecordId?: string }[];
  watermark?: string;
}

describe('devices', () => {
  it('registers an installation (201), refreshes it with a rotated token (200), never returns the token', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId('dev'));
    const phone = iphone();
    const first = await h.request<Device>('POST', '/v1/devices', { token, body: phone });
    expect(first.status, first.text).to.equal(201);
    expect(first.body).to.include({ platform: 'ios', apnsEnvironment: 'production', appVersion: '1.4.2' });
    expect(first.text).to.not.include(phone.pushToken);
    const rotated = await h.request<Device>('POST', '/v1/devices', {
      token,
      body: { ...phone, pushToken: hexToken(), appVersion: '1.5.0' },
    });
    expect(rotated.status, rotated.text).to.equal(200);
    expect(rotated.body.deviceId).to.equal(first.body.deviceId);
    expect(rotated.body.createdAt).to.equal(first.body.createdAt);
    const list = await devicesOf(h, token);
    expect(list.map((d) => [d.deviceId, d.appVersion])).to.deep.equal([[first.body.deviceId, '1.5.0']]);
  });

  it('moves a push token to the account that registers it last (another user signed in on the phone)', async () => {
    const h = getHarness();
    const alice = await h.token(h.newUserId('alice'));
    const bob = await h.token(h.newUserId('bob'));
    const shared = hexToken();
    expect(
      (await h.request('POST', '/v1/devices', { token: alice, body: iphone(randomUUID(), shared) })).status,
    ).to.equal(201);
    expect(
      (await h.request('POST', '/v1/devices', { token: bob, body: iphone(randomUUID(), shared) })).status,
    ).to.equal(201);
    expect(await devicesOf(h, alice)).to.deep.equal([]);
    expect(await devicesOf(h, bob)).to.have.length(1);
  });

  it('refuses malformed tokens with a clear problem, and Android devices with an APNs environment', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId('dev'));
    const bad = await h.request<{ code: string }>('POST', '/v1/devices', {
      token,
      body: { ...iphone(), pushToken: 'z'.repeat(64) },
    });
    expect(bad.status).to.equal(400);
    expect(bad.headers.get('content-type')).to.match(/application\/problem\+json/);
    expect(bad.body.code).to.equal('invalid_push_token');
    const android = await h.request<{ code: string }>('POST', '/v1/devices', {
      token,
      body: {
        installationId: randomUUID(),
        platform: 'android',
        pushToken: `fcm:${hexToken()}`,
        apnsEnvironment: 'sandbox',
      },
    });
    expect(android.status).to.equal(400);
    expect(android.body.code).to.equal('invalid_push_token');
    expect(await devicesOf(h, token)).to.deep.equal([]);
  });

  it("deletes a device (204), then 404; another user's device is 404 and stays", async () => {
    const h = getHarness();
    const alice = await h.token(h.newUserId('alice'));
    const bob = await h.token(h.newUserId('bob'));
    const a = await h.request<Device>('POST', '/v1/devices', { token: alice, body: iphone() });
    const byBob = await h.request<{ code: string }>('DELETE', `/v1/devices/${a.body.deviceId}`, {
      token: bob,
    });
    expect(byBob.status).to.equal(404);
    expect(byBob.body.code).to.equal('device_not_found');
    expect(await devicesOf(h, alice)).to.have.length(1);
    expect((await h.request('DELETE', `/v1/devices/${a.body.deviceId}`, { token: alice })).status).to.equal(
      204,
    );
    expect((await h.request('DELETE', `/v1/devices/${a.body.deviceId}`, { token: alice })).status).to.equal(
      404,
    );
  });
});

describe('device connections', () => {
  it('connects Apple Health once a device is registered, once per user (201, then 200 with the same id)', async () => {
    const h = getHarness();
    const token = await h.token(h.newUserId('dev'));
    const early = await h.request<{ code: string }>('POST', '/v1/device-connections', {
      token,
      body: { provider: 'apple_health' },
    });
    expect(early.status).to.equal(409);
    expect(early.body.code).to.equal('device_not_registered');
    await h.request('POST', '/v1/devices', { token, body: iphone() });
    const made = await h.request<{ connectionId: string; status: string; provider: string }>(
      'POST',
      '/v1/device-connections',
      { token, body: { provider: 'apple_health' } },
    );
    expect(made.status, made.text).to.equal(201);
    expect(made.body).to.include({ provider: 'apple_health', status: 'active' });
    const again = await h.request<{ connectionId: string }>('POST', '/v1/device-connections', {
      token,
      body: { provider: 'apple_health' },
    });
    expect(again.status).to.equal(200);
    expect(again.body.connectionId).to.equal(made.body.connectionId);
    const hc = await h.request<{ code: string }>('POST', '/v1/device-connections', {
      token,
      body: { provider: 'health_connect' },
    });
    expect(hc.status, 'Health Connect needs an Android device').to.equal(409);
    const list = await h.request<{ connections: { provider: string }[] }>('GET', '/v1/connections', {
      token,
    });
    expect(list.body.connections.map((c) => c.provider)).to.deep.equal(['apple_health']);
  });
});

const day = (daysAgo: number, hour: number) => {
  const d = new Date(clock.now() - daysAgo * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};

describe('a health store reported unavailable', () => {
  it('needs reconnecting (200, repeatable) and takes no uploads until the app connects it again; bad reports are clear problems', async () => {
    const h = getHarness();
    const u = await appleHealthUser(h);
    const report = (provider: string, body: unknown, token = u.token) =>
      h.request<{ code: string; connectionId: string; status: string; errors?: { path: string }[] }>(
        'POST',
        `/v1/device-connections/${provider}/unavailable`,
        { token, body },
      );
    const status = async () =>
      (
        await h.request<{ connections: { connectionId: string; status: string }[] }>(
          'GET',
          '/v1/connections',
          {
            token: u.token,
          },
        )
      ).body.connections.find((c) => c.connectionId === u.appleHealth)?.status;

    const badReason = await report('apple_health', { reason: 'uninstalled' });
    expect(badReason.status, badReason.text).to.equal(400);
    expect(badReason.body.code).to.equal('validation_failed');
    const cloud = await report('strava', { reason: 'not_installed' });
    expect(cloud.status, 'a cloud provider is not a health store').to.equal(400);
    const none = await report('health_connect', { reason: 'not_installed' });
    expect(none.status, 'no Health Connect connection').to.equal(404);
    expect(none.body.code).to.equal('connection_not_found');
    const stranger = await report(
      'apple_health',
      { reason: 'not_installed' },
      await h.token(h.newUserId('x')),
    );
    expect(stranger.status, "another user's report finds no connection").to.equal(404);
    expect(await status(), 'refused reports change nothing').to.equal('active');

    const reported = await report('apple_health', { reason: 'permission_denied' });
    expect(reported.status, reported.text).to.equal(200);
    expect(reported.body).to.include({ connectionId: u.appleHealth, status: 'needs_reauth' });
    expect((await report('apple_health', { reason: 'permission_denied' })).body.status).to.equal(
      'needs_reauth',
    );
    expect(await status()).to.equal('needs_reauth');

    const body = {
      source: 'apple_health',
      destinationConnectionId: u.strava,
      dataType: 'workout',
      records: [run(day(1, 6), 30, 'While disconnected')],
    };
    const refused = await h.request<{ code: string }>('POST', '/v1/device-upload', { token: u.token, body });
    expect([refused.status, refused.body.code], refused.text).to.deep.equal([409, 'connection_needs_reauth']);
    expect(h.stack.sandbox.records('strava', u.person.sandboxUserId, 'workout')).to.have.length(0);

    const again = await h.request<{ connectionId: string; status: string }>(
      'POST',
      '/v1/device-connections',
      {
        token: u.token,
        body: { provider: 'apple_health' },
      },
    );
    expect(again.status, again.text).to.equal(200);
    expect(again.body).to.include({ connectionId: u.appleHealth, status: 'active' });
    const uploaded = await h.request<UploadResult>('POST', '/v1/device-upload', { token: u.token, body });
    expect(uploaded.status, uploaded.text).to.equal(200);
    expect(uploaded.body.written).to.equal(1);
  });
});

describe('device upload (Apple Health → Strava)', () => {
  it('writes each record exactly once: a repeated upload and a replayed request write nothing twice', async () => {
    const h = getHarness();
    const u = await appleHealthUser(h);
    const records = [run(day(2, 6), 45, 'Morning run'), run(day(1, 17), 30, 'Evening run')];
    const body = { source: 'apple_health', destinationConnectionId: u.strava, dataType: 'workout', records };
    const key = randomUUID();
    const first = await h.request<UploadResult>('POST', '/v1/device-upload', {
      token: u.token,
      body,
      idempotencyKey: key,
    });
    expect(first.status, first.text).to.equal(200);
    expect(first.body).to.include({ accepted: 2, written: 2, skipped: 0 });
    expect(first.body.results.map((r) => [r.recordId, r.status])).to.deep.equal(
      records.map((r) => [r.recordId, 'written']),
    );
    expect(first.body.watermark).to.equal(records[1]!.lastModified);
    const atStrava = () => h.stack.sandbox.records('strava', u.person.sandboxUserId, 'workout');
    expect(atStrava()).to.have.length(2);

    const replay = await h.request<UploadResult>('POST', '/v1/device-upload', {
      token: u.token,
      body,
      idempotencyKey: key,
    });
    expect(replay.status).to.equal(200);
    expect(replay.headers.get('idempotent-replayed')).to.equal('true');
    const again = await h.request<UploadResult>('POST', '/v1/device-upload', { token: u.token, body });
    expect(again.status, again.text).to.equal(200);
    expect(again.body).to.include({ accepted: 2, written: 0, skipped: 2 });
    expect(again.body.results.map((r) => r.reason)).to.deep.equal(['already_synced', 'already_synced']);
    expect(atStrava()).to.have.length(2);
  });

  it('skips a run Strava already has (cross-service duplicate), and writes the rest', async () => {
    const h = getHarness();
    const u = await appleHealthUser(h);
    const onStrava = run(day(3, 7), 40, 'Watch run');
    // The same run, uploaded to Strava by another app first.
    const direct = await h.request('POST', '/v1/device-upload', {
      token: u.token,
      body: {
        source: 'apple_health',
        destinationConnectionId: u.strava,
        dataType: 'workout',
        records: [onStrava],
      },
    });
    expect(direct.status).to.equal(200);
    const sameRunOtherId = {
      ...onStrava,
      recordId: randomUUID().toUpperCase(),
      sourceId: 'com.garmin.connect',
    };
    const fresh = run(day(1, 8), 25, 'Short run');
    const r = await h.request<UploadResult>('POST', '/v1/device-upload', {
      token: u.token,
      body: {
        source: 'apple_health',
        destinationConnectionId: u.strava,
        dataType: 'workout',
        records: [sameRunOtherId, fresh],
      },
    });
    expect(r.status, r.text).to.equal(200);
    // Matched to Strava's copy; newest_wins keeps the destination when neither changed later.
    expect(r.body.results.map((x) => [x.status, x.reason ?? null])).to.deep.equal([
      ['skipped', 'destination_newer'],
      ['written', null],
    ]);
    expect(h.stack.sandbox.records('strava', u.person.sandboxUserId, 'workout')).to.have.length(2);
  });

  it('answers 429 with Retry-After while Strava is rate-limited, then completes without duplicates', async () => {
    const h = getHarness();
    const u = await appleHealthUser(h);
    const records = [run(day(4, 6), 30, 'A'), run(day(4, 18), 35, 'B'), run(day(3, 6), 40, 'C')];
    const body = { source: 'apple_health', destinationConnectionId: u.strava, dataType: 'workout', records };
    // The second write hits a 429: one run is at Strava, the ledger does not know it yet.
    h.stack.sandbox.faults.add({
      provider: 'strava',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 1,
      method: 'POST',
      times: 1,
    });
    let r = await h.request<{ code: string } & UploadResult>('POST', '/v1/device-upload', {
      token: u.token,
      body,
    });
    try {
      // Whether the fault hit the first or a later write, a retry finishes the batch exactly once.
      if (r.status === 429) {
        expect(r.body.code).to.equal('provider_rate_limited');
        expect(Number(r.headers.get('retry-after'))).to.be.greaterThan(0);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        r = await h.request('POST', '/v1/device-upload', { token: u.token, body });
      }
    } finally {
      h.stack.sandbox.faults.clear();
    }
    expect(r.status, r.text).to.equal(200);
    expect(h.stack.sandbox.records('strava', u.person.sandboxUserId, 'workout')).to.have.length(3);
  });

  it('refuses what it cannot do with problem+json, before any write', async () => {
    const h = getHarness();
    const u = await appleHealthUser(h);
    const base = { source: 'apple_health', destinationConnectionId: u.strava, dataType: 'workout' };
    const wrongType = await h.request<{ code: string; errors: { path: string }[] }>(
      'POST',
      '/v1/device-upload',
      {
        token: u.token,
        body: {
          ...base,
          records: [
            run(day(1, 6), 20, 'ok'),
            {
              recordId: 'w1',
              sourceId: 'scale',
              provider: 'apple_health',
              measuredAt: day(1, 7),
              weightKg: 70,
              timezone: null,
              lastModified: day(1, 7),
            },
          ],
        },
      },
    );
    expect(wrongType.status, wrongType.text).to.equal(422);
    expect(wrongType.body.code).to.equal('record_type_mismatch');
    expect(wrongType.body.errors.map((e) => e.path)).to.deep.equal(['/records/1']);

    const other = await h.token(h.newUserId('other'));
    const notMine = await h.request<{ code: string }>('POST', '/v1/device-upload', {
      token: other,
      body: { ...base, records: [run(day(1, 6), 20, 'x')] },
    });
    expect(notMine.status, 'no Apple Health connection, and not their Strava').to.equal(404);

    const tooMany = await h.request('POST', '/v1/device-upload', {
      token: u.token,
      body: {
        ...base,
        records: Array.from({ length: 501 }, (_, i) => run(day(1, 0), 1 + (i % 50), `r${i}`)),
      },
    });
    expect([400, 413]).to.include(tooMany.status);
    expect(h.stack.sandbox.records('strava', u.person.sandboxUserId, 'workout')).to.have.length(0);
  });

  it('keeps the records out of every table and queue: only ids and timestamps are stored', async () => {
    const h = getHarness();
    const u = await appleHealthUser(h);
    const marker = `Marathon ${randomUUID()}`;
    const record = { ...run(day(2, 9), 50, marker), distanceMeters: 12345.6 };
    const r = await h.request('POST', '/v1/device-upload', {
      token: u.token,
      body: {
        source: 'apple_health',
        destinationConnectionId: u.strava,
        dataType: 'workout',
        records: [record],
      },
    });
    expect(r.status, r.text).to.equal(200);
    const db = createDocumentClient(h.config);
    try {
      const mine = await db.send(
        new QueryCommand({
          TableName: h.config.TABLE_NAME,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `USER#${u.userId}` },
        }),
      );
      expect(JSON.stringify(mine.Items)).to.include(record.recordId, 'the ledger keeps the id');
      const all = JSON.stringify((await db.send(new ScanCommand({ TableName: h.config.TABLE_NAME }))).Items);
      for (const value of [marker, '12345.6', record.sourceId]) expect(all).to.not.include(value);
    } finally {
      db.destroy();
    }
    const queued = await h.receiveHotPath((m) => (m.Body ?? '').includes(u.userId), 1500);
    expect(queued).to.deep.equal([]);
  });
});
