// AWS Secrets Manager adapter of SecretStore (spec §2). One secret per connection, named
// `${SECRET_NAME_PREFIX}${ref}` where ref is a random UUID: the name says nothing about the user or
// the provider. Secrets Manager encrypts with KMS (the account's `aws/secretsmanager` key unless the
// Terraform sets another); the task role needs secretsmanager:Create/Get/Put/DeleteSecret on the
// prefix only.
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { awsClientOptions, type Config } from '../config/config.js';
import { ProviderTokens } from './providerTokens.js';
import {
  assertSecretRef,
  SecretCorruptedError,
  SecretNotFoundError,
  SecureStorageUnavailableError,
  type SecretStore,
} from './secretStore.js';

// Errors after which a later retry can succeed: throttling, service-side failures, KMS trouble
// (Secrets Manager reports KMS problems as DecryptionFailure / EncryptionFailure), timeouts.
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'DecryptionFailure',
  'EncryptionFailure',
  // The task role's credentials could not be fetched (container credential endpoint hiccup).
  'CredentialsProviderError',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function isTransient(error: SdkErrorShape): boolean {
  const status = error.$metadata?.httpStatusCode;
  return (
    (typeof error.name === 'string' && TRANSIENT_NAMES.has(error.name)) ||
    (typeof error.code === 'string' && NETWORK_CODES.has(error.code)) ||
    (typeof status === 'number' && (status >= 500 || status === 429)) ||
    Boolean(error.$retryable)
  );
}

/** Maps an SDK failure to the port's errors; anything else (permissions, bad input) is rethrown as is. */
export function mapSecretsManagerError(error: unknown, operation: string, ref: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const e = error as SdkErrorShape;
  if (e.name === 'ResourceNotFoundException') return new SecretNotFoundError(ref);
  // Right after a deletion Secrets Manager may still know the secret, as "marked for deletion".
  if (
    e.name === 'InvalidRequestException' &&
    typeof e.message === 'string' &&
    /marked for deletion|scheduled for deletion/i.test(e.message)
  ) {
    return new SecretNotFoundError(ref);
  }
  if (isTransient(e)) {
    const what = typeof e.name === 'string' ? e.name : 'error';
    return new SecureStorageUnavailableError(`Secrets Manager ${operation} failed (${what})`, {
      cause: error,
    });
  }
  return error;
}

export interface AwsSecretStoreOptions {
  client: SecretsManagerClient;
  /** SECRET_NAME_PREFIX, e.g. `syncwell/provider-tokens/`. */
  prefix: string;
}

export class AwsSecretStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;

  constructor(options: AwsSecretStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix;
  }

  /** The secret's name for a ref. */
  secretName(ref: string): string {
    assertSecretRef(ref);
    return `${this.#prefix}${ref}`;
  }

  async create(tokens: ProviderTokens): Promise<string> {
    const ref = randomUUID();
    const name = this.secretName(ref);
    try {
      await this.#client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: tokens.sealForStorage(),
          // Fixed for this create, so the SDK's own retries of a request whose response was lost are
          // idempotent (Secrets Manager treats a repeat with the same token and value as a no-op).
          ClientRequestToken: randomUUID(),
          Description: 'SyncWell: OAuth tokens of one provider connection',
        }),
      );
    } catch (error) {
      throw mapSecretsManagerError(error, 'CreateSecret', ref);
    }
    return ref;
  }

  async get(ref: string): Promise<ProviderTokens> {
    const name = this.secretName(ref);
    let secretString: string | undefined;
    try {
      const out = await this.#client.send(new GetSecretValueCommand({ SecretId: name }));
      secretString = out.SecretString;
    } catch (error) {
      throw mapSecretsManagerError(error, 'GetSecretValue', ref);
    }
    if (secretString === undefined) throw new SecretCorruptedError(ref, 'the secret has no string value');
    try {
      return ProviderTokens.unsealFromStorage(secretString);
    } catch {
      throw new SecretCorruptedError(ref, 'the secret value is not a token set');
    }
  }

  async put(ref: string, tokens: ProviderTokens): Promise<void> {
    const name = this.secretName(ref);
    try {
      await this.#client.send(
        new PutSecretValueCommand({
          SecretId: name,
          SecretString: tokens.sealForStorage(),
          ClientRequestToken: randomUUID(),
        }),
      );
    } catch (error) {
      throw mapSecretsManagerError(error, 'PutSecretValue', ref);
    }
  }

  async delete(ref: string): Promise<void> {
    const name = this.secretName(ref);
    try {
      await this.#client.send(
        // No recovery window: the tokens are revoked at the provider together with the connection,
        // and a deleted connection's tokens must not linger (a recovery window would keep them for
        // 7 to 30 days).
        new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }),
      );
    } catch (error) {
      const mapped = mapSecretsManagerError(error, 'DeleteSecret', ref);
      if (mapped instanceof SecretNotFoundError) return;
      throw mapped;
    }
  }
}

export function createSecretsManagerClient(
  config: Pick<
    Config,
    'AWS_REGION' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY' | 'SECRETS_MANAGER_ENDPOINT'
  >,
): SecretsManagerClient {
  return new SecretsManagerClient({
    ...awsClientOptions(config),
    ...(config.SECRETS_MANAGER_ENDPOINT ? { endpoint: config.SECRETS_MANAGER_ENDPOINT } : {}),
  });
}

export function createAwsSecretStore(
  config: Pick<
    Config,
    | 'AWS_REGION'
    | 'AWS_ACCESS_KEY_ID'
    | 'AWS_SECRET_ACCESS_KEY'
    | 'SECRETS_MANAGER_ENDPOINT'
    | 'SECRET_NAME_PREFIX'
  >,
): AwsSecretStore {
  return new AwsSecretStore({
    client: createSecretsManagerClient(config),
    prefix: config.SECRET_NAME_PREFIX,
  });
}
