// A cloud provider's OAuth 2.0 and REST endpoints, from its profile. With PROVIDER_SANDBOX_URL set
// (local stack, tests) every URL moves under `${sandbox}/${provider}` with the real path kept, so
// the same code talks to the sandbox.
import type { CloudProvider } from '../domain/types.js';
import type { CloudProviderProfile, OAuthProfile } from './profile.js';
import { cloudProfile } from './profiles.js';

/** The profile's OAuth facts without the credentials and user-id lookup, plus the API base. */
export interface ProviderEndpointSpec
  extends Omit<OAuthProfile, 'appCredentials' | 'userId'>, Pick<CloudProviderProfile, 'apiBaseUrl'> {}

/** The profile's real endpoints (core/providers/<provider>/profile.ts). */
function real(provider: CloudProvider): ProviderEndpointSpec {
  const { oauth, apiBaseUrl } = cloudProfile(provider);
  const { appCredentials: _credentials, userId: _userId, ...endpoints } = oauth;
  return { ...endpoints, apiBaseUrl };
}

/** The endpoints to use: the real ones, or the same paths under the local provider sandbox. */
export function providerEndpoints(provider: CloudProvider, sandboxUrl?: string): ProviderEndpointSpec {
  const spec = real(provider);
  if (!sandboxUrl) return spec;
  const root = `${sandboxUrl.replace(/\/$/, '')}/${provider}`;
  const move = (url: string) => {
    const u = new URL(url);
    return `${root}${u.pathname === '/' ? '' : u.pathname}`;
  };
  return {
    ...spec,
    authorizeUrl: move(spec.authorizeUrl),
    tokenUrl: move(spec.tokenUrl),
    apiBaseUrl: move(spec.apiBaseUrl),
    revocation: { ...spec.revocation, url: move(spec.revocation.url) },
  };
}
