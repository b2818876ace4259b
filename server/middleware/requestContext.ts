// Gives every request a correlation id (the caller's X-Correlation-Id when well-formed) and a
// logger carrying it (and the user, once known); both are echoed so a client can quote the id to
// support. The child logger is created on first use: most requests never log.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../core/logging/logger.js';
import type { RequestContext } from '../http/operationTypes.js';
import type { Route } from '../http/routeTable.js';

const CORRELATION_ID = /^[A-Za-z0-9._-]{8,128}$/;

declare module 'express-serve-static-core' {
  interface Locals {
    ctx: RequestContext;
    /** The contract operation this request addresses (set by resolveRoute). */
    route?: Route;
    /** Its path parameters, decoded (Express resets req.params at every middleware). */
    pathParams?: Record<string, string>;
  }
}

export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const offered = req.get('x-correlation-id');
    const correlationId = offered && CORRELATION_ID.test(offered) ? offered : randomUUID();
    let child: Logger | undefined;
    const ctx: RequestContext = {
      correlationId,
      auth: null,
      idempotency: null,
      deferredWrites: [],
      get logger() {
        child ??= logger.child(ctx.auth ? { correlationId, userId: ctx.auth.userId } : { correlationId });
        return child;
      },
    };
    res.locals.ctx = ctx;
    res.setHeader('X-Correlation-Id', correlationId);
    next();
  };
}
