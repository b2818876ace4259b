// Chooses the event bus adapter (kept apart from the port in eventBus.ts, which the adapters
// import: the port must not import them back).
import type { Logger } from '../logging/logger.js';
import { QUEUE_URL_SETTING } from '../messaging/queueUrls.js';
import { createSqsJsonClient, SqsQueueSender } from '../queue/sqs.js';
import { createEventBridgeClient, EventBridgeEventBus } from './eventBridgeBus.js';
import type { EventBus, EventBusConfig } from './eventBus.js';
import { EVENT_ROUTES } from './eventRoutes.js';
import { LocalEventBus, type LocalRouteTarget } from './localEventBus.js';
import { SyncOutcomeMetrics } from '../observability/syncOutcomeMetrics.js';

/**
 * EVENT_BUS=eventbridge: PutEvents on EVENT_BUS_NAME (the rules route the events); local (default):
 * JSON lines in EVENT_LOG_FILE, and each event also sent to the queue of every rule that matches it
 * and whose queue URL is configured (SYNC_NOTIFICATIONS_QUEUE_URL). Either way the outcomes are
 * counted (core/observability/syncOutcomeMetrics.ts).
 */
export function createEventBus(config: EventBusConfig, logger: Logger): EventBus {
  // Every job's end is counted where it is announced (SyncSuccessRate).
  return new SyncOutcomeMetrics(createAdapter(config, logger));
}

function createAdapter(config: EventBusConfig, logger: Logger): EventBus {
  if (config.EVENT_BUS === 'eventbridge') {
    logger.info({ eventBusName: config.EVENT_BUS_NAME }, 'sync events go to EventBridge');
    return new EventBridgeEventBus({
      client: createEventBridgeClient(config),
      eventBusName: config.EVENT_BUS_NAME,
      logger,
    });
  }
  const targets = EVENT_ROUTES.flatMap((route) => {
    const url = config[QUEUE_URL_SETTING[route.channel]];
    return url ? [{ route, url }] : [];
  });
  logger.info(
    { file: config.EVENT_LOG_FILE, routes: targets.map((t) => t.route.rule) },
    'sync events go to the local event log and the queues of their rules',
  );
  if (targets.length === 0) return new LocalEventBus(config.EVENT_LOG_FILE);
  const sqs = createSqsJsonClient(config);
  const routes: LocalRouteTarget[] = targets.map(({ route, url }) => ({
    pattern: route.pattern,
    queue: new SqsQueueSender(sqs, url, 0),
  }));
  return new LocalEventBus(config.EVENT_LOG_FILE, undefined, { routes, onClose: () => sqs.destroy() });
}
