// The message runtime's consumer, `consume(channel, handler)`: one long-running loop per channel
// (the seed's Fargate worker). It owns everything about SQS so handlers only return an Outcome:
// - long polling, batches of up to 10, at most `concurrency` messages in flight; after a partial
//   batch, a short receive window so the next receive collects several messages;
// - visibility heartbeats while a handler runs longer than half the visibility timeout;
// - parsing and validation against the contract: a body that is not the channel's message is
//   poison and goes to the DLQ at once, logged once, never to a handler;
// - outcomes: done → batched delete; retry → back after a backoff, counted toward the DLQ;
//   defer → back after a backoff, never to the DLQ (near maxReceiveCount a fresh copy with the same
//   origin id replaces it, which resets SQS's count); fail → to the DLQ at once with its reason;
// - graceful shutdown: no new receives, in-flight handlers get a grace period, the rest are handed
//   back at once (visibility 0) and aborted;
// - the counters the benchmarks and tests read.
// If the queue keeps refusing to take a message back, the process must die (seed R-003).
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ChannelMessage, QueueChannel } from '../../generated/channels.gen.js';
import type { AwsJsonClient } from '../aws/awsJsonClient.js';
import { MicroBatcher } from '../batching/microBatcher.js';
import type { Logger } from '../logging/logger.js';
import { backoffMs, retrying, type BackoffPolicy } from '../retry/backoff.js';
import { deadLetterQueueUrlOf } from './channelRules.js';
import { dlqArrivals, messages } from '../observability/metrics.js';
import { MessageNotJsonError, parseMessage } from './messageCodec.js';
import { MessageValidationError } from './messageSchemas.js';
import type { Delivery, Outcome } from './outcome.js';
import {
  contextOfMessage,
  endWithError,
  SpanKind,
  startSpan,
  TRACEPARENT_ATTRIBUTE,
  withSpan,
  type Span,
} from '../observability/tracing.js';

export type MessageHandler<C extends QueueChannel> = (
  message: ChannelMessage<C>,
  delivery: Delivery,
  signal: AbortSignal,
) => Promise<Outcome>;

/** The SQS calls the consumer makes (SQS's JSON protocol; AwsJsonClient in production and tests). */
export type SqsCaller = Pick<AwsJsonClient, 'call'>;

export interface ConsumerSettings {
  concurrency: number;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  batchWindowMs: number;
  /**
   * After a receive that brought fewer messages than it asked for, wait this long before the next
   * (Lambda's "batching window" for SQS): at a trickle of messages each receive and each batched
   * delete then carries several instead of one, for at most this much latency. 0: receive at once.
   */
  receiveWindowMs?: number;
  /**
   * How long a finished message's delete waits for others to share its DeleteMessageBatch
   * (default `batchWindowMs`). Nobody waits on a delete (the job's outcome is already stored) and
   * the message stays invisible for its visibility timeout meanwhile, so a worker can wait far
   * longer than a producer: at a trickle of jobs each delete then carries several.
   */
  deleteWindowMs?: number;
  /** Waits between deliveries of a retried or deferred message. */
  redelivery: BackoffPolicy;
}

export interface ConsumerOptions<C extends QueueChannel> extends ConsumerSettings {
  channel: C;
  queueUrl: string;
  sqs: SqsCaller;
  logger: Logger;
  handler: MessageHandler<C>;
  /** While false, nothing is received (degraded mode: messages stay in the queue). */
  isHealthy?: () => boolean;
  /** The queue refused to take a message back after retries: the process must die (seed R-003). */
  onCritical(error: Error): void;
}

export interface ConsumerStats {
  received: number;
  done: number;
  retried: number;
  deferred: number;
  /** Deferred copies re-enqueued to reset SQS's receive count. */
  requeued: number;
  /** Sent to the DLQ by the runtime (permanent failures and poison). */
  deadLettered: number;
  poison: number;
  handlerErrors: number;
  returnedOnShutdown: number;
  receiveErrors: number;
}

interface SqsMessage {
  MessageId?: string;
  ReceiptHandle?: string;
  Body?: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
}

const ORIGIN_ATTRIBUTE = 'OriginMessageId';
const DEFERRALS_ATTRIBUTE = 'Deferrals';
/** SQS's ceiling for a visibility timeout. */
const MAX_VISIBILITY_SECONDS = 43_200;
/** Calls that return a message to the queue: retried quickly; if they keep failing, die. */
const QUEUE_CALL_RETRY = { attempts: 5, baseMs: 200, maxMs: 3200 };

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

const isGone = (error: unknown) => (error as { name?: string }).name === 'ReceiptHandleIsInvalid';

interface InFlight {
  message: SqsMessage;
  controller: AbortController;
  done: Promise<void>;
}

