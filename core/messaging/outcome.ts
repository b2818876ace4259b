// What a message handler tells the runtime. Handlers never touch SQS: they return one of these and
// the consumer (queueConsumer.ts) makes the SQS calls.

export type Outcome =
  /** Finished (or a duplicate): the message is deleted. */
  | { kind: 'done' }
  /**
   * A transient failure: delivered again after a backoff (at least `retryAfterSeconds`); the receive
   * counts, and after maxReceiveCount SQS moves the message to the DLQ.
   */
  | { kind: 'retry'; code: string; retryAfterSeconds?: number }
  /**
   * Not now (rate limits, an item another process is about to write): delivered again after a
   * backoff (at least `retryAfterSeconds`, at most `maxDelaySeconds`) without ever reaching the DLQ.
   */
  | { kind: 'defer'; retryAfterSeconds?: number; maxDelaySeconds?: number }
  /**
   * Permanent: nothing will make this message succeed. The handler has recorded the failure once;
   * the runtime moves the message to the DLQ with the code and reason, at once.
   */
  | { kind: 'fail'; code: string; reason: string };

export const DONE: Outcome = { kind: 'done' };

/** One delivery of a message, as the handler sees it. */
export interface Delivery {
  /** Stable across redeliveries and re-enqueued copies: the first SQS MessageId. */
  originMessageId: string;
  /** 1 on the first delivery; deferred copies start again at 1. */
  receiveCount: number;
  /** After this receive, a `retry` sends the message to the DLQ: record the failure as final. */
  isLastAttempt: boolean;
}
