// PollScheduled travels in hops: SQS delays a message by at most 900 s, so a longer wait is a chain
// of messages, each delayed by at most `maxHopSeconds` and carrying the time still to wait in
// `remainingDelaySeconds`; the pre-flight checker sends the next hop until that reaches 0.
import type { MessageInput } from '../../core/messaging/messageCodec.js';
import { SQS_MAX_DELAY_SECONDS, type MessageProducer } from '../../core/messaging/producer.js';
import type { PollScheduled } from '../../generated/messages.gen.js';

export type PollInput = Omit<MessageInput<'pollSchedule'>, 'remainingDelaySeconds'>;

/** Sends the next hop towards `scheduledFor`: waits min(totalWaitSeconds, maxHop) and carries the rest. */
export function sendPollHop(
  producer: Pick<MessageProducer, 'send'>,
  input: PollInput,
  totalWaitSeconds: number,
  maxHopSeconds = SQS_MAX_DELAY_SECONDS,
): Promise<PollScheduled> {
  const wait = Math.max(0, Math.ceil(totalWaitSeconds));
  const hop = Math.min(wait, maxHopSeconds, SQS_MAX_DELAY_SECONDS);
  return producer.send(
    'pollSchedule',
    { ...input, remainingDelaySeconds: wait - hop },
    { delaySeconds: hop },
  );
}
