// Watches the manual jobs of an experiment reach a final status, straight from their JOB items
// (BatchGetItem on the emulator, not through a fault proxy), so an experiment can tell when the
// backlog a fault left behind has drained: its recovery time. The soak (bench/soak.ts) uses it to
// see every manual job of its run final, and with which status.
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../core/config/config.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { jobSk, userPk } from '../../core/store/keys.js';
import type { ManualJob } from './load.js';

const isFinal = (status: unknown): status is 'SUCCEEDED' | 'FAILED' =>
  status === 'SUCCEEDED' || status === 'FAILED';

export interface JobWatch {
  /** When each finished job was first seen final (ms since the epoch). */
  readonly finishedAt: ReadonlyMap<string, number>;
  /** The final status each finished job was seen with. */
  readonly finalStatus: ReadonlyMap<string, 'SUCCEEDED' | 'FAILED'>;
  /** Polls the jobs not yet final once. */
  poll(jobs: readonly ManualJob[]): Promise<void>;
  /** Polls until every job posted up to `postedUpTo` is final, or `deadline`; true if they all are. */
  waitFinal(jobs: () => readonly ManualJob[], postedUpTo: number, deadline: number): Promise<boolean>;
  stop(): void;
}

export function watchJobs(config: Config): JobWatch {
  const db = createDocumentClient(config);
  const finishedAt = new Map<string, number>();
  const finalStatus = new Map<string, 'SUCCEEDED' | 'FAILED'>();
  const watch: JobWatch = {
    finishedAt,
    finalStatus,
    async poll(jobs) {
      const open = jobs.filter((j) => !finishedAt.has(j.jobId));
      for (let i = 0; i < open.length; i += 100) {
        const page = open.slice(i, i + 100);
        const out = await db.send(
          new BatchGetCommand({
            RequestItems: {
              [config.TABLE_NAME]: {
                Keys: page.map((j) => ({ PK: userPk(j.userId), SK: jobSk(j.jobId) })),
                ProjectionExpression: 'JobId, #s',
                ExpressionAttributeNames: { '#s': 'Status' },
              },
            },
          }),
        );
        // Unprocessed keys are simply polled again next time.
        const now = Date.now();
        for (const item of out.Responses?.[config.TABLE_NAME] ?? [])
          if (isFinal(item.Status)) {
            finishedAt.set(String(item.JobId), now);
            finalStatus.set(String(item.JobId), item.Status);
          }
      }
    },
    async waitFinal(jobs, postedUpTo, deadline) {
      for (;;) {
        const due = jobs().filter((j) => j.postedAt <= postedUpTo);
        await watch.poll(due);
        if (due.every((j) => finishedAt.has(j.jobId))) return true;
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop: () => db.destroy(),
  };
  return watch;
}
