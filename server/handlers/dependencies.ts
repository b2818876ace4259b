// What handlers may use. Wired once in server/main.ts (and by tests with the real local stack).
import type { UserConfigCache } from '../../core/cache/userConfigCache.js';
import type { Config } from '../../core/config/config.js';
import type { MessageProducer } from '../../core/messaging/producer.js';
import type { ConnectionRepository } from '../../core/store/connectionRepository.js';
import type { DeviceRepository } from '../../core/store/deviceRepository.js';
import type { DeviceRequestRepository } from '../../core/store/deviceRequestRepository.js';
import type { CloudToDevice } from '../../core/sync/cloudToDevice.js';
import type { SyncManager } from '../../core/sync/syncManager.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';
import type { SyncConfigRepository } from '../../core/store/syncConfigRepository.js';
import type { SyncJobRepository } from '../../core/store/syncJobRepository.js';
import type { OAuthStateRepository } from '../../core/oauth/oauthStateRepository.js';
import type { SecretStore } from '../../core/secrets/secretStore.js';
import type { ProviderUserIndex } from '../../core/store/providerUserIndex.js';
import type { ConnectionRemoval } from '../../core/connections/connectionRemoval.js';
import type { ProviderMigration } from '../../core/connections/providerMigration.js';
import type { AccountStatus } from '../../core/account/accountStatus.js';
import type { DeletedUserRepository } from '../../core/store/deletedUserRepository.js';
import type { ExportJobRepository } from '../../core/store/exportJobRepository.js';
import type { ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import { AppError } from '../../core/errors/AppError.js';
import type { DeadLetters } from '../../core/messaging/deadLetters.js';
import type { KpiHistory } from '../../core/observability/kpiHistory.js';
import type { ReAuthRepository } from '../../core/store/reAuthRepository.js';
import type { DynamicConfig } from '../../core/config/dynamicConfig.js';
import type { Tunables } from '../../core/config/tunables.js';
import type { AuthUser, TokenVerifier } from '../auth/tokenVerifier.js';
import type { Anonymizer } from '../../core/anonymizer/anonymizer.js';
import type { RequestContext } from '../http/operationTypes.js';

export type DependencyStatus = 'ok' | 'failing';

export interface HandlerDependencies {
  config: Config;
  profiles: ProfileRepository;
  connections: ConnectionRepository;
  syncConfigs: SyncConfigRepository;
  syncJobs: SyncJobRepository;
  userConfig: UserConfigCache;
  oauthStates: OAuthStateRepository;
  providerUsers: ProviderUserIndex;
  devices: DeviceRepository;
  deviceRequests: DeviceRequestRepository;
  /** Cloud → device round trips (seed §3 Model 3). */
  cloudToDevice: CloudToDevice;
  /** The sync engine, for device uploads (Model 2): run in the request, never queued. */
  sync: Pick<SyncManager, 'runUpload'>;
  /**
   * Every message the API sends. Without COALESCING_QUEUE_URL webhooks answer 503, without
   * HISTORICAL_QUEUE_URL historical jobs do (`producer.has(channel)`).
   */
  producer: MessageProducer;
  secrets: SecretStore;
  /** Revocation at the provider, then the connection and its tokens (DELETE /v1/connections/{id}). */
  connectionRemoval: ConnectionRemoval;
  /** Retiring providers' connections handed over to their replacement when it is connected. */
  providerMigration: ProviderMigration;
  tokenVerifier: TokenVerifier;
  /** C-006: what an AI feature may see of a user's records (POST /v1/internal/anonymizations). */
  anonymizer: Anonymizer;
  /** Data exports (POST/GET /v1/export-jobs). */
  exportJobs: ExportJobRepository;
  /** The export bucket; without EXPORT_BUCKET new exports answer 503. */
  exportArchives: ExportArchiveStore | undefined;
  /** Account deletion tombstones (DELETE /v1/users/me writes them). */
  deletedUsers: DeletedUserRepository;
  /** Whether an account was deleted, cached per process (the API's gate, the OAuth callback, the socket lane). */
  accountStatus: AccountStatus;
  readiness: () => Promise<Record<'dynamodb' | 'sqs' | 'redis', DependencyStatus>>;
  /** What operators tune without a deploy, read where used (core/config/tunables.ts). */
  tunables: Tunables;
  /** Feature flags (providers being rolled out, ...) and the rest of the dynamic configuration. */
  dynamicConfig: DynamicConfig;
  /** What the operator console reads and does (server/handlers/operations.ts). */
  operations: OperationsDependencies;
}

export interface OperationsDependencies {
  deadLetters: DeadLetters;
  kpis: KpiHistory;
  reAuth: Pick<ReAuthRepository, 'listByState'>;
  dynamicConfig: DynamicConfig;
}

/** The authenticated caller; user routes always have one (the auth middleware ran first). */
export function callerOf(ctx: RequestContext): AuthUser {
  if (!ctx.auth) throw new AppError(401, 'unauthenticated');
  return ctx.auth;
}

/** The idempotency context; state-changing user routes always have one. */
export function idempotencyOf(ctx: RequestContext) {
  if (!ctx.idempotency) throw new AppError(400, 'idempotency_key_required');
  return ctx.idempotency;
}
