// Deleted accounts (DELETE /v1/users/me): the user's Firebase tokens stay valid for up to an hour
// after the deletion, and nothing must come of them: every authenticated operation answers 410
// `account_deleted`, before any handler could recreate the profile or start work. Deleting again
// is the one exception (it answers 202 again). The check costs no backend call on a request: the
// tombstone is cached per process (core/account/accountStatus.ts).
import type { NextFunction, Request, Response } from 'express';
import type { AccountStatus } from '../../core/account/accountStatus.js';
import { AppError, serviceUnavailable } from '../../core/errors/AppError.js';
import type { OperationId } from '../http/operationTypes.js';

/** Operations a deleted account may still call. */
const ALLOWED_AFTER_DELETION: ReadonlySet<OperationId> = new Set<OperationId>(['deleteCurrentUser']);

export const accountDeleted = () => new AppError(410, 'account_deleted');

/** True when the operation may run for an account whose deletion was requested. */
export const allowedAfterDeletion = (operationId: OperationId) => ALLOWED_AFTER_DELETION.has(operationId);

export function rejectDeletedAccounts(status: Pick<AccountStatus, 'isDeleted'>) {
  return async (_req: Request, res: Response, next: NextFunction) => {
    const userId: string | undefined = res.locals.ctx.auth?.userId;
    const operationId: OperationId | undefined = res.locals.route?.operationId;
    if (!userId || !operationId || allowedAfterDeletion(operationId)) return next();
    try {
      if (await status.isDeleted(userId)) return next(accountDeleted());
    } catch (error) {
      // The tombstone could not be read: refusing is safer than serving a deleted account.
      return next(serviceUnavailable(1, error));
    }
    next();
  };
}
