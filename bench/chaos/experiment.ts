// One chaos experiment, the same shape for every fault: fresh users, a steady load, then
//   steady (no fault) → fault → after (fault ended, load goes on) → load stops → drain → audit.
// Recovery time: from the fault's end until every manual job posted up to then is final (the
// backlog the fault left has drained). Manual jobs finished per second in each phase show whether
// the fleet kept up during the fault.
import type { QueueChannel } from '../../generated/channels.gen.js';
import { DeadLetters } from '../../core/messaging/deadLetters.js';
import { queueUrlsFrom } from '../../core/messaging/queueUrls.js';
import { createSqsJsonClient } from '../../core/queue/sqs.js';
import { round } from '../lib/stats.js';
import { audit, type AuditResult } from './audit.js';
import type { ChaosUser, Fleet } from './fleet.js';
import { watchJobs } from './jobWatch.js';
import { startLoad, type LoadResult, type ManualJob } from './load.js';
import type { Random } from './random.js';

export interface Scale {
  users: number;
  /** Jobs submitted per second (all kinds together). */
  rate: number;
  steadySeconds: number;
  faultSeconds: number;
  afterSeconds: number;
  /** How long the queues and jobs may take to drain after the load stops (generous: not a target). */
  drainSeconds: number;
}

export interface ExperimentContext {
  fleet: Fleet;
  random: Random;
  smoke: boolean;
  scale: Scale;
}

export interface Fault {
  /** Ends the fault (and whatever the experiment runs in the background); resolves once it has. */
  end(): Promise<void>;
  /** What the fault did (kills, faults applied), for the report. */
  details(): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** Manual jobs the experiment submitted itself, audited with the load's. */
  jobs?(): readonly ManualJob[];
  /** What the experiment itself found wrong (added to the audit's violations). */
  violations?(): readonly string[];
}

/**
 * Users an experiment brings in during its fault, for faults that must meet first syncs (the
 * month of workouts each user has): `create` makes them (before the fault is set, so their setup
 * is not part of it), `join` hands them to the load, which draws from them from then on, and to
 * the audit.
 */
export interface LateUsers {
  create(count: number): Promise<ChaosUser[]>;
  join(users: readonly ChaosUser[]): void;
}

export interface Experiment {
  name: string;
  title: string;
  inject(ctx: ExperimentContext & { users: readonly ChaosUser[]; lateUsers: LateUsers }): Promise<Fault>;
}

