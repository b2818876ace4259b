// Chooses the event bus adapter (kept apart from the port in eventBus.ts, which the adapters
// import: the port must not import them back).
import type { Logger } from '../logging/logger.js';
import { createEventBridgeClient, EventBridgeEventBus } from './eventBridgeBus.js';
import type { EventBus, EventBusConfig } from './eventBus.js';
import { LocalEventBus } from './localEventBus.js';

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
