// Every number the capacity model uses that is not a measured benchmark figure or a price. Each one
// says where it comes from: the spec (seed, by section), the code (file, setting), a bench file, or
// "ASSUMED" when nothing in the repository gives it (those are the ones to argue about).
import type { BenchFiles } from './bench.js';

export interface Assumptions {
  // --- Scale (spec) ---
  /** Spec §8 (Scalability: 1,000,000 DAU) and §3b's title. */
  dau: number;
  /** Spec §3b "Load Projections" and §8: 3,000 requests/s at peak, for `referenceDau`. */
  peakRequestsPerSecond: number;
  /** The DAU the 3,000 req/s peak belongs to (spec §8); the peak scales linearly with DAU. */
  referenceDau: number;
  /** Hours a day the fleets run at their peak size; the rest of the day at the average load. ASSUMED. */
  peakHoursPerDay: number;

  // --- Users ---
  /** Share of DAU on the Pro tier (spec §3f tiers; no share given). ASSUMED. */
  proShare: number;
  /** Sync configurations per user (source → destination, data type). ASSUMED (the benches use 1–2). */
  configsPerUser: number;
  /** Connections (and so stored secrets) per registered user: the benches connect two providers each. */
  connectionsPerUser: number;
  /** Registered users with live connections per DAU (a DAU/MAU of about 0.5). ASSUMED. */
  registeredUsersPerDau: number;
  /** Share of DAU whose source has webhooks (Strava, Fitbit, Garmin; spec §3 table, §3 Model 4). ASSUMED. */
  webhookUserShare: number;
  /** Share of DAU with a polled source (Google Fit: no webhooks; spec §3f pre-flight). ASSUMED. */
  polledUserShare: number;
  /** Share of DAU uploading from the phone (Apple Health, spec §3 Model 2). ASSUMED. */
  deviceUploadUserShare: number;
  /** Share of DAU with a device destination (Apple Health, spec §3 Model 3). ASSUMED. */
  cloudToDeviceUserShare: number;

  // --- Per user and day ---
  /** GET /v1/connections and other cached reads per DAU: app opens. ASSUMED. */
  cachedGetsPerDauDay: number;
  /** Manual syncs (POST /v1/sync-jobs) per DAU (spec §3 "user-initiated manual syncs"). ASSUMED. */
  manualSyncsPerDauDay: number;
  /** Webhook deliveries per webhook user per day (new activities, sleep, weight…). ASSUMED. */
  webhookEventsPerUserDay: number;
  /**
   * Webhook deliveries per hot-path job. bench/results/ingest-latest.json `coalescingRatio` is 10
   * because the storm sends exactly 10 events per user inside one window: it shows the mechanism
   * merges them, not how bursty real providers are. ASSUMED 2 (sensitivity: 1 … 10).
   */
  coalescingRatio: number;
  /** Device uploads per uploading user per day (BGAppRefreshTask + app opens). ASSUMED. */
  deviceUploadsPerUserDay: number;
  /** New records per device upload (only records since lastSyncTime are sent, spec §3 Model 2). ASSUMED. */
  recordsPerDeviceUpload: number;
  /** Cloud → device round trips per such user per day (spec §3 Model 3). ASSUMED. */
  cloudToDeviceRoundTripsPerUserDay: number;
  /** Exports per DAU per month (spec §3d POST /v1/export-jobs). ASSUMED. */
  exportsPerDauMonth: number;

