// The audit that ends every experiment, after its load stopped and the queues drained:
// - every job reached a final status: each JOB item of the experiment's users is SUCCEEDED, or
//   FAILED with a code; every manual job the API accepted has one;
// - no destination record written twice: the sandbox's records created through the API, per user,
//   unique by start time (Google Fit would store a second session with a new id; Strava's 409 would
//   hide one, which is why the records are counted and the answers are not);
// - no message lost: the queues are empty or still hold what is waiting, every dead letter is read
//   and reported with its recorded reason, and no manual job is left unfinished without a message;
// - no health data persisted: a scan of the whole table holds none of the people's record contents
//   (titles, devices, distances, field names of health values: as test/e2e/privacyAndDegradedMode).
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { queueChannels, type QueueChannel } from '../../generated/channels.gen.js';
import { DeadLetters, type DeadLetterView } from '../../core/messaging/deadLetters.js';
import { queueUrlsFrom } from '../../core/messaging/queueUrls.js';
import { createSqsJsonClient } from '../../core/queue/sqs.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { userPk } from '../../core/store/keys.js';
import type { Persona } from '../../infra/local/sandbox/persona.js';
import type { SandboxRecordView } from '../../infra/local/sandbox/types.js';
import { json } from '../lib/system.js';
import { DESTINATION, type ChaosUser, type Fleet } from './fleet.js';
import type { LoadResult } from './load.js';

export interface DeadLetterReport {
  channel: QueueChannel;
  failureCode: string;
  failureReason: string;
  jobId?: string;
  userId?: string;
  /** The job's JOB item status at the audit ('none': a system job that wrote nothing, or lost). */
  jobStatus?: string;
}

export interface AuditResult {
  jobs: {
    /** JOB items of the experiment's users (manual jobs, and system jobs that wrote something). */
    total: number;
    succeeded: number;
    /** FAILED jobs by error code. */
    failed: Record<string, number>;
    /** Not final after the drain deadline, by status. */
    stuck: Record<string, number>;
    byTrigger: Record<string, number>;
  };
  /** Records written as the JOB items report them, and as the destination holds them (API-created). */
  recordsWritten: number;
  destinationRecords: number;
  duplicates: number;
  /** Manual jobs accepted with no JOB item, or unfinished with no message waiting nor dead-lettered. */
  lostMessages: number;
  /** Messages still in the main queues after the drain (waiting, not lost). */
  waitingMessages: Record<string, number>;
  /** Dead letters that arrived during this experiment and could be read, with the reason each carries. */
  deadLetters: DeadLetterReport[];
  /**
   * Messages in all DLQs at the audit (the run's total so far). A FIFO DLQ shows only the first
   * message of each group to a reader, so this can exceed the dead letters read.
   */
  deadLetterDepth: number;
  healthDataLeaks: string[];
  violations: string[];
}

const CHANNELS = Object.keys(queueChannels) as QueueChannel[];
const FINAL = new Set(['SUCCEEDED', 'FAILED']);

/** Values only a copy of a person's health records could contain. */
function fingerprints(personas: readonly Persona[]): string[] {
  const values = new Set<string>();
  for (const persona of personas) {
    for (const w of persona.workouts) {
      values.add(w.title);
      values.add(w.device);
      if (w.distanceMeters && !Number.isInteger(w.distanceMeters)) values.add(String(w.distanceMeters));
    }
    for (const w of persona.weights) values.add(`${w.weightKg}kg`);
  }
  for (const field of [
    'weightKg',
    'distanceMeters',
    'heartRateSamples',
    'averageHeartRate',
    'stageSummary',
    'sleepStages',
    'bodyFatPercentage',
    'elevationGainMeters',
  ])
    values.add(`"${field}"`);
  return [...values];
}

