// What the webhook handlers put on the coalescing buffer, read back from the real queue (the test
// files set its delivery delay to 0): every message until a receive comes back empty, each deleted
// once read, since a FIFO group holds back its next message while one is in flight.
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { WebhookEventReceived } from '../../generated/messages.gen.js';
import type { Harness } from './harness.js';

export async function drainCoalescingBuffer(
  h: Harness,
): Promise<{ body: WebhookEventReceived; groupId: string | undefined }[]> {
  const out: { body: WebhookEventReceived; groupId: string | undefined }[] = [];
  for (;;) {
    const res = await h.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: h.config.COALESCING_QUEUE_URL,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    if (!res.Messages?.length) return out;
    for (const m of res.Messages) {
      out.push({ body: JSON.parse(m.Body!) as WebhookEventReceived, groupId: m.Attributes?.MessageGroupId });
      await h.sqs.send(
        new DeleteMessageCommand({ QueueUrl: h.config.COALESCING_QUEUE_URL, ReceiptHandle: m.ReceiptHandle }),
      );
    }
  }
}
