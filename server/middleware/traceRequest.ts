// The API's span for each request addressed to a contract operation: named by method and route
// template (never the concrete path, which holds ids), sampled by the rules in
// core/observability/traceSampling.ts, ended when the response is sent. The handler runs inside it
// (operationAdapter), so the messages it sends carry the trace on to the worker.
import type { NextFunction, Request, Response } from 'express';
import { SpanKind, SpanStatusCode, startSpan, type Span } from '../../core/observability/tracing.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** The request's span, when the process traces. */
    span?: Span;
  }
}

export function traceRequest() {
  return (req: Request, res: Response, next: NextFunction) => {
    const route = res.locals.route;
    if (!route) return next();
    const span = startSpan(`${req.method} ${route.path}`, SpanKind.SERVER, {
      'http.request.method': req.method,
      'http.route': route.path,
      'syncwell.operation': route.operationId,
      'syncwell.correlation_id': res.locals.ctx.correlationId,
    });
    // Unsampled spans are kept too: the worker must follow the decision, not sample on its own.
    res.locals.span = span;
    if (!span.isRecording()) return next();
    res.once('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    res.once('close', () => span.isRecording() && span.end());
    next();
  };
}
