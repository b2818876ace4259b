// A phone for end-to-end tests and benchmarks: the SDK's device module (client-sdk, built to dist/)
// over an in-memory HealthKit-like store. Samples are kept by the store's own id; a write creates new
// samples with new ids and keeps the staged record's id as their sync identifier; nothing deduplicates
// on its own, so a test that counts `writes` sees every sample the SDK wrote, twice if it wrote twice.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  MemoryKeyValueStore,
  MemoryOfflineActionStore,
  createDeviceSync,
  createSyncWellClient,
  HealthStoreUnavailableError,
  type CanonicalRecord,
  type DeviceSync,
  type HealthStore,
  type HealthStoreUnavailableReason,
  type HealthStoreWriteResult,
  type KeyValueStore,
  type RetryOptions,
  type SyncWellClient,
  type TimeWindow,
} from '../../client-sdk/dist/index.js';
import { clock } from '../../core/clock/clock.js';
import type { DataType } from '../../core/domain/types.js';
import { dataTypeOfRecord } from '../../core/domain/recordDataType.js';
import { canonicalSummary } from '../../core/providers/canonicalSummary.js';
import { mintDevToken } from '../../infra/local/devIssuer.js';

/** The source id of samples SyncWell wrote (HealthKit's source bundle id of the app). */
export const SYNCWELL_SOURCE_ID = 'com.syncwell.app';

type StoreProvider = 'apple_health' | 'health_connect';

const startOf = (r: CanonicalRecord) =>
  Date.parse(canonicalSummary(dataTypeOfRecord(r), r as never).startTime);

/** HealthKit, in memory: samples by id, as the health store shows them to the app. */
export class InMemoryHealthStore implements HealthStore {
  private readonly samples = new Map<string, CanonicalRecord>();
  /** Every sample `write` created, in order: `recordId` is the staged record's, `deviceRecordId` the new sample's. */
  readonly writes: Array<{ recordId: string; deviceRecordId: string }> = [];
  /** Staged `recordId`s `write` refuses, as HealthKit does without the user's permission. */
  readonly refuse = new Set<string>();
  /**
   * Staged `recordId`s the store already holds (HealthKit matched the sync identifier of a sample
   * another app saved), each with that sample's id: `write` reports them already present.
   */
  readonly alreadyThere = new Map<string, string>();
  /** Set: the store cannot be used at all (Health Connect uninstalled, permissions gone); every call throws. */
  unavailable: HealthStoreUnavailableReason | undefined;

  constructor(readonly provider: StoreProvider = 'apple_health') {}

  /** A sample already in the store (another app wrote it), kept with its own `recordId`. */
  seed(record: CanonicalRecord): CanonicalRecord {
    const sample = { ...record, provider: this.provider } as CanonicalRecord;
    this.samples.set(sample.recordId, sample);
    return sample;
  }

  /** The store's samples (of one type), oldest start first. */
  all(dataType?: DataType): CanonicalRecord[] {
    return [...this.samples.values()]
      .filter((r) => !dataType || dataTypeOfRecord(r) === dataType)
      .sort((a, b) => startOf(a) - startOf(b));
  }

  private usable(): void {
    if (this.unavailable) throw new HealthStoreUnavailableError(this.unavailable);
  }

  async read(dataType: DataType, window: TimeWindow): Promise<CanonicalRecord[]> {
    this.usable();
    const [start, end] = [Date.parse(window.start), Date.parse(window.end)];
    return this.all(dataType).filter((r) => startOf(r) >= start && startOf(r) < end);
  }

  async write(records: CanonicalRecord[]): Promise<HealthStoreWriteResult> {
    this.usable();
    const result: Required<HealthStoreWriteResult> = {
      written: [],
      failed: [],
      alreadyPresent: [],
      deviceRecordIds: {},
    };
    for (const record of records) {
      if (this.refuse.has(record.recordId)) {
        result.failed.push(record.recordId);
        continue;
      }
      const existing = this.alreadyThere.get(record.recordId);
      if (existing) {
        result.alreadyPresent.push(record.recordId);
        result.deviceRecordIds[record.recordId] = existing;
        continue;
      }
      const deviceRecordId = randomUUID().toUpperCase();
      this.samples.set(deviceRecordId, {
        ...record,
        recordId: deviceRecordId,
        provider: this.provider,
        sourceId: SYNCWELL_SOURCE_ID,
        lastModified: clock.date().toISOString(),
      } as CanonicalRecord);
      this.writes.push({ recordId: record.recordId, deviceRecordId });
      result.written.push(record.recordId);
      result.deviceRecordIds[record.recordId] = deviceRecordId;
    }
    return result;
  }

