// Port: sending messages to one queue. The SQS adapter is in sqs.ts; tests use the real adapter
// against the local SQS emulator.

export interface OutgoingMessage {
  body: string;
  /** FIFO queues: messages with the same group are delivered in order (we use the userId). */
  groupId?: string;
  /** FIFO queues: SQS drops a second message with the same id within 5 minutes. */
  deduplicationId?: string;
  /** Standard queues only; at most 900 seconds. */
  delaySeconds?: number;
  /** Message attributes (the trace context); never health data. */
  attributes?: Record<string, { DataType: 'String'; StringValue: string }>;
}

export interface QueueSender {
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
  /** Resolves when every message accepted so far has been handed to the queue. */
  drain(): Promise<void>;
}
