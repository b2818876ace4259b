// The one way to put a message on a queue: `send(channel, message, options)`. The channel table
// generated from the contract says which queue, whether it is FIFO, and how the group and
// deduplication ids follow from the message; the message is validated before it leaves. Sends to
// one queue share SendMessageBatch calls (core/queue/sqs.ts).
import { queueChannels, type ChannelMessage, type QueueChannel } from '../../generated/channels.gen.js';
import type { AwsJsonClient } from '../aws/awsJsonClient.js';
import { SqsQueueSender } from '../queue/sqs.js';
import type { QueueSender } from '../queue/QueueSender.js';
import { messageDeduplicationIdOf, messageGroupIdOf } from './channelRules.js';
import { buildMessage, type MessageInput } from './messageCodec.js';
import { endWithError, SpanKind, startSpan, traceAttributes, withSpan } from '../observability/tracing.js';

type ProducerNamesDeduplicationId<C extends QueueChannel> = (typeof queueChannels)[C] extends {
  messageDeduplicationId: 'producer';
}
  ? true
  : false;

type IsFifo<C extends QueueChannel> = (typeof queueChannels)[C] extends { fifo: true } ? true : false;

/** What a producer adds to a message: the deduplication id where the channel's rule asks for it, a delay on standard queues. */
export type SendOptions<C extends QueueChannel> = (ProducerNamesDeduplicationId<C> extends true
  ? { deduplicationId: string }
  : { deduplicationId?: never }) &
  (IsFifo<C> extends true ? { delaySeconds?: never } : { delaySeconds?: number });

/** Options are required exactly where the channel needs a producer-named deduplication id. */
export type SendArgs<C extends QueueChannel> =
  ProducerNamesDeduplicationId<C> extends true ? [options: SendOptions<C>] : [options?: SendOptions<C>];

/** A channel whose queue this process was not configured with. */
export class ChannelNotConfiguredError extends Error {
  override readonly name = 'ChannelNotConfiguredError';
  constructor(readonly channel: QueueChannel) {
    super(`no queue URL is configured for channel ${channel}`);
  }
}

export interface MessageProducer {
  /** Validates, routes and sends one message; resolves when the queue has it. Returns the message sent. */
  send<C extends QueueChannel>(
    channel: C,
    input: MessageInput<C>,
    ...args: SendArgs<C>
  ): Promise<ChannelMessage<C>>;
  /** Whether this process has the channel's queue (optional queues: historical, coalescing, polling). */
  has(channel: QueueChannel): boolean;
  /** Resolves when every message accepted so far has been handed to its queue. */
  drain(): Promise<void>;
}

/** SQS caps DelaySeconds at 900. */
export const SQS_MAX_DELAY_SECONDS = 900;

export class SqsMessageProducer implements MessageProducer {
  private readonly senders = new Map<QueueChannel, QueueSender>();

  constructor(sqs: AwsJsonClient, queueUrls: Partial<Record<QueueChannel, string>>, batchWindowMs: number) {
    for (const [channel, url] of Object.entries(queueUrls) as [QueueChannel, string | undefined][])
      if (url) this.senders.set(channel, new SqsQueueSender(sqs, url, batchWindowMs));
  }

  has(channel: QueueChannel): boolean {
    return this.senders.has(channel);
  }

  async send<C extends QueueChannel>(
    channel: C,
    input: MessageInput<C>,
    ...[options]: SendArgs<C>
  ): Promise<ChannelMessage<C>> {
    const sender = this.senders.get(channel);
    if (!sender) throw new ChannelNotConfiguredError(channel);
    const message = buildMessage(channel, input);
    const delaySeconds = (options as { delaySeconds?: number } | undefined)?.delaySeconds;
    if (delaySeconds !== undefined && (delaySeconds < 0 || delaySeconds > SQS_MAX_DELAY_SECONDS))
      throw new RangeError(`delaySeconds must be within 0-${SQS_MAX_DELAY_SECONDS}, got ${delaySeconds}`);
    const groupId = messageGroupIdOf(channel, message);
    const deduplicationId = messageDeduplicationIdOf(channel, message, options?.deduplicationId);
    const span = startSpan(`${channel} send`, SpanKind.PRODUCER, {
      'messaging.system': 'aws_sqs',
      'messaging.destination.name': channel,
      'messaging.operation.type': 'send',
    });
    const attributes = withSpan(span, traceAttributes);
    try {
      await sender.send({
        body: JSON.stringify(message),
        ...(groupId !== undefined ? { groupId } : {}),
        ...(deduplicationId !== undefined ? { deduplicationId } : {}),
        ...(delaySeconds !== undefined ? { delaySeconds } : {}),
        ...(attributes ? { attributes } : {}),
      });
    } catch (error) {
      endWithError(span, error);
      throw error;
    }
    span.end();
    return message;
  }

  async drain(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.drain()));
  }
}

/** Checks at compile time that a channel exists; used by tables keyed by channel. */
export const isQueueChannel = (name: string): name is QueueChannel => name in queueChannels;
