// The one place errors become responses: problem+json with a stable code, never a stack trace.
import type { NextFunction, Request, Response } from 'express';
import { PROBLEM_CONTENT_TYPE, toAppError, toProblem } from '../http/problem.js';

export function errorHandler(bodyLimit: string) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const ctx = res.locals.ctx;
    const appError = toAppError(error, req, bodyLimit);
    // A 501 is an operation the contract declares but that is not built yet: expected, not a fault.
    if (appError.code === 'not_implemented')
      ctx.logger.info({ code: appError.code, ...appError.params }, 'operation not implemented yet');
    else if (appError.status >= 500)
      ctx.logger.error({ err: appError.cause ?? error, code: appError.code }, 'request failed');
    else ctx.logger.debug({ code: appError.code }, 'request rejected');
    if (res.headersSent) return res.end();
    const problem = toProblem(appError, req.originalUrl, ctx.correlationId);
    res.status(problem.status);
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.body));
  };
}
