// ProviderManager (spec §2, "provider plug-in model"): a registry from cloud provider id to its
// DataProvider and its rate-limit header parser. The provider's static facts are its profile
// (core/providers/profiles.ts); adding a provider = its profile, its DataProvider, and one line
// here (the Record makes the compiler ask for it).
import type { CloudProvider, Provider } from '../domain/types.js';
import { isCloudProvider } from './profiles.js';
import type { RateLimitParser } from '../sync/requestBudget.js';
import type { DataProvider } from './dataProvider.js';
import { FitbitProvider, parseFitbitRateLimit } from './fitbit/fitbitProvider.js';
import { GarminProvider, parseGarminRateLimit } from './garmin/garminProvider.js';
import { GoogleFitProvider, parseGoogleFitRateLimit } from './googleFit/googleFitProvider.js';
import { GoogleHealthProvider, parseGoogleHealthRateLimit } from './googleHealth/googleHealthProvider.js';
import { parseStravaRateLimit, StravaProvider } from './strava/stravaProvider.js';

export interface ProviderRegistration {
  create(): DataProvider;
  parseRateLimit: RateLimitParser;
}

export const DEFAULT_REGISTRY: Readonly<Record<CloudProvider, ProviderRegistration>> = {
  strava: { create: () => new StravaProvider(), parseRateLimit: parseStravaRateLimit },
  fitbit: { create: () => new FitbitProvider(), parseRateLimit: parseFitbitRateLimit },
  garmin: { create: () => new GarminProvider(), parseRateLimit: parseGarminRateLimit },
  google_fit: { create: () => new GoogleFitProvider(), parseRateLimit: parseGoogleFitRateLimit },
  google_health: { create: () => new GoogleHealthProvider(), parseRateLimit: parseGoogleHealthRateLimit },
};

export class ProviderManager {
  private readonly instances = new Map<CloudProvider, DataProvider>();

  constructor(
    private readonly registry: Readonly<
      Partial<Record<CloudProvider, ProviderRegistration>>
    > = DEFAULT_REGISTRY,
  ) {}

  /**
   * The provider's DataProvider, or undefined if none is registered. One instance per process:
   * it keeps nothing per job (that goes on the job's ProviderContext).
   */
  get(provider: Provider): DataProvider | undefined {
    if (!isCloudProvider(provider)) return undefined;
    let instance = this.instances.get(provider);
    if (!instance) {
      const registration = this.registry[provider];
      if (!registration) return undefined;
      instance = registration.create();
      this.instances.set(provider, instance);
    }
    return instance;
  }

  rateLimitParser(provider: CloudProvider): RateLimitParser {
    return this.registry[provider]?.parseRateLimit ?? (() => undefined);
  }
}
