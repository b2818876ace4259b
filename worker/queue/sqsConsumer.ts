// A long-running SQS consumer (the seed's Fargate worker): long polling, batches of up to 10,
// many messages in flight, deletes batched (DeleteMessageBatch), visibility extended while a job
// runs, and graceful shutdown: stop receiving, let in-flight jobs finish within a grace period,
// hand the rest back to the queue (visibility 0). Nothing is lost: a message leaves the queue only
// after its job is done.
//
// Deferral (rate limits, degraded mode) must never push a message into the DLQ, but SQS counts
// every receive. Close to maxReceiveCount a deferred message is therefore re-enqueued as a fresh
// copy (same body, group and origin id) and the old one deleted, which resets the count.
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MicroBatcher } from '../../core/batching/microBatcher.js';
import type { Logger } from '../../core/logging/logger.js';
import type { Disposition, ReceivedJob } from '../sync/hotPathJob.js';

export interface ConsumerOptions {
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  concurrency: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchWindowMs: number;
  logger: Logger;
  handle(job: ReceivedJob, signal: AbortSignal): Promise<Disposition>;
  /** While false, nothing is received (degraded mode: messages stay in the queue). */
  isHealthy?: () => boolean;
  /** The queue refused to take a message back after retries: the process must die (seed R-003). */
  onCritical(error: Error): void;
}

const ORIGIN_ATTRIBUTE = 'OriginMessageId';
const DEFERRALS_ATTRIBUTE = 'Deferrals';
const VISIBILITY_ATTEMPTS = 5;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

interface InFlight {
  message: Message;
  controller: AbortController;
  done: Promise<void>;
}

export class SqsConsumer {
  private stopping = false;
  private readonly receiveAbort = new AbortController();
  private readonly inFlight = new Map<string, InFlight>();
  private loop: Promise<void> | undefined;
  private readonly deleter: MicroBatcher<{ receiptHandle: string }, void>;
  readonly stats = {
    received: 0,
    deleted: 0,
    retried: 0,
    deferred: 0,
    requeued: 0,
    returnedOnShutdown: 0,
    receiveErrors: 0,
  };

