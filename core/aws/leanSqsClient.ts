// The SQS client's `send(command)` over the lean JSON client for the consumer's calls. SQS's JSON
// protocol takes and returns exactly the SDK commands' input and output shapes, so the commands
// are passed through by name. Used where a benchmark showed the SDK's per-call CPU mattered (the
// worker receives, deletes and returns messages for every job).
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { AwsJsonClient } from './awsJsonClient.js';

const OPERATIONS = new Map<unknown, string>([
  [ReceiveMessageCommand, 'ReceiveMessage'],
  [DeleteMessageBatchCommand, 'DeleteMessageBatch'],
  [DeleteMessageCommand, 'DeleteMessage'],
  [ChangeMessageVisibilityCommand, 'ChangeMessageVisibility'],
  [SendMessageCommand, 'SendMessage'],
  [GetQueueAttributesCommand, 'GetQueueAttributes'],
]);

export class LeanSqsClient {
  constructor(private readonly client: AwsJsonClient) {}

  async send(
    command: { input: object; constructor: unknown },
    options?: { abortSignal?: AbortSignal },
  ): Promise<Record<string, unknown>> {
    const operation = OPERATIONS.get(command.constructor);
    if (!operation)
      throw new TypeError(
        `LeanSqsClient does not run ${String((command.constructor as { name?: string }).name)}`,
      );
    return this.client.call<Record<string, unknown>>(operation, command.input, options?.abortSignal);
  }

  destroy(): void {
    this.client.destroy();
  }
}
