// Operations that are in the contract but whose behaviour belongs to later work. They answer 501
// problem+json `not_implemented`, never invented data. The README lists them; each moves to its
// own handler file when it is built. None is pending today (data exports were the last).
import { notImplemented } from '../../core/errors/AppError.js';
import type { HandlerMap, OperationId } from '../http/operationTypes.js';

export const PENDING_OPERATIONS = [] as const satisfies readonly OperationId[];

export type PendingOperation = (typeof PENDING_OPERATIONS)[number];

/** Compiles to HandlerMap only when every operation has a handler or a stub. */
type CompleteMap<Covered extends OperationId> = [Exclude<OperationId, Covered>] extends [never]
  ? HandlerMap
  : { missingHandlersFor: Exclude<OperationId, Covered> };

/**
 * The complete handler map: the implemented handlers plus a 501 stub for each pending operation.
 * An operation both implemented and pending is a compile error (`pending` only accepts operations
 * without a handler) and, should a cast hide it, an error at start-up: a stub never replaces a
 * handler. An operation with neither makes the result something other than a HandlerMap.
 */
export function withPendingStubs<
  Implemented extends OperationId,
  Pending extends Exclude<OperationId, Implemented>,
>(
  implemented: Pick<HandlerMap, Implemented>,
  pending: readonly Pending[],
): CompleteMap<Implemented | Pending> {
  const stubs: Record<string, () => Promise<never>> = {};
  for (const operationId of pending) {
    if (Object.hasOwn(implemented, operationId))
      throw new Error(`${operationId} has a handler and is listed as pending: remove it from the list`);
    stubs[operationId] = async () => {
      throw notImplemented(operationId);
    };
  }
  return { ...stubs, ...implemented } as unknown as CompleteMap<Implemented | Pending>;
}
