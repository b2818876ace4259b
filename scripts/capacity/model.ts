// The capacity and cost model: pure arithmetic from measured figures (bench.ts), assumptions
// (assumptions.ts) and prices (pricing.ts). No I/O, so every formula can be tested by varying one
// input. Volumes are per day unless a name says otherwise; costs are USD per month (730 hours).
import type { Assumptions } from './assumptions.js';
import type { BenchFigures } from './bench.js';
import type { Prices } from './pricing.js';

export const HOURS_PER_MONTH = 730;
export const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
const SECONDS_PER_DAY = 86_400;

export type Service =
  | 'Fargate API'
  | 'Fargate workers'
  | 'DynamoDB'
  | 'SQS'
  | 'EventBridge'
  | 'ElastiCache Redis'
  | 'Secrets Manager'
  | 'CloudWatch Logs'
  | 'NAT Gateway'
  | 'Load balancer'
  | 'Push (APNs/FCM)';

export interface Fleet {
  /** vCPU-seconds of measured CPU per second, on average and at peak. */
  averageVcpu: number;
  peakVcpu: number;
  tasksAtAverage: number;
  tasksAtPeak: number;
  taskHoursPerDay: number;
  /** What sets the peak size: CPU, jobs in flight (workers), or the per-AZ minimum. */
  boundBy: 'cpu' | 'concurrency' | 'minimum';
  /** Work one task does at the target utilisation (requests/s or jobs/s), from the measured CPU. */
  perTaskThroughput: number;
}

export interface ModelResult {
  dau: number;
  requests: {
    cachedGets: number;
    syncPosts: number;
    webhookDeliveries: number;
    deviceUploads: number;
    deviceRecords: number;
    roundTrips: number;
    total: number;
    averagePerSecond: number;
    peakPerSecond: number;
    /** API CPU per request over the day's mix (µs). */
    blendedCpuMicros: number;
  };
  jobs: {
    manual: number;
    scheduled: number;
    scheduledPro: number;
    webhook: number;
    poll: number;
    total: number;
    withNewData: number;
    pollChecks: number;
    pollHops: number;
    preflightSkipRate: number;
    exports: number;
    /** Jobs in flight at peak against real providers (Little's law), and one job's assumed wall time. */
    peakInFlight: number;
    jobSeconds: number;
    /** Worker CPU per job kind (µs) as used. */
    cpuMicros: { manualEmpty: number; systemEmpty: number; perRecord: number };
  };
  api: Fleet;
  workers: Fleet;
  dynamo: {
    writeUnitsPerDay: number;
    readUnitsPerDay: number;
    writeUnitsPerSecondAverage: number;
    writeUnitsPerSecondPeak: number;
    readUnitsPerSecondAverage: number;
    readUnitsPerSecondPeak: number;
    storageGb: number;
  };
  sqs: {
    sends: number;
    receives: number;
    emptyReceives: number;
    deletes: number;
    visibilityChanges: number;
    fifoRequests: number;
    standardRequests: number;
    /** Hot-path queue requests per job in the model, next to the worker bench's measured figure. */
    hotPathRequestsPerJob: number;
    benchRequestsPerJob: { manual: number; scheduled: number };
  };
  redis: { opsPerSecondAverage: number; opsPerSecondPeak: number; shards: number; nodes: number };
  secrets: { stored: number; getCalls: number; putCalls: number };
  push: { perDay: number };
  logs: { ingestedGbPerDay: number; jobKeepRate: number };
  network: { providerCalls: number; natGbPerDay: number; lcuHoursPerDay: number };
  events: { perDay: number };
  costs: Record<Service, number>;
  /** The part of Secrets Manager's cost that is storage: one secret per connection. */
  secretStorageUsdPerMonth: number;
  totalUsdPerMonth: number;
}

const ceilTasks = (vcpu: number, taskVcpu: number, utilisation: number, min: number) =>
  Math.max(min, Math.ceil(vcpu / (taskVcpu * utilisation) - 1e-9));

/** Fargate price of a fleet for a month, with `spotShare` of its task-hours on Spot. */
export function fargateMonthlyCost(
  taskHoursPerDay: number,
  vcpu: number,
  memoryGb: number,
  spotShare: number,
  p: Prices,
): number {
  const onDemand =
    taskHoursPerDay * DAYS_PER_MONTH * (vcpu * p.fargateArmVcpuHour + memoryGb * p.fargateArmGbHour);
  return onDemand * (1 - spotShare * p.fargateSpotDiscount);
}

