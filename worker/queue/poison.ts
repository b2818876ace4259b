// A received body that is not JSON or not its AsyncAPI message is poison: nothing can run it. Every
// consumer logs it the same way and leaves it to reach the queue's DLQ after maxReceiveCount.
import type { Logger } from '../../core/logging/logger.js';
import { MessageValidationError } from '../../core/messages/messageSchemas.js';
import type { Disposition, ReceivedJob } from '../sync/hotPathJob.js';

/** Straight on towards the DLQ: received again at once, counted each time. */
export const POISON: Disposition = { action: 'retry', delaySeconds: 0 };

export function parseReceived<T>(
  received: ReceivedJob,
  parse: (body: string) => T,
  logger: Logger,
  what: string,
): { ok: true; message: T } | { ok: false; reason: string } {
  try {
    return { ok: true, message: parse(received.body) };
  } catch (error) {
    const reason = error instanceof MessageValidationError ? error.message : 'body is not JSON';
    logger.error({ messageId: received.originMessageId, reason: reason.slice(0, 500) }, `poison ${what}`);
    return { ok: false, reason };
  }
}