  // --- Jobs ---
  /** Spec §3f / core/config SCHEDULER_PRO_INTERVAL_SECONDS (900 s) and SCHEDULER_FREE_INTERVAL_SECONDS (1 day). */
  proScheduleSeconds: number;
  freeScheduleSeconds: number;
  /** Share of manual jobs that find new data. ASSUMED. */
  manualNewDataShare: number;
  /** Share of scheduled jobs that find new data (most do not: spec §3b sync confidence). ASSUMED. */
  scheduledNewDataShare: number;
  /** Share of webhook-triggered jobs that find new data (the event said so; some are for other types). ASSUMED. */
  webhookNewDataShare: number;
  /**
   * Pre-flight skip rate: polls that trigger no job. null: 1 − bench/results/poll-latest.json
   * `partA.requirement.jobsPerCheckPct` / 100 (the mostly-idle population). Sensitivity varies it.
   */
  preflightSkipRate: number | null;
  /** Records written by a job that finds new data. ASSUMED (the worker bench's first sync writes 14). */
  recordsPerDataJob: number;
  /** Share of jobs deferred once by the rate limiter (ChangeMessageVisibility, spec §3b). ASSUMED. */
  deferredJobShare: number;
  /** Share of jobs that fail (their logs are always kept, spec §6). Spec §6 KPI: ≥ 99.9 % succeed; ASSUMED 0.5 %. */
  failedJobShare: number;

  // --- Compute ---
  /** Fargate task sizes (vCPU, GB): one Node process per task uses about one core (measured CPU is per process). */
  apiTaskVcpu: number;
  apiTaskMemoryGb: number;
  workerTaskVcpu: number;
  /** bench/results/export-latest.json worker.peakRssMiB (~210 MiB) fits in 2 GB with room for jobs in flight. */
  workerTaskMemoryGb: number;
  /** Headroom: size fleets so that the measured CPU fills at most this share of the tasks' vCPU. */
  targetCpuUtilisation: number;
  /** Minimum tasks per fleet: one per Availability Zone (spec §3b, Multi-AZ). */
  minTasksPerFleet: number;
  /** core/config/config.ts WORKER_CONCURRENCY: jobs in flight per worker process. */
  workerConcurrency: number;
  /**
   * Wall time of one provider call against the real providers. The sandbox answers in well under a
   * millisecond (bench/results/README.md, poll caveats: "Google in tens to hundreds"). ASSUMED 0.3 s.
   */
  providerCallSeconds: number;
  /** Wall time of a job's own AWS and Redis round trips (claim, status, receive share). ASSUMED 0.05 s. */
  jobOverheadSeconds: number;
  /** Worker peak load ÷ average load: queues smooth bursts, the Pro schedule is flat. ASSUMED. */
  workerPeakToAverage: number;
  /** Spec §4 Backend Compute: "primarily Fargate Spot (e.g., 90 % of tasks)", workers only. */
  workerSpotShare: number;
  /** The API serves users: no Spot. */
  apiSpotShare: number;

  // --- DynamoDB (derived from the code where the benches count calls, not items) ---
  /**
   * Items written per POST /v1/sync-jobs: the idempotency claim (PutItem) + the JOB item and the
   * completed idempotency record (one BatchWriteItem) — server/handlers/syncJobCreation.ts. The api
   * bench counts the calls (1 PutItem + ~0.3 BatchWriteItem shared by ~3 requests).
   */
  itemsWrittenPerPost: number;
  /** DynamoDB reads per DAU per day when the user caches expire (USER_CACHE_TTL_SECONDS 15 min): profile + connections. ASSUMED. */
  cacheMissReadsPerDauDay: number;
  /** Items written per device-upload record: its ledger entry (core/store ledger). Derived from the code. */
  itemsWrittenPerDeviceRecord: number;
  /** Items read per device-upload record: its ledger lookup (the "upload again" phase finds each there). Derived. */
  itemsReadPerDeviceRecord: number;
  /** API requests per Model 3 round trip: read response, pull, staged fetch, confirm (spec §3 Model 3). */
  apiRequestsPerRoundTrip: number;
  /** Items written per Model 3 round trip: JOB, device request, ledger of 3 records, cursor. ASSUMED 6. */
  itemsWrittenPerRoundTrip: number;
  /** Items are under 1 KB (1 WRU) and read strongly consistent under 4 KB (1 RRU). Derived from the item types. */
  storedKbPerRegisteredUser: number;

