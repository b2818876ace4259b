// The app's OAuth client credentials per provider, read from the config keys its profile names. In
// AWS they reach the task as environment variables injected from Secrets Manager (ECS `secrets`);
// against the local sandbox they default to the sandbox's well-known client, so `npm start` needs
// no setup.
import type { Config } from '../config/config.js';
import type { CloudProvider } from '../domain/types.js';
import { cloudProfile } from '../providers/profiles.js';

export interface AppCredentials {
  clientId: string;
  clientSecret: string;
}

/** undefined when the provider is not configured on this deployment. */
export function appCredentials(config: Config, provider: CloudProvider): AppCredentials | undefined {
  const keys = cloudProfile(provider).oauth.appCredentials;
  const clientId = config[keys.clientId];
  const clientSecret = config[keys.clientSecret];
  if (clientId && clientSecret) return { clientId, clientSecret };
  if (config.PROVIDER_SANDBOX_URL)
    return { clientId: `sandbox-${provider}-client`, clientSecret: `sandbox-${provider}-secret` };
  return undefined;
}