  async changedSince(dataType: DataType, since: string): Promise<CanonicalRecord[]> {
    this.usable();
    const from = Date.parse(since);
    // What SyncWell wrote came from the cloud: uploading it back would only echo it.
    return this.all(dataType).filter(
      (r) => r.sourceId !== SYNCWELL_SOURCE_ID && Date.parse(r.lastModified) >= from,
    );
  }
}

export interface DeviceSimulatorOptions {
  baseUrl: string;
  userId: string;
  platform?: 'ios' | 'android';
  /** The phone's health store (default: a new, empty one for the platform). */
  store?: InMemoryHealthStore;
  /** The device module's state (default: new, as on a fresh installation). */
  state?: KeyValueStore;
  installationId?: string;
  maxBatchRecords?: number;
  maxBatchBytes?: number;
  initialLookbackDays?: number;
  /** Replaces the network (tests observe or break requests with it). */
  fetch?: typeof globalThis.fetch;
  retry?: RetryOptions;
}

/** Retries short enough for tests; the same bounds otherwise. */
const FAST_RETRY: RetryOptions = { baseDelayMs: 5, maxDelayMs: 100, maxTotalMs: 3000 };

export class DeviceSimulator {
  readonly client: SyncWellClient;
  readonly device: DeviceSync;
  readonly store: InMemoryHealthStore;
  readonly state: KeyValueStore;
  readonly offlineLog = new MemoryOfflineActionStore();
  readonly installationId: string;
  /** The Apple Health / Health Connect connection, once `start` connected it. */
  healthConnectionId = '';

  constructor(readonly options: DeviceSimulatorOptions) {
    const platform = options.platform ?? 'ios';
    this.store =
      options.store ?? new InMemoryHealthStore(platform === 'ios' ? 'apple_health' : 'health_connect');
    this.state = options.state ?? new MemoryKeyValueStore();
    this.installationId = options.installationId ?? randomUUID();
    // A dev token lives an hour: after the clock moves, the 401 makes the SDK ask for a new one.
    let token: Promise<string> | undefined;
    this.client = createSyncWellClient({
      baseUrl: options.baseUrl,
      getToken: ({ forceRefresh } = {}) => {
        if (forceRefresh || !token) token = mintDevToken(options.userId, { tier: 'PRO' });
        return token;
      },
      retry: options.retry ?? FAST_RETRY,
      offlineQueue: this.offlineLog,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.device = createDeviceSync({
      client: this.client,
      healthStore: this.store,
      platform,
      installationId: this.installationId,
      state: this.state,
      appVersion: 'simulator',
      now: clock.now,
      ...(options.maxBatchRecords ? { maxBatchRecords: options.maxBatchRecords } : {}),
      ...(options.maxBatchBytes ? { maxBatchBytes: options.maxBatchBytes } : {}),
      ...(options.initialLookbackDays ? { initialLookbackDays: options.initialLookbackDays } : {}),
    });
  }

  /** A phone that has registered for pushes and connected its health store. */
  static async start(options: DeviceSimulatorOptions): Promise<DeviceSimulator> {
    const phone = new DeviceSimulator(options);
    const platform = options.platform ?? 'ios';
    const pushToken =
      platform === 'ios' ? randomBytes(32).toString('hex') : `fcm:${randomBytes(48).toString('base64url')}`;
    await phone.device.register(pushToken, platform === 'ios' ? 'sandbox' : undefined);
    phone.healthConnectionId = (await phone.device.connectHealthStore()).connectionId;
    return phone;
  }

  /** The same phone and store after the app lost its state (reinstalled): no lastSyncTime, no journal. */
  withFreshState(): DeviceSimulator {
    const phone = new DeviceSimulator({
      ...this.options,
      store: this.store,
      state: new MemoryKeyValueStore(),
      installationId: this.installationId,
    });
    phone.healthConnectionId = this.healthConnectionId;
    return phone;
  }

  /** Airplane mode: every request fails at once; uploads go to the offline log. */
  setOffline(offline: boolean): void {
    this.client.setOffline(offline);
  }
}
