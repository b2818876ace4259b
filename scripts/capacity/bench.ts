// The measured figures the capacity model uses, read from bench/results/*.json. Each figure names
// its file and field, so a missing or renamed one stops the run with that name instead of turning
// into NaN somewhere in a cost table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The recorded result files, by benchmark. */
export interface BenchFiles {
  api: string;
  worker: string;
  ingest: string;
  poll: string;
  device: string;
  export: string;
  anonymizer: string;
}

/** One kind of worker job as the worker benchmark measured it. */
export interface JobFigures {
  cpuMicros: number;
  providerCalls: number;
  /** DynamoDB items the worker wrote (the worker's own counter). */
  workerItemsWritten: number;
  /** DynamoDB read calls, all processes (the stack counts calls, not items). */
  readCalls: number;
  /** SQS requests of all processes per job. */
  sqsCalls: number;
  records: number;
}

export interface BenchFigures {
  files: BenchFiles;
  api: {
    postCpuMicros: number;
    getCpuMicros: number;
    postPutItemCalls: number;
    postBatchWriteCalls: number;
    postSendMessageBatchCalls: number;
  };
  ingest: { cpuMicrosPerEvent: number; coalescingRatio: number };
  worker: { manualEmpty: JobFigures; systemEmpty: JobFigures; firstSync: JobFigures; again: JobFigures };
  poll: {
    jobsPerCheckPct: number;
    /** Per polled user and day, mostly-idle population (poll bench Part B priced with Part A). */
    checksPerUserDay: number;
    hopsPerUserDay: number;
    sqsMessagesPerUserDay: number;
    redisCommandsPerUserDay: number;
    workerCpuMsPerUserDay: number;
    /** Redis commands of one empty check: one rate-limiter round and the chain's bookkeeping. */
    redisCommandsPerCheck: number;
  };
  device: {
    uploadCpuMicrosPerNewRecord: number;
    roundTripApiCpuMicros: number;
    roundTripWorkerCpuMicros: number;
    statusRequestsPerForegroundJob: number;
  };
  export: { seconds: number; peakRssMiB: number };
  anonymizer: { recordsPerSecond: number };
}

export class BenchFigureError extends Error {}

type Json = unknown;

/** A number at `path` inside `doc`; `label` is how the error names it (the path from the file's root). */
function field(doc: Json, file: string, path: string, label = path): number {
  let at: Json = doc;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || !(part in at)) {
      throw new BenchFigureError(`bench/results/${file}: field "${label}" is missing`);
    }
    at = (at as Record<string, Json>)[part];
  }
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    throw new BenchFigureError(
      `bench/results/${file}: field "${label}" is not a finite number (${String(at)})`,
    );
  }
  return at;
}

/** The element of an array field whose `key` equals `value`, e.g. the phase named "…". */
function entry(doc: Json, file: string, arrayPath: string, match: Record<string, string>): Json {
  const list = arrayPath.split('.').reduce<Json>((at, part) => {
    if (at === null || typeof at !== 'object' || !(part in at)) {
      throw new BenchFigureError(`bench/results/${file}: field "${arrayPath}" is missing`);
    }
    return (at as Record<string, Json>)[part];
  }, doc);
  if (!Array.isArray(list))
    throw new BenchFigureError(`bench/results/${file}: "${arrayPath}" is not an array`);
  const found = list.find((item: Json) =>
    Object.entries(match).every(([k, v]) => (item as Record<string, Json>)?.[k] === v),
  );
  const what = Object.entries(match)
    .map(([k, v]) => `${k} "${v}"`)
    .join(' and ');
  if (found === undefined)
    throw new BenchFigureError(`bench/results/${file}: no "${arrayPath}" entry with ${what}`);
  return found;
}

function job(doc: Json, file: string, phase: string): JobFigures {
  const p = entry(doc, file, 'phases', { name: phase });
  const named = (name: string) => field(p, file, name, `phases[name=${phase}].${name}`);
  const recordsRaw = (p as Record<string, Json>).recordsWrittenPerJob;
  return {
    cpuMicros: named('workerCpuMicrosPerJob'),
    providerCalls: named('providerCallsPerJob'),
    workerItemsWritten: named('workerDynamoWritesPerJob'),
    readCalls: named('allDynamoReadCallsPerJob'),
    sqsCalls: named('allSqsCallsPerJob'),
    // The scheduled phase records null: those jobs write nothing (0 records).
    records: recordsRaw === null ? 0 : named('recordsWrittenPerJob'),
  };
}

