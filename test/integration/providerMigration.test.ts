// The provider migration's bookkeeping against the real table (dynalite): configurations retargeted
// (a moved destination with its ledger, two retiring sources merged with the earliest cursor, one
// that would sync the replacement into itself dropped), and a second run that changes nothing.
// The removal of the old connection is recorded, not performed: the e2e suite runs the real one.
import { expect } from 'chai';
import type { Provider, ProviderNotice } from '../../core/domain/types.js';
import { ProviderMigration } from '../../core/connections/providerMigration.js';
import { createLogger } from '../../core/logging/logger.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { LedgerRepository } from '../../core/store/ledgerRepository.js';
import { SyncCursorRepository } from '../../core/store/syncCursorRepository.js';
import { getHarness } from './hooks.js';

const notice = (replacement: 'google_health'): ProviderNotice => ({
  code: 'provider_retiring',
  retiresOn: '2027-02-01',
  replacement,
  message: 'retiring',
});

describe('provider migration (configurations, cursors, ledger)', () => {
  it('retargets, merges, drops and carries over, and a second run changes nothing', async () => {
    const h = getHarness();
    const db = createDocumentStore(h.config);
    const writer = new BatchWriter(db, h.config.TABLE_NAME, 0);
    const ledger = new LedgerRepository(db, h.config.TABLE_NAME, writer);
    // No cache: the test reads what the migration wrote.
    const cursors = () =>
      new SyncCursorRepository(db, h.config.TABLE_NAME, writer, { cacheTtlMs: 1, cacheMax: 1 });
    const removed: string[] = [];
    const migration = new ProviderMigration({
      connections: h.connections,
      syncConfigs: h.syncConfigs,
      cursors: cursors(),
      ledger,
      removal: {
        remove: (_userId: string, c: ConnectionRecord) => {
          removed.push(c.connectionId);
          return Promise.resolve({ connectionId: c.connectionId, revocation: 'revoked' as const });
        },
      },
      userConfig: { invalidate: () => Promise.resolve() },
      logger: createLogger({ level: 'silent', service: 'test' }),
    });
    const userId = h.newUserId('migration');
    // One after the other, a few milliseconds apart: connections migrate oldest first (Fitbit's
    // configuration is the one Google Fit's merges into).
    const created: ConnectionRecord[] = [];
    for (const p of ['fitbit', 'google_fit', 'strava', 'garmin', 'google_health'] as const) {
      created.push(await h.connection(userId, p));
      await new Promise((r) => setTimeout(r, 3));
    }
    const [fitbit, googleFit, strava, garmin, health] = created;
    const fromFitbit = await h.syncConfig(userId, fitbit!.connectionId, strava!.connectionId, 'workout');
    const fromGoogleFit = await h.syncConfig(
      userId,
      googleFit!.connectionId,
      strava!.connectionId,
      'workout',
    );
    const intoFitbit = await h.syncConfig(userId, garmin!.connectionId, fitbit!.connectionId, 'weight');
    const healthIntoFitbit = await h.syncConfig(
      userId,
      health!.connectionId,
      fitbit!.connectionId,
      'sleep_session',
    );
    const pair = (
      source: ConnectionRecord,
      destination: ConnectionRecord,
      dataType: 'workout' | 'weight',
    ) => ({
      userId,
      sourceConnectionId: source.connectionId,
      destinationConnectionId: destination.connectionId,
      dataType,
    });
    const day = (d: number) => new Date(Date.UTC(2026, 10, d));
    await cursors().setWatermark(pair(fitbit!, strava!, 'workout'), day(20));
    await cursors().setWatermark(pair(googleFit!, strava!, 'workout'), day(12));
    await cursors().setWatermark(pair(garmin!, fitbit!, 'weight'), day(18));
    await ledger.record(pair(garmin!, fitbit!, 'weight'), [
      {
        sourceRecordId: 'g-1',
        destinationRecordId: 'f-1',
        sourceLastModified: day(17).toISOString(),
        writtenAt: day(18).toISOString(),
      },
      {
        sourceRecordId: 'g-2',
        destinationRecordId: 'f-2',
        sourceLastModified: day(17).toISOString(),
        writtenAt: day(18).toISOString(),
      },
    ]);

    const noticeFor = (p: Provider) =>
      p === 'fitbit' || p === 'google_fit' ? notice('google_health') : undefined;
    const first = await migration.migrateTo(userId, health!, noticeFor);

    expect(
      first.map((m) => [
        m.provider,
        m.configsMoved,
        m.configsMerged,
        m.configsDropped,
        m.ledgerEntriesCopied,
      ]),
    ).to.deep.equal([
      ['fitbit', 2, 0, 1, 2],
      ['google_fit', 1, 1, 0, 0],
    ]);
    expect(removed).to.deep.equal([fitbit!.connectionId, googleFit!.connectionId]);
    const configs = await h.syncConfigs.listByUser(userId);
    const view = configs.map((c) => [
      c.configId,
      c.sourceConnectionId,
      c.destinationConnectionId,
      c.dataType,
    ]);
    // The dropped one (Google Health into Fitbit) stays until the removal deletes Fitbit's configurations.
    expect(view).to.have.deep.members([
      [fromFitbit.configId, health!.connectionId, strava!.connectionId, 'workout'],
      [intoFitbit.configId, garmin!.connectionId, health!.connectionId, 'weight'],
      [healthIntoFitbit.configId, health!.connectionId, fitbit!.connectionId, 'sleep_session'],
    ]);
    expect(configs.find((c) => c.configId === fromFitbit.configId)!.migration).to.deep.include({
      fromConnectionIds: [fitbit!.connectionId, googleFit!.connectionId],
      role: 'source',
    });
    expect(configs.find((c) => c.configId === intoFitbit.configId)!.migration).to.deep.include({
      fromConnectionIds: [fitbit!.connectionId],
      role: 'destination',
    });
    expect(configs.find((c) => c.configId === fromGoogleFit.configId)).to.equal(undefined);
    // The earliest watermark of the merged pairs; the moved destination's own.
    expect(await cursors().getWatermark(pair(health!, strava!, 'workout'))).to.deep.equal(day(12));
    expect(await cursors().getWatermark(pair(garmin!, health!, 'weight'))).to.deep.equal(day(18));
    const carried = await ledger.getMany(pair(garmin!, health!, 'weight'), ['g-1', 'g-2', 'g-3']);
    expect([...carried.keys()].sort()).to.deep.equal(['g-1', 'g-2']);
    expect(carried.get('g-1')!.destinationRecordId).to.equal('f-1');

    // Again (a retry after a failure, or the next reconnect): the old connections are still there
    // in this test (removal recorded only), and nothing moves twice.
    removed.length = 0;
    const versions = async () =>
      (await h.syncConfigs.listByUser(userId)).map((c) => [c.configId, c.version, c.destinationConnectionId]);
    const before = await versions();
    const second = await migration.migrateTo(userId, health!, noticeFor);
    expect(second.map((m) => [m.provider, m.configsMoved])).to.deep.equal([
      ['fitbit', 0],
      ['google_fit', 0],
    ]);
    expect(await versions()).to.deep.equal(before);
  });
});
