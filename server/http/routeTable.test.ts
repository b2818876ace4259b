import { expect } from 'chai';
import { loadRouteTable } from './routeTable.js';
import { PENDING_OPERATIONS } from '../handlers/notYetImplemented.js';

describe('route table from the bundled contract', () => {
  const routes = loadRouteTable();

  it('has one route per operation with unique operation ids', () => {
    const ids = routes.map((r) => r.operationId);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(ids).to.include.members([
      'createSyncJob',
      'getSyncJob',
      'listConnections',
      'invalidateJwksKey',
      'getReadiness',
    ]);
  });

  it('protects every /v1 route except webhooks, the OAuth callback, admin, internal and operations with a user token', () => {
    for (const r of routes.filter((x) => x.path.startsWith('/v1/'))) {
      const expected =
        r.path.startsWith('/v1/webhooks/') || r.path.includes('/oauth/')
          ? 'none'
          : r.path.startsWith('/v1/admin/') || r.path.startsWith('/v1/internal/')
            ? 'adminKey'
            : r.path.startsWith('/v1/operations/')
              ? 'operatorJwt'
              : 'firebaseJwt';
      expect(r.auth, `${r.method} ${r.path}`).to.equal(expected);
    }
  });

  it('requires an Idempotency-Key on every state-changing user or operator route, and only there', () => {
    for (const r of routes) {
      const stateChangingUserRoute =
        r.method !== 'get' && (r.auth === 'firebaseJwt' || r.auth === 'operatorJwt');
      expect(r.requiresIdempotencyKey, `${r.method} ${r.path}`).to.equal(stateChangingUserRoute);
    }
  });

  it('lists only real operations as not yet implemented', () => {
    const ids = new Set(routes.map((r) => r.operationId));
    for (const op of PENDING_OPERATIONS) expect(ids.has(op), op).to.equal(true);
  });

  it('converts path templates to express paths', () => {
    const r = routes.find((x) => x.operationId === 'getSyncJob');
    expect(r).to.include({
      method: 'get',
      path: '/v1/sync-jobs/{jobId}',
      expressPath: '/v1/sync-jobs/:jobId',
    });
  });
});
