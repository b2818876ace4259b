// PLACEHOLDER — being written; replaced by the real fake.
import type { ProviderFake, ProviderFakeDeps } from './types.js';
export function createGarminFake(_deps: ProviderFakeDeps): ProviderFake {
  return {
    id: 'garmin',
    oauthShape: {
      authorizePath: '/oauth/authorize',
      tokenPath: '/oauth/token',
      clientAuth: 'body',
      pkce: false,
      tokenJson: (g) => ({ access_token: g.accessToken }),
    },
    handle: () => undefined,
    addUser: (id) => id,
    records: () => [],
    reset: () => undefined,
  };
}