/** Pure: the figures from already-parsed documents (tests hand in edited copies). */
export function extractBenchFigures(docs: Record<keyof BenchFiles, Json>, files: BenchFiles): BenchFigures {
  const api = docs.api;
  const post = entry(api, files.api, 'summaries', { endpoint: 'POST /v1/sync-jobs', target: 'api' });
  const get = entry(api, files.api, 'summaries', { endpoint: 'GET /v1/connections', target: 'api' });
  const summary = (doc: Json, endpoint: string, name: string) =>
    field(doc, files.api, name, `summaries[endpoint=${endpoint},target=api].${name}`);
  const postFixed = entry(api, files.api, 'phases', {
    kind: 'fixed',
    endpoint: 'POST /v1/sync-jobs',
    target: 'api',
  });
  const calls = (name: string) =>
    field(
      postFixed,
      files.api,
      `backendCallsPerRequest.${name}`,
      `phases[kind=fixed,endpoint=POST /v1/sync-jobs].backendCallsPerRequest.${name}`,
    );

  const poll = docs.poll;
  const device = docs.device;
  const upload = entry(device, files.device, 'uploads', { name: 'upload: every record new' });
  const polling = entry(device, files.device, 'foregroundSyncs', { method: 'POST + polling' });

  return {
    files,
    api: {
      postCpuMicros: summary(post, 'POST /v1/sync-jobs', 'cpuMicrosPerRequest'),
      getCpuMicros: summary(get, 'GET /v1/connections', 'cpuMicrosPerRequest'),
      postPutItemCalls: calls('PutItem'),
      postBatchWriteCalls: calls('BatchWriteItem'),
      postSendMessageBatchCalls: calls('SendMessageBatch'),
    },
    ingest: {
      cpuMicrosPerEvent: field(docs.ingest, files.ingest, 'apiCpuMicrosPerEvent'),
      coalescingRatio: field(docs.ingest, files.ingest, 'coalescingRatio'),
    },
    worker: {
      manualEmpty: job(docs.worker, files.worker, 'nothing new, manual (POST)'),
      systemEmpty: job(docs.worker, files.worker, 'nothing new, scheduled (queue)'),
      firstSync: job(docs.worker, files.worker, 'first sync: a month of workouts'),
      again: job(docs.worker, files.worker, 'again: everything in the ledger'),
    },
    poll: {
      jobsPerCheckPct: field(poll, files.poll, 'partA.requirement.jobsPerCheckPct'),
      checksPerUserDay: field(poll, files.poll, 'partB.costPerUserDay.mostlyIdle.checks'),
      hopsPerUserDay: field(poll, files.poll, 'partB.costPerUserDay.mostlyIdle.hops'),
      sqsMessagesPerUserDay: field(poll, files.poll, 'partB.costPerUserDay.mostlyIdle.sqsMessages'),
      redisCommandsPerUserDay: field(poll, files.poll, 'partB.costPerUserDay.mostlyIdle.redisCommands'),
      workerCpuMsPerUserDay: field(poll, files.poll, 'partB.costPerUserDay.mostlyIdle.workerCpuMs'),
      redisCommandsPerCheck: field(poll, files.poll, 'partB.summary.emptyCheck.redisCommands'),
    },
    device: {
      uploadCpuMicrosPerNewRecord: field(
        upload,
        files.device,
        'apiCpuMicrosPerRecord',
        'uploads[name=upload: every record new].apiCpuMicrosPerRecord',
      ),
      roundTripApiCpuMicros: field(device, files.device, 'roundTrips.apiCpuMicrosPerRoundTrip'),
      roundTripWorkerCpuMicros: field(device, files.device, 'roundTrips.workerCpuMicrosPerRoundTrip'),
      statusRequestsPerForegroundJob:
        field(polling, files.device, 'callsPerJob', 'foregroundSyncs[method=POST + polling].callsPerJob') - 1,
    },
    export: {
      seconds: field(docs.export, files.export, 'seconds'),
      peakRssMiB: field(docs.export, files.export, 'worker.peakRssMiB'),
    },
    anonymizer: { recordsPerSecond: field(docs.anonymizer, files.anonymizer, 'mixed.recordsPerSecond') },
  };
}

/** Reads the files from `dir` (bench/results) and extracts the figures; throws naming what is missing. */
export function loadBenchFigures(dir: string, files: BenchFiles): BenchFigures {
  const docs = {} as Record<keyof BenchFiles, Json>;
  for (const [bench, file] of Object.entries(files) as [keyof BenchFiles, string][]) {
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'utf8');
    } catch {
      throw new BenchFigureError(
        `bench/results/${file} is missing: run \`npm run bench:${bench}\` to record it`,
      );
    }
    try {
      docs[bench] = JSON.parse(text) as Json;
    } catch (error) {
      throw new BenchFigureError(`bench/results/${file} is not JSON: ${(error as Error).message}`);
    }
  }
  return extractBenchFigures(docs, files);
}
