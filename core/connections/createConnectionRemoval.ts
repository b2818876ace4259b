// Wiring of ConnectionRemoval, shared by the API (DELETE /v1/connections/{id}) and the worker (the
// revocation sweep, account deletion): the provider revoker and the retry policy from the config.
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createTokenRevoker } from '../oauth/providerTokenRevoker.js';
import type { TokenRevoker } from '../oauth/tokenRevoker.js';
import type { DocumentStore } from '../store/documentStore.js';
import { PendingRevocationRepository } from '../store/pendingRevocationRepository.js';
import { ConnectionRemoval, type ConnectionRemovalDeps } from './connectionRemoval.js';

export function createConnectionRemoval(
  o: Pick<
    ConnectionRemovalDeps,
    'connections' | 'syncConfigs' | 'providerUsers' | 'userConfig' | 'secrets'
  > & {
    config: Config;
    logger: Logger;
    db: DocumentStore;
    /** Defaults to every provider's real revocation endpoint (the sandbox's with PROVIDER_SANDBOX_URL). */
    revoker?: TokenRevoker;
  },
): { removal: ConnectionRemoval; pending: PendingRevocationRepository } {
  const pending = new PendingRevocationRepository(o.db, o.config.TABLE_NAME);
  const removal = new ConnectionRemoval({
    connections: o.connections,
    syncConfigs: o.syncConfigs,
    providerUsers: o.providerUsers,
    userConfig: o.userConfig,
    secrets: o.secrets,
    revoker: o.revoker ?? createTokenRevoker(o.config, o.logger),
    pending,
    retry: {
      maxAttempts: o.config.REVOCATION_MAX_ATTEMPTS,
      baseMs: o.config.REVOCATION_RETRY_BASE_SECONDS * 1000,
      maxMs: o.config.REVOCATION_RETRY_MAX_SECONDS * 1000,
    },
    logger: o.logger,
  });
  return { removal, pending };
}
