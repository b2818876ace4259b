// Producer of HotPathSyncRequested (AsyncAPI channel hotPathSync, the FIFO queue
// syncwell-hot-path-sync.fifo). Group = the job's sync pair (user, source connection, destination
// connection, data type): jobs of one pair share a cursor and ledger entries, so they stay in order,
// while a pair deferred for a rate limit (invisible up to 900 s) no longer holds up the user's other
// pairs. Deduplication id = the request's Idempotency-Key, so a retried POST cannot enqueue a second
// job (spec 3a). The queue deduplicates per message group (Terraform: deduplication_scope =
// "messageGroup"); a retry carries the same body (the API refuses a reused key with another body), so
// it lands in the same group and is dropped there.
import { createHash } from 'node:crypto';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import { deterministicJobId } from '../domain/ids.js';
import type { QueueSender } from '../queue/QueueSender.js';
import { assertMessage } from './messageSchemas.js';

export type HotPathSyncInput = Omit<HotPathSyncRequested, 'schemaVersion'>;

/** SQS accepts 1-128 printable ASCII characters as a deduplication id; longer keys are hashed. */
export function deduplicationIdOf(idempotencyKey: string): string {
  return idempotencyKey.length <= 128
    ? idempotencyKey
    : createHash('sha256').update(idempotencyKey).digest('base64url');
}

/** SQS accepts 1-128 characters as a group id; a pair whose ids are longer is hashed. */
export function messageGroupIdOf(
  job: Pick<HotPathSyncInput, 'userId' | 'sourceConnectionId' | 'destinationConnectionId' | 'dataType'>,
): string {
  const pair = `${job.userId}:${job.sourceConnectionId}:${job.destinationConnectionId}:${job.dataType}`;
  return pair.length <= 128 ? pair : createHash('sha256').update(pair).digest('base64url');
}

export function buildHotPathSyncRequested(input: HotPathSyncInput): HotPathSyncRequested {
  return assertMessage<HotPathSyncRequested>('HotPathSyncRequested', { schemaVersion: 1, ...input });
}

/** A job the system starts (scheduler, coalescer, pre-flight poller): named by `seed`, not by a request. */
export type SystemJobInput = Omit<HotPathSyncInput, 'jobId' | 'trigger'> & {
  trigger: Exclude<HotPathSyncRequested['trigger'], 'manual' | 'historical'>;
  /** Identifies the job (e.g. configuration + tick): a producer that retries sends the same job. */
  seed: string;
};

export class HotPathQueue {
  constructor(private readonly sender: QueueSender) {}

  async send(input: HotPathSyncInput, ids: { idempotencyKey: string }): Promise<void> {
    const message = buildHotPathSyncRequested(input);
    await this.sender.send({
      body: JSON.stringify(message),
      groupId: messageGroupIdOf(message),
      deduplicationId: deduplicationIdOf(ids.idempotencyKey),
    });
  }

  /** Sends a system job with a job id and deduplication id derived from its seed; returns the job id. */
  async sendSystemJob({ seed, ...input }: SystemJobInput): Promise<string> {
    const jobId = deterministicJobId(seed);
    const hash = createHash('sha256').update(seed).digest('base64url');
    await this.send({ ...input, jobId }, { idempotencyKey: `${input.trigger}:${hash}` });
    return jobId;
  }

  drain(): Promise<void> {
    return this.sender.drain();
  }
}
