// The channel table generated from contracts/asyncapi.yaml and the queues Terraform creates must
// describe the same queues: a consumer reads the table, AWS runs what Terraform made.
import { expect } from 'chai';
import { queueChannels, type QueueChannel } from '../../generated/channels.gen.js';
import { loadTerraformResources, type QueueModel } from '../../infra/local/terraform.js';
import { QUEUE_URL_SETTING } from './queueUrls.js';

describe('channel table (contract) against infra/terraform', () => {
  let queues: Map<string, QueueModel>;
  before(async () => {
    queues = new Map((await loadTerraformResources()).queues.map((q) => [q.name, q]));
  });

  for (const [channel, spec] of Object.entries(queueChannels))
    it(`${channel}: queue ${spec.queueName} matches Terraform`, () => {
      const queue = queues.get(spec.queueName);
      expect(queue, `Terraform defines ${spec.queueName}`).to.not.equal(undefined);
      expect(queue!.fifo).to.equal(spec.fifo);
      expect(queue!.delaySeconds).to.equal(spec.deliveryDelaySeconds);
      const dlq = 'deadLetterQueue' in spec ? spec.deadLetterQueue : undefined;
      if (dlq)
        expect(queue!.redrive).to.include({
          deadLetterQueueName: dlq.queueName,
          maxReceiveCount: dlq.maxReceiveCount,
        });
      else expect(queue!.name).to.match(/-dlq(\.fifo)?$/);
      expect(QUEUE_URL_SETTING[channel as QueueChannel]).to.match(/_URL$/);
    });
});
