// Authentication per the operation's security scheme, before the body is parsed or validated, so
// an unauthenticated caller learns nothing about the contract and costs us little.
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../core/errors/AppError.js';
import type { TokenVerifier } from '../auth/tokenVerifier.js';

export function authenticateUser(verifier: TokenVerifier) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.ctx.auth = await verifier.authenticate(req.get('authorization'));
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Operator routes (the console's API): a valid token whose `role` claim is `operator`; anyone else 403. */
export function authenticateOperator(verifier: TokenVerifier) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const user = await verifier.authenticate(req.get('authorization'));
      if (user.role !== 'operator') return next(new AppError(403, 'forbidden'));
      res.locals.ctx.auth = user;
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Admin routes: a shared key from configuration; with none configured, admin routes are closed. */
export function authenticateAdmin(adminKey: string | undefined) {
  const expected = adminKey ? Buffer.from(adminKey) : undefined;
  return (req: Request, _res: Response, next: NextFunction) => {
    const offered = Buffer.from(req.get('x-admin-key') ?? '');
    if (expected && offered.length === expected.length && timingSafeEqual(offered, expected)) return next();
    next(new AppError(401, 'unauthenticated'));
  };
}

/**
 * Garmin signs nothing (`receiveGarminNotification`): what it does send is the app's client id in a
 * `garmin-client-id` header, checked (in constant time) before the body is parsed. A deployment
 * without Garmin credentials takes no Garmin deliveries at all.
 */
export function authenticateGarminWebhook(clientId: string | undefined) {
  const expected = clientId ? Buffer.from(clientId) : undefined;
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!expected) return next(new AppError(403, 'forbidden'));
    const offered = Buffer.from(req.get('garmin-client-id') ?? '');
    if (offered.length === expected.length && timingSafeEqual(offered, expected)) return next();
    next(new AppError(401, 'unauthenticated'));
  };
}

/** Spec C-004: state-changing calls without an Idempotency-Key are rejected with a stable code. */
export function requireIdempotencyKey(req: Request, _res: Response, next: NextFunction) {
  if (req.get('idempotency-key')) return next();
  next(new AppError(400, 'idempotency_key_required'));
}
