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

  it('stops scheduling jobs for connections that cannot authenticate (the seed’s fixtures): one failure, then needs_reauth', async () => {
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
});
