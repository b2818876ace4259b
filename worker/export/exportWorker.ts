// The worker's data-export side, built once per process from what compose.ts already has: the
// ExportRequested handler and the retention sweep, both on the export bucket. Absent without
// EXPORT_BUCKET (the API then refuses new exports with 503).
import type { Config } from '../../core/config/config.js';
import type { Logger } from '../../core/logging/logger.js';
import type { AccountSources } from '../../core/export/accountRecords.js';
import { S3ExportArchiveStore, type ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import type { ProviderManager } from '../../core/providers/providerManager.js';
import type { UserNotifier } from '../../core/push/userNotifier.js';
import type { ConnectionRepository } from '../../core/store/connectionRepository.js';
import { DeviceRepository } from '../../core/store/deviceRepository.js';
import type { DocumentStore } from '../../core/store/documentStore.js';
import { ExportJobProgress } from '../../core/store/exportJobProgress.js';
import { ExportJobRepository } from '../../core/store/exportJobRepository.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';
import type { SyncConfigRepository } from '../../core/store/syncConfigRepository.js';
import type { SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { ProviderContexts } from '../../core/sync/providerContexts.js';
import { ExpiredExportSweeper } from './expiredExportSweeper.js';
import { ExportJob } from './exportJob.js';
import { PartCollector } from './partCollector.js';

export interface ExportStats {
  succeeded: number;
  failed: number;
  deferred: number;
  duplicates: number;
  providerCalls: number;
}

export interface ExportWorker {
  job: ExportJob;
  sweeper: ExpiredExportSweeper;
  store: ExportArchiveStore;
  stats: ExportStats;
}

export function createExportWorker(o: {
  config: Config;
  logger: Logger;
  db: DocumentStore;
  connections: ConnectionRepository;
  syncConfigs: SyncConfigRepository;
  syncJobs: SyncJobRepository;
  profiles: ProfileRepository;
  providers: ProviderManager;
  contexts: ProviderContexts;
  notifier: UserNotifier;
}): ExportWorker | undefined {
  const { config, logger, db } = o;
  if (!config.EXPORT_BUCKET) return undefined;
  const store = new S3ExportArchiveStore(config, config.EXPORT_BUCKET);
  const exports = new ExportJobRepository(db, config.TABLE_NAME);
  const progress = new ExportJobProgress(db, config.TABLE_NAME);
  const devices = new DeviceRepository(db, config.TABLE_NAME);
  const account: AccountSources = {
    profile: (userId) => o.profiles.get(userId),
    connections: (userId) => o.connections.listByUser(userId),
    devices: (userId) => devices.listByUser(userId),
    syncConfigs: (userId) => o.syncConfigs.listByUser(userId),
    syncJobs: (userId, limit, cursor) => o.syncJobs.listRecent(userId, limit, cursor),
    exportJobs: (userId) => exports.listByUser(userId),
  };
  const collector = new PartCollector({
    logger,
    progress,
    store,
    connections: o.connections,
    providers: o.providers,
    contexts: o.contexts,
  });
  const job = new ExportJob({
    config,
    logger,
    exports,
    progress,
    store,
    connections: o.connections,
    collector,
    account,
    notifier: o.notifier,
  });
  const sweeper = new ExpiredExportSweeper({
    exports,
    store,
    logger,
    intervalSeconds: config.EXPORT_SWEEP_SECONDS,
  });
  return {
    job,
    sweeper,
    store,
    stats: { succeeded: 0, failed: 0, deferred: 0, duplicates: 0, providerCalls: 0 },
  };
}
