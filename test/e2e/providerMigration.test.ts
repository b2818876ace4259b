// The flagged migration off the retiring APIs (issue 15, seed Appendix B): a user in the migration
// cohort who syncs Fitbit → Strava and Google Fit → Strava reconnects through Google Health; the
// configurations move onto the new connection, the old ones are revoked and removed, and syncing goes
// on with nothing written twice and nothing missed. A user outside the cohort is untouched.
import { expect } from 'chai';
import type { SandboxRecordView } from '../../infra/local/sandbox/types.js';
import { syncConfidenceKey } from '../../core/cache/redisKeys.js';
import { clock } from '../../core/clock/clock.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { SyncCursorRepository } from '../../core/store/syncCursorRepository.js';
import type { Connection, SyncConfig } from '../../core/domain/types.js';
import {
  connectProvider,
  dynamicConfigFile,
  recordGoogleHealthRun,
  createSyncConfig,
  requestSync,
  startE2E,
  waitForJob,
  type E2E,
} from './support.js';

const apiCreated = (views: SandboxRecordView[]) => views.filter((v) => v.createdBy === 'api');

describe('migration from Fitbit and Google Fit to Google Health end to end', function () {
  this.timeout(180_000);
  let e: E2E;
  let dynamicConfig: Awaited<ReturnType<typeof dynamicConfigFile>>;
  const migrant = 'e2e-migrant';
  const bystander = 'e2e-bystander';
  const retiresOn = new Date(clock.now() + 30 * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    // Both may connect Google Health (its rollout); only the migrant is in the migration cohort,
    // whose flag the retiring providers' notices name.
    dynamicConfig = await dynamicConfigFile({
      flags: {
        google_health: { enabled: true, percentage: 0, users: [migrant, `${migrant}-family`, bystander] },
        google_health_migration: { enabled: true, percentage: 0, users: [migrant, `${migrant}-family`] },
      },
      providerNotices: {
        fitbit: { retiresOn, replacement: 'google_health', flag: 'google_health_migration' },
        google_fit: { retiresOn, replacement: 'google_health', flag: 'google_health_migration' },
      },
    });
    e = await startE2E(dynamicConfig.env);
  });
  after(async () => {
    await e?.stop();
    await dynamicConfig?.remove();
  });

  const connections = async (token: string) =>
    (await e.h.request<{ connections: Connection[] }>('GET', '/v1/connections', { token })).body.connections;
  const configs = async (token: string) =>
    (await e.h.request<{ syncConfigs: SyncConfig[] }>('GET', '/v1/sync-configs', { token })).body.syncConfigs;
  const sync = async (token: string, source: string, destination: string) => {
    const job = await waitForJob(e.h, token, await requestSync(e.h, token, source, destination, 'workout'));
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    return job.result!;
  };

  it('moves the cohort’s configurations to Google Health and keeps syncing with no duplicate and no gap', async () => {
    const token = await e.h.token(migrant, { tier: 'PRO' });
    const person = e.h.stack.sandbox.createUser();
    const fitbit = await connectProvider(e.h, token, 'fitbit', person.sandboxUserId);
    const googleFit = await connectProvider(e.h, token, 'google_fit', person.sandboxUserId);
    const strava = await connectProvider(e.h, token, 'strava', person.sandboxUserId);
    // source_wins: without the carried-over ledger every already-synced workout would be rewritten.
    const fitbitConfig = await createSyncConfig(e.h, token, fitbit, strava, 'workout', 'source_wins');
    await createSyncConfig(e.h, token, googleFit, strava, 'workout', 'source_wins');
    const fromFitbit = await sync(token, fitbit, strava);
    const fromGoogleFit = await sync(token, googleFit, strava);
    const atStrava = () => apiCreated(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout'));
    const synced = atStrava().length;
    expect(synced).to.equal(fromFitbit.recordsWritten + fromGoogleFit.recordsWritten);
    expect(synced).to.be.greaterThan(0);
    // The pairs last wrote ten days ago (watermarks move only when a run writes; later runs found
    // nothing new): the new pair starts there, and reads ten days of records it knows only by the
    // destination records they match.
    const db = createDocumentStore(e.h.config);
    const cursors = new SyncCursorRepository(
      db,
      e.h.config.TABLE_NAME,
      new BatchWriter(db, e.h.config.TABLE_NAME, 0),
    );
    const tenDaysAgo = new Date(clock.now() - 10 * 86_400_000);
    for (const source of [fitbit, googleFit])
      await cursors.setWatermark(
        { userId: migrant, sourceConnectionId: source, destinationConnectionId: strava, dataType: 'workout' },
        tenDaysAgo,
      );
    const listed = await connections(token);
    expect(listed.find((c) => c.connectionId === fitbit)!.notice).to.include({
      replacement: 'google_health',
    });

    // The one tap: reconnect through Google Health.
    const health = await connectProvider(e.h, token, 'google_health', person.sandboxUserId);

    const after = await connections(token);
    expect(after.map((c) => c.provider).sort()).to.deep.equal(['google_health', 'strava']);
    // Fitbit and Google Fit both fed Strava's workouts: one configuration, Fitbit's (first), now
    // reading Google Health, which carries both sources' data.
    const moved = await configs(token);
    expect(moved.map((c) => [c.configId, c.sourceConnectionId, c.destinationConnectionId])).to.deep.equal([
      [fitbitConfig, health, strava],
    ]);
    expect(moved[0]).to.include({ conflictStrategy: 'source_wins', isEnabled: true });
    // Revoked at both retiring providers.
    for (const root of ['fitbit', 'google_fit'] as const)
      expect(
        e.h.stack.sandbox.oauth[root].grants(person.sandboxUserId).revocations.map((r) => r.via),
        root,
      ).to.include('client');

    // Strava has looked empty to this user's recent syncs (sync confidence at its threshold): a
    // pair that knew its records only by the old ids would skip reading Strava and write them again.
    await e.worker!.worker.redis.set(syncConfidenceKey(migrant, 'strava'), '99');
    // No duplicate (recordsWritten counts updates too): everything Google Health shows was already
    // synced through the old APIs.
    // Not even attempted: Strava would refuse a copy (409), so every write is answered 500 here and
    // counted (a first attempt that skipped reading Strava would try, fail, and be retried).
    const { faults } = e.h.stack.sandbox;
    const refusedBefore = faults.applied.status;
    faults.add({ provider: 'strava', kind: 'status', status: 500, method: 'POST', times: 1000 });
    let first;
    try {
      first = await sync(token, health, strava);
    } finally {
      faults.clear();
    }
    expect(faults.applied.status - refusedBefore, 'writes attempted at Strava').to.equal(0);
    expect(first.recordsSkipped).to.be.greaterThan(0);
    expect(first.recordsWritten, JSON.stringify(first)).to.equal(0);
    expect(atStrava()).to.have.length(synced);

    // No gap: a run recorded now on the tracker reaches Strava, once.
    const start = Math.floor((clock.now() - 2 * 3_600_000) / 60_000) * 60_000;
    recordGoogleHealthRun(e, person.sandboxUserId, { start, minutes: 35, meters: 7000 });
    const next = await sync(token, health, strava);
    expect(next.recordsWritten + atStrava().length - synced - 1).to.be.oneOf([0, 1]);
    const again = await sync(token, health, strava);
    expect(again.recordsWritten).to.equal(0);
    expect(atStrava()).to.have.length(synced + 1);
  });

  it('moves nothing from a Fitbit account that Google Health says is another person’s', async () => {
    const token = await e.h.token(`${migrant}-family`, { tier: 'PRO' });
    const owner = e.h.stack.sandbox.createUser();
    const relative = e.h.stack.sandbox.createUser();
    const fitbit = await connectProvider(e.h, token, 'fitbit', relative.sandboxUserId);
    const strava = await connectProvider(e.h, token, 'strava', owner.sandboxUserId);
    const config = await createSyncConfig(e.h, token, fitbit, strava, 'workout');

    const health = await connectProvider(e.h, token, 'google_health', owner.sandboxUserId);

    const listed = await connections(token);
    expect(listed.map((c) => c.connectionId).sort()).to.deep.equal([fitbit, health, strava].sort());
    expect(listed.find((c) => c.connectionId === fitbit)!.notice).to.include({
      replacement: 'google_health',
    });
    expect((await configs(token)).map((c) => [c.configId, c.sourceConnectionId])).to.deep.equal([
      [config, fitbit],
    ]);
  });

  it('leaves a user outside the cohort alone: Google Health connects beside Fitbit', async () => {
    const token = await e.h.token(bystander, { tier: 'PRO' });
    const person = e.h.stack.sandbox.createUser();
    const fitbit = await connectProvider(e.h, token, 'fitbit', person.sandboxUserId);
    const strava = await connectProvider(e.h, token, 'strava', person.sandboxUserId);
    const config = await createSyncConfig(e.h, token, fitbit, strava, 'workout');
    expect((await connections(token)).find((c) => c.connectionId === fitbit)!.notice).to.equal(undefined);

    const health = await connectProvider(e.h, token, 'google_health', person.sandboxUserId);

    const listed = await connections(token);
    expect(listed.map((c) => c.connectionId).sort()).to.deep.equal([fitbit, health, strava].sort());
    expect(listed.find((c) => c.connectionId === fitbit)!.status).to.equal('active');
    expect((await configs(token)).map((c) => [c.configId, c.sourceConnectionId])).to.deep.equal([
      [config, fitbit],
    ]);
  });
});
