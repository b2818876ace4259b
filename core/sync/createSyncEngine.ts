// The sync engine and what it runs on, built once per process: the worker runs it for queued jobs,
// the API for device uploads (seed §3 Model 2, whose records must not go through a queue). One
// factory, so both processes spend the same rate-limit budgets and credential cache rules.
import type { Redis } from '../cache/redis.js';
import type { UserConfigCache } from '../cache/userConfigCache.js';
import type { Config } from '../config/config.js';
import type { Tunables } from '../config/tunables.js';
import type { Logger } from '../logging/logger.js';
import { ProviderManager } from '../providers/providerManager.js';
import { RedisRateLimiter } from '../ratelimit/tokenBucket.js';
import type { SecretStore } from '../secrets/secretStore.js';
import type { BatchWriter } from '../store/batchWriter.js';
import type { ConnectionRepository } from '../store/connectionRepository.js';
import type { DocumentStore } from '../store/documentStore.js';
import { LedgerRepository } from '../store/ledgerRepository.js';
import { SyncCursorRepository } from '../store/syncCursorRepository.js';
import { CredentialManager } from './credentials.js';
import { ProviderContexts } from './providerContexts.js';
import { SyncConfidence } from './syncConfidence.js';
import { SyncManager } from './syncManager.js';

export interface SyncEngine {
  syncManager: SyncManager;
  ledger: LedgerRepository;
  cursors: SyncCursorRepository;
  providers: ProviderManager;
  contexts: ProviderContexts;
  credentials: CredentialManager;
  limiter: RedisRateLimiter;
}

export function createSyncEngine(o: {
  config: Config;
  logger: Logger;
  db: DocumentStore;
  writer: BatchWriter;
  redis: Redis;
  connections: ConnectionRepository;
  userConfig: UserConfigCache;
  secrets: SecretStore;
  /** Rate limits and the confidence threshold as operators tune them (core/config/tunables.ts). */
  tunables: Tunables;
}): SyncEngine {
  const { config, logger, db, writer, redis, connections, userConfig, secrets, tunables } = o;
  const credentials = new CredentialManager({
    config,
    secrets,
    connections,
    logger,
    onConnectionChanged: (userId) => userConfig.invalidate(userId),
  });
  const limiter = new RedisRateLimiter(redis, tunables.rateLimitPolicies);
  const providers = new ProviderManager();
  const contexts = new ProviderContexts({ config, logger, providers, credentials, limiter });
  const ledger = new LedgerRepository(db, config.TABLE_NAME, writer);
  const cursors = new SyncCursorRepository(db, config.TABLE_NAME, writer);
  const syncManager = new SyncManager({
    config,
    logger,
    providers,
    contexts,
    confidence: new SyncConfidence(redis, tunables.syncConfidenceThreshold, logger),
    ledger,
    cursors,
    userConfig,
    connections,
  });
  return { syncManager, ledger, cursors, providers, contexts, credentials, limiter };
}
