// The routes come from the bundled contract, not from hand-written paths: one entry per operation
// with what the pipeline needs to know (auth scheme, whether an Idempotency-Key is required).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { OperationId } from './operationTypes.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type AuthScheme = 'firebaseJwt' | 'operatorJwt' | 'adminKey' | 'none';

export interface Route {
  operationId: OperationId;
  method: HttpMethod;
  /** OpenAPI template, e.g. /v1/sync-jobs/{jobId} */
  path: string;
  /** Express form, e.g. /v1/sync-jobs/:jobId */
  expressPath: string;
  auth: AuthScheme;
  requiresIdempotencyKey: boolean;
  headerParams: string[];
}

interface SpecOperation {
  operationId: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ $ref?: string; in?: string; name?: string }>;
}

interface Spec {
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, SpecOperation>>;
  components?: { parameters?: Record<string, { in: string; name: string }> };
}

const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

export const BUNDLED_SPEC_PATH = new URL('../../generated/openapi.bundle.gen.yaml', import.meta.url).pathname;

export function loadRouteTable(specPath = BUNDLED_SPEC_PATH): Route[] {
  const spec = parse(readFileSync(specPath, 'utf8')) as Spec;
  const resolve = (p: { $ref?: string; in?: string; name?: string }) =>
    p.$ref ? spec.components?.parameters?.[p.$ref.split('/').pop() ?? ''] : p;
  const routes: Route[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const security = op.security ?? spec.security ?? [];
      const schemes = security.flatMap((s) => Object.keys(s));
      const params = (op.parameters ?? []).map(resolve).filter((p) => p !== undefined);
      const headerParams = params.filter((p) => p.in === 'header').map((p) => p.name ?? '');
      routes.push({
        operationId: op.operationId as OperationId,
        method,
        path,
        expressPath: path.replace(/\{([^}]+)\}/g, ':$1'),
        auth: schemes.includes('firebaseJwt')
          ? 'firebaseJwt'
          : schemes.includes('operatorJwt')
            ? 'operatorJwt'
            : schemes.includes('adminKey')
              ? 'adminKey'
              : 'none',
        requiresIdempotencyKey: headerParams.includes('Idempotency-Key'),
        headerParams,
      });
    }
  }
  return routes;
}