export class QueueConsumer<C extends QueueChannel> {
  private stopping = false;
  private readonly receiveAbort = new AbortController();
  private readonly inFlight = new Map<string, InFlight>();
  private loop: Promise<void> | undefined;
  private readonly deleter: MicroBatcher<{ receiptHandle: string }, void>;
  private readonly dlqUrl: string | undefined;
  readonly stats: ConsumerStats = {
    received: 0,
    done: 0,
    retried: 0,
    deferred: 0,
    requeued: 0,
    deadLettered: 0,
    poison: 0,
    handlerErrors: 0,
    returnedOnShutdown: 0,
    receiveErrors: 0,
  };

  constructor(private readonly o: ConsumerOptions<C>) {
    this.dlqUrl = deadLetterQueueUrlOf(o.channel, o.queueUrl);
    this.deleter = new MicroBatcher<{ receiptHandle: string }, void>({
      maxSize: 10,
      windowMs: o.deleteWindowMs ?? o.batchWindowMs,
      flush: async (items) => {
        const out = await o.sqs.call<{ Failed?: Array<{ Id: string; Code?: string; Message?: string }> }>(
          'DeleteMessageBatch',
          {
            QueueUrl: o.queueUrl,
            Entries: items.map((item, i) => ({ Id: String(i), ReceiptHandle: item.receiptHandle })),
          },
        );
        const failed = new Map((out.Failed ?? []).map((f) => [f.Id, f]));
        return items.map((_, i) => {
          const f = failed.get(String(i));
          return f
            ? { ok: false as const, error: new Error(`delete failed: ${f.Code} ${f.Message ?? ''}`) }
            : { ok: true as const, value: undefined };
        });
      },
    });
  }

  get channel(): C {
    return this.o.channel;
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
      let messages: SqsMessage[];
      const asked = Math.min(10, free);
      try {
        const out = await o.sqs.call<{ Messages?: SqsMessage[] }>(
          'ReceiveMessage',
          {
            QueueUrl: o.queueUrl,
            MaxNumberOfMessages: asked,
            WaitTimeSeconds: o.waitTimeSeconds,
            VisibilityTimeout: o.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: [
              'ApproximateReceiveCount',
              'MessageGroupId',
              'MessageDeduplicationId',
            ],
            MessageAttributeNames: ['All'],
          },
          this.receiveAbort.signal,
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (this.stopping) break;
        this.stats.receiveErrors += 1;
        o.logger.warn({ err: error, channel: o.channel }, 'receive failed; retrying');
        await sleep(1000, this.receiveAbort.signal);
        continue;
      }
      this.stats.received += messages.length;
      for (const message of messages) this.track(message);
      // An empty long poll waited already; a full batch means more may be waiting.
      if (o.receiveWindowMs && messages.length > 0 && messages.length < asked)
        await sleep(o.receiveWindowMs, this.receiveAbort.signal);
    }
  }

