// Operator actions. Spec R-002: evict a signing key from the JWKS cache.
import { notFound } from '../../core/errors/AppError.js';
import type { HandlerMap } from '../http/operationTypes.js';
import type { HandlerDependencies } from './dependencies.js';

export function adminHandlers(d: HandlerDependencies): Pick<HandlerMap, 'invalidateJwksKey'> {
  return {
    async invalidateJwksKey({ params }, ctx) {
      if (!d.tokenVerifier.evictKey(params.kid)) throw notFound('cached signing key');
      ctx.logger.warn({ kid: params.kid }, 'signing key evicted from the JWKS cache by an operator');
      return { status: 204, body: undefined };
    },
  };
}
