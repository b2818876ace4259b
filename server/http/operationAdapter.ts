// Runs one operation's handler inside the HTTP pipeline: builds the typed request, applies the
// idempotency protocol to state-changing calls, and writes the handler's result.
import { createHash, randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import stringify from 'safe-stable-stringify';
import { AppError } from '../../core/errors/AppError.js';
import type { IdempotencyRepository, StoredResponse } from '../../core/store/idempotencyRepository.js';
import type { Handler, OperationId, OperationRequest, RequestContext } from './operationTypes.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import type { Route } from './routeTable.js';
import { idempotencyCollisions } from '../../core/observability/metrics.js';
import { withSpan, type Span } from '../../core/observability/tracing.js';

/** Headers worth replaying with a stored response. */
const REPLAYED_HEADERS = ['location', 'etag', 'retry-after', 'content-type'];

function buildRequest(
  route: Route,
  req: Request,
  pathParams: Record<string, string>,
): OperationRequest<OperationId> {
  const headers: Record<string, string | undefined> = {};
  for (const name of route.headerParams) headers[name] = req.get(name);
  return {
    params: pathParams,
    query: req.query,
    headers,
    body: req.body,
    rawBody: (req as Request & { rawBody?: Buffer }).rawBody,
  } as unknown as OperationRequest<OperationId>;
}

function serialize(result: {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}): StoredResponse {
  return {
    status: result.status,
    headers: {
      ...result.headers,
      ...(result.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: result.body === undefined ? '' : JSON.stringify(result.body),
  };
}

function replayable(stored: StoredResponse): StoredResponse {
  const headers = Object.entries(stored.headers).filter(([h]) => REPLAYED_HEADERS.includes(h.toLowerCase()));
  return { ...stored, headers: Object.fromEntries(headers) };
}

function send(res: Response, stored: StoredResponse): void {
  res.status(stored.status);
  for (const [name, value] of Object.entries(stored.headers)) res.setHeader(name, value);
  if (stored.body === '') res.end();
  else res.send(stored.body);
}

/** The handler's result, sent through res.json so response validation (dev/test) sees it. */
function sendResult(
  res: Response,
  result: { status: number; body: unknown; headers?: Record<string, string> },
): void {
  res.status(result.status);
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.body === undefined) res.end();
  else res.json(result.body);
}

/** Runs the handler; if it fails, its deferred writes are still awaited (and their errors dropped). */
async function runHandler(
  handler: Handler<OperationId>,
  request: OperationRequest<OperationId>,
  ctx: RequestContext,
  span: Span | undefined,
) {
  try {
    return await (span ? withSpan(span, () => handler(request, ctx)) : handler(request, ctx));
  } catch (error) {
    await Promise.allSettled(ctx.deferredWrites);
    throw error;
  }
}

export function fingerprintOf(req: Request): string {
  return createHash('sha256')
    .update(`${req.method} ${req.path}\n${stringify(req.body ?? null)}`)
    .digest('base64url');
}

export function operationAdapter(
  route: Route,
  handler: Handler<OperationId>,
  idempotency: IdempotencyRepository,
) {
  return async (req: Request, res: Response) => {
    const ctx: RequestContext = res.locals.ctx;
    const request = buildRequest(route, req, res.locals.pathParams ?? {});
    const key = route.requiresIdempotencyKey ? req.get('idempotency-key') : undefined;
    if (!key || !ctx.auth) {
      const result = await runHandler(handler, request, ctx, res.locals.span);
      await Promise.all(ctx.deferredWrites);
      sendResult(res, result);
      return;
    }

    const userId = ctx.auth.userId;
    const fingerprint = fingerprintOf(req);
    const begun = await idempotency.begin(userId, key, fingerprint, randomUUID());
    if (begun.kind !== 'started') idempotencyCollisions.inc({ kind: begun.kind });
    if (begun.kind === 'replay') {
      res.setHeader('Idempotent-Replayed', 'true');
      return send(res, begun.response);
    }
    if (begun.kind === 'mismatch') throw new AppError(422, 'idempotency_key_reused');
    if (begun.kind === 'in_progress')
      throw new AppError(409, 'idempotency_key_in_use', { headers: { 'Retry-After': '1' } });

    ctx.idempotency = { key, reservedId: begun.reservedId, recovered: begun.recovered };
    const store = (response: StoredResponse) =>
      idempotency.complete(userId, key, fingerprint, begun.reservedId, replayable(response));
    let result: Awaited<ReturnType<typeof handler>>;
    try {
      result = await runHandler(handler, request, ctx, res.locals.span);
    } catch (error) {
      if (error instanceof AppError && error.status < 500) {
        // A client error is the request's outcome: store it like any response (Stripe semantics),
        // then let the error middleware send the very same problem.
        const problem = toProblem(error, req.originalUrl, ctx.correlationId);
        await store({
          status: problem.status,
          headers: { ...problem.headers, 'content-type': PROBLEM_CONTENT_TYPE },
          body: JSON.stringify(problem.body),
        });
      } else {
        // The request did not complete: give the key back so a retry runs it again.
        await idempotency
          .release(userId, key, fingerprint)
          .catch((e: unknown) => ctx.logger.warn({ err: e }, 'idempotency release failed'));
      }
      throw error;
    }
    await Promise.all([store(serialize(result)), ...ctx.deferredWrites]);
    sendResult(res, result);
  };
}
