// Operations that are in the contract but whose behaviour belongs to later work (exports, device
// sync). They answer 501 problem+json `not_implemented`, never invented data. The README
// lists them; each moves to its own handler file when it is built.
import { notImplemented } from '../../core/errors/AppError.js';
import type { HandlerMap, OperationId } from '../http/operationTypes.js';

const PENDING = [
  'createExportJob',
  'getExportJob',
  'registerDevice',
  'uploadDeviceData',
  'submitDeviceReadResponse',
  'getStagedData',
  'confirmDeviceWrite',
] as const satisfies readonly OperationId[];

export type PendingOperation = (typeof PENDING)[number];

export function notYetImplementedHandlers(): Pick<HandlerMap, PendingOperation> {
  const handlers: Partial<Record<PendingOperation, () => Promise<never>>> = {};
  for (const operationId of PENDING)
    handlers[operationId] = async () => {
      throw notImplemented(operationId);
    };
  return handlers as Pick<HandlerMap, PendingOperation>;
}

export const PENDING_OPERATIONS: readonly OperationId[] = PENDING;
