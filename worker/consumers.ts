// The worker's consumers: one entry per channel it consumes. Adding a consumer is: declare the
// channel and its message in contracts/asyncapi.yaml, `make generate`, write the handler (it gets
// the channel's typed message and returns an Outcome), and add one line to the table in
// compose.ts. A handler whose message type is not the channel's does not compile.
import type { ChannelMessage, QueueChannel } from '../generated/channels.gen.js';
import {
  QueueConsumer,
  type ConsumerOptions,
  type ConsumerSettings,
  type MessageHandler,
} from '../core/messaging/queueConsumer.js';

export interface ConsumerRegistration<C extends QueueChannel> {
  handler: MessageHandler<C>;
  /** Per-channel settings over the worker's defaults (e.g. fewer historical chunks at once). */
  settings?: Partial<ConsumerSettings>;
  /**
   * A message SQS moved to the DLQ after its receives ran out with no outcome recorded (its workers
   * died on it): end whatever it left open (./exhaustedLetterSweeper.ts). Must be idempotent.
   */
  onExhausted?: (message: ChannelMessage<C>) => Promise<void>;
}

export type ConsumerTable = { [C in QueueChannel]?: ConsumerRegistration<C> | undefined };

export type SharedConsumerOptions = Omit<ConsumerOptions<QueueChannel>, 'channel' | 'queueUrl' | 'handler'>;

function consumerOf<C extends QueueChannel>(
  channel: C,
  registration: ConsumerRegistration<C>,
  queueUrl: string,
  shared: SharedConsumerOptions,
): QueueConsumer<C> {
  return new QueueConsumer<C>({
    ...shared,
    ...registration.settings,
    channel,
    queueUrl,
    handler: registration.handler,
  });
}

/** A consumer for every registered channel whose queue this process is configured with. */
export function createConsumers(
  table: ConsumerTable,
  queueUrls: Partial<Record<QueueChannel, string>>,
  shared: SharedConsumerOptions,
): QueueConsumer<QueueChannel>[] {
  const consumers: QueueConsumer<QueueChannel>[] = [];
  for (const channel of Object.keys(table) as QueueChannel[]) {
    const registration = table[channel] as ConsumerRegistration<typeof channel> | undefined;
    const url = queueUrls[channel];
    if (registration && url) consumers.push(consumerOf(channel, registration, url, shared));
  }
  return consumers;
}
