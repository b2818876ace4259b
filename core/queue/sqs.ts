// SQS adapter of QueueSender. Concurrent sends share SendMessageBatch calls (10 entries each), made
// through the lean JSON client: together they are most of the API's CPU saving on POST /v1/sync-jobs.
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsJsonClient, credentialsFor } from '../aws/awsJsonClient.js';
import { MicroBatcher } from '../batching/microBatcher.js';
import { awsClientOptions, type Config } from '../config/config.js';
import { retryingWhile } from '../retry/backoff.js';
import type { OutgoingMessage, QueueSender } from './QueueSender.js';

/** Four calls in all for the entries SQS failed on its side, the resends waiting up to 50, 100 and 200 ms. */
const PARTIAL_FAILURE_RETRY = { attempts: 4, baseMs: 50, maxMs: 200 } as const;

export function createSqsClient(
  config: Pick<Config, 'AWS_REGION' | 'SQS_ENDPOINT' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>,
): SQSClient {
  return new SQSClient({
    ...awsClientOptions(config),
    ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT } : {}),
  });
}

/** The lean client for SQS's JSON protocol (hot-path sends); the SDK client serves everything else. */
export function createSqsJsonClient(
  config: Pick<Config, 'AWS_REGION' | 'SQS_ENDPOINT' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'>,
  options: { timeoutMs?: number } = {},
): AwsJsonClient {
  return new AwsJsonClient({
    service: 'sqs',
    targetPrefix: 'AmazonSQS',
    region: config.AWS_REGION,
    endpoint: config.SQS_ENDPOINT,
    credentials: credentialsFor(config),
    ...options,
  });
}

interface SendMessageBatchOutput {
  Successful?: Array<{ Id: string; MessageId?: string }>;
  Failed?: Array<{ Id: string; Code?: string; Message?: string; SenderFault?: boolean }>;
}

export class QueueSendError extends Error {
  override readonly name = 'QueueSendError';
  constructor(
    readonly code: string,
    message: string,
    readonly senderFault: boolean,
  ) {
    super(message);
  }
}

export class SqsQueueSender implements QueueSender {
  private readonly batcher: MicroBatcher<OutgoingMessage, { messageId: string }>;

  constructor(
    private readonly sqs: AwsJsonClient,
    readonly queueUrl: string,
    windowMs: number,
  ) {
    this.batcher = new MicroBatcher({ maxSize: 10, windowMs, flush: (items) => this.flush(items) });
  }

  send(message: OutgoingMessage): Promise<{ messageId: string }> {
    return this.batcher.add(message);
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }

  /**
   * One SendMessageBatch, then again with the entries SQS failed on its side (not the sender's
   * fault), as BatchWriter does with UnprocessedItems: a partial failure is a moment's trouble, and
   * handing it to the caller would fail an API request, or drop a webhook's event, for one entry.
   */
  private async flush(messages: OutgoingMessage[]) {
    const results = new Map<
      number,
      { ok: true; value: { messageId: string } } | { ok: false; error: QueueSendError }
    >();
    let pending = messages.map((_, i) => i);
    await retryingWhile(
      async () => {
        const out = await this.sqs.call<SendMessageBatchOutput>('SendMessageBatch', {
          QueueUrl: this.queueUrl,
          Entries: pending.map((i) => {
            const m = messages[i]!;
            return {
              Id: String(i),
              MessageBody: m.body,
              MessageGroupId: m.groupId,
              MessageDeduplicationId: m.deduplicationId,
              DelaySeconds: m.delaySeconds,
              MessageAttributes: m.attributes,
            };
          }),
        });
        const ok = new Map((out.Successful ?? []).map((s) => [s.Id, s.MessageId ?? '']));
        const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
        const again: number[] = [];
        for (const i of pending) {
          const messageId = ok.get(String(i));
          if (messageId !== undefined) {
            results.set(i, { ok: true, value: { messageId } });
            continue;
          }
          const f = failed.get(String(i));
          const error = new QueueSendError(
            f?.Code ?? 'Unknown',
            f?.Message ?? 'SQS did not report this entry',
            !!f?.SenderFault,
          );
          results.set(i, { ok: false, error });
          if (!error.senderFault) again.push(i);
        }
        pending = again;
        return again;
      },
      (again) => again.length > 0,
      PARTIAL_FAILURE_RETRY,
    );
    return messages.map((_, i) => results.get(i)!);
  }
}
