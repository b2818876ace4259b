// SyncSuccessRate from the events that announce each job's end: every publisher of SyncSucceeded
// and SyncFailed (the hot path, historical chunks, cloud → device round trips in the API) goes
// through the event bus, so counting there counts each job once, whatever produced it.
import type { EventBus, SyncEvent } from '../events/eventBus.js';
import { syncAttemptFailures, syncJobs } from './metrics.js';

/** Counts the events a bus has published (after it accepted them). */
export class SyncOutcomeMetrics implements EventBus {
  /** `bus`: the adapter that publishes (EventBridge or the local log). */
  constructor(readonly bus: EventBus) {}

  async publish(events: SyncEvent[]): Promise<void> {
    await this.bus.publish(events);
    for (const event of events) {
      if (event.type === 'SyncSucceeded')
        syncJobs.inc({ trigger: event.detail.trigger, outcome: 'succeeded' });
      // A retryable failure is one attempt; the job's final status comes later.
      else if (event.detail.retryable) syncAttemptFailures.inc({ code: event.detail.errorCode });
      else syncJobs.inc({ trigger: event.detail.trigger, outcome: 'failed' });
    }
  }

  close(): Promise<void> {
    return this.bus.close?.() ?? Promise.resolve();
  }
}
