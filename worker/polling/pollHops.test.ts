import { expect } from 'chai';
import { buildMessage } from '../../core/messaging/messageCodec.js';
import type { MessageProducer } from '../../core/messaging/producer.js';
import type { PollScheduled } from '../../generated/messages.gen.js';
import { sendPollHop, type PollInput } from './pollHops.js';

/** Builds each message as the real producer does (schema version, validation) and records the delay. */
class RecordingProducer implements Pick<MessageProducer, 'send'> {
  readonly sent: Array<{ message: PollScheduled; delaySeconds: number | undefined }> = [];
  send: MessageProducer['send'] = async (channel, input, ...[options]) => {
    const message = buildMessage(channel, input);
    this.sent.push({
      message: message as PollScheduled,
      delaySeconds: (options as { delaySeconds?: number } | undefined)?.delaySeconds,
    });
    return message;
  };
}

const input: PollInput = {
  userId: 'user-1',
  connectionId: 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91',
  provider: 'google_fit',
  dataTypes: ['workout'],
  scheduledFor: '2026-11-26T12:00:00Z',
  lastCheckedAt: '2026-11-25T12:00:00Z',
};

describe('sendPollHop (SQS delay hops)', () => {
  it('sends a day-long wait as 900 s hops, each carrying the rest, down to 0', async () => {
    const producer = new RecordingProducer();
    let message = await sendPollHop(producer, input, 86_400);
    while (message.remainingDelaySeconds > 0) {
      const { schemaVersion: _v, remainingDelaySeconds, ...rest } = message;
      message = await sendPollHop(producer, rest, remainingDelaySeconds);
    }
    const delays = producer.sent.map((s) => s.delaySeconds!);
    expect(delays).to.have.length(96);
    expect(delays.every((d) => d === 900)).to.equal(true);
    expect(delays.reduce((a, b) => a + b, 0)).to.equal(86_400);
  });

  it('sends short waits in one hop, rounds fractions up, and honours a smaller hop limit', async () => {
    const producer = new RecordingProducer();
    expect((await sendPollHop(producer, input, 300.2)).remainingDelaySeconds).to.equal(0);
    expect(producer.sent[0]!.delaySeconds).to.equal(301);
    expect((await sendPollHop(producer, input, 0)).remainingDelaySeconds).to.equal(0);
    expect(producer.sent[1]!.delaySeconds).to.equal(0);
    expect((await sendPollHop(producer, input, 5, 2)).remainingDelaySeconds).to.equal(3);
    expect(producer.sent[2]!.delaySeconds).to.equal(2);
  });

  it('refuses a message off the contract before sending it', async () => {
    const producer = new RecordingProducer();
    await sendPollHop(producer, { ...input, dataTypes: [] }, 10).then(
      () => expect.fail('sent'),
      (error: Error) => expect(error.name).to.equal('MessageValidationError'),
    );
    expect(producer.sent).to.have.length(0);
  });
});
