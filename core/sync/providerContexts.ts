// Provider contexts: for one connection, HTTP to its provider with the connection's credentials
// (refreshed as needed) and the Redis token buckets at a given priority. Shared by the sync engine
// and the pre-flight checker, so both spend the same rate-limit budget the same way.
import type { Config } from '../config/config.js';
import type { CloudProvider, SyncPriority } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import { providerEndpoints } from '../providers/endpoints.js';
import type { RedisRateLimiter } from '../ratelimit/tokenBucket.js';
import type { ConnectionRecord } from '../store/connectionRepository.js';
import type { ProviderContext } from '../providers/dataProvider.js';
import { JobCache } from '../providers/jobCache.js';
import { createProviderHttp } from '../providers/providerHttp.js';
import type { ProviderManager } from '../providers/providerManager.js';
import type { CredentialManager } from './credentials.js';
import { createRequestBudget } from './requestBudget.js';

export interface ProviderContextDeps {
  config: Config;
  logger: Logger;
  providers: ProviderManager;
  credentials: CredentialManager;
  limiter: RedisRateLimiter;
}

export class ProviderContexts {
  constructor(private readonly d: ProviderContextDeps) {}

  /** A new context for one job; `counter.calls` counts the requests made through it (for job stats). */
  forConnection(
    connection: ConnectionRecord,
    priority: SyncPriority,
    counter: { calls: number },
    signal?: AbortSignal,
  ): ProviderContext {
    const provider = connection.provider as CloudProvider;
    const spec = providerEndpoints(provider, this.d.config.PROVIDER_SANDBOX_URL);
    return {
      connection: {
        userId: connection.userId,
        connectionId: connection.connectionId,
        provider,
        ...(connection.providerUserId ? { providerUserId: connection.providerUserId } : {}),
      },
      http: createProviderHttp({
        provider,
        baseUrl: spec.apiBaseUrl,
        tokens: this.d.credentials.tokenSource(connection),
        budget: createRequestBudget({
          limiter: this.d.limiter,
          provider,
          providerUserId: connection.providerUserId ?? connection.connectionId,
          priority,
          parse: this.d.providers.rateLimitParser(provider),
          logger: this.d.logger,
        }),
        ...(signal ? { signal } : {}),
        onCall: () => {
          counter.calls += 1;
        },
      }),
      // A context serves one job: what the provider learns in it goes when the job does.
      job: new JobCache(),
      ...(signal ? { signal } : {}),
    };
  }
}
