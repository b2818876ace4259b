// The phone's side of device sync (seed §3 Models 2 and 3), over the typed client: register the app
// installation for silent pushes, connect the health store, upload its changes (device → cloud), and
// answer the backend's read and write requests (cloud → device) from pushes or the pending list.
// The app supplies the health store (HealthStore) and a durable key-value store for the module's
// state (lastSyncTime per pair, the write journal): ids and instants only.
import type { SyncWellClient } from './client.js';
import type {
  Device,
  DevicePlatform,
  DeviceProvider,
  DeviceWorkOutcome,
  HealthStore,
  HealthStoreUnavailableReason,
} from './deviceTypes.js';
import { HealthStoreUnavailableError } from './deviceTypes.js';
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  MAX_UPLOAD_RECORDS,
  createDeviceUploader,
  type UploadSummary,
} from './deviceUpload.js';
import { createDeviceWork } from './deviceWork.js';
import { MemoryKeyValueStore, type KeyValueStore } from './keyValueStore.js';
import { createSerial } from './serial.js';
import type { CallOptions, Connection, DataType } from './types.js';

export interface DeviceSyncOptions {
  client: SyncWellClient;
  /** The app's bridge to HealthKit or Health Connect. */
  healthStore: HealthStore;
  platform: DevicePlatform;
  /** A UUID the app creates once per installation and keeps (see RegisterDeviceRequest). */
  installationId: string;
  /**
   * Where lastSyncTime and the write journal live; must survive app restarts in a real app
   * (default: memory, for tests and simulators).
   */
  state?: KeyValueStore;
  appVersion?: string;
  deviceName?: string;
  /** Records per upload request or read answer, at most 500 (the contract's bound). Default 500. */
  maxBatchRecords?: number;
  /** JSON bytes of records per upload request or read answer (a 413 halves one anyway). Default 200,000. */
  maxBatchBytes?: number;
  /** How far back the first upload of a pair looks, in days. Default 30. */
  initialLookbackDays?: number;
  /** The current time in epoch ms (default `Date.now`); only the first upload's look-back uses it. */
  now?: () => number;
}

export interface DeviceSync {
  /** The health store this platform syncs: `apple_health` (iOS) or `health_connect` (Android). */
  readonly source: DeviceProvider;
  /** POST /v1/devices: registers this installation's push token (again whenever it changes). */
  register(pushToken: string, apnsEnvironment?: 'production' | 'sandbox'): Promise<Device>;
  /** POST /v1/device-connections: connects the health store (after `register`); returns the existing one if any. */
  connectHealthStore(): Promise<Connection>;
  /**
   * POST /v1/device-connections/{provider}/unavailable: tell the backend the store cannot be used (the
   * app found Health Connect missing at launch, say). Syncs of the store stop and Google Fit goes
   * through its cloud API until `connectHealthStore` is called again. The module reports on its own
   * when the HealthStore throws HealthStoreUnavailableError.
   */
  reportStoreUnavailable(reason: HealthStoreUnavailableReason): Promise<Connection>;
  /**
   * Uploads the store's changes of `dataType` since the pair's lastSyncTime to the destination. A
   * HealthStoreUnavailableError from the store is reported to the backend, then thrown.
   */
  upload(dataType: DataType, destinationConnectionId: string, options?: CallOptions): Promise<UploadSummary>;
  /** The pair's lastSyncTime (the last answered upload's watermark), if any. */
  lastSyncTime(dataType: DataType, destinationConnectionId: string): Promise<string | undefined>;
  /** Handles a silent push (`device_read_request`, `device_write_request`); other payloads are ignored. */
  handlePush(payload: unknown): Promise<DeviceWorkOutcome[]>;
  /** Handles everything the backend waits for from this phone; call at launch and on foreground. */
  pullPendingWork(): Promise<DeviceWorkOutcome[]>;
}

const SOURCE_OF: Record<DevicePlatform, DeviceProvider> = { ios: 'apple_health', android: 'health_connect' };

export function createDeviceSync(options: DeviceSyncOptions): DeviceSync {
  const { client, healthStore, platform, installationId } = options;
  const maxBatchRecords = options.maxBatchRecords ?? MAX_UPLOAD_RECORDS;
  if (!Number.isInteger(maxBatchRecords) || maxBatchRecords < 1 || maxBatchRecords > MAX_UPLOAD_RECORDS)
    throw new RangeError(`maxBatchRecords must be an integer from 1 to ${MAX_UPLOAD_RECORDS}`);
  const source = SOURCE_OF[platform];
  const state = options.state ?? new MemoryKeyValueStore();
  const serial = createSerial();
  const uploader = createDeviceUploader({
    client,
    healthStore,
    state,
    serial,
    source,
    maxBatchRecords,
    maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    initialLookbackDays: options.initialLookbackDays ?? 30,
    now: options.now ?? (() => Date.now()),
  });
  const work = createDeviceWork({
    client,
    healthStore,
    source,
    state,
    serial,
    maxBatchRecords,
    maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
  });

  const reportStoreUnavailable = (reason: HealthStoreUnavailableReason) =>
    client.reportHealthStoreUnavailable(source, { reason });

  return {
    source,
    register: (pushToken, apnsEnvironment) =>
      client.registerDevice({
        installationId,
        platform,
        pushToken,
        ...(platform === 'ios' && apnsEnvironment ? { apnsEnvironment } : {}),
        ...(options.appVersion ? { appVersion: options.appVersion } : {}),
        ...(options.deviceName ? { deviceName: options.deviceName } : {}),
      }),
    connectHealthStore: () => client.createDeviceConnection({ provider: source }),
    reportStoreUnavailable,
    async upload(dataType, destinationConnectionId, callOptions) {
      try {
        return await uploader.upload(dataType, destinationConnectionId, callOptions);
      } catch (error) {
        if (error instanceof HealthStoreUnavailableError) await reportStoreUnavailable(error.reason);
        throw error;
      }
    },
    lastSyncTime: uploader.lastSyncTime,
    handlePush: work.handlePush,
    pullPendingWork: work.pullPendingWork,
  };
}