  constructor(private readonly o: ConsumerOptions) {
    this.deleter = new MicroBatcher<{ receiptHandle: string }, void>({
      maxSize: 10,
      windowMs: o.batchWindowMs,
      flush: async (items) => {
        const out = await o.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: o.queueUrl,
            Entries: items.map((item, i) => ({ Id: String(i), ReceiptHandle: item.receiptHandle })),
          }),
        );
        const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
        this.stats.deleted += items.length - failed.size;
        return items.map((_, i) => {
          const f = failed.get(String(i));
          return f
            ? { ok: false as const, error: new Error(`delete failed: ${f.Code} ${f.Message ?? ''}`) }
            : { ok: true as const, value: undefined };
        });
      },
    });
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const { o } = this;
    while (!this.stopping) {
      if (o.isHealthy && !o.isHealthy()) {
        await sleep(500, this.receiveAbort.signal);
        continue;
      }
      const free = o.concurrency - this.inFlight.size;
      if (free <= 0) {
        await Promise.race([...this.inFlight.values()].map((f) => f.done));
        continue;
      }
      let messages: Message[];
      try {
        const out = await o.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: o.queueUrl,
            MaxNumberOfMessages: Math.min(10, free),
            WaitTimeSeconds: o.waitTimeSeconds,
            VisibilityTimeout: o.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: [
              'ApproximateReceiveCount',
              'MessageGroupId',
              'MessageDeduplicationId',
            ],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.receiveAbort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (this.stopping) break;
        this.stats.receiveErrors += 1;
        o.logger.warn({ err: error, consumer: o.name }, 'receive failed; retrying');
        await sleep(1000, this.receiveAbort.signal);
        continue;
      }
      this.stats.received += messages.length;
      for (const message of messages) this.track(message);
    }
  }

  private track(message: Message): void {
    const controller = new AbortController();
    // Every provider request of the job listens on this signal (AbortSignal.any): dozens per job.
    setMaxListeners(1000, controller.signal);
    const id = message.MessageId ?? message.ReceiptHandle ?? String(Math.random());
    const entry: InFlight = { message, controller, done: Promise.resolve() };
    entry.done = this.process(message, controller.signal)
      .catch((error: unknown) =>
        this.o.logger.error({ err: error, messageId: message.MessageId }, 'message handling failed'),
      )
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, entry);
  }

  private async process(message: Message, signal: AbortSignal): Promise<void> {
    const { o } = this;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    const originMessageId =
      message.MessageAttributes?.[ORIGIN_ATTRIBUTE]?.StringValue ?? message.MessageId ?? 'unknown';
    // Keep the message invisible while the job runs longer than the visibility timeout.
    const heartbeatMs = Math.max(1000, (o.visibilityTimeoutSeconds * 1000) / 2);
    const heartbeat = setInterval(() => {
      void this.changeVisibility(message, o.visibilityTimeoutSeconds).catch(() => undefined);
    }, heartbeatMs);
    let disposition: Disposition;
    try {
      disposition = await o.handle({ body: message.Body ?? '', originMessageId, receiveCount }, signal);
    } catch (error) {
      o.logger.error(
        { err: error, messageId: message.MessageId },
        'job handler threw; retrying through the queue',
      );
      disposition = { action: 'retry', delaySeconds: Math.min(30 * receiveCount, 900) };
    } finally {
      clearInterval(heartbeat);
    }
    if (signal.aborted) return; // shutdown already handed the message back
    if (disposition.action === 'delete') {
      await this.deleter.add({ receiptHandle: message.ReceiptHandle! });
      return;
    }
    if (disposition.action === 'defer' && receiveCount >= o.maxReceiveCount - 1) {
      await this.requeue(message, originMessageId);
      return;
    }
    if (disposition.action === 'defer') this.stats.deferred += 1;
    else this.stats.retried += 1;
    await this.returnToQueue(message, disposition.delaySeconds);
  }

  /** ChangeMessageVisibility, retried with backoff; if the queue keeps refusing, die (seed R-003). */
  private async returnToQueue(message: Message, delaySeconds: number): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= VISIBILITY_ATTEMPTS; attempt += 1) {
      try {
        await this.changeVisibility(message, delaySeconds);
        return;
      } catch (error) {
        lastError = error;
        // The receipt handle is gone (message already visible again): nothing left to do.
        if ((error as { name?: string }).name === 'ReceiptHandleIsInvalid') return;
        await sleep(Math.random() * 100 * 2 ** attempt);
      }
    }
    const error = new Error(
      `ChangeMessageVisibility kept failing for ${message.MessageId}: ${String(lastError)}`,
    );
    this.o.logger.fatal(
      { err: lastError, messageId: message.MessageId },
      'cannot return a message to the queue',
    );
    this.o.onCritical(error);
  }

  private changeVisibility(message: Message, seconds: number): Promise<unknown> {
    return this.o.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.o.queueUrl,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
      }),
    );
  }

  /** A fresh copy resets ApproximateReceiveCount; the origin id keeps the JOB claim valid. */
  private async requeue(message: Message, originMessageId: string): Promise<void> {
    const deferrals = Number(message.MessageAttributes?.[DEFERRALS_ATTRIBUTE]?.StringValue ?? '0') + 1;
    const groupId = message.Attributes?.MessageGroupId;
    const baseDedup = message.Attributes?.MessageDeduplicationId ?? originMessageId;
    const dedup = createHash('sha256').update(`${baseDedup}#deferral-${deferrals}`).digest('base64url');
    await this.o.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.o.queueUrl,
        MessageBody: message.Body ?? '',
        ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: dedup } : {}),
        MessageAttributes: {
          [ORIGIN_ATTRIBUTE]: { DataType: 'String', StringValue: originMessageId },
          [DEFERRALS_ATTRIBUTE]: { DataType: 'Number', StringValue: String(deferrals) },
        },
      }),
    );
    await this.o.sqs.send(
      new DeleteMessageCommand({ QueueUrl: this.o.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
    this.stats.requeued += 1;
  }

  /**
   * Graceful shutdown: no new receives; in-flight jobs get `graceMs` to finish; the rest go back to
   * the queue at once (visibility 0) and their work is aborted.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.receiveAbort.abort();
    await this.loop?.catch(() => undefined);
    const pending = [...this.inFlight.values()];
    const timedOut = await Promise.race([
      Promise.all(pending.map((p) => p.done)).then(() => false),
      sleep(graceMs).then(() => true),
    ]);
    if (timedOut) {
      const left = [...this.inFlight.values()];
      await Promise.all(
        left.map(async (p) => {
          p.controller.abort();
          this.stats.returnedOnShutdown += 1;
          await this.changeVisibility(p.message, 0).catch((error: unknown) =>
            this.o.logger.warn(
              { err: error, messageId: p.message.MessageId },
              'message not returned; it reappears after its visibility timeout',
            ),
          );
        }),
      );
    }
    await this.deleter.drain();
  }
}
