// Handler types derived from the generated OpenAPI `operations`: the request a handler receives
// and the success responses it may return are exactly the contract's. A missing handler, a wrong
// status or a wrong body shape is a compile error.
import type { operations } from '../../generated/openapi.gen.js';
import type { Logger } from '../../core/logging/logger.js';
import type { AuthUser } from '../auth/tokenVerifier.js';

export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];

type OrEmpty<T> = [T] extends [never]
  ? Record<string, never>
  : [T] extends [undefined]
    ? Record<string, never>
    : T;
type ParamsIn<K extends OperationId, Where extends 'path' | 'query' | 'header'> = OrEmpty<
  NonNullable<Op<K>['parameters'][Where]>
>;

type BodyOf<K extends OperationId> =
  NonNullable<Op<K>['requestBody']> extends { content: { 'application/json': infer B } } ? B : undefined;

type Responses<K extends OperationId> = Op<K>['responses'];
type ContentOf<R> = R extends { content: { 'application/json': infer B } } ? B : undefined;
/**
 * Statuses a handler may return: the 2xx ones, a redirect (302, its target in the Location header),
 * plus any other the contract answers with plain JSON (e.g. readiness 503). Errors are thrown as
 * AppError.
 */
type ReturnableStatus<K extends OperationId> = {
  [S in keyof Responses<K>]: S extends 200 | 201 | 202 | 204 | 302
    ? S
    : Responses<K>[S] extends { content: { 'application/json': unknown } }
      ? S
      : never;
}[keyof Responses<K>];

export interface OperationRequest<K extends OperationId> {
  params: ParamsIn<K, 'path'>;
  query: ParamsIn<K, 'query'>;
  headers: ParamsIn<K, 'header'>;
  body: BodyOf<K>;
  /** The exact bytes received (webhook signatures are computed over them). */
  rawBody: Buffer | undefined;
}

export type OperationResult<K extends OperationId> = {
  [S in ReturnableStatus<K> & number]: {
    status: S;
    body: ContentOf<Responses<K>[S]>;
    headers?: Record<string, string>;
  };
}[ReturnableStatus<K> & number];

export interface IdempotencyContext {
  key: string;
  /** A UUID reserved for this key: ids derived from it are the same when a crashed attempt is retried. */
  reservedId: string;
  /** True when this attempt takes over from an earlier one that died mid-way. */
  recovered: boolean;
}

export interface RequestContext {
  correlationId: string;
  readonly logger: Logger;
  auth: AuthUser | null;
  idempotency: IdempotencyContext | null;
  /**
   * Writes that must land before the response is sent but need not land before the handler
   * returns: the adapter awaits them together with the idempotency record, so they share one
   * BatchWriteItem call.
   */
  deferredWrites: Promise<unknown>[];
}

export type Handler<K extends OperationId> = (
  request: OperationRequest<K>,
  context: RequestContext,
) => Promise<OperationResult<K>>;

export type HandlerMap = { [K in OperationId]: Handler<K> };
