// Assembles the API. The operation comes from the bundled contract (one lookup per request); each
// request then passes authentication, the per-user budget, the Idempotency-Key check, body parsing,
// contract validation and its handler. Errors of every stage become problem+json in one place.
import helmet from 'helmet';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Config } from '../core/config/config.js';
import { AppError } from '../core/errors/AppError.js';
import type { Logger } from '../core/logging/logger.js';
import type { IdempotencyRepository } from '../core/store/idempotencyRepository.js';
import type { ProfileRepository } from '../core/store/profileRepository.js';
import type { TokenVerifier } from './auth/tokenVerifier.js';
import { docsRouter } from './docs.js';
import { consoleRouter } from './console/consoleRouter.js';
import { operationAdapter } from './http/operationAdapter.js';
import type { HandlerMap, OperationId } from './http/operationTypes.js';
import { RouteMatcher } from './http/routeMatcher.js';
import { assertJsonDepth } from './http/jsonDepth.js';
import { appCredentials } from '../core/oauth/appCredentials.js';
import { BUNDLED_SPEC_PATH, loadRouteTable, type Route } from './http/routeTable.js';
import {
  authenticateAdmin,
  authenticateGarminWebhook,
  authenticateOperator,
  authenticateUser,
  requireIdempotencyKey,
} from './middleware/authenticate.js';
import { googleHealthWebhookGate } from './middleware/googleHealthWebhook.js';
import { ensureProfile } from './middleware/ensureProfile.js';
import { allowedAfterDeletion, rejectDeletedAccounts } from './middleware/accountGate.js';
import type { AccountStatus } from '../core/account/accountStatus.js';
import { errorHandler } from './middleware/errorHandler.js';
import { rateLimitPerUser, type RequestBudget } from './middleware/rateLimit.js';
import { requestContext } from './middleware/requestContext.js';
import { traceRequest } from './middleware/traceRequest.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  tokenVerifier: TokenVerifier;
  idempotency: IdempotencyRepository;
  /** Every signed-in user gets a profile (the scheduler's index), with the token's tier. */
  profiles: Pick<ProfileRepository, 'ensure'>;
  /** Deleted accounts answer 410 (their tokens stay valid for up to an hour). */
  accountStatus: Pick<AccountStatus, 'isDeleted'>;
  handlers: HandlerMap;
  /** Every user's request budget across the fleet (middleware/rateLimit.ts). */
  requestBudget: RequestBudget;
  routes?: Route[];
}

/** Runs `middleware` only for operations `applies` selects. */
const when =
  (applies: (route: Route) => boolean, middleware: RequestHandler): RequestHandler =>
  (req, res, next) =>
    res.locals.route && applies(res.locals.route) ? middleware(req, res, next) : next();

function resolveRoute(matcher: RouteMatcher): RequestHandler {
  return (req, res, next) => {
    const match = matcher.match(req.method, req.path);
    if (match.kind === 'found') {
      res.locals.route = match.route;
      res.locals.pathParams = match.params;
      return next();
    }
    const params = { method: req.method, path: req.path };
    if (match.kind === 'method_not_allowed')
      return next(
        new AppError(405, 'method_not_allowed', { params, headers: { Allow: match.allowed.join(', ') } }),
      );
    next(new AppError(404, 'route_not_found', { params }));
  };
}

/**
 * OWASP's secure headers on every API answer (helmet), for a JSON API that no page frames or embeds:
 * no content of any kind may load, nothing may be cached (answers hold health data), no referrer.
 * /docs and /console set their own, for their pages. No CORS middleware on purpose: the apps are
 * not browsers and the console is same-origin, so no origin is ever granted.
 */
const apiHelmet = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  xFrameOptions: { action: 'deny' },
});
const apiSecurityHeaders: RequestHandler = (req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  apiHelmet(req, res, next);
};

export function buildApp(o: AppOptions): express.Express {
  const routes = o.routes ?? loadRouteTable();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);

  app.use(requestContext(o.logger));
  app.use('/docs', docsRouter());
  app.use('/console', consoleRouter());
  app.use(apiSecurityHeaders);
  app.use(resolveRoute(new RouteMatcher(routes)));
  if (o.config.TRACES_ENDPOINT) app.use(traceRequest());

  const isUserRoute = (r: Route) => r.auth === 'firebaseJwt';
  app.use(when(isUserRoute, authenticateUser(o.tokenVerifier)));
  app.use(when(isUserRoute, rateLimitPerUser(o.requestBudget)));
  app.use(when(isUserRoute, rejectDeletedAccounts(o.accountStatus)));
  app.use(when((r) => r.auth === 'operatorJwt', authenticateOperator(o.tokenVerifier)));
  app.use(when((r) => r.auth === 'adminKey', authenticateAdmin(o.config.ADMIN_API_KEY)));
  // The webhooks authenticated by a header (and Google Health's by its payload's signature):
  // checked before parsing.
  app.use(
    when(
      (r) => r.operationId === 'receiveGoogleHealthNotifications',
      googleHealthWebhookGate({
        authorization: o.config.GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
        publicKeyPem: o.config.GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY,
        bodyLimit: o.config.BODY_LIMIT,
      }),
    ),
  );
  app.use(
    when(
      (r) => r.operationId === 'receiveGarminNotification',
      authenticateGarminWebhook(appCredentials(o.config, 'garmin')?.clientId),
    ),
  );
  app.use(when((r) => r.requiresIdempotencyKey, requireIdempotencyKey));

  app.use(
    express.json({
      limit: o.config.BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
      // Webhook signatures are computed over the exact bytes received; the depth limit is checked
      // on them too, before anything recursive sees the body (./http/jsonDepth.ts).
      verify: (req, _res, buf) => {
        assertJsonDepth(buf);
        (req as Request & { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  // A client that closed its connection while its body was being read: nobody can receive an
  // answer, and body-parser left the body unread, so no handler may run on it (bench:api found a
  // 500 and an error line per dropped connection). It retries with its Idempotency-Key.
  app.use((req, res, next) => {
    if (!req.socket.destroyed) return next();
    res.locals.ctx.logger.info('client closed the connection before its request was read: not handled');
  });
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

  // After validation, so refused requests cost no backend call. Never for a deletion: it would
  // bring back the profile of an account being deleted.
  app.use(when((r) => isUserRoute(r) && !allowedAfterDeletion(r.operationId), ensureProfile(o.profiles)));

  const adapters = new Map(
    routes.map((route) => [
      route.operationId,
      operationAdapter(
        route,
        o.handlers[route.operationId] as HandlerMap[OperationId] as never,
        o.idempotency,
      ),
    ]),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    const adapter = res.locals.route && adapters.get(res.locals.route.operationId);
    if (!adapter)
      return next(new AppError(404, 'route_not_found', { params: { method: req.method, path: req.path } }));
    return adapter(req, res);
  });

  app.use(errorHandler(o.config.BODY_LIMIT));
  return app;
}
