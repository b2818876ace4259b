// @syncwell/client-sdk: the typed SyncWell API client for the mobile apps.
// Node-only pieces (FileOfflineActionStore) live in `@syncwell/client-sdk/node`.
export { createSyncWellClient, type SyncWellClient, type SyncWellClientOptions } from './client.js';
export { createDeviceSync, type DeviceSync, type DeviceSyncOptions } from './device.js';
export type {
  CanonicalRecord,
  Device,
  DevicePlatform,
  DeviceProvider,
  DevicePush,
  DeviceRecordResult,
  DeviceWorkOutcome,
  HealthStore,
  HealthStoreUnavailableReason,
  HealthStoreWriteResult,
  TimeWindow,
} from './deviceTypes.js';
export { HealthStoreUnavailableError } from './deviceTypes.js';
export { MAX_UPLOAD_RECORDS, type UploadSummary } from './deviceUpload.js';
export { parseNotification, type UserNotificationData } from './notifications.js';
export { createSyncSocket } from './socket.js';
export {
  DEFAULT_RECONNECT,
  fullJitterDelay,
  type ReconnectOptions,
  type SocketClock,
} from './socketBackoff.js';
export { SOCKET_CLOSE_CODES } from './socketCloses.js';
export {
  SyncSocketError,
  type ErrorFrame,
  type JobStatusFrame,
  type RequestSyncOptions,
  type SubscribeOptions,
  type SyncRequest,
  type SyncResultFrame,
  type SyncSocket,
  type SyncSocketErrorReason,
  type SyncSocketEvent,
  type SyncSocketOptions,
  type SyncSocketState,
  type WebSocketConstructor,
  type WebSocketLike,
} from './socketTypes.js';
export { ApiError, NetworkError, isAbortError, type FailedRequest, type Problem } from './errors.js';
export type { SyncWellEvent } from './events.js';
export { MemoryKeyValueStore, type KeyValueStore } from './keyValueStore.js';
export { MemoryOfflineActionStore, type OfflineAction, type OfflineActionStore } from './offline.js';
export {
  MUTATIONS,
  type MutationName,
  type Queueable,
  type ReplayOptions,
  type ReplaySummary,
  type SentOrQueued,
} from './queue.js';
export { DEFAULT_RETRY, type RetryOptions, type TokenProvider } from './transport.js';
export type {
  CallOptions,
  CloudProvider,
  ConditionalOptions,
  Connection,
  ProviderNotice,
  DataType,
  MutationOptions,
  OperationId,
  PathParamsOf,
  QueryOf,
  RequestBodyOf,
  ResultOf,
  Schemas,
  SyncConfig,
  SyncJob,
  WithEtag,
} from './types.js';
export type { components, operations, paths } from './generated/openapi.gen.js';
