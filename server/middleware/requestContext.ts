// Gives every request a correlation id (the caller's X-Correlation-Id when well-formed) and a child
// logger carrying it; both are echoed so a client can quote the id to support.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../core/logging/logger.js';
import type { RequestContext } from '../http/operationTypes.js';

const CORRELATION_ID = /^[A-Za-z0-9._-]{8,128}$/;

declare module 'express-serve-static-core' {
  interface Locals {
    ctx: RequestContext;
  }
}

export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.get('x-correlation-id');
    const correlationId = offered && CORRELATION_ID.test(offered) ? offered : randomUUID();
    res.locals.ctx = {
      correlationId,
      logger: logger.child({ correlationId }),
      auth: null,
      idempotency: null,
    };
    res.setHeader('X-Correlation-Id', correlationId);
    next();
  };
}
