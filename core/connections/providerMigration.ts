// Moving a user off a retiring provider (seed Appendix B; issue 15): when a connection to the
// replacement (Google Health) is activated, every connection of the user whose notice names that
// replacement hands over its sync configurations, then is revoked and removed.
//
// - A configuration reading from the old connection now reads from the new one (same configId,
//   strategy and state); one writing to it now writes to the new one. Two retiring connections that
//   fed the same destination (Fitbit → Strava and Google Fit → Strava) become one configuration,
//   since the replacement carries both sources' data; it remembers both old pairs.
// - Cursors carry over: the new pair starts from the EARLIEST of the old watermarks (and its own), so
//   no record after any of them is missed; reading a little more is safe, writing twice is not.
// - Ledgers carry over: a moved destination keeps the source record ids, so the old pair's entries
//   are copied to the new pair; a moved source has new record ids, so the sync manager reads the old
//   pair's entries while the migration is recent and adopts the destination records they name
//   (core/sync/syncManager.ts, `adoptionFor`).
// - A configuration that would sync the new connection into itself is dropped with the old one.
// Every step is idempotent: a second call (a retry, the next Google Health reconnect) finishes what
// a failure left and changes nothing else.
import type { UserConfigCache } from '../cache/userConfigCache.js';
import { clock } from '../clock/clock.js';
import type { Provider, ProviderNotice } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { ConnectionRecord, ConnectionRepository } from '../store/connectionRepository.js';
import type { LedgerRepository } from '../store/ledgerRepository.js';
import type {
  ConfigMigration,
  SyncConfigRecord,
  SyncConfigRepository,
} from '../store/syncConfigRepository.js';
import type { SyncCursorKey, SyncCursorRepository } from '../store/syncCursorRepository.js';
import type { ConnectionRemoval, RevocationState } from './connectionRemoval.js';

export interface ProviderMigrationDeps {
  connections: Pick<ConnectionRepository, 'listByUser'>;
  syncConfigs: Pick<SyncConfigRepository, 'listByUser' | 'retarget'>;
  cursors: Pick<SyncCursorRepository, 'getWatermark' | 'setWatermark'>;
  ledger: Pick<LedgerRepository, 'copyPair'>;
  removal: Pick<ConnectionRemoval, 'remove'>;
  userConfig: Pick<UserConfigCache, 'invalidate'>;
  logger: Logger;
}

/** What became of one retiring connection. */
export interface MigratedConnection {
  connectionId: string;
  provider: Provider;
  /** Configurations now on the replacement (merged ones included). */
  configsMoved: number;
  /** Of those, how many joined a configuration the replacement already had. */
  configsMerged: number;
  /** Configurations that would have synced the replacement into itself, removed. */
  configsDropped: number;
  ledgerEntriesCopied: number;
  revocation: RevocationState;
}

export class ProviderMigration {
  constructor(private readonly d: ProviderMigrationDeps) {}

  /**
   * Moves the user's retiring connections onto `replacement`. `noticeFor` gives the notice a
   * connection to a provider carries for this user now (operators' dynamic configuration and the
   * migration cohort's flag): only those naming the replacement's provider move.
   */
  async migrateTo(
    userId: string,
    replacement: ConnectionRecord,
    noticeFor: (provider: Provider) => ProviderNotice | undefined,
    legacy?: { provider: Provider; userId: string },
  ): Promise<MigratedConnection[]> {
    if (replacement.status !== 'active') return [];
    const retiring = (await this.d.connections.listByUser(userId)).filter(
      (c) =>
        c.connectionId !== replacement.connectionId &&
        c.provider !== replacement.provider &&
        c.status !== 'pending' &&
        noticeFor(c.provider)?.replacement === replacement.provider &&
        this.samePerson(c, replacement, legacy),
    );
    const migrated: MigratedConnection[] = [];
    for (const old of retiring) migrated.push(await this.migrateOne(userId, old, replacement));
    if (migrated.length > 0) await this.d.userConfig.invalidate(userId);
    return migrated;
  }

  private async migrateOne(
    userId: string,
    old: ConnectionRecord,
    replacement: ConnectionRecord,
  ): Promise<MigratedConnection> {
    const at = clock.date().toISOString();
    const result: MigratedConnection = {
      connectionId: old.connectionId,
      provider: old.provider,
      configsMoved: 0,
      configsMerged: 0,
      configsDropped: 0,
      ledgerEntriesCopied: 0,
      revocation: 'no_credentials',
    };
    const configs = (await this.d.syncConfigs.listByUser(userId)).filter(
      (c) => c.sourceConnectionId === old.connectionId || c.destinationConnectionId === old.connectionId,
    );
    for (const config of configs) {
      const role: ConfigMigration['role'] =
        config.sourceConnectionId === old.connectionId ? 'source' : 'destination';
      const to = {
        sourceConnectionId: role === 'source' ? replacement.connectionId : config.sourceConnectionId,
        destinationConnectionId:
          role === 'destination' ? replacement.connectionId : config.destinationConnectionId,
      };
      if (to.sourceConnectionId === to.destinationConnectionId) {
        result.configsDropped += 1;
        continue;
      }
      const oldPair = { userId, ...pairOf(config), dataType: config.dataType };
      const newPair = { userId, ...to, dataType: config.dataType };
      // Cursor and ledger first: if the move below fails, a retry finds them in place.
      await this.carryCursor(oldPair, newPair);
      if (role === 'destination')
        result.ledgerEntriesCopied += await this.d.ledger.copyPair(oldPair, newPair);
      const outcome = await this.d.syncConfigs.retarget(config, to, {
        fromConnectionIds: [old.connectionId],
        role,
        at,
      });
      result.configsMoved += 1;
      if (outcome === 'merged') result.configsMerged += 1;
    }
    // The old connection goes the way DELETE /v1/connections/{id} takes it: revoked at the provider
    // (or retried by the worker), then removed with what still depends on it.
    const { revocation } = await this.d.removal.remove(userId, old);
    result.revocation = revocation;
    this.d.logger.info(
      { ...result, replacementConnectionId: replacement.connectionId },
      'retiring connection migrated',
    );
    return result;
  }

  /**
   * Where the replacement says who the person is at the retiring provider (Google Health's
   * Identity.legacyUserId, their Fitbit id), a connection to another account there is not theirs to
   * hand over (a family member's Fitbit, say): it stays, with its notice. Providers the identity does
   * not cover (Google Fit) move on the user's word.
   */
  private samePerson(
    old: ConnectionRecord,
    replacement: ConnectionRecord,
    legacy: { provider: Provider; userId: string } | undefined,
  ): boolean {
    if (!legacy || legacy.provider !== old.provider || !old.providerUserId) return true;
    if (legacy.userId === old.providerUserId) return true;
    this.d.logger.warn(
      { connectionId: old.connectionId, replacementConnectionId: replacement.connectionId },
      'retiring connection belongs to another account at the provider: not migrated',
    );
    return false;
  }

  /** The new pair continues from the earliest watermark of the two (see the top of the file). */
  private async carryCursor(oldPair: SyncCursorKey, newPair: SyncCursorKey): Promise<void> {
    const [old, current] = await Promise.all([
      this.d.cursors.getWatermark(oldPair),
      this.d.cursors.getWatermark(newPair),
    ]);
    if (old && (!current || old.getTime() < current.getTime()))
      await this.d.cursors.setWatermark(newPair, old);
  }
}

const pairOf = (c: SyncConfigRecord) => ({
  sourceConnectionId: c.sourceConnectionId,
  destinationConnectionId: c.destinationConnectionId,
});