export interface ExperimentResult {
  name: string;
  title: string;
  users: number;
  workers: number;
  /** Submissions accepted per second over the whole load. */
  loadJobsPerSecond: number;
  load: Pick<LoadResult, 'seconds' | 'accepted' | 'refused'>;
  /** Manual jobs that became final per second, in each phase. */
  manualFinishedPerSecond: { steady: number; fault: number; after: number };
  /** Fault end → the backlog of manual jobs posted until then is final; null if it never was. */
  recoverySeconds: number | null;
  /** Load stop → queues empty and every manual job final. */
  drainSeconds: number | null;
  workerExits: { killed: number; unexpected: string[] };
  fault: Record<string, unknown>;
  audit: AuditResult;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The queues a job passes through: drained means nothing of this experiment is left in flight. */
const PIPELINE: QueueChannel[] = ['hotPathSync', 'coalescingBuffer'];

/** Messages still in the pipeline's queues (visible, in flight, delayed); the soak's drain too. */
export async function pipelineBacklog(fleet: Pick<Fleet, 'config'>): Promise<number> {
  const sqs = createSqsJsonClient(fleet.config);
  try {
    const depths = await new DeadLetters(sqs, queueUrlsFrom(fleet.config)).depthsOf(PIPELINE);
    return depths.reduce((n, d) => n + d.visible + d.inFlight + d.delayed, 0);
  } finally {
    sqs.destroy();
  }
}

export async function runExperiment(
  experiment: Experiment,
  ctx: ExperimentContext,
  seenDeadLetters: Set<string>,
): Promise<ExperimentResult> {
  const { fleet, scale } = ctx;
  const users: ChaosUser[] = await fleet.createUsers(scale.users, `chaos-${experiment.name}`);
  const lateUsers: LateUsers = {
    create: (count) => fleet.createUsers(count, `chaos-${experiment.name}-late`),
    join: (late) => void users.push(...late),
  };
  const exits0 = { killed: fleet.exits.killed, unexpected: fleet.exits.unexpected.length };
  const watch = watchJobs(fleet.config);
  const load = startLoad(fleet, users, {
    rate: scale.rate,
    random: ctx.random.fork(`load-${experiment.name}`),
  });
  const t0 = Date.now();
  let faultEnd = Infinity;
  let recoveredAt: number | null = null;
  let polling = true;
  // Times completions as they happen, and notices when the fault's backlog has drained.
  const poller = (async () => {
    while (polling) {
      const jobs = load.current.manualJobs;
      await watch.poll(jobs).catch(() => undefined);
      if (recoveredAt === null && Date.now() > faultEnd) {
        const due = jobs.filter((j) => j.postedAt <= faultEnd);
        if (due.every((j) => watch.finishedAt.has(j.jobId))) recoveredAt = Date.now();
      }
      await sleep(250);
    }
  })();
  let loadResult: LoadResult | undefined;
  let fault: Fault | undefined;
  await sleep(scale.steadySeconds * 1000);
  const faultStart = Date.now();
  try {
    fault = await experiment.inject({ ...ctx, users, lateUsers });
    await sleep(scale.faultSeconds * 1000);
    await fault.end();
    faultEnd = Date.now();
    await sleep(scale.afterSeconds * 1000);
  } catch (error) {
    polling = false;
    await poller;
    watch.stop();
    throw error;
  } finally {
    loadResult = await load.stop();
    if (fault && faultEnd === Infinity) await fault.end();
  }
  const loadEnd = Date.now();
  loadResult.manualJobs.push(...(fault?.jobs?.() ?? []));
  // Drain: every manual job final and nothing left in the pipeline's queues.
  const deadline = loadEnd + scale.drainSeconds * 1000;
  let drainedAt: number | null = null;
  for (;;) {
    const final = loadResult.manualJobs.every((j) => watch.finishedAt.has(j.jobId));
    if (final && (await pipelineBacklog(fleet)) === 0) {
      drainedAt = Date.now();
      break;
    }
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  if (recoveredAt === null && drainedAt !== null) recoveredAt = drainedAt;
  polling = false;
  await poller;
  watch.stop();
  const finishedIn = (from: number, to: number) =>
    to > from
      ? round(
          [...watch.finishedAt.values()].filter((t) => t >= from && t < to).length / ((to - from) / 1000),
          2,
        )
      : 0;
  const found = await audit(fleet, users, loadResult, seenDeadLetters);
  const accepted = Object.values(loadResult.accepted).reduce((a, b) => a + b, 0);
  return {
    name: experiment.name,
    title: experiment.title,
    users: users.length,
    workers: fleet.workers.length,
    loadJobsPerSecond: round(accepted / loadResult.seconds, 2),
    load: {
      seconds: round(loadResult.seconds, 1),
      accepted: loadResult.accepted,
      refused: loadResult.refused,
    },
    manualFinishedPerSecond: {
      steady: finishedIn(t0, faultStart),
      fault: finishedIn(faultStart, faultEnd),
      after: finishedIn(faultEnd, loadEnd),
    },
    recoverySeconds: recoveredAt === null ? null : round((recoveredAt - faultEnd) / 1000, 1),
    drainSeconds: drainedAt === null ? null : round((drainedAt - loadEnd) / 1000, 1),
    workerExits: {
      killed: fleet.exits.killed - exits0.killed,
      unexpected: fleet.exits.unexpected.slice(exits0.unexpected),
    },
    fault: fault ? await fault.details() : {},
    audit: { ...found, violations: [...(fault?.violations?.() ?? []), ...found.violations] },
  };
}
