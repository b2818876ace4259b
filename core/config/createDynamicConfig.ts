// Chooses the dynamic configuration's source from the environment (DYNAMIC_CONFIG_SOURCE) and
// checks what that source needs, failing fast at start-up like the rest of config.ts.
import { AppConfigSource } from './appConfigSource.js';
import { ConfigError, type Config } from './config.js';
import { DynamicConfig, type ConfigSource } from './dynamicConfig.js';
import { FileConfigSource } from './fileConfigSource.js';
import type { Logger } from '../logging/logger.js';

/** DYNAMIC_CONFIG_SOURCE=none: an empty document, in force at once (the environment's values). */
const ENVIRONMENT_ONLY: ConfigSource = {
  name: 'none',
  fetch: () => Promise.resolve({ kind: 'document', version: 'environment', body: {} }),
};

export function createDynamicConfig(
  config: Config,
  logger: Logger,
  process: 'api' | 'worker',
): DynamicConfig {
  const source = sourceFor(config);
  return new DynamicConfig(source, logger, {
    refreshMs: config.DYNAMIC_CONFIG_REFRESH_SECONDS * 1000,
    component: `${process}_config`,
  });
}

function sourceFor(config: Config): ConfigSource {
  switch (config.DYNAMIC_CONFIG_SOURCE) {
    case 'none':
      return ENVIRONMENT_ONLY;
    case 'file':
      if (!config.DYNAMIC_CONFIG_FILE)
        throw new ConfigError(
          'Invalid configuration:\n  DYNAMIC_CONFIG_FILE: required with DYNAMIC_CONFIG_SOURCE=file',
        );
      return new FileConfigSource(config.DYNAMIC_CONFIG_FILE);
    case 'appconfig': {
      const application = config.APPCONFIG_APPLICATION;
      if (!application)
        throw new ConfigError(
          'Invalid configuration:\n  APPCONFIG_APPLICATION: required with DYNAMIC_CONFIG_SOURCE=appconfig',
        );
      return new AppConfigSource({ ...config, APPCONFIG_APPLICATION: application });
    }
  }
}
