// Types derived from the contract's generated `operations` (never hand-written shapes).
import type { components, operations } from './generated/openapi.gen.js';

export type Schemas = components['schemas'];
export type OperationId = keyof operations;

type JsonContent<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type SuccessStatus = 200 | 201 | 202;

/** The JSON body of an operation's success response. */
export type ResultOf<K extends OperationId> = JsonContent<
  operations[K]['responses'][Extract<keyof operations[K]['responses'], SuccessStatus>]
>;
/** The JSON request body of an operation. */
export type RequestBodyOf<K extends OperationId> = operations[K] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : never;
/** The path parameters of an operation. */
export type PathParamsOf<K extends OperationId> = operations[K]['parameters'] extends { path: infer P }
  ? P
  : never;
/** The query parameters of an operation. */
export type QueryOf<K extends OperationId> = NonNullable<operations[K]['parameters']['query']>;

export type Connection = Schemas['Connection'];
export type ProviderNotice = Schemas['ProviderNotice'];
export type SyncConfig = Schemas['SyncConfig'];
export type SyncJob = Schemas['SyncJob'];
export type CloudProvider = Schemas['CloudProvider'];
export type DataType = Schemas['DataType'];

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the call, including a backoff wait between retries; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of a state-changing call. */
export interface MutationOptions extends CallOptions {
  /** The Idempotency-Key to send (default: a new UUIDv4 per logical call, reused by its retries). */
  idempotencyKey?: string;
}

/** Options of a state-changing call on a versioned resource. */
export interface ConditionalOptions extends MutationOptions {
  /** The resource's ETag (e.g. `"3"`), sent as `If-Match` so a stale update fails with 412. */
  ifMatch?: string;
}

/** A versioned resource and its ETag (pass it back as `ifMatch`). */
export interface WithEtag<T> {
  data: T;
  etag: string;
}
