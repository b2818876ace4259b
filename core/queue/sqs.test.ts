import { expect } from 'chai';
import type { AwsJsonClient } from '../aws/awsJsonClient.js';
import type { QueueSendError } from './sqs.js';
import { SqsQueueSender } from './sqs.js';

interface Entry {
  Id: string;
  MessageBody: string;
}

/**
 * SQS's SendMessageBatch as the chaos suite's fault proxy shows it (bench/chaos/partialBatch.ts):
 * the call succeeds, and the entries `fail` picks come back in `Failed`. No emulator answers a
 * batch in part, hence this stand-in for the service.
 */
function partialSqs(
  fail: (body: string, call: number) => { code: string; senderFault: boolean } | undefined,
) {
  const bodies: string[][] = [];
  const sqs = {
    call: (_operation: string, input: { Entries: Entry[] }) => {
      bodies.push(input.Entries.map((e) => e.MessageBody));
      const call = bodies.length;
      const Successful: { Id: string; MessageId: string }[] = [];
      const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
      for (const e of input.Entries) {
        const f = fail(e.MessageBody, call);
        if (f) Failed.push({ Id: e.Id, Code: f.code, SenderFault: f.senderFault, Message: 'injected' });
        else Successful.push({ Id: e.Id, MessageId: `m-${e.MessageBody}-${call}` });
      }
      return Promise.resolve({ Successful, Failed });
    },
  } as unknown as AwsJsonClient;
  return { sqs, bodies };
}

const send = (sender: SqsQueueSender, bodies: string[]) =>
  Promise.allSettled(bodies.map((body) => sender.send({ body })));

describe('SqsQueueSender: a SendMessageBatch that fails in part', () => {
  it('sends the entries SQS failed on its side again, and only those, until they go through', async () => {
    const { sqs, bodies } = partialSqs((body, call) =>
      (body === 'b' && call < 3) || (body === 'c' && call === 1)
        ? { code: 'InternalError', senderFault: false }
        : undefined,
    );
    const results = await send(new SqsQueueSender(sqs, 'q', 1), ['a', 'b', 'c']);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(bodies).to.deep.equal([['a', 'b', 'c'], ['b', 'c'], ['b']]);
  });

  it('gives up after its resends, with the error of the entry; a sender fault is not sent again', async () => {
    const { sqs, bodies } = partialSqs((body) =>
      body === 'a'
        ? { code: 'InternalError', senderFault: false }
        : body === 'b'
          ? { code: 'InvalidParameterValue', senderFault: true }
          : undefined,
    );
    const results = await send(new SqsQueueSender(sqs, 'q', 1), ['a', 'b']);
    const reasons = results.map((r) => (r.status === 'rejected' ? (r.reason as QueueSendError) : undefined));
    expect(reasons.map((e) => [e?.code, e?.senderFault])).to.deep.equal([
      ['InternalError', false],
      ['InvalidParameterValue', true],
    ]);
    expect(bodies[0]).to.deep.equal(['a', 'b']);
    expect(bodies.slice(1).flat(), 'only the failure on SQS’s side is resent').to.satisfy((rest: string[]) =>
      rest.every((b) => b === 'a'),
    );
    expect(bodies.length).to.be.greaterThan(1);
  });
});
