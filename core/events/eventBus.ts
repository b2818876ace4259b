// Port for the sync outcome events (AsyncAPI channel `syncEvents`, EventBridge bus
// `syncwell-events`): SyncSucceeded and SyncFailed. Every adapter validates each event against its
// generated JSON Schema before anything leaves the process, so a bug cannot publish a malformed
// event; a batch with one invalid event is refused whole.
import type { Config } from '../config/config.js';
import { assertMessage } from '../messaging/messageSchemas.js';
import type { SyncFailed, SyncSucceeded } from '../../generated/messages.gen.js';

export type SyncEvent =
  { type: 'SyncSucceeded'; detail: SyncSucceeded } | { type: 'SyncFailed'; detail: SyncFailed };

export type SyncEventType = SyncEvent['type'];

export const SYNC_EVENT_TYPES: readonly SyncEventType[] = ['SyncSucceeded', 'SyncFailed'];

export interface EventBus {
  /** Publishes every event or throws; validation failures throw before anything is published. */
  publish(events: SyncEvent[]): Promise<void>;
  /** Releases what the adapter holds open (file handles, clients). */
  close?(): Promise<void>;
}

export class UnknownEventTypeError extends Error {
  override readonly name = 'UnknownEventTypeError';
}

/** Throws (MessageValidationError, UnknownEventTypeError) unless every event matches the contract. */
export function assertSyncEvents(events: readonly SyncEvent[]): void {
  for (const event of events) {
    if (!SYNC_EVENT_TYPES.includes(event.type))
      throw new UnknownEventTypeError(`not a sync event type: ${String(event.type)}`);
    assertMessage(event.type, event.detail);
  }
}

export type EventBusConfig = Pick<
  Config,
  | 'EVENT_BUS'
  | 'EVENT_BUS_NAME'
  | 'EVENTBRIDGE_ENDPOINT'
  | 'EVENT_LOG_FILE'
  | 'AWS_REGION'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
  | 'SQS_ENDPOINT'
  | 'SYNC_NOTIFICATIONS_QUEUE_URL'
>;
