// Chooses the secret store adapter (kept apart from the port in secretStore.ts, which the adapters
// import: the port must not import them back).
import type { Logger } from '../logging/logger.js';
import { createAwsSecretStore } from './awsSecretStore.js';
import { createLocalSecretStore } from './localSecretStore.js';
import type { SecretStore, SecretStoreConfig } from './secretStore.js';

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
