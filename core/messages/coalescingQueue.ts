// Producer of WebhookEventReceived (AsyncAPI channel coalescingBuffer, the FIFO queue
// syncwell-coalescing-buffer.fifo, 60 s delivery delay). Group = `{provider}:{providerUserId}`;
// deduplication id = the provider's event id when it sends one, else a hash of the event, so a
// provider's retry of the same delivery is dropped. Webhook handlers only enqueue here.
import { createHash } from 'node:crypto';
import type { WebhookEventReceived } from '../../generated/messages.gen.js';
import type { QueueSender } from '../queue/QueueSender.js';
import { assertMessage } from './messageSchemas.js';

export type WebhookEventInput = Omit<WebhookEventReceived, 'schemaVersion'>;

export function buildWebhookEventReceived(input: WebhookEventInput): WebhookEventReceived {
  return assertMessage<WebhookEventReceived>('WebhookEventReceived', { schemaVersion: 1, ...input });
}

export class CoalescingQueue {
  constructor(private readonly sender: QueueSender) {}

  async send(input: WebhookEventInput): Promise<void> {
    const message = buildWebhookEventReceived(input);
    const identity =
      message.rawEventId ??
      JSON.stringify([
        message.provider,
        message.providerUserId,
        message.eventType,
        message.objectId,
        message.dataType,
      ]);
    await this.sender.send({
      body: JSON.stringify(message),
      groupId: `${message.provider}:${message.providerUserId}`,
      deduplicationId: createHash('sha256').update(identity).digest('base64url'),
    });
  }

  drain(): Promise<void> {
    return this.sender.drain();
  }
}
