// The provider registry: one profile per Provider of the contract. Adding a provider is its profile
// (core/providers/<name>/profile.ts), its DataProvider (same folder) and one line here;
// the compiler then names everything else that needs it (docs/architecture.md, "Adding a provider").
import type { CloudProvider, DataType, Provider } from '../domain/types.js';
import { appleHealthProfile } from './appleHealth/profile.js';
import { fitbitProfile } from './fitbit/profile.js';
import { garminProfile } from './garmin/profile.js';
import { googleFitProfile } from './googleFit/profile.js';
import { googleHealthProfile } from './googleHealth/profile.js';
import { healthConnectProfile } from './healthConnect/profile.js';
import type {
  CloudProviderProfile,
  DeviceProviderProfile,
  ProviderProfile,
  ProviderProfiles,
} from './profile.js';
import { stravaProfile } from './strava/profile.js';

const profiles = {
  strava: stravaProfile,
  fitbit: fitbitProfile,
  garmin: garminProfile,
  google_fit: googleFitProfile,
  google_health: googleHealthProfile,
  apple_health: appleHealthProfile,
  health_connect: healthConnectProfile,
} satisfies ProviderProfiles satisfies Record<Provider, ProviderProfile>;

export const PROVIDER_PROFILES: ProviderProfiles = Object.freeze(profiles);

const all: readonly ProviderProfile[] = Object.values(PROVIDER_PROFILES);

/** Every provider with a cloud API (connected through OAuth), in registry order. */
export const CLOUD_PROVIDERS: readonly CloudProvider[] = Object.freeze(
  all.flatMap((p) => (p.kind === 'cloud' ? [p.id] : [])),
);

export function isCloudProvider(provider: Provider): provider is CloudProvider {
  return PROVIDER_PROFILES[provider].kind === 'cloud';
}

/** The profile of a device-only provider (Apple Health, Health Connect). */
export function deviceProfile(provider: Provider): DeviceProviderProfile | undefined {
  const profile = PROVIDER_PROFILES[provider];
  return profile.kind === 'device' ? profile : undefined;
}

export function cloudProfile(provider: CloudProvider): CloudProviderProfile {
  return PROVIDER_PROFILES[provider];
}

/** Providers SyncWell must poll: a cloud API without change notifications. */
export function isPolled(provider: Provider): boolean {
  const profile = PROVIDER_PROFILES[provider];
  return profile.kind === 'cloud' && profile.changeNotifications.style === 'none';
}

/** The data type a webhook event of the provider concerns (null: none, or unknown). */
export function webhookDataType(provider: Provider, providerEventName: string): DataType | null {
  const profile = PROVIDER_PROFILES[provider];
  if (profile.kind !== 'cloud' || profile.changeNotifications.style === 'none') return null;
  const table = profile.changeNotifications.dataTypeOf;
  return Object.hasOwn(table, providerEventName) ? (table[providerEventName] ?? null) : null;
}

/** Whether a normalised webhook event type means the user revoked SyncWell at the provider. */
export function isRevocationEvent(provider: Provider, eventType: string): boolean {
  const profile = PROVIDER_PROFILES[provider];
  return (
    profile.kind === 'cloud' &&
    profile.changeNotifications.style !== 'none' &&
    profile.changeNotifications.revocationEvents.includes(eventType)
  );
}
