// The complete handler map. Typed as HandlerMap: an operation of the contract with neither a
// handler here nor a place in the pending list is a compile error, and so is one in both.
import type { HandlerMap } from '../http/operationTypes.js';
import { adminHandlers } from './admin.js';
import { internalHandlers } from './internal.js';
import { connectionHandlers } from './connections.js';
import { deviceHandlers } from './devices.js';
import { deviceUploadHandlers } from './deviceUpload.js';
import { deviceRoundTripHandlers } from './deviceRoundTrip.js';
import { exportJobHandlers } from './exportJobs.js';
import type { HandlerDependencies } from './dependencies.js';
import { healthHandlers } from './health.js';
import { PENDING_OPERATIONS, withPendingStubs } from './notYetImplemented.js';
import { operationsHandlers } from './operations.js';
import { syncConfigHandlers } from './syncConfigs.js';
import { syncJobHandlers } from './syncJobs.js';
import { userHandlers } from './users.js';
import { webhookHandlers } from './webhooks.js';

export function createHandlers(d: HandlerDependencies): HandlerMap {
  const implemented = {
    ...connectionHandlers(d),
    ...syncConfigHandlers(d),
    ...syncJobHandlers(d),
    ...userHandlers(d),
    ...healthHandlers(d),
    ...adminHandlers(d),
    ...internalHandlers(d),
    ...webhookHandlers(d),
    ...deviceHandlers(d),
    ...deviceUploadHandlers(d),
    ...deviceRoundTripHandlers(d),
    ...exportJobHandlers(d),
    ...operationsHandlers(d),
  };
  return withPendingStubs(implemented, PENDING_OPERATIONS);
}
