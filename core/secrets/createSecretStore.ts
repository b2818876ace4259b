// Chooses the secret store adapter (kept apart from the port in secretStore.ts, which the adapters
// import: the port must not import them back).
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { awsClientOptions, type Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createAwsSecretStore } from './awsSecretStore.js';
import { createLocalSecretStore } from './localSecretStore.js';
import type { SecretStore, SecretStoreConfig } from './secretStore.js';
import { SessionScopedSecretStore } from './sessionScopedSecretStore.js';

/**
 * The adapter SECRET_STORE names. Throws a ConfigError when the local store has no usable key (see
 * localSecretStore.ts: production requires LOCAL_SECRET_KEY).
 */
export function createSecretStore(config: SecretStoreConfig, logger?: Logger): SecretStore {
  switch (config.SECRET_STORE) {
    case 'aws':
      logger?.info(
        { secretStore: 'aws', prefix: config.SECRET_NAME_PREFIX },
        'secret store: AWS Secrets Manager',
      );
      return createAwsSecretStore(config);
    case 'local':
      return createLocalSecretStore(config, logger);
  }
}

/**
 * The worker's store: with SECRET_ACCESS_ROLE_ARN (and Secrets Manager), each secret through a
 * session whose policy names it alone; otherwise the same store as the API's.
 */
export function createWorkerSecretStore(
  config: SecretStoreConfig &
    Pick<Config, 'SECRET_ACCESS_ROLE_ARN' | 'SECRET_ACCESS_SESSION_REUSE_SECONDS' | 'CREDENTIAL_CACHE_MAX'>,
  logger?: Logger,
): SecretStore {
  const roleArn = config.SECRET_ACCESS_ROLE_ARN;
  if (config.SECRET_STORE !== 'aws' || !roleArn) return createSecretStore(config, logger);
  logger?.info(
    { secretStore: 'aws', prefix: config.SECRET_NAME_PREFIX, roleArn },
    'secret store: AWS Secrets Manager, one secret per session',
  );
  const { credentials: _taskCredentials, ...shared } = awsClientOptions(config);
  return new SessionScopedSecretStore({
    sts: new STSClient(awsClientOptions(config)),
    roleArn,
    region: config.AWS_REGION,
    prefix: config.SECRET_NAME_PREFIX,
    clientFor: (credentials) =>
      new SecretsManagerClient({
        ...shared,
        credentials,
        ...(config.SECRETS_MANAGER_ENDPOINT ? { endpoint: config.SECRETS_MANAGER_ENDPOINT } : {}),
      }),
    reuseMs: config.SECRET_ACCESS_SESSION_REUSE_SECONDS * 1000,
    maxSessions: config.CREDENTIAL_CACHE_MAX,
  });
}