async function scanTable(fleet: Fleet): Promise<Record<string, unknown>[]> {
  const db = createDocumentClient(fleet.config);
  const items: Record<string, unknown>[] = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new ScanCommand({ TableName: fleet.config.TABLE_NAME, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    db.destroy();
  }
  return items;
}

/** Queue depths of every channel and the dead letters not reported before (`seen`: message ids). */
export async function readQueues(
  fleet: Pick<Fleet, 'config'>,
  seen: Set<string>,
): Promise<{
  waiting: Record<string, number>;
  deadLetterDepth: number;
  fresh: DeadLetterView[];
  freshChannels: QueueChannel[];
}> {
  const sqs = createSqsJsonClient(fleet.config);
  try {
    const letters = new DeadLetters(sqs, queueUrlsFrom(fleet.config));
    const depths = await letters.depthsOf(CHANNELS);
    const waiting: Record<string, number> = {};
    const fresh: DeadLetterView[] = [];
    const freshChannels: QueueChannel[] = [];
    let deadLetterDepth = 0;
    for (const d of depths) {
      deadLetterDepth += d.deadLetters;
      const left = d.visible + d.inFlight + d.delayed;
      if (left > 0) waiting[d.channel] = left;
      if (d.deadLetters === 0) continue;
      for (const view of await letters.look(d.channel, 100))
        if (!seen.has(view.messageId)) {
          seen.add(view.messageId);
          fresh.push(view);
          freshChannels.push(d.channel);
        }
    }
    return { waiting, deadLetterDepth, fresh, freshChannels };
  } finally {
    sqs.destroy();
  }
}

export async function audit(
  fleet: Fleet,
  users: readonly ChaosUser[],
  load: LoadResult,
  seenDeadLetters: Set<string>,
): Promise<AuditResult> {
  const violations: string[] = [];
  const pks = new Set(users.map((u) => userPk(u.userId)));
  const items = await scanTable(fleet);

  const jobs: AuditResult['jobs'] = { total: 0, succeeded: 0, failed: {}, stuck: {}, byTrigger: {} };
  const jobStatus = new Map<string, string>();
  let recordsWritten = 0;
  for (const item of items) {
    if (item.Entity !== 'JOB' || !pks.has(String(item.PK))) continue;
    const status = String(item.Status);
    const trigger = String(item.Trigger);
    jobStatus.set(String(item.JobId), status);
    jobs.total += 1;
    jobs.byTrigger[trigger] = (jobs.byTrigger[trigger] ?? 0) + 1;
    recordsWritten += Number((item.Result as { recordsWritten?: number } | undefined)?.recordsWritten ?? 0);
    if (status === 'SUCCEEDED') jobs.succeeded += 1;
    else if (status === 'FAILED') {
      const code = (item.Error as { code?: string } | undefined)?.code;
      if (!code) violations.push(`job ${String(item.JobId)} FAILED without an error code`);
      jobs.failed[code ?? '(none)'] = (jobs.failed[code ?? '(none)'] ?? 0) + 1;
    } else {
      jobs.stuck[status] = (jobs.stuck[status] ?? 0) + 1;
      violations.push(`job ${String(item.JobId)} (${trigger}) still ${status} after the drain`);
    }
  }

  const queues = await readQueues(fleet, seenDeadLetters);
  const deadLetters = queues.fresh.map((v, i) => ({
    channel: queues.freshChannels[i]!,
    failureCode: v.failureCode,
    failureReason: v.failureReason,
    ...(v.ids.jobId ? { jobId: v.ids.jobId } : {}),
    ...(v.ids.userId ? { userId: v.ids.userId } : {}),
    ...(v.ids.jobId ? { jobStatus: jobStatus.get(v.ids.jobId) ?? 'none' } : {}),
  }));
  const deadJobIds = new Set(deadLetters.flatMap((d) => (d.jobId ? [d.jobId] : [])));
  for (const d of deadLetters)
    if (!d.failureReason && !d.failureCode)
      violations.push(`dead letter on ${d.channel} without a reason (job ${d.jobId ?? '?'})`);
  const anyWaiting = Object.keys(queues.waiting).length > 0;
  let lostMessages = 0;
  for (const job of load.manualJobs) {
    const status = jobStatus.get(job.jobId);
    if (status === undefined) {
      lostMessages += 1;
      violations.push(`manual job ${job.jobId}: accepted (202) but no JOB item`);
    } else if (!FINAL.has(status) && !anyWaiting && !deadJobIds.has(job.jobId)) {
      lostMessages += 1;
      violations.push(`manual job ${job.jobId}: ${status}, no message waiting and none dead-lettered`);
    }
  }

  let duplicates = 0;
  let destinationRecords = 0;
  for (const user of users) {
    const records = await json<SandboxRecordView[]>(
      await fetch(
        `${fleet.sandboxUrl}/_sandbox/users/${user.sandboxUserId}/records?provider=${DESTINATION}&dataType=workout`,
      ),
    );
    const byStart = new Map<string, number>();
    for (const r of records) if (r.createdBy === 'api') destinationRecords += 1;
    for (const r of records)
      if (r.createdBy === 'api') byStart.set(r.startTime, (byStart.get(r.startTime) ?? 0) + 1);
    for (const [start, n] of byStart)
      if (n > 1) {
        duplicates += n - 1;
        violations.push(`user ${user.userId}: ${n} records at ${DESTINATION} starting ${start}`);
      }
  }

  const table = JSON.stringify(items);
  const healthDataLeaks = fingerprints(users.map((u) => u.persona)).filter((f) => table.includes(f));
  for (const leak of healthDataLeaks) violations.push(`health data in DynamoDB: ${leak}`);

  return {
    jobs,
    recordsWritten,
    destinationRecords,
    duplicates,
    lostMessages,
    waitingMessages: queues.waiting,
    deadLetters,
    deadLetterDepth: queues.deadLetterDepth,
    healthDataLeaks,
    violations,
  };
}
