// Assembles the API: every route comes from the bundled contract; each request passes
// authentication, the Idempotency-Key check, body parsing, contract validation, then its handler.
import express, { type Request, type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Config } from '../core/config/config.js';
import type { Logger } from '../core/logging/logger.js';
import type { IdempotencyRepository } from '../core/store/idempotencyRepository.js';
import type { TokenVerifier } from './auth/tokenVerifier.js';
import { docsRouter } from './docs.js';
import { operationAdapter } from './http/operationAdapter.js';
import type { HandlerMap, OperationId } from './http/operationTypes.js';
import { BUNDLED_SPEC_PATH, loadRouteTable, type Route } from './http/routeTable.js';
import { authenticateAdmin, authenticateUser, requireIdempotencyKey } from './middleware/authenticate.js';
import { errorHandler } from './middleware/errorHandler.js';
import { rateLimitPerUser } from './middleware/rateLimit.js';
import { requestContext } from './middleware/requestContext.js';
import { AppError } from '../core/errors/AppError.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  tokenVerifier: TokenVerifier;
  idempotency: IdempotencyRepository;
  handlers: HandlerMap;
  routes?: Route[];
}

export function buildApp(o: AppOptions): express.Express {
  const routes = o.routes ?? loadRouteTable();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);

  app.use(requestContext(o.logger));
  app.use('/docs', docsRouter());

  const userAuth = authenticateUser(o.tokenVerifier);
  const userRateLimit = rateLimitPerUser(o.config.API_RATE_LIMIT_PER_MINUTE);
  const adminAuth = authenticateAdmin(o.config.ADMIN_API_KEY);
  for (const route of routes) {
    const pre: RequestHandler[] = [];
    if (route.auth === 'firebaseJwt') pre.push(userAuth, userRateLimit);
    if (route.auth === 'adminKey') pre.push(adminAuth);
    if (route.requiresIdempotencyKey) pre.push(requireIdempotencyKey);
    if (pre.length) app[route.method](route.expressPath, ...pre);
  }

  app.use(
    express.json({
      limit: o.config.BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
      // Webhook signatures are computed over the exact bytes received.
      verify: (req, _res, buf) => {
        (req as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  app.use(
    OpenApiValidator.middleware({
      apiSpec: BUNDLED_SPEC_PATH,
      validateApiSpec: o.config.NODE_ENV !== 'production',
      validateRequests: { allErrors: true },
      validateResponses: o.config.VALIDATE_RESPONSES ? { allErrors: true } : false,
      validateSecurity: false,
      ignoreUndocumented: false,
      validateFormats: true,
      ajvFormats: { mode: 'full' },
    }),
  );

  for (const route of routes) {
    const handler = o.handlers[route.operationId] as HandlerMap[OperationId];
    app[route.method](route.expressPath, operationAdapter(route, handler as never, o.idempotency));
  }

  app.use((req, _res, next) =>
    next(new AppError(404, 'route_not_found', { params: { method: req.method, path: req.path } })),
  );
  app.use(errorHandler(o.config.BODY_LIMIT));
  return app;
}