export function runModel(b: BenchFigures, a: Assumptions, p: Prices): ModelResult {
  const D = a.dau;
  const w = b.worker;

  // --- API requests (per day) and their measured CPU ---
  const syncPosts = D * a.manualSyncsPerDauDay;
  // The app polls the job's status after a POST (device bench, "POST + polling": calls per job − 1).
  const cachedGets = D * a.cachedGetsPerDauDay + syncPosts * b.device.statusRequestsPerForegroundJob;
  const webhookDeliveries = D * a.webhookUserShare * a.webhookEventsPerUserDay;
  const deviceUploads = D * a.deviceUploadUserShare * a.deviceUploadsPerUserDay;
  const deviceRecords = deviceUploads * a.recordsPerDeviceUpload;
  const roundTrips = D * a.cloudToDeviceUserShare * a.cloudToDeviceRoundTripsPerUserDay;
  const totalRequests =
    cachedGets + syncPosts + webhookDeliveries + deviceUploads + roundTrips * a.apiRequestsPerRoundTrip;
  const apiCpuMicros =
    cachedGets * b.api.getCpuMicros +
    syncPosts * b.api.postCpuMicros +
    webhookDeliveries * b.ingest.cpuMicrosPerEvent +
    deviceRecords * b.device.uploadCpuMicrosPerNewRecord +
    roundTrips * b.device.roundTripApiCpuMicros;
  const blendedCpuMicros = apiCpuMicros / totalRequests;
  const averageRps = totalRequests / SECONDS_PER_DAY;
  const peakRps = (a.peakRequestsPerSecond * D) / a.referenceDau;
  const apiPeakFactor = peakRps / averageRps;

  // Tasks for the CPU at the target utilisation, or for the jobs in flight (a worker process holds
  // at most `workerConcurrency` while they wait on providers), never fewer than one per AZ.
  const fleet = (
    averageVcpu: number,
    peakVcpu: number,
    taskVcpu: number,
    perUnitMicros: number,
    inFlight = { average: 0, peak: 0 },
  ): Fleet => {
    const byCpu = (vcpu: number) => ceilTasks(vcpu, taskVcpu, a.targetCpuUtilisation, 0);
    const byConcurrency = (jobs: number) => Math.ceil(jobs / a.workerConcurrency - 1e-9);
    const size = (vcpu: number, jobs: number) =>
      Math.max(a.minTasksPerFleet, byCpu(vcpu), byConcurrency(jobs));
    const tasksAtAverage = size(averageVcpu, inFlight.average);
    const tasksAtPeak = Math.max(tasksAtAverage, size(peakVcpu, inFlight.peak));
    const boundBy =
      tasksAtPeak === a.minTasksPerFleet
        ? 'minimum'
        : byCpu(peakVcpu) >= byConcurrency(inFlight.peak)
          ? 'cpu'
          : 'concurrency';
    return {
      averageVcpu,
      peakVcpu,
      tasksAtAverage,
      tasksAtPeak,
      taskHoursPerDay: a.peakHoursPerDay * tasksAtPeak + (24 - a.peakHoursPerDay) * tasksAtAverage,
      boundBy,
      perTaskThroughput: (taskVcpu * a.targetCpuUtilisation * 1e6) / perUnitMicros,
    };
  };
  const api = fleet(
    (averageRps * blendedCpuMicros) / 1e6,
    (peakRps * blendedCpuMicros) / 1e6,
    a.apiTaskVcpu,
    blendedCpuMicros,
  );

  // --- Jobs (per day) ---
  const scheduledPro = D * a.configsPerUser * a.proShare * (SECONDS_PER_DAY / a.proScheduleSeconds);
  const scheduledFree = D * a.configsPerUser * (1 - a.proShare) * (SECONDS_PER_DAY / a.freeScheduleSeconds);
  const scheduled = scheduledPro + scheduledFree;
  const webhookJobs = webhookDeliveries / a.coalescingRatio;
  const polledUsers = D * a.polledUserShare;
  const pollChecks = polledUsers * b.poll.checksPerUserDay;
  const pollHops = polledUsers * b.poll.hopsPerUserDay;
  const preflightSkipRate = a.preflightSkipRate ?? 1 - b.poll.jobsPerCheckPct / 100;
  const pollJobs = pollChecks * (1 - preflightSkipRate);
  const manualData = syncPosts * a.manualNewDataShare;
  const systemData = scheduled * a.scheduledNewDataShare + webhookJobs * a.webhookNewDataShare + pollJobs;
  const withNewData = manualData + systemData;
  const systemJobs = scheduled + webhookJobs + pollJobs;
  const totalJobs = syncPosts + systemJobs;
  const exports = (D * a.exportsPerDauMonth) / DAYS_PER_MONTH;

  // A job that finds data costs its trigger's empty job plus, per record, what the bench's first
  // sync cost over its resync ("again": the same jobs with everything already in the ledger).
  const records = w.firstSync.records;
  const perRecord = {
    cpu: (w.firstSync.cpuMicros - w.again.cpuMicros) / records,
    items: (w.firstSync.workerItemsWritten - w.again.workerItemsWritten) / records,
    reads: (w.firstSync.readCalls - w.again.readCalls) / records,
    providerCalls: (w.firstSync.providerCalls - w.again.providerCalls) / records,
  };
  const r = a.recordsPerDataJob;
  const workerCpuMicros =
    syncPosts * w.manualEmpty.cpuMicros +
    systemJobs * w.systemEmpty.cpuMicros +
    withNewData * r * perRecord.cpu +
    polledUsers * b.poll.workerCpuMsPerUserDay * 1000 +
    roundTrips * b.device.roundTripWorkerCpuMicros +
    // An export keeps about one core busy for its duration (an upper bound: it waits on providers too).
    exports * b.export.seconds * 1e6;
  const workerAverageVcpu = workerCpuMicros / 1e6 / SECONDS_PER_DAY;
  const jobProviderCalls =
    syncPosts * w.manualEmpty.providerCalls +
    systemJobs * w.systemEmpty.providerCalls +
    withNewData * r * perRecord.providerCalls;
  // Little's law: jobs in flight = jobs/s × a job's wall time against real providers (pre-flight
  // checks too: one provider call each).
  const jobSeconds = (jobProviderCalls / totalJobs) * a.providerCallSeconds + a.jobOverheadSeconds;
  const averageInFlight =
    (totalJobs * jobSeconds + pollChecks * (a.providerCallSeconds + a.jobOverheadSeconds)) / SECONDS_PER_DAY;
  const workers = fleet(
    workerAverageVcpu,
    workerAverageVcpu * a.workerPeakToAverage,
    a.workerTaskVcpu,
    workerCpuMicros / totalJobs,
    { average: averageInFlight, peak: averageInFlight * a.workerPeakToAverage },
  );

  // --- DynamoDB (request units: items < 1 KB written, < 4 KB read strongly consistent) ---
  const apiWrites =
    syncPosts * a.itemsWrittenPerPost +
    deviceRecords * a.itemsWrittenPerDeviceRecord +
    roundTrips * a.itemsWrittenPerRoundTrip;
  const workerWrites =
    syncPosts * w.manualEmpty.workerItemsWritten +
    systemJobs * w.systemEmpty.workerItemsWritten +
    withNewData * r * perRecord.items;
  const apiReads = D * a.cacheMissReadsPerDauDay + deviceRecords * a.itemsReadPerDeviceRecord;
  const workerReads =
    syncPosts * w.manualEmpty.readCalls +
    systemJobs * w.systemEmpty.readCalls +
    withNewData * r * perRecord.reads;
  const dynamo = {
    writeUnitsPerDay: apiWrites + workerWrites,
    readUnitsPerDay: apiReads + workerReads,
    writeUnitsPerSecondAverage: (apiWrites + workerWrites) / SECONDS_PER_DAY,
    writeUnitsPerSecondPeak:
      (apiWrites * apiPeakFactor + workerWrites * a.workerPeakToAverage) / SECONDS_PER_DAY,
    readUnitsPerSecondAverage: (apiReads + workerReads) / SECONDS_PER_DAY,
    readUnitsPerSecondPeak:
      (apiReads * apiPeakFactor + workerReads * a.workerPeakToAverage) / SECONDS_PER_DAY,
    storageGb: (D * a.registeredUsersPerDau * a.storedKbPerRegisteredUser) / 1e6,
  };

  // --- SQS requests (per day) ---
  // Hot-path FIFO: the API's sends batched as the api bench measured; the scheduler, coalescer and
  // pre-flight send in bulk; receives and deletes carry several messages; deferrals change visibility.
  const hotSends = syncPosts * b.api.postSendMessageBatchCalls + systemJobs / a.workerSendBatchFill;
  const hotReceives = totalJobs / a.receiveBatchFill;
  const hotDeletes = totalJobs / a.deleteBatchFill;
  const visibilityChanges = totalJobs * a.deferredJobShare;
  // Coalescing buffer FIFO: one message per webhook delivery, sent like the POST's.
  const bufferSends = webhookDeliveries * b.api.postSendMessageBatchCalls;
  const bufferReceives = webhookDeliveries / a.receiveBatchFill;
  const bufferDeletes = webhookDeliveries / a.deleteBatchFill;
  // Poll chain (Standard): every check and hop is a message; spread out, each is its own send, receive, delete.
  const pollMessages = polledUsers * b.poll.sqsMessagesPerUserDay;
  const pollRequestsEach = pollMessages / a.pollBatchFill;
  // Sync notifications (Standard): the events that may notify (jobs that wrote), sent by EventBridge.
  const notifySends = withNewData;
  const notifyReceives = withNewData / a.receiveBatchFill;
  const notifyDeletes = withNewData / a.deleteBatchFill;
  const averageWorkerTasks = workers.taskHoursPerDay / 24;
  const emptyReceives =
    averageWorkerTasks * a.queueConsumersPerWorkerTask * (SECONDS_PER_DAY / a.longPollSeconds);
  const fifoRequests =
    hotSends + hotReceives + hotDeletes + visibilityChanges + bufferSends + bufferReceives + bufferDeletes;
  const standardRequests =
    3 * pollRequestsEach + notifySends + notifyReceives + notifyDeletes + emptyReceives;
  const sqs = {
    sends: hotSends + bufferSends + pollRequestsEach + notifySends,
    receives: hotReceives + bufferReceives + pollRequestsEach + notifyReceives,
    emptyReceives,
    deletes: hotDeletes + bufferDeletes + pollRequestsEach + notifyDeletes,
    visibilityChanges,
    fifoRequests,
    standardRequests,
    hotPathRequestsPerJob: (hotSends + hotReceives + hotDeletes + visibilityChanges) / totalJobs,
    benchRequestsPerJob: { manual: w.manualEmpty.sqsCalls, scheduled: w.systemEmpty.sqsCalls },
  };

  // --- Redis: the API's limiter and caches; per provider call one rate-limiter round as the poll bench measured ---
  const apiRedis = totalRequests * a.redisCommandsPerApiRequest;
  const workerRedis =
    jobProviderCalls * b.poll.redisCommandsPerCheck +
    totalJobs * a.redisCommandsPerJobOverhead +
    polledUsers * b.poll.redisCommandsPerUserDay;
  const redisAverage = (apiRedis + workerRedis) / SECONDS_PER_DAY;
  const redisPeak = (apiRedis * apiPeakFactor + workerRedis * a.workerPeakToAverage) / SECONDS_PER_DAY;
  const shards = Math.max(1, Math.ceil(redisPeak / (a.redisOpsPerNode * a.targetCpuUtilisation)));
  const redis = {
    opsPerSecondAverage: redisAverage,
    opsPerSecondPeak: redisPeak,
    shards,
    nodes: shards * a.redisNodesPerShard,
  };

  // --- Secrets Manager: one secret per connection (core/secrets/awsSecretStore.ts) ---
  const credentialLoads =
    (totalJobs - withNewData) * a.credentialsPerEmptyJob +
    withNewData * a.credentialsPerDataJob +
    pollChecks +
    deviceUploads +
    roundTrips;
  const secrets = {
    stored: D * a.registeredUsersPerDau * a.connectionsPerUser,
    getCalls: credentialLoads * (1 - a.credentialCacheHitRate),
    putCalls: D * a.connectionsPerUser * a.tokenRefreshesPerConnectionDay,
  };

  // --- Push ---
  const push = { perDay: withNewData * a.pushesPerDataJob + roundTrips * a.pushesPerRoundTrip };

  // --- Logs: a successful job's lines are kept 1 in JOB_LOG_SAMPLE_RATE_{PRO,FREE}, a failed job's always ---
  const proJobs = scheduledPro + (totalJobs - scheduled) * a.proShare;
  const freeJobs = totalJobs - proJobs;
  const keptJobs =
    (1 - a.failedJobShare) * (proJobs / a.jobLogSampleRatePro + freeJobs / a.jobLogSampleRateFree) +
    a.failedJobShare * totalJobs;
  const taskHours = api.taskHoursPerDay + workers.taskHoursPerDay;
  const logBytes =
    keptJobs * a.logLinesPerJob * a.bytesPerLogLine +
    totalRequests * a.apiLogLinesPerRequest * a.bytesPerLogLine +
    taskHours * 60 * a.emfBytesPerTaskMinute;
  const logs = { ingestedGbPerDay: logBytes / 1e9, jobKeepRate: keptJobs / totalJobs };

  // --- Network: provider calls leave through the NAT; API traffic through the load balancer ---
  const providerCalls = jobProviderCalls + polledUsers * b.poll.checksPerUserDay + deviceRecords + roundTrips;
  const natGbPerDay = (providerCalls * a.bytesPerProviderCall) / 1e9;
  // LCU-hours: the larger of GB processed per hour and new connections per second / 25, per hour.
  const lcu = (rps: number) =>
    Math.max((rps * a.bytesPerApiRequest * 3600) / 1e9, (rps * a.newConnectionShare) / 25);
  const lcuHoursPerDay = a.peakHoursPerDay * lcu(peakRps) + (24 - a.peakHoursPerDay) * lcu(averageRps);
  const events = { perDay: totalJobs * a.eventsPerJob };

  const m = DAYS_PER_MONTH;
  const costs: Record<Service, number> = {
    'Fargate API': fargateMonthlyCost(
      api.taskHoursPerDay,
      a.apiTaskVcpu,
      a.apiTaskMemoryGb,
      a.apiSpotShare,
      p,
    ),
    'Fargate workers': fargateMonthlyCost(
      workers.taskHoursPerDay,
      a.workerTaskVcpu,
      a.workerTaskMemoryGb,
      a.workerSpotShare,
      p,
    ),
    DynamoDB:
      ((dynamo.writeUnitsPerDay * m) / 1e6) * p.dynamoWriteRequestUnitMillion +
      ((dynamo.readUnitsPerDay * m) / 1e6) * p.dynamoReadRequestUnitMillion +
      dynamo.storageGb * p.dynamoStorageGbMonth,
    SQS:
      ((fifoRequests * m) / 1e6) * p.sqsFifoRequestMillion +
      ((standardRequests * m) / 1e6) * p.sqsStandardRequestMillion,
    EventBridge: ((events.perDay * m) / 1e6) * p.eventBridgeEventMillion,
    'ElastiCache Redis': redis.nodes * HOURS_PER_MONTH * p.elasticacheNodeHour,
    'Secrets Manager':
      secrets.stored * p.secretsManagerSecretMonth +
      (((secrets.getCalls + secrets.putCalls) * m) / 1e4) * p.secretsManagerCallsTenThousand,
    'CloudWatch Logs':
      logs.ingestedGbPerDay *
      m *
      (p.cloudWatchLogsIngestGb + a.logRetentionMonths * p.cloudWatchLogsStorageGbMonth),
    'NAT Gateway': natGbPerDay * m * p.natGatewayGb + a.natGateways * HOURS_PER_MONTH * p.natGatewayHour,
    'Load balancer': HOURS_PER_MONTH * p.albHour + lcuHoursPerDay * m * p.albLcuHour,
    'Push (APNs/FCM)': push.perDay * m * p.pushMessage,
  };
  const totalUsdPerMonth = Object.values(costs).reduce((s, c) => s + c, 0);
  const secretStorageUsdPerMonth = secrets.stored * p.secretsManagerSecretMonth;

  return {
    dau: D,
    requests: {
      cachedGets,
      syncPosts,
      webhookDeliveries,
      deviceUploads,
      deviceRecords,
      roundTrips,
      total: totalRequests,
      averagePerSecond: averageRps,
      peakPerSecond: peakRps,
      blendedCpuMicros,
    },
    jobs: {
      manual: syncPosts,
      scheduled,
      scheduledPro,
      webhook: webhookJobs,
      poll: pollJobs,
      total: totalJobs,
      withNewData,
      pollChecks,
      pollHops,
      preflightSkipRate,
      exports,
      peakInFlight: averageInFlight * a.workerPeakToAverage,
      jobSeconds,
      cpuMicros: {
        manualEmpty: w.manualEmpty.cpuMicros,
        systemEmpty: w.systemEmpty.cpuMicros,
        perRecord: perRecord.cpu,
      },
    },
    api,
    workers,
    dynamo,
    sqs,
    redis,
    secrets,
    push,
    logs,
    network: { providerCalls, natGbPerDay, lcuHoursPerDay },
    events,
    costs,
    secretStorageUsdPerMonth,
    totalUsdPerMonth,
  };
}
