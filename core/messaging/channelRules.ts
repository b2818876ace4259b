// How a message's SQS attributes follow from its channel's rules in the contract (x-syncwell-queue,
// read into generated/channels.gen.ts): every producer of a channel gets the same group and
// deduplication ids, so no producer can disagree with another.
import { createHash } from 'node:crypto';
import { queueChannels, type QueueChannel, type QueueChannelSpec } from '../../generated/channels.gen.js';

/** SQS accepts 1-128 characters as a group or deduplication id; longer values are hashed. */
export function fitSqsId(value: string): string {
  return value.length <= 128 ? value : createHash('sha256').update(value).digest('base64url');
}

export function channelSpec(channel: QueueChannel): QueueChannelSpec {
  return queueChannels[channel];
}

const field = (message: object, name: string): unknown => (message as Record<string, unknown>)[name];

/** The message's group on a FIFO channel: the rule's fields joined with ':'; undefined on a standard queue. */
export function messageGroupIdOf(channel: QueueChannel, message: object): string | undefined {
  const fields = channelSpec(channel).messageGroupId;
  return fields ? fitSqsId(fields.map((f) => String(field(message, f))).join(':')) : undefined;
}

/**
 * The message's deduplication id on a FIFO channel. `producer`: the id the producer gives (an
 * Idempotency-Key, a system job's seed); `firstOf`: a hash of the first field list that is all present.
 */
export function messageDeduplicationIdOf(
  channel: QueueChannel,
  message: object,
  producerId: string | undefined,
): string | undefined {
  const rule = channelSpec(channel).messageDeduplicationId;
  if (rule === undefined) return undefined;
  if (rule === 'producer') {
    if (producerId === undefined)
      throw new Error(`channel ${channel}: the producer must name the deduplication id`);
    return fitSqsId(producerId);
  }
  const fields = rule.firstOf.find((list) => list.every((f) => field(message, f) !== undefined));
  if (!fields) throw new Error(`channel ${channel}: no deduplication field list is complete`);
  const identity = JSON.stringify(fields.map((f) => field(message, f)));
  return createHash('sha256').update(identity).digest('base64url');
}

/** A DLQ lives in the queue's account and region, so its URL is the queue's with the DLQ's name. */
export function deadLetterQueueUrlOf(channel: QueueChannel, queueUrl: string): string | undefined {
  const dlq = channelSpec(channel).deadLetterQueue;
  return dlq ? queueUrl.replace(/[^/]+$/, dlq.queueName) : undefined;
}
