// Port for the sync outcome events (AsyncAPI channel `syncEvents`, EventBridge bus
// `syncwell-events`): SyncSucceeded and SyncFailed. Every adapter validates each event against its
// generated JSON Schema before anything leaves the process, so a bug cannot publish a malformed
// event; a batch with one invalid event is refused whole.
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { assertMessage } from '../messages/messageSchemas.js';
import type { SyncFailed, SyncSucceeded } from '../../generated/messages.gen.js';
import { createEventBridgeClient, EventBridgeEventBus } from './eventBridgeBus.js';
import { LocalEventBus } from './localEventBus.js';

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
>;

/** EVENT_BUS=eventbridge: PutEvents on EVENT_BUS_NAME; local (default): JSON lines in EVENT_LOG_FILE. */
export function createEventBus(config: EventBusConfig, logger: Logger): EventBus {
  if (config.EVENT_BUS === 'eventbridge') {
    logger.info({ eventBusName: config.EVENT_BUS_NAME }, 'sync events go to EventBridge');
    return new EventBridgeEventBus({
      client: createEventBridgeClient(config),
      eventBusName: config.EVENT_BUS_NAME,
      logger,
    });
  }
  logger.info({ file: config.EVENT_LOG_FILE }, 'sync events go to the local event log');
  return new LocalEventBus(config.EVENT_LOG_FILE);
}