  // --- SQS (the FIFO hot path and coalescing buffer, infra/terraform/sqs.tf) ---
  /** Messages per ReceiveMessage at the production rate (max 10, spec §3b). ASSUMED 8. */
  receiveBatchFill: number;
  /** Messages per DeleteMessageBatch (WORKER_DELETE_WINDOW_MS 100 ms). ASSUMED 8. */
  deleteBatchFill: number;
  /** Messages per SendMessageBatch from the scheduler, coalescer and pre-flight (bulk). ASSUMED 10. */
  workerSendBatchFill: number;
  /**
   * Poll-chain messages per SQS request: bench/results/README.md, poll: "in production hops and
   * checks arrive spread out (about one receive, one delete and one send each)". 1.
   */
  pollBatchFill: number;
  /** Empty long-poll receives: consumers per worker task × one 20 s wait each. core/messaging. */
  queueConsumersPerWorkerTask: number;
  longPollSeconds: number;

  // --- Redis ---
  /** Redis commands per API request: the per-user rate limit, the user cache behind its 30 s L1. ASSUMED. */
  redisCommandsPerApiRequest: number;
  /** Redis commands of a job beyond its rate-limiter rounds: status publish, sync confidence. ASSUMED. */
  redisCommandsPerJobOverhead: number;
  /** Redis ops/s one cache.r7g.large primary serves with headroom for Lua scripts. ASSUMED. */
  redisOpsPerNode: number;
  /** Nodes per shard: a primary and one replica in another AZ (spec §3b Multi-AZ). */
  redisNodesPerShard: number;

  // --- Secrets Manager ---
  /**
   * Credential cache hit rate (core/sync/credentials.ts: 1,000 entries, 5 min per worker process).
   * No benchmark records it (CredentialManager.stats.storeReads exists, no result file keeps it).
   * ASSUMED 0.2: with many workers a user's next job rarely lands on the same process within 5 min.
   */
  credentialCacheHitRate: number;
  /**
   * Connections whose credentials a job loads: the source for the fetch, plus the destination when
   * it has something to write (or to compare). Derived from core/sync (syncManager, credentials).
   */
  credentialsPerEmptyJob: number;
  credentialsPerDataJob: number;
  /** Token refreshes (PutSecretValue) per active connection per day (1–8 h access tokens). ASSUMED. */
  tokenRefreshesPerConnectionDay: number;

  // --- Push ---
  /** Pushes per job that wrote records (sync result notification). ASSUMED 1. */
  pushesPerDataJob: number;
  /** Silent pushes per Model 3 round trip: the read request and the write request (spec §3 Model 3). */
  pushesPerRoundTrip: number;

  // --- Logs (core/config/config.ts JOB_LOG_SAMPLE_RATE_PRO 100, _FREE 10,000) ---
  jobLogSampleRatePro: number;
  jobLogSampleRateFree: number;
  /** Log lines a job writes when kept, and bytes per line (JSON, pino). ASSUMED. */
  logLinesPerJob: number;
  bytesPerLogLine: number;
  /** API log lines per request at LOG_LEVEL=info: the API writes no access log (server/), warnings only. ASSUMED. */
  apiLogLinesPerRequest: number;
  /** EMF metric bytes per task per minute (METRICS_EMF_INTERVAL_SECONDS 60). ASSUMED. */
  emfBytesPerTaskMinute: number;
  /** Months of logs kept (spec §5: short retention). ASSUMED 1. */
  logRetentionMonths: number;

  // --- Network ---
  /** Bytes through the NAT per provider call (metadata-first fetch, spec §3b). ASSUMED. */
  bytesPerProviderCall: number;
  /** NAT gateways: one per AZ. */
  natGateways: number;
  /** Bytes in + out per API request through the load balancer. ASSUMED. */
  bytesPerApiRequest: number;
  /** Share of API requests opening a new TLS connection (mobile clients). ASSUMED. */
  newConnectionShare: number;
  /** EventBridge events per job (SyncSucceeded / SyncFailed, spec §3 Model 1 step 6). */
  eventsPerJob: number;
}

