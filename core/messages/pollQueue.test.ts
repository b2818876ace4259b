import { expect } from 'chai';
import type { OutgoingMessage, QueueSender } from '../queue/QueueSender.js';
import { parsePollScheduled, PollQueue } from './pollQueue.js';

class RecordingSender implements QueueSender {
  readonly sent: OutgoingMessage[] = [];
  async send(message: OutgoingMessage) {
    this.sent.push(message);
    return { messageId: String(this.sent.length) };
  }
  async drain() {}
}

const input = {
  userId: 'user-1',
  connectionId: 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91',
  provider: 'google_fit' as const,
  dataTypes: ['workout' as const],
  scheduledFor: '2026-11-26T12:00:00Z',
  lastCheckedAt: '2026-11-25T12:00:00Z',
};

describe('PollQueue (SQS delay hops)', () => {
  it('sends a day-long wait as a 900 s hop carrying the rest, then hop after hop down to 0', async () => {
    const sender = new RecordingSender();
    const queue = new PollQueue(sender);
    let message = await queue.send(input, 86_400);
    const delays = [sender.sent[0]!.delaySeconds];
    expect(message.remainingDelaySeconds).to.equal(86_400 - 900);
    while (message.remainingDelaySeconds > 0) {
      const {
        schemaVersion: _v,
        remainingDelaySeconds,
        ...rest
      } = parsePollScheduled(sender.sent.at(-1)!.body);
      message = await queue.send(rest, remainingDelaySeconds);
      delays.push(sender.sent.at(-1)!.delaySeconds);
    }
    expect(delays).to.have.length(96);
    expect(delays.every((d) => d === 900)).to.equal(true);
    expect(delays.reduce((a, b) => a! + b!, 0)).to.equal(86_400);
  });

  it('sends short waits in one hop, rounds fractions up, and honours a smaller hop limit', async () => {
    const sender = new RecordingSender();
    expect((await new PollQueue(sender).send(input, 300.2)).remainingDelaySeconds).to.equal(0);
    expect(sender.sent[0]!.delaySeconds).to.equal(301);
    expect((await new PollQueue(sender).send(input, 0)).remainingDelaySeconds).to.equal(0);
    expect(sender.sent[1]!.delaySeconds).to.equal(0);
    expect((await new PollQueue(sender, 2).send(input, 5)).remainingDelaySeconds).to.equal(3);
    expect(sender.sent[2]!.delaySeconds).to.equal(2);
  });

  it('refuses a message off the contract before sending it', async () => {
    const sender = new RecordingSender();
    const bad = { ...input, dataTypes: [] };
    await new PollQueue(sender).send(bad, 10).then(
      () => expect.fail('sent'),
      (error: Error) => expect(error.name).to.equal('MessageValidationError'),
    );
    expect(sender.sent).to.have.length(0);
  });
});
