import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { loadConfig } from '../config/config.js';
import { chunkDaysFor } from '../domain/historicalRange.js';
import { PROVIDER_DISPLAY_NAMES } from '../domain/providers.js';
import { appCredentials } from '../oauth/appCredentials.js';
import { DEFAULT_POLICIES, loadPolicies } from '../ratelimit/policies.js';
import { providerEndpoints } from './endpoints.js';
import {
  CLOUD_PROVIDERS,
  cloudProfile,
  isPolled,
  isRevocationEvent,
  PROVIDER_PROFILES,
  webhookDataType,
} from './profiles.js';

const contractEnum = (name: string): string[] =>
  (
    parse(readFileSync(new URL(`../../contracts/schemas/${name}.yaml`, import.meta.url), 'utf8')) as {
      enum: string[];
    }
  ).enum;

describe('provider profiles', () => {
  it('cover every Provider of the contract, cloud profiles exactly its CloudProviders', () => {
    expect(Object.keys(PROVIDER_PROFILES)).to.have.members(contractEnum('Provider'));
    expect(CLOUD_PROVIDERS).to.have.members(contractEnum('CloudProvider'));
    for (const [key, profile] of Object.entries(PROVIDER_PROFILES)) expect(profile.id).to.equal(key);
  });

  it('are the source of the rate-limit policies', () => {
    expect(Object.keys(DEFAULT_POLICIES)).to.have.members([...CLOUD_PROVIDERS]);
    for (const provider of CLOUD_PROVIDERS)
      expect(DEFAULT_POLICIES[provider]).to.deep.equal(
        cloudProfile(provider).rateLimits.map((r) => ({
          scope: r.scope,
          capacity: r.limit,
          refillPerSecond: r.limit / r.windowSeconds,
          windowSeconds: r.windowSeconds,
        })),
      );
    // Every cloud provider may be overridden, by its registry id.
    for (const provider of CLOUD_PROVIDERS)
      expect(
        loadPolicies(JSON.stringify({ [provider]: [{ scope: 'app', capacity: 1, windowSeconds: 1 }] }))[
          provider
        ],
      ).to.have.length(1);
  });

  it('are the source of endpoints, real and moved under the sandbox', () => {
    for (const provider of CLOUD_PROVIDERS) {
      const { oauth, apiBaseUrl } = cloudProfile(provider);
      const real = providerEndpoints(provider);
      expect(real).to.include({ authorizeUrl: oauth.authorizeUrl, tokenUrl: oauth.tokenUrl, apiBaseUrl });
      expect(real.scopes).to.deep.equal(oauth.scopes);
      expect(real).to.not.have.property('appCredentials');
      const sandboxed = providerEndpoints(provider, 'http://localhost:9/');
      expect(sandboxed.tokenUrl).to.equal(
        `http://localhost:9/${provider}${new URL(oauth.tokenUrl).pathname}`,
      );
      expect(real.revocation).to.deep.equal(oauth.revocation);
      expect(sandboxed.revocation.url).to.equal(
        `http://localhost:9/${provider}${new URL(oauth.revocation.url).pathname}`,
      );
    }
  });

  it('name the config keys of the app credentials', () => {
    const env = Object.fromEntries(
      CLOUD_PROVIDERS.flatMap((p) => {
        const keys = cloudProfile(p).oauth.appCredentials;
        return [
          [keys.clientId, `${p}-id`],
          [keys.clientSecret, `${p}-secret`],
        ];
      }),
    );
    const config = loadConfig({
      ...env,
      HOT_PATH_QUEUE_URL: 'http://127.0.0.1:1/000000000000/q.fifo',
      FIREBASE_PROJECT_ID: 'p',
    });
    for (const provider of CLOUD_PROVIDERS)
      expect(appCredentials(config, provider)).to.deep.equal({
        clientId: `${provider}-id`,
        clientSecret: `${provider}-secret`,
      });
  });

  it('are the source of display names, chunk limits and webhook facts', () => {
    for (const profile of Object.values(PROVIDER_PROFILES)) {
      expect(PROVIDER_DISPLAY_NAMES[profile.id]).to.equal(profile.displayName);
      expect(chunkDaysFor(profile.id, 10_000)).to.equal(profile.maxHistoricalChunkDays);
    }
    expect(webhookDataType('fitbit', 'sleep')).to.equal('sleep_session');
    expect(webhookDataType('garmin', 'dailies')).to.equal('steps');
    expect(webhookDataType('strava', 'activity')).to.equal('workout');
    expect(webhookDataType('fitbit', 'constructor')).to.equal(null); // own keys only
    expect(isRevocationEvent('strava', 'athlete.deauthorize')).to.equal(true);
    expect(isRevocationEvent('fitbit', 'athlete.deauthorize')).to.equal(false);
    expect(isRevocationEvent('garmin', 'deregistrations')).to.equal(true);
    expect(CLOUD_PROVIDERS.filter(isPolled)).to.deep.equal(['google_fit']);
    expect(isPolled('apple_health')).to.equal(false);
  });

  it('let every polled provider answer pre-flight checks', () => {
    for (const provider of CLOUD_PROVIDERS.filter(isPolled))
      expect(cloudProfile(provider).preflightCheck, provider).to.equal(true);
  });
});