/** The recorded benchmark files read. worker: the current code's median run (100 ms receive window). */
export const defaultBenchFiles: BenchFiles = {
  api: 'api-latest.json',
  worker: 'worker-latest.json',
  ingest: 'ingest-latest.json',
  poll: 'poll-latest.json',
  device: 'device-latest.json',
  export: 'export-latest.json',
  anonymizer: 'anonymizer-latest.json',
};

export const defaultAssumptions: Assumptions = {
  dau: 1_000_000,
  peakRequestsPerSecond: 3000,
  referenceDau: 1_000_000,
  peakHoursPerDay: 3,

  proShare: 0.1,
  configsPerUser: 1.5,
  connectionsPerUser: 2,
  registeredUsersPerDau: 2,
  webhookUserShare: 0.6,
  polledUserShare: 0.3,
  deviceUploadUserShare: 0.5,
  cloudToDeviceUserShare: 0.3,

  cachedGetsPerDauDay: 6,
  manualSyncsPerDauDay: 1,
  webhookEventsPerUserDay: 4,
  coalescingRatio: 2,
  deviceUploadsPerUserDay: 4,
  recordsPerDeviceUpload: 5,
  cloudToDeviceRoundTripsPerUserDay: 2,
  exportsPerDauMonth: 0.01,

  proScheduleSeconds: 900,
  freeScheduleSeconds: 86_400,
  manualNewDataShare: 0.3,
  scheduledNewDataShare: 0.05,
  webhookNewDataShare: 0.9,
  preflightSkipRate: null,
  recordsPerDataJob: 3,
  deferredJobShare: 0.02,
  failedJobShare: 0.005,

  apiTaskVcpu: 1,
  apiTaskMemoryGb: 2,
  workerTaskVcpu: 1,
  workerTaskMemoryGb: 2,
  targetCpuUtilisation: 0.6,
  minTasksPerFleet: 3,
  workerConcurrency: 40,
  providerCallSeconds: 0.3,
  jobOverheadSeconds: 0.05,
  workerPeakToAverage: 3,
  workerSpotShare: 0.9,
  apiSpotShare: 0,

  itemsWrittenPerPost: 3,
  cacheMissReadsPerDauDay: 4,
  itemsWrittenPerDeviceRecord: 1,
  itemsReadPerDeviceRecord: 1,
  apiRequestsPerRoundTrip: 4,
  itemsWrittenPerRoundTrip: 6,
  storedKbPerRegisteredUser: 20,

  receiveBatchFill: 8,
  deleteBatchFill: 8,
  workerSendBatchFill: 10,
  pollBatchFill: 1,
  queueConsumersPerWorkerTask: 6,
  longPollSeconds: 20,

  redisCommandsPerApiRequest: 3,
  redisCommandsPerJobOverhead: 4,
  redisOpsPerNode: 100_000,
  redisNodesPerShard: 2,

  credentialCacheHitRate: 0.2,
  credentialsPerEmptyJob: 1,
  credentialsPerDataJob: 2,
  tokenRefreshesPerConnectionDay: 2,

  pushesPerDataJob: 1,
  pushesPerRoundTrip: 2,

  jobLogSampleRatePro: 100,
  jobLogSampleRateFree: 10_000,
  logLinesPerJob: 12,
  bytesPerLogLine: 400,
  apiLogLinesPerRequest: 0.01,
  emfBytesPerTaskMinute: 8_000,
  logRetentionMonths: 1,

  bytesPerProviderCall: 8_000,
  natGateways: 3,
  bytesPerApiRequest: 3_000,
  newConnectionShare: 0.3,
  eventsPerJob: 1,
};