  private track(message: SqsMessage): void {
    const controller = new AbortController();
    // Every provider request of the job listens on this signal (AbortSignal.any): dozens per job.
    setMaxListeners(1000, controller.signal);
    const id = message.MessageId ?? message.ReceiptHandle ?? String(this.stats.received);
    const entry: InFlight = { message, controller, done: Promise.resolve() };
    entry.done = this.process(message, controller.signal)
      .catch((error: unknown) =>
        this.o.logger.error(
          { err: error, channel: this.o.channel, messageId: message.MessageId },
          'message handling failed',
        ),
      )
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, entry);
  }

  private async process(message: SqsMessage, signal: AbortSignal): Promise<void> {
    const { o } = this;
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    const originMessageId =
      message.MessageAttributes?.[ORIGIN_ATTRIBUTE]?.StringValue ?? message.MessageId ?? 'unknown';
    const delivery: Delivery = {
      originMessageId,
      receiveCount,
      isLastAttempt: receiveCount >= o.maxReceiveCount,
    };

    // The message's trace continues here (its traceparent attribute), or a new one starts.
    const span = startSpan(
      `${o.channel} process`,
      SpanKind.CONSUMER,
      {
        'messaging.system': 'aws_sqs',
        'messaging.destination.name': o.channel,
        'messaging.operation.type': 'process',
        'messaging.message.id': originMessageId,
        'messaging.sqs.receive_count': receiveCount,
      },
      contextOfMessage(message.MessageAttributes),
    );
    try {
      await withSpan(span, () => this.handle(message, delivery, span, signal));
    } catch (error) {
      endWithError(span, error);
      throw error;
    }
    span.end();
  }

  private async handle(
    message: SqsMessage,
    delivery: Delivery,
    span: Span,
    signal: AbortSignal,
  ): Promise<void> {
    const { o } = this;
    const { originMessageId, receiveCount } = delivery;
    let parsed: ChannelMessage<C>;
    try {
      parsed = parseMessage(o.channel, message.Body ?? '');
    } catch (error) {
      if (!(error instanceof MessageValidationError || error instanceof MessageNotJsonError)) throw error;
      // Nothing can ever run it: straight to the DLQ, logged once.
      this.stats.poison += 1;
      messages.inc({ channel: o.channel, outcome: 'poison' });
      const reason = error.message.slice(0, 500);
      o.logger.error({ channel: o.channel, messageId: originMessageId, reason }, 'poison message');
      span.setAttribute('syncwell.outcome', 'poison');
      await this.deadLetter(message, originMessageId, { code: 'invalid_message', reason });
      return;
    }
    const jobId = (parsed as { jobId?: unknown }).jobId;
    if (typeof jobId === 'string') span.setAttribute('syncwell.job_id', jobId);

    // Keep the message invisible while the handler runs longer than the visibility timeout.
    const heartbeatMs = Math.max(1000, (o.visibilityTimeoutSeconds * 1000) / 2);
    const heartbeat = setInterval(() => {
      void this.changeVisibility(message, o.visibilityTimeoutSeconds).catch(() => undefined);
    }, heartbeatMs);
    let outcome: Outcome;
    try {
      outcome = await o.handler(parsed, delivery, signal);
    } catch (error) {
      this.stats.handlerErrors += 1;
      o.logger.error(
        { err: error, channel: o.channel, messageId: originMessageId },
        'handler threw; retrying through the queue',
      );
      outcome = { kind: 'retry', code: 'handler_error' };
    } finally {
      clearInterval(heartbeat);
    }
    if (signal.aborted) return; // shutdown already handed the message back
    span.setAttribute('syncwell.outcome', outcome.kind);
    if ('code' in outcome) span.setAttribute('syncwell.outcome_code', outcome.code);
    await this.settle(message, originMessageId, receiveCount, outcome);
  }

  private async settle(
    message: SqsMessage,
    originMessageId: string,
    receiveCount: number,
    outcome: Outcome,
  ): Promise<void> {
    const { o } = this;
    messages.inc({ channel: o.channel, outcome: outcome.kind });
    switch (outcome.kind) {
      case 'done':
        await this.deleter.add({ receiptHandle: message.ReceiptHandle! });
        this.stats.done += 1;
        return;
      case 'fail':
        await this.deadLetter(message, originMessageId, outcome);
        return;
      case 'retry':
        this.stats.retried += 1;
        // The last receive: SQS's redrive policy moves it to the DLQ instead of delivering it again.
        if (receiveCount >= o.maxReceiveCount) dlqArrivals.inc({ channel: o.channel, code: outcome.code });
        await this.returnToQueue(message, this.delaySeconds(receiveCount, outcome.retryAfterSeconds));
        return;
      case 'defer': {
        this.stats.deferred += 1;
        const delay = Math.min(
          this.delaySeconds(receiveCount, outcome.retryAfterSeconds),
          outcome.maxDelaySeconds ?? MAX_VISIBILITY_SECONDS,
        );
        if (receiveCount >= o.maxReceiveCount - 1) await this.requeue(message, originMessageId, delay);
        else await this.returnToQueue(message, delay);
        return;
      }
    }
  }

  /** The one redelivery backoff: exponential with full jitter, a server's Retry-After as the floor. */
  private delaySeconds(attempt: number, retryAfterSeconds = 0): number {
    const ms = backoffMs(attempt, this.o.redelivery, retryAfterSeconds * 1000);
    // Whole seconds (SQS's unit), at least one unless the policy itself is sub-second (tests).
    const least = this.o.redelivery.maxMs < 1000 ? 0 : 1;
    return Math.min(Math.max(least, Math.ceil(ms / 1000)), MAX_VISIBILITY_SECONDS);
  }

  /** ChangeMessageVisibility, retried; if the queue keeps refusing, die (seed R-003). */
  private async returnToQueue(message: SqsMessage, delaySeconds: number): Promise<void> {
    try {
      await retrying(() => this.changeVisibility(message, delaySeconds), {
        ...QUEUE_CALL_RETRY,
        retryIf: (error) => !isGone(error),
      });
    } catch (error) {
      // The receipt handle is gone (the message is visible again already): nothing left to do.
      if (isGone(error)) return;
      this.o.logger.fatal(
        { err: error, channel: this.o.channel, messageId: message.MessageId },
        'cannot return a message to the queue',
      );
      this.o.onCritical(
        new Error(`ChangeMessageVisibility kept failing for ${message.MessageId}: ${String(error)}`),
      );
    }
  }

  private changeVisibility(message: SqsMessage, seconds: number): Promise<unknown> {
    return this.o.sqs.call('ChangeMessageVisibility', {
      QueueUrl: this.o.queueUrl,
      ReceiptHandle: message.ReceiptHandle,
      VisibilityTimeout: Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.round(seconds))),
    });
  }

  /** A copy of the message for `url`: same body and group, the origin id carried along. */
  private copyOf(
    message: SqsMessage,
    originMessageId: string,
    dedupSuffix: string,
    attributes: Record<string, { DataType: string; StringValue: string }>,
  ): Record<string, unknown> {
    const groupId = message.Attributes?.MessageGroupId;
    const baseDedup = message.Attributes?.MessageDeduplicationId ?? originMessageId;
    const dedup = createHash('sha256').update(`${baseDedup}#${dedupSuffix}`).digest('base64url');
    // The copy stays in the trace of the message it replaces.
    const traceparent = message.MessageAttributes?.[TRACEPARENT_ATTRIBUTE]?.StringValue;
    return {
      MessageBody: message.Body ?? '',
      ...(groupId ? { MessageGroupId: groupId, MessageDeduplicationId: dedup } : {}),
      MessageAttributes: {
        [ORIGIN_ATTRIBUTE]: { DataType: 'String', StringValue: originMessageId },
        ...(traceparent ? { [TRACEPARENT_ATTRIBUTE]: { DataType: 'String', StringValue: traceparent } } : {}),
        ...attributes,
      },
    };
  }

  /** A fresh copy resets ApproximateReceiveCount; the origin id keeps the job's claim valid. */
  private async requeue(message: SqsMessage, originMessageId: string, delaySeconds: number): Promise<void> {
    const deferrals = Number(message.MessageAttributes?.[DEFERRALS_ATTRIBUTE]?.StringValue ?? '0') + 1;
    const copy = this.copyOf(message, originMessageId, `deferral-${deferrals}`, {
      [DEFERRALS_ATTRIBUTE]: { DataType: 'Number', StringValue: String(deferrals) },
    });
    // A FIFO queue takes no per-message delay: the copy is due at once, then deferred again if need be.
    const delay = message.Attributes?.MessageGroupId ? {} : { DelaySeconds: Math.min(delaySeconds, 900) };
    await this.o.sqs.call('SendMessage', { QueueUrl: this.o.queueUrl, ...copy, ...delay });
    await this.o.sqs.call('DeleteMessage', {
      QueueUrl: this.o.queueUrl,
      ReceiptHandle: message.ReceiptHandle,
    });
    this.stats.requeued += 1;
  }

  /**
   * Permanent failures and poison: a copy with the reason goes to the channel's DLQ, then the
   * message leaves its queue. If the DLQ cannot be reached, the message comes back later (retry).
   */
  private async deadLetter(
    message: SqsMessage,
    originMessageId: string,
    failure: { code: string; reason: string },
  ): Promise<void> {
    const { o } = this;
    if (!this.dlqUrl) {
      o.logger.error(
        { channel: o.channel, messageId: originMessageId, ...failure },
        'no DLQ: message dropped',
      );
      await this.deleter.add({ receiptHandle: message.ReceiptHandle! });
      return;
    }
    try {
      const copy = this.copyOf(message, originMessageId, 'dead-letter', {
        FailureCode: { DataType: 'String', StringValue: failure.code },
        FailureReason: { DataType: 'String', StringValue: failure.reason.slice(0, 1000) || failure.code },
        SourceChannel: { DataType: 'String', StringValue: o.channel },
      });
      await retrying(() => o.sqs.call('SendMessage', { QueueUrl: this.dlqUrl, ...copy }), {
        ...QUEUE_CALL_RETRY,
        retryIf: () => true,
      });
    } catch (error) {
      o.logger.error(
        { err: error, channel: o.channel, messageId: originMessageId },
        'DLQ refused the message; it will be delivered again',
      );
      await this.returnToQueue(message, this.delaySeconds(1));
      return;
    }
    this.stats.deadLettered += 1;
    dlqArrivals.inc({ channel: o.channel, code: failure.code });
    await this.deleter.add({ receiptHandle: message.ReceiptHandle! });
  }

  /**
   * Graceful shutdown: no new receives; in-flight handlers get `graceMs` to finish; the rest go back
   * to the queue at once (visibility 0) and their work is aborted.
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
              { err: error, channel: this.o.channel, messageId: p.message.MessageId },
              'message not returned; it reappears after its visibility timeout',
            ),
          );
        }),
      );
    }
    await this.deleter.drain();
  }
}

/** `consume(channel, handler)`: a consumer of one channel with the process's shared settings. */
export function consumerFactory(
  shared: Omit<ConsumerOptions<QueueChannel>, 'channel' | 'queueUrl' | 'handler'>,
) {
  return <C extends QueueChannel>(
    channel: C,
    queueUrl: string,
    handler: MessageHandler<C>,
    overrides: Partial<ConsumerSettings> = {},
  ): QueueConsumer<C> => new QueueConsumer<C>({ ...shared, ...overrides, channel, queueUrl, handler });
}
