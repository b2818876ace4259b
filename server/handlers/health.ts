// Liveness (the process answers) and readiness (its dependencies answer).
import type { HandlerMap } from '../http/operationTypes.js';
import type { HandlerDependencies } from './dependencies.js';

export function healthHandlers(d: HandlerDependencies): Pick<HandlerMap, 'getHealth' | 'getReadiness'> {
  return {
    async getHealth() {
      return { status: 200, body: { status: 'ok' } };
    },

    async getReadiness() {
      const checks = await d.readiness();
      const ready = Object.values(checks).every((s) => s === 'ok');
      return ready
        ? { status: 200, body: { status: 'ready', checks } }
        : { status: 503, body: { status: 'not_ready', checks }, headers: { 'Retry-After': '5' } };
    },
  };
}
