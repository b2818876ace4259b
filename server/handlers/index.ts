// The complete handler map. Typed as HandlerMap: an operation of the contract without a handler
// here is a compile error.
import type { HandlerMap } from '../http/operationTypes.js';
import { adminHandlers } from './admin.js';
import { connectionHandlers } from './connections.js';
import type { HandlerDependencies } from './dependencies.js';
import { healthHandlers } from './health.js';
import { notYetImplementedHandlers } from './notYetImplemented.js';
import { syncConfigHandlers } from './syncConfigs.js';
import { syncJobHandlers } from './syncJobs.js';
import { userHandlers } from './users.js';
import { webhookHandlers } from './webhooks.js';

export function createHandlers(d: HandlerDependencies): HandlerMap {
  return {
    ...connectionHandlers(d),
    ...syncConfigHandlers(d),
    ...syncJobHandlers(d),
    ...userHandlers(d),
    ...healthHandlers(d),
    ...adminHandlers(d),
    ...webhookHandlers(d),
    ...notYetImplementedHandlers(),
  };
}
