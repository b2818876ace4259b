// The app's OAuth client credentials per provider. In AWS they reach the task as environment
// variables injected from Secrets Manager (ECS `secrets`); against the local sandbox they default
// to the sandbox's well-known client, so `npm start` needs no setup.
import type { Config } from '../config/config.js';
import type { CloudProvider } from '../domain/types.js';

export interface AppCredentials {
  clientId: string;
  clientSecret: string;
}

const ENV_PREFIX: Record<CloudProvider, 'STRAVA' | 'FITBIT' | 'GARMIN' | 'GOOGLE_FIT'> = {
  strava: 'STRAVA',
  fitbit: 'FITBIT',
  garmin: 'GARMIN',
  google_fit: 'GOOGLE_FIT',
};

/** undefined when the provider is not configured on this deployment. */
export function appCredentials(config: Config, provider: CloudProvider): AppCredentials | undefined {
  const prefix = ENV_PREFIX[provider];
  const clientId = config[`${prefix}_CLIENT_ID`];
  const clientSecret = config[`${prefix}_CLIENT_SECRET`];
  if (clientId && clientSecret) return { clientId, clientSecret };
  if (config.PROVIDER_SANDBOX_URL)
    return { clientId: `sandbox-${provider}-client`, clientSecret: `sandbox-${provider}-secret` };
  return undefined;
}
