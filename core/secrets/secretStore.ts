// The secret store port (spec §2): users' OAuth tokens live encrypted in a secret store, and the CONN
// item holds only a random UUID pointer to them (CredentialArn). Two adapters:
// - `aws`: AWS Secrets Manager, one secret per connection (awsSecretStore.ts);
// - `local`: AES-256-GCM files under SECRET_STORE_DIR, for the local stack and tests
//   (localSecretStore.ts).
// Callers see only ProviderTokens (which cannot leak through logs or JSON) and the errors below.
import type { Config } from '../config/config.js';
import type { ProviderTokens } from './providerTokens.js';

export interface SecretStore {
  /** Stores new tokens under a new random UUID and returns it: the pointer the CONN item keeps. */
  create(tokens: ProviderTokens): Promise<string>;
  /** The tokens behind `ref`; SecretNotFoundError when there are none. */
  get(ref: string): Promise<ProviderTokens>;
  /** Replaces the tokens behind an existing `ref` (after a refresh); SecretNotFoundError when absent. */
  put(ref: string, tokens: ProviderTokens): Promise<void>;
  /** Deletes the tokens for good. Idempotent: deleting an absent ref succeeds. */
  delete(ref: string): Promise<void>;
}

/**
 * The store cannot be reached right now (network, throttling, 5xx, KMS unavailable, local disk
 * errors). Transient: retry later, do not mark the connection as broken. This is the spec's
 * `SecureStorageUnavailableException`.
 */
export class SecureStorageUnavailableError extends Error {
  override readonly name = 'SecureStorageUnavailableError';
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No secret exists behind the ref (never created, deleted, or being deleted). */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  readonly transient = false;
  constructor(readonly ref: string) {
    super(`no secret stored for ${ref}`);
  }
}

/**
 * The stored secret exists but cannot be used: it failed authentication (modified, copied from
 * another ref, or encrypted with another key) or does not decode. Not transient: the user has to
 * re-authorize the connection.
 */
export class SecretCorruptedError extends Error {
  override readonly name = 'SecretCorruptedError';
  readonly transient = false;
  constructor(
    readonly ref: string,
    reason: string,
  ) {
    super(`secret ${ref} is unusable: ${reason}`);
  }
}

/** A ref that is not a secret-store pointer: rejected before any I/O. */
export class InvalidSecretRefError extends TypeError {
  override readonly name = 'InvalidSecretRefError';
  constructor() {
    // The value is not echoed: whatever was passed in place of a ref could be anything.
    super('secret ref must be a lowercase UUID v4');
  }
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True for the pointers this store hands out (crypto.randomUUID(): lowercase UUID v4). */
export function isSecretRef(ref: unknown): ref is string {
  return typeof ref === 'string' && UUID_V4.test(ref);
}

/** Throws InvalidSecretRefError unless `ref` is a UUID v4; adapters call it before any I/O. */
export function assertSecretRef(ref: unknown): asserts ref is string {
  if (!isSecretRef(ref)) throw new InvalidSecretRefError();
}

export type SecretStoreConfig = Pick<
  Config,
  | 'NODE_ENV'
  | 'SECRET_STORE'
  | 'LOCAL_SECRET_KEY'
  | 'SECRET_STORE_DIR'
  | 'SECRETS_MANAGER_ENDPOINT'
  | 'SECRET_NAME_PREFIX'
  | 'AWS_REGION'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
>;
