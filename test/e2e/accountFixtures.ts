// Fixtures of the account deletion end-to-end test: an account with data in every store, made
// through the public API and the sandbox as the app and the providers would make it.
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { CloudProvider, SyncJob } from '../../core/domain/types.js';
import { fakeApnsToken } from '../../infra/local/push/pushFakes.js';
import type { SandboxUser } from '../../infra/local/sandbox/sandboxServer.js';
import type { AccountIds } from './accountTraces.js';
import { connectedUser, createSyncConfig, requestSync, until, waitForJob, type E2E } from './support.js';

export interface Account extends AccountIds {
  token: string;
  person: SandboxUser;
  connections: Partial<Record<CloudProvider | 'apple_health', string>>;
}

/**
 * An account with data in every store: connections to Garmin and Strava (Google Fit too when
 * `polled`, with its poll chain in Redis) with their secrets, configurations, jobs with ledger and
 * cursors, a device with its push token, Apple Health with a cloud → device job parked and its records
 * staged in S3, an unfinished authorization, and an export object.
 */
export async function accountWithData(e: E2E, s3: S3Client, redis: Redis, polled: boolean): Promise<Account> {
  const { h } = e;
  const providers: CloudProvider[] = polled ? ['garmin', 'strava', 'google_fit'] : ['garmin', 'strava'];
  const user = await connectedUser(e, providers);
  const { token, connections: c } = user;
  const device = await h.request<{ deviceId: string }>('POST', '/v1/devices', {
    token,
    body: { installationId: randomUUID(), platform: 'ios', pushToken: fakeApnsToken() },
  });
  expect(device.status, device.text).to.equal(201);
  const health = await h.request<{ connectionId: string }>('POST', '/v1/device-connections', {
    token,
    body: { provider: 'apple_health' },
  });
  expect(health.status, health.text).to.equal(201);
  const configIds = [
    await createSyncConfig(h, token, c.garmin, c.strava, 'workout'),
    await createSyncConfig(h, token, c.strava, health.body.connectionId, 'workout'),
  ];
  const jobIds = [await requestSync(h, token, c.garmin, c.strava, 'workout')];
  expect((await waitForJob(h, token, jobIds[0]!)).status).to.equal('SUCCEEDED');
  if (polled) {
    // A sync from Google Fit (no webhooks) starts the connection's poll chain.
    configIds.push(await createSyncConfig(h, token, c.google_fit, c.strava, 'workout'));
    jobIds.push(await requestSync(h, token, c.google_fit, c.strava, 'workout'));
    expect((await waitForJob(h, token, jobIds[1]!)).status).to.equal('SUCCEEDED');
    await until(
      async () => (await redis.hget(`poll:${c.google_fit}`, 'next')) !== null,
      20_000,
      'a poll chain',
    );
  }
  // A cloud → device job parked on the phone, its records staged (encrypted) in S3.
  const parked = await requestSync(h, token, c.strava, health.body.connectionId, 'workout');
  jobIds.push(parked);
  await until(
    async () =>
      (await h.request<SyncJob>('GET', `/v1/sync-jobs/${parked}`, { token })).body.status ===
      'WAITING_FOR_DEVICE',
    30_000,
    'the device job to park',
  );
  const requests = await h.request<{ requests: { kind: string; jobId: string; requestId: string }[] }>(
    'GET',
    '/v1/device-requests',
    { token },
  );
  const read = requests.body.requests.find((r) => r.jobId === parked && r.kind === 'read');
  const answer = await h.request('POST', '/v1/device-read-response', {
    token,
    body: { jobId: parked, requestId: read!.requestId, records: [] },
  });
  expect(answer.status, answer.text).to.equal(200);
  // An authorization never finished: a pending connection and its OAuth state.
  const pending = await h.request<{ connectionId: string }>('POST', '/v1/connections', {
    token,
    body: { provider: 'fitbit' },
  });
  expect(pending.status, pending.text).to.equal(201);
  // An export, where the export worker writes them.
  await s3.send(
    new PutObjectCommand({ Bucket: h.config.EXPORT_BUCKET!, Key: `${user.userId}/x.zip`, Body: 'PK' }),
  );
  const connections = await h.connections.listByUser(user.userId);
  return {
    userId: user.userId,
    token,
    person: user.person,
    connections: { ...c, apple_health: health.body.connectionId },
    ids: [...connections.map((x) => x.connectionId), ...configIds, ...jobIds, device.body.deviceId],
    secretRefs: connections.flatMap((x) => (x.credentialRef ? [x.credentialRef] : [])),
    providerUserIds: providers.map((p) => user.person.providerUserIds[p]),
  };
}
