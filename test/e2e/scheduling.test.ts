// The tiered scheduler end to end, with its timer running in the worker (ticks of 1 s, a PRO
// interval of 1 s): who it sees and what it keeps doing.
// - Issue 10 §3e: a user is scheduled once they connect providers and configure a sync, whether or
//   not the app ever called GET /v1/users/me; a tier change in the token reaches the scheduler's
//   index (SyncTierShardId) without it either.
// - Issue 10 §5: connections that cannot authenticate (the seed's fixtures have no tokens in the
//   secret store) fail their first scheduled job and are then left alone, not re-run every tick.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'chai';
import { clock } from '../../core/clock/clock.js';
import { newConnectionId } from '../../core/domain/ids.js';
import { shardOf } from '../../core/domain/shard.js';
import { readLocalEvents, type LocalEventRecord } from '../../core/events/localEventBus.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { DeviceSimulator } from '../support/deviceSimulator.js';
import { connectedUser, createSyncConfig, startE2E, type E2E, sleep, until } from './support.js';

describe('scheduler end to end', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    e = await startE2E({
      SCHEDULER_ENABLED: 'true',
      SCHEDULER_TICK_SECONDS: '1',
      SCHEDULER_PRO_INTERVAL_SECONDS: '1',
      SCHEDULER_SHARDS: '2',
      // Poll checks (Google Fit) at most 3 seconds apart.
      POLL_MIN_INTERVAL_SECONDS: '1',
      POLL_MAX_INTERVAL_SECONDS: '3',
      POLL_MAX_HOP_SECONDS: '2',
    });
  });
  after(async () => {
    await e?.stop();
  });

  async function profileOf(userId: string): Promise<Record<string, unknown> | undefined> {
    const db = createDocumentClient(e.h.config);
    try {
      const out = await db.send(
        new GetCommand({
          TableName: e.h.config.TABLE_NAME,
          Key: { PK: `USER#${userId}`, SK: 'PROFILE' },
          ConsistentRead: true,
        }),
      );
      return out.Item;
    } finally {
      db.destroy();
    }
  }

  const eventsOf = async (userId: string): Promise<LocalEventRecord[]> =>
    (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter((ev) => ev.detail.userId === userId);

  it('schedules a user who connected providers and configured a sync without ever calling /v1/users/me', async () => {
    const { userId, token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    const profile = await profileOf(userId);
    expect(profile, 'a PROFILE item, so the scheduler index holds the user').to.not.equal(undefined);
    expect(profile!.SyncTierShardId).to.equal(`PRO#${shardOf(userId, e.h.config.SCHEDULER_SHARDS)}`);
    expect(profile!.NextSyncTimestamp).to.be.a('number');

    const scheduled = async () =>
      (await eventsOf(userId)).filter(
        (ev) => ev.type === 'SyncSucceeded' && ev.detail.trigger === 'schedule',
      );
    await until(async () => (await scheduled()).length > 0, 30_000, 'a scheduled sync of the user');
    const created = e.h.stack.sandbox
      .records('strava', person.sandboxUserId, 'workout')
      .filter((v) => v.createdBy === 'api');
    expect(created.length, 'the scheduled job wrote to Strava').to.be.greaterThan(0);
  });

  it('moves the user to the new tier’s shard when the token’s tier changes, due at once, without /v1/users/me', async () => {
    const userId = e.h.newUserId('tier');
    const shard = shardOf(userId, e.h.config.SCHEDULER_SHARDS);
    const free = await e.h.token(userId, { tier: 'FREE' });
    expect((await e.h.request('GET', '/v1/users/me', { token: free })).status).to.equal(200);
    expect((await profileOf(userId))?.SyncTierShardId).to.equal(`FREE#${shard}`);
    // The first tick runs the new FREE user and schedules the next run a day later.
    await until(
      async () => ((await profileOf(userId))?.NextSyncTimestamp as number) > clock.now() + 3_600_000,
      15_000,
      'the scheduler to move the FREE user a day on',
    );

    // Billing upgraded the user: the next token carries tier PRO; the app only lists connections.
    const pro = await e.h.token(userId, { tier: 'PRO' });
    expect((await e.h.request('GET', '/v1/connections', { token: pro })).status).to.equal(200);
    const profile = await profileOf(userId);
    expect(profile?.SubscriptionLevel).to.equal('PRO');
    expect(profile?.SyncTierShardId).to.equal(`PRO#${shard}`);
    // Due at the next tick in the new tier, not when the FREE day would have ended.
    expect(profile?.NextSyncTimestamp as number).to.be.below(clock.now() + 60_000);
  });

  it('stops scheduling jobs for connections that cannot authenticate (the seed’s fixtures): one failure, then needs_reauth @any-date', async () => {
    const userId = e.h.newUserId('nocreds');
    const token = await e.h.token(userId, { tier: 'PRO' });
    const now = clock.date().toISOString();
    // As `npm run seed` creates them: active, but with no tokens in the secret store.
    const [fitbit, strava] = await Promise.all(
      (['fitbit', 'strava'] as const).map((provider) =>
        e.h.connections.create({
          userId,
          connectionId: newConnectionId(),
          provider,
          status: 'active',
          credentialRef: null,
          createdAt: now,
          updatedAt: now,
        }),
      ),
    );
    await e.h.syncConfig(userId, fitbit!.connectionId, strava!.connectionId, 'workout');
    // The seed gives its users a profile; here the first request does.
    expect((await e.h.request('GET', '/v1/users/me', { token })).status).to.equal(200);

    const failedJobs = async () =>
      new Set(
        (await eventsOf(userId))
          .filter((ev) => ev.type === 'SyncFailed' && ev.detail.trigger === 'schedule')
          .map((ev) => ev.detail.jobId),
      );
    await until(async () => (await failedJobs()).size > 0, 30_000, 'the first scheduled job to fail');
    // Many ticks later (each 1 s, the user due every second), still that one job.
    await sleep(6000);
    expect([...(await failedJobs())], 'scheduled jobs that failed').to.have.length(1);
    await until(
      async () => {
        const list = await e.h.request<{ connections: { connectionId: string; status: string }[] }>(
          'GET',
          '/v1/connections',
          { token },
        );
        return (
          list.body.connections.find((c) => c.connectionId === fitbit!.connectionId)?.status ===
          'needs_reauth'
        );
      },
      10_000,
      'the credential-less source to need re-authorization',
    );
  });

  it('asks Google Fit’s cloud API only while the phone has no usable Health Connect (device first, seed §3) @any-date', async () => {
    const { userId, token, connections } = await connectedUser(e, ['google_fit', 'garmin', 'strava']);
    const phone = await DeviceSimulator.start({ baseUrl: e.h.api.url, userId, platform: 'android' });
    await createSyncConfig(e.h, token, connections.google_fit, connections.strava, 'workout');
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    // Google Fit has no webhooks: the scheduler keeps a poll chain alive for it, each check a call.
    const fitCalls = () => e.h.stack.sandbox.requestCounts().google_fit;
    const garminJobs = async () =>
      (await eventsOf(userId)).filter(
        (ev) => ev.detail.trigger === 'schedule' && ev.detail.sourceConnectionId === connections.garmin,
      ).length;

    // Health Connect carries the phone's Android data: the scheduler runs the user (Garmin → Strava)
    // and leaves Google Fit alone, tick after tick.
    const connected = fitCalls();
    await until(async () => (await garminJobs()) > 0, 30_000, 'a scheduled Garmin job');
    await sleep(4000);
    expect(fitCalls(), 'calls to Google Fit while Health Connect is connected').to.equal(connected);

    // The app finds Health Connect uninstalled: the cloud API takes over.
    expect((await phone.device.reportStoreUnavailable('not_installed')).status).to.equal('needs_reauth');
    await until(async () => fitCalls() > connected, 30_000, 'a poll check at Google Fit');

    // Health Connect is back and connected again: the poll chain ends at its next check (at most
    // 3 seconds on); after that, longer than the longest interval, no call.
    expect((await phone.device.connectHealthStore()).status).to.equal('active');
    await sleep(4000);
    const settled = fitCalls();
    await sleep(4000);
    expect(fitCalls(), 'calls to Google Fit after Health Connect came back').to.equal(settled);
  });
});
