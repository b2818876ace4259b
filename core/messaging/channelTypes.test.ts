// The message side is typed from the AsyncAPI document like the REST side is from OpenAPI: these
// lines are checked by `tsc` (npm run typecheck), and each `@ts-expect-error` fails the build the
// day the mistake under it compiles. The runtime assertions keep mocha honest about the file.
import { expect } from 'chai';
import type { ChannelMessage, QueueChannel } from '../../generated/channels.gen.js';
import type { HotPathSyncRequested, WebhookEventReceived } from '../../generated/messages.gen.js';
import type { MessageProducer } from './producer.js';
import type { MessageHandler } from './queueConsumer.js';

const done = async () => ({ kind: 'done' }) as const;

describe('channel types (compile-time)', () => {
  it('ties each channel to its message type, for handlers and producers', () => {
    const hotPath: MessageHandler<'hotPathSync'> = async (message: HotPathSyncRequested) => {
      expect(message.jobId).to.be.a('string');
      return done();
    };
    // @ts-expect-error a handler for a channel the contract does not declare
    const undeclared: MessageHandler<'notAChannel'> = done;
    // @ts-expect-error a handler whose message is another channel's
    const wrongMessage: MessageHandler<'hotPathSync'> = async (message: WebhookEventReceived) => {
      expect(message.provider).to.be.a('string');
      return done();
    };
    const send = (producer: MessageProducer, event: Omit<WebhookEventReceived, 'schemaVersion'>) => {
      // @ts-expect-error a webhook event is not a hot-path job
      void producer.send('hotPathSync', event, { deduplicationId: 'x' });
      void producer.send('coalescingBuffer', event);
    };
    const channels: QueueChannel[] = ['hotPathSync', 'coalescingBuffer', 'pollSchedule', 'historicalSync'];
    const message: ChannelMessage<'pollSchedule'> | undefined = undefined;
    expect([hotPath, undeclared, wrongMessage, send].every((f) => typeof f === 'function')).to.equal(true);
    expect(channels).to.have.length(4);
    expect(message).to.equal(undefined);
  });
});
