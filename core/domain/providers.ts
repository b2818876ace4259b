// What the API shows users about a provider: its profile's display name and its icon. Icons are
// served by the CDN (spec §2, static asset delivery), never by this backend.
import { PROVIDER_PROFILES } from '../providers/profiles.js';
import type { Provider } from './types.js';

export const PROVIDER_DISPLAY_NAMES: Readonly<Record<Provider, string>> = Object.freeze(
  Object.fromEntries(Object.values(PROVIDER_PROFILES).map((p) => [p.id, p.displayName])) as Record<
    Provider,
    string
  >,
);

export function providerIconUrl(assetBaseUrl: string, provider: Provider): string {
  return `${assetBaseUrl.replace(/\/$/, '')}/providers/${provider}.png`;
}
