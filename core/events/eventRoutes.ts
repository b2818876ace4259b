// What the EventBridge rules of infra/terraform/events.tf do with the sync events, for the local
// event bus adapter, which has no EventBridge to do it: each route names its rule, the event pattern
// it matches (the rule's, word for word) and the queue (by AsyncAPI channel) that receives each event's detail as the message body
// (the target's input path `$.detail`), so the consumer is the same code locally and in AWS. The
// local stack refuses to start when Terraform's rules and these routes differ
// (infra/local/eventRoutes.ts).
import type { QueueChannel } from '../../generated/channels.gen.js';
import type { SyncEvent } from './eventBus.js';
import { eventPatternOf, matchesEventPattern, type EventPattern } from './eventPattern.js';

/** The `source` every sync event is published with (core/events/eventBridgeBus.ts). */
export const EVENT_SOURCE = 'syncwell.worker';

export interface EventRoute {
  /** The rule's name in AWS. */
  rule: string;
  /** The rule's `event_pattern`. */
  pattern: EventPattern;
  /** The channel whose queue is the rule's target. */
  channel: QueueChannel;
  /** What of the event the target receives: the detail alone. */
  inputPath: '$.detail';
}

export const EVENT_ROUTES = [
  {
    rule: 'syncwell-sync-notifications',
    // Only what the notification consumer may tell the user (worker/notifications/
    // syncOutcomeNotifications.ts, whose test proves the pattern never drops such an event): a
    // failure for good, a historical backfill's success, a manual job that wrote something.
    pattern: eventPatternOf({
      source: [EVENT_SOURCE],
      'detail-type': ['SyncSucceeded', 'SyncFailed'],
      detail: {
        $or: [
          { retryable: [false] },
          { trigger: ['historical'], retryable: [{ exists: false }] },
          { trigger: ['manual'], recordsWritten: [{ numeric: ['>', 0] }] },
        ],
      },
    }),
    channel: 'syncNotifications',
    inputPath: '$.detail',
  },
] as const satisfies readonly EventRoute[];

/** The envelope EventBridge matches a rule's pattern against (the fields the publisher sets). */
export function eventEnvelope(event: SyncEvent): Record<string, unknown> {
  return { source: EVENT_SOURCE, 'detail-type': event.type, detail: event.detail };
}

/** Whether the route's rule matches the event. */
export function routeMatches(route: Pick<EventRoute, 'pattern'>, event: SyncEvent): boolean {
  return matchesEventPattern(route.pattern, eventEnvelope(event));
}

/** The message body a route's queue receives for an event (input path `$.detail`). */
export function routedBody(event: SyncEvent): string {
  return JSON.stringify(event.detail);
}
