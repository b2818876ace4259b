// Publishes each sync event's job status on the user's Redis channel, after the event itself went
// to the bus: an event bus that also tells the API processes holding the user's WebSockets. It wraps
// whichever EventBus adapter the process uses (EventBridge or the local log), so every publisher of
// SyncSucceeded/SyncFailed (the hot path, historical chunks, the API's device round trips) fans out
// without a change of its own.
import type { Redis } from '../cache/redis.js';
import type { EventBus, SyncEvent } from '../events/eventBus.js';
import type { Logger } from '../logging/logger.js';
import { assertMessage } from '../messaging/messageSchemas.js';
import type { JobStatusChanged } from '../../generated/messages.gen.js';
import { jobStatusChannel, jobStatusFromEvent } from './jobStatusChannel.js';

export class JobStatusFanOut implements EventBus {
  constructor(
    private readonly bus: EventBus,
    private readonly redis: Pick<Redis, 'publish'>,
    private readonly logger: Logger,
  ) {}

  async publish(events: SyncEvent[]): Promise<void> {
    // The event first: if the bus refuses it, nothing is announced that did not happen.
    await this.bus.publish(events);
    await Promise.all(events.map((event) => this.relay(jobStatusFromEvent(event))));
  }

  /**
   * A status no sync event stands for (the worker claimed the job: RUNNING; it waits for the phone:
   * WAITING_FOR_DEVICE), announced to the user's sockets only.
   */
  announce(update: Omit<JobStatusChanged, 'schemaVersion'>): Promise<void> {
    return this.relay({ schemaVersion: 1, ...update });
  }

  private async relay(change: JobStatusChanged): Promise<void> {
    const update = assertMessage('JobStatusChanged', change);
    try {
      await this.redis.publish(jobStatusChannel(update.userId), JSON.stringify(update));
    } catch (error) {
      // Best effort: the JOB item holds the status, and a socket re-reads it when it (re)subscribes.
      this.logger.warn({ err: error, jobId: update.jobId }, 'job status not published to sockets');
    }
  }

  close(): Promise<void> {
    return this.bus.close?.() ?? Promise.resolve();
  }
}
