// What the EventBridge rules of infra/terraform/events.tf do with the sync events, for the local
// event bus adapter, which has no EventBridge to do it: each route names its rule, the events it
// matches and the queue (by AsyncAPI channel) that receives each event's detail as the message body
// (the target's input path `$.detail`), so the consumer is the same code locally and in AWS. The
// local stack refuses to start when Terraform's rules and these routes differ
// (infra/local/eventRoutes.ts).
import type { QueueChannel } from '../../generated/channels.gen.js';
import type { SyncEvent, SyncEventType } from './eventBus.js';

/** The `source` every sync event is published with (core/events/eventBridgeBus.ts). */
export const EVENT_SOURCE = 'syncwell.worker';

export interface EventRoute {
  /** The rule's name in AWS. */
  rule: string;
  source: string;
  detailTypes: readonly SyncEventType[];
  /** The channel whose queue is the rule's target. */
  channel: QueueChannel;
  /** What of the event the target receives: the detail alone. */
  inputPath: '$.detail';
}

export const EVENT_ROUTES = [
  {
    rule: 'syncwell-sync-notifications',
    source: EVENT_SOURCE,
    detailTypes: ['SyncSucceeded', 'SyncFailed'],
    channel: 'syncNotifications',
    inputPath: '$.detail',
  },
] as const satisfies readonly EventRoute[];

/** The message body a route's queue receives for an event (input path `$.detail`). */
export function routedBody(event: SyncEvent): string {
  return JSON.stringify(event.detail);
}
