import { expect } from 'chai';
import { DEFAULT_POLICIES } from '../ratelimit/policies.js';
import { dynamicConfigSchema, type DynamicConfigDocument } from './dynamicConfig.js';
import { createTunables, type TunableConfig } from './tunables.js';

const env: TunableConfig = {
  SYNC_CONFIDENCE_THRESHOLD: 3,
  JOB_DEADLINE_SECONDS: 300,
  JOB_LOG_SAMPLE_RATE_PRO: 100,
  JOB_LOG_SAMPLE_RATE_FREE: 10_000,
  POLL_MIN_INTERVAL_SECONDS: 900,
  POLL_MAX_INTERVAL_SECONDS: 43_200,
  COALESCING_WINDOW_SECONDS: 60,
  API_RATE_LIMIT_PER_MINUTE: 600,
  API_RATE_LIMIT_PER_MINUTE_PRO: 1200,
  RATE_LIMIT_OVERRIDES: JSON.stringify({ strava: [{ scope: 'app', capacity: 50, windowSeconds: 900 }] }),
};

/** A dynamic configuration whose document the test replaces, as a refresh would. */
function documentHolder(doc: unknown) {
  const holder = { current: dynamicConfigSchema.parse(doc) as DynamicConfigDocument };
  return { holder, set: (next: unknown) => (holder.current = dynamicConfigSchema.parse(next)) };
}

describe('tunables: the dynamic configuration over the environment, read where used', () => {
  it('answers the environment when there is no document, or it says nothing', () => {
    for (const t of [createTunables(env), createTunables(env, documentHolder({}).holder)]) {
      expect(t.syncConfidenceThreshold()).to.equal(3);
      expect(t.jobDeadlineMs()).to.equal(300_000);
      expect(t.logSampleRate('PRO')).to.equal(100);
      expect(t.logSampleRate('FREE')).to.equal(10_000);
      expect(t.pollIntervals()).to.deep.equal({ minSeconds: 900, maxSeconds: 43_200 });
      expect(t.coalescingWindowSeconds()).to.equal(60);
      expect(t.apiRateLimitPerMinute('FREE')).to.equal(600);
      expect(t.apiRateLimitPerMinute('PRO')).to.equal(1200);
      expect(t.rateLimitPolicy('strava')).to.deep.equal([
        { scope: 'app', capacity: 50, windowSeconds: 900, refillPerSecond: 50 / 900 },
      ]);
      expect(t.rateLimitPolicy('fitbit')).to.equal(DEFAULT_POLICIES.fitbit);
    }
  });

  it('follows a new document at once, field by field, without being rebuilt', () => {
    const { holder, set } = documentHolder({});
    const t = createTunables(env, holder);
    set({
      syncConfidenceThreshold: 0,
      jobDeadlineSeconds: 120,
      logSampling: { free: 1 },
      pollIntervals: { maxSeconds: 7200 },
      coalescingWindowSeconds: 15,
      apiRateLimitPerMinute: 0,
      apiRateLimitPerMinutePro: 3000,
      rateLimits: { fitbit: [{ scope: 'user', capacity: 300, windowSeconds: 3600 }] },
    });
    expect(t.syncConfidenceThreshold()).to.equal(0);
    expect(t.jobDeadlineMs()).to.equal(120_000);
    expect(t.logSampleRate('FREE')).to.equal(1);
    expect(t.logSampleRate('PRO')).to.equal(100);
    expect(t.pollIntervals()).to.deep.equal({ minSeconds: 900, maxSeconds: 7200 });
    expect(t.coalescingWindowSeconds()).to.equal(15);
    expect(t.apiRateLimitPerMinute('FREE')).to.equal(0);
    expect(t.apiRateLimitPerMinute('PRO')).to.equal(3000);
    // The document's providers on top of the environment's overrides, the rest untouched.
    expect(t.rateLimitPolicy('fitbit')).to.deep.equal([
      { scope: 'user', capacity: 300, windowSeconds: 3600, refillPerSecond: 300 / 3600 },
    ]);
    expect(t.rateLimitPolicy('strava')[0]!.capacity).to.equal(50);
    // The merge is kept while the document stays the same.
    expect(t.rateLimitPolicies()).to.equal(t.rateLimitPolicies());
    set({});
    expect(t.rateLimitPolicy('fitbit')).to.equal(DEFAULT_POLICIES.fitbit);
  });

  it('refuses documents that would be unsafe: a deadline past the seed’s 5 minutes, crossed poll bounds, a bucket twice', () => {
    for (const bad of [
      { jobDeadlineSeconds: 301 },
      { pollIntervals: { minSeconds: 7200, maxSeconds: 3600 } },
      { pollIntervals: { minSeconds: 10 } },
      {
        rateLimits: {
          strava: [
            { scope: 'app', capacity: 1, windowSeconds: 60 },
            { scope: 'app', capacity: 2, windowSeconds: 60 },
          ],
        },
      },
      { rateLimits: { myspace: [{ scope: 'app', capacity: 1, windowSeconds: 60 }] } },
    ])
      expect(dynamicConfigSchema.safeParse(bad).success, JSON.stringify(bad)).to.equal(false);
  });
});
