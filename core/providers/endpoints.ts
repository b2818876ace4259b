// Where each cloud provider's OAuth 2.0 and REST endpoints live, and how its token endpoint wants
// the client to authenticate. With PROVIDER_SANDBOX_URL set (local stack, tests) every URL moves
// under `${sandbox}/${provider}` with the real path kept, so the same code talks to the sandbox.
import type { CloudProvider } from '../domain/types.js';

export interface ProviderEndpointSpec {
  /** Real origin + path of the consent page. */
  authorizeUrl: string;
  tokenUrl: string;
  /** Base of the REST API; providers append their documented paths. */
  apiBaseUrl: string;
  /** Where the client id/secret go on the token request (RFC 6749 §2.3.1). */
  clientAuth: 'body' | 'basic';
  /** Send a PKCE S256 challenge (required by Garmin, recommended by Fitbit and Google). */
  pkce: boolean;
  /** Strava separates scopes with commas, everyone else with spaces. */
  scopeSeparator: ',' | ' ';
  scopes: readonly string[];
  /** Extra authorize parameters a provider needs (Google: offline access for a refresh token). */
  extraAuthorizeParams?: Readonly<Record<string, string>>;
}

const REAL: Record<CloudProvider, ProviderEndpointSpec> = {
  strava: {
    authorizeUrl: 'https://www.strava.com/oauth/authorize',
    tokenUrl: 'https://www.strava.com/oauth/token',
    apiBaseUrl: 'https://www.strava.com/api/v3',
    clientAuth: 'body',
    pkce: false,
    scopeSeparator: ',',
    scopes: ['read', 'activity:read_all', 'activity:write'],
  },
  fitbit: {
    authorizeUrl: 'https://www.fitbit.com/oauth2/authorize',
    tokenUrl: 'https://api.fitbit.com/oauth2/token',
    apiBaseUrl: 'https://api.fitbit.com',
    clientAuth: 'basic',
    pkce: true,
    scopeSeparator: ' ',
    scopes: ['activity', 'sleep', 'weight', 'profile'],
  },
  garmin: {
    authorizeUrl: 'https://connect.garmin.com/oauth2Confirm',
    tokenUrl: 'https://diauth.garmin.com/di-oauth2-service/oauth/token',
    apiBaseUrl: 'https://apis.garmin.com',
    clientAuth: 'body',
    pkce: true,
    scopeSeparator: ' ',
    scopes: [],
  },
  google_fit: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    apiBaseUrl: 'https://www.googleapis.com/fitness/v1',
    clientAuth: 'body',
    pkce: true,
    scopeSeparator: ' ',
    scopes: [
      'https://www.googleapis.com/auth/fitness.activity.read',
      'https://www.googleapis.com/auth/fitness.activity.write',
      'https://www.googleapis.com/auth/fitness.body.read',
      'https://www.googleapis.com/auth/fitness.body.write',
      'https://www.googleapis.com/auth/fitness.sleep.read',
      'https://www.googleapis.com/auth/fitness.sleep.write',
    ],
    extraAuthorizeParams: { access_type: 'offline', prompt: 'consent' },
  },
};

/** The endpoints to use: the real ones, or the same paths under the local provider sandbox. */
export function providerEndpoints(provider: CloudProvider, sandboxUrl?: string): ProviderEndpointSpec {
  const real = REAL[provider];
  if (!sandboxUrl) return real;
  const root = `${sandboxUrl.replace(/\/$/, '')}/${provider}`;
  const move = (url: string) => {
    const u = new URL(url);
    return `${root}${u.pathname === '/' ? '' : u.pathname}`;
  };
  return {
    ...real,
    authorizeUrl: move(real.authorizeUrl),
    tokenUrl: move(real.tokenUrl),
    apiBaseUrl: move(real.apiBaseUrl),
  };
}

export const CLOUD_PROVIDERS: readonly CloudProvider[] = ['strava', 'fitbit', 'garmin', 'google_fit'];
