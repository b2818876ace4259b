// Every key of the single table SyncWellMetadata (see docs/architecture.md, "Data model"): no other
// module spells a key prefix.
import type { CloudProvider, DataType } from '../domain/types.js';

const USER = 'USER#';
export const SK_PREFIX = {
  connection: 'CONN#',
  syncConfig: 'SYNCCONFIG#',
  job: 'JOB#',
  device: 'DEVICE#',
  deviceRequest: 'DEVICEREQ#',
  notified: 'NOTIFIED#',
  pendingRevocation: 'REVOKE#',
  exportJob: 'EXPORT#',
} as const;

export const userPk = (userId: string) => `${USER}${userId}`;
/** The user id of a `USER#{userId}` partition key. */
export const userIdOfPk = (pk: string) => pk.slice(USER.length);

export const PROFILE_SK = 'PROFILE';
export const connectionSk = (connectionId: string) => `${SK_PREFIX.connection}${connectionId}`;
export const syncConfigSk = (sourceConnectionId: string, dataType: DataType) =>
  `${SK_PREFIX.syncConfig}${sourceConnectionId}##${dataType}`;
export const jobSk = (jobId: string) => `${SK_PREFIX.job}${jobId}`;
export const deviceSk = (deviceId: string) => `${SK_PREFIX.device}${deviceId}`;
/** What a parked cloud → device job waits for from the phone. */
export const deviceRequestSk = (jobId: string) => `${SK_PREFIX.deviceRequest}${jobId}`;
/** A data export job (core/store/exportJobRepository.ts). */
export const exportJobSk = (jobId: string) => `${SK_PREFIX.exportJob}${jobId}`;
/** Which export of the user is in progress: at most one at a time (POST /v1/export-jobs). */
export const ACTIVE_EXPORT_SK = 'ACTIVEEXPORT';
/**
 * The SchedulerIndex partition under which finished exports are found by the end of their retention
 * (`NextSyncTimestamp`), so the worker's sweep deletes their archives: the same overloaded GSI.
 */
export const EXPORT_EXPIRY_SHARD = 'EXPORTEXPIRY';
/** A visible notification already sent (at most one delivery per notification id). */
export const notifiedSk = (notificationId: string) => `${SK_PREFIX.notified}${notificationId}`;
/** A deleted connection whose tokens the provider could not revoke yet (the worker retries). */
export const pendingRevocationSk = (connectionId: string) => `${SK_PREFIX.pendingRevocation}${connectionId}`;
/**
 * The SchedulerIndex partition (its `SyncTierShardId` attribute) under which pending revocations
 * are found by due time (`NextSyncTimestamp`): one overloaded GSI instead of a new one.
 */
export const PENDING_REVOCATION_SHARD = 'REVOKE';

/** A ledger entry: one source record written to one destination. */
export const ledgerSk = (
  pair: { destinationConnectionId: string; sourceConnectionId: string; dataType: DataType },
  sourceRecordId: string,
) => `LEDGER#${pair.destinationConnectionId}#${pair.sourceConnectionId}#${pair.dataType}#${sourceRecordId}`;

/** A sync pair's watermark. */
export const cursorSk = (pair: {
  sourceConnectionId: string;
  destinationConnectionId: string;
  dataType: DataType;
}) => `CURSOR#${pair.sourceConnectionId}#${pair.destinationConnectionId}#${pair.dataType}`;

// Items in partitions of their own: PK and SK are the same string.
export const idempotencyKey = (userId: string, key: string) => `IDEM#${userId}#${key}`;
export const providerUserKey = (provider: CloudProvider, providerUserId: string) =>
  `PROVIDERUSER#${provider}#${providerUserId}`;
export const oauthStateKey = (state: string) => `OAUTHSTATE#${state}`;
/** Which device holds a push token (by the token's SHA-256, so the key does not carry the token). */
export const pushTokenKey = (tokenHash: string) => `PUSHTOKEN#${tokenHash}`;
/**
 * An account's deletion tombstone (core/store/deletedUserRepository.ts). It outlives every other
 * item of the user, so its key carries a SHA-256 of the user id, not the id itself.
 */
export const deletedUserKey = (userIdHash: string) => `DELETEDUSER#${userIdHash}`;
/** The scheduler's claim on one shard (`PRO#5`) of a tier. */
export const schedulerLockKey = (shardId: string) => `SCHEDLOCK#${shardId}`;
/** An item nobody writes: the API's readiness probe reads it to prove the table answers. */
export const HEALTH_KEY = 'HEALTH';

export const INDEX = {
  reAuth: 'ReAuthStatusIndex',
  scheduler: 'SchedulerIndex',
  jobsByCreatedAt: 'JobsByCreatedAtIndex',
  /** Every item with a `UserId` attribute: how account deletion finds a user's items outside the partition. */
  userItems: 'UserIdIndex',
} as const;

export type ItemKey = {
  PK: string;
  SK: string;
};

/** The key of an item alone in its partition. */
export const singletonKey = (id: string): ItemKey => ({ PK: id, SK: id });
