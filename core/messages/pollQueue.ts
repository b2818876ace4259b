// Producer of PollScheduled (AsyncAPI channel pollSchedule, the standard queue
// syncwell-poll-schedule). SQS delays a message by at most 900 s, so a longer wait travels as a
// chain of hops: each hop is delayed by at most POLL_MAX_HOP_SECONDS and carries the time still to
// wait in `remainingDelaySeconds`; the pre-flight checker re-sends it until that reaches 0.
import type { PollScheduled } from '../../generated/messages.gen.js';
import type { QueueSender } from '../queue/QueueSender.js';
import { assertMessage } from './messageSchemas.js';

export type PollScheduledInput = Omit<PollScheduled, 'schemaVersion'>;

/** SQS's ceiling for DelaySeconds. */
export const SQS_MAX_DELAY_SECONDS = 900;

export function buildPollScheduled(input: PollScheduledInput): PollScheduled {
  return assertMessage<PollScheduled>('PollScheduled', { schemaVersion: 1, ...input });
}

/** The consumer side: JSON, then the AsyncAPI schema (the message pact verifies both ends). */
export function parsePollScheduled(body: string): PollScheduled {
  return assertMessage<PollScheduled>('PollScheduled', JSON.parse(body) as unknown);
}

export class PollQueue {
  constructor(
    private readonly sender: QueueSender,
    private readonly maxHopSeconds = SQS_MAX_DELAY_SECONDS,
  ) {}

  /**
   * Sends the next hop towards `scheduledFor`: waits `min(totalWaitSeconds, maxHop)` and leaves
   * the rest in `remainingDelaySeconds`.
   */
  async send(
    input: Omit<PollScheduledInput, 'remainingDelaySeconds'>,
    totalWaitSeconds: number,
  ): Promise<PollScheduled> {
    const wait = Math.max(0, Math.ceil(totalWaitSeconds));
    const hop = Math.min(wait, this.maxHopSeconds, SQS_MAX_DELAY_SECONDS);
    const message = buildPollScheduled({ ...input, remainingDelaySeconds: wait - hop });
    await this.sender.send({ body: JSON.stringify(message), delaySeconds: hop });
    return message;
  }

  drain(): Promise<void> {
    return this.sender.drain();
  }
}
