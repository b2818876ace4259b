// Static facts about each provider that the API shows to users. Icons are served by the CDN
// (spec §2, static asset delivery), never by this backend.
import type { Provider } from './types.js';

export const PROVIDER_DISPLAY_NAMES: Record<Provider, string> = {
  strava: 'Strava',
  fitbit: 'Fitbit',
  garmin: 'Garmin Connect',
  google_fit: 'Google Fit',
  apple_health: 'Apple Health',
};

export function providerIconUrl(assetBaseUrl: string, provider: Provider): string {
  return `${assetBaseUrl.replace(/\/$/, '')}/providers/${provider}.png`;
}
