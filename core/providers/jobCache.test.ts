// Provider instances live as long as the worker: what they learn per user must stay on the job's
// context (JobCache) or in a bounded, expiring LRU. Jobs here are fresh contexts against the sandbox.
import { expect } from 'chai';
import { LRUCache } from 'lru-cache';
import type { CloudProvider } from '../domain/types.js';
import { providerEndpoints } from './endpoints.js';
import {
  startProviderSandbox,
  type ProviderSandbox,
  type SandboxUser,
} from '../../infra/local/sandbox/sandboxServer.js';
import { issueTokens } from '../../infra/local/sandbox/testTokens.js';
import type { DataProvider, ProviderContext } from './dataProvider.js';
import { FitbitProvider } from './fitbit/fitbitProvider.js';
import { GarminProvider } from './garmin/garminProvider.js';
import { GoogleFitProvider } from './googleFit/googleFitProvider.js';
import { JobCache, jobSlot } from './jobCache.js';
import { createProviderHttp } from './providerHttp.js';
import { StravaProvider } from './strava/stravaProvider.js';

const NOW = new Date('2026-11-10T12:00:00Z');
const DAY = 86_400_000;
const WINDOW = { since: new Date(NOW.getTime() - 14 * DAY), until: NOW };

/** Per-user state an instance holds: Map/Set sizes; LRU caches must be bounded and expiring. */
function retainedPerUser(instance: object): number {
  let entries = 0;
  for (const value of Object.values(instance)) {
    if (value instanceof LRUCache) {
      expect(value.max, 'an LRU on a provider is bounded').to.be.greaterThan(0);
      expect(value.ttl, 'an LRU on a provider expires').to.be.greaterThan(0);
      expect(value.size).to.be.at.most(value.max);
    } else if (value instanceof Map || value instanceof Set) entries += value.size;
    expect(value).to.not.be.instanceOf(WeakMap);
  }
  return entries;
}

describe('JobCache', () => {
  it('creates a slot once per job, never shared between jobs', () => {
    let created = 0;
    const slot = jobSlot('test', () => {
      created += 1;
      return new Map<string, number>();
    });
    const a = new JobCache();
    const b = new JobCache();
    a.get(slot).set('x', 1);
    expect(a.get(slot).get('x')).to.equal(1);
    expect(b.get(slot).has('x')).to.equal(false);
    expect(created).to.equal(2);
    expect(a.size).to.equal(1);
  });
});

describe('provider instances keep nothing per job', () => {
  let sandbox: ProviderSandbox;
  let calls: number;
  const users: SandboxUser[] = [];

  before(async () => {
    sandbox = await startProviderSandbox({ now: () => NOW });
    for (let i = 0; i < 3; i += 1) users.push(sandbox.createUser({ name: `job-cache-${i}` }));
  });
  after(() => sandbox.stop());
  beforeEach(() => {
    calls = 0;
  });

  /** A new context: a new job for the user's connection. */
  function job(provider: CloudProvider, user: SandboxUser): ProviderContext {
    const grant = issueTokens(sandbox, provider, user.sandboxUserId);
    return {
      connection: {
        userId: `usr_${user.sandboxUserId}`,
        connectionId: `conn_${provider}_${user.sandboxUserId}`,
        provider,
        providerUserId: user.providerUserIds[provider],
      },
      http: createProviderHttp({
        provider,
        baseUrl: providerEndpoints(provider, sandbox.url).apiBaseUrl,
        tokens: { accessToken: async () => grant.accessToken },
        onCall: () => (calls += 1),
      }),
      job: new JobCache(),
    };
  }

  const cases: Array<[string, () => DataProvider]> = [
    ['fitbit', () => new FitbitProvider({ now: () => NOW })],
    ['garmin', () => new GarminProvider({ now: () => NOW })],
    ['google_fit', () => new GoogleFitProvider({ now: () => NOW })],
    ['strava', () => new StravaProvider({ now: () => NOW })],
  ];
  for (const [name, create] of cases)
    it(`${name}: hydration uses this job's listing; the next job lists again; the instance retains nothing`, async () => {
      const provider = create();
      for (const user of users) {
        const first = job(provider.id, user);
        const summaries = await provider.fetchMetadata(first, 'workout', WINDOW);
        expect(summaries.length, 'the persona has workouts').to.be.greaterThan(0);
        const some = summaries.slice(0, 2);
        const listed = calls;
        await provider.fetchPayloads(first, 'workout', some);
        const hydrateCalls = calls - listed;

        // The same summaries in a new job: the last job's listing is gone with it.
        const second = job(provider.id, user);
        const before = calls;
        const again = await provider.fetchPayloads(second, 'workout', some);
        expect(again.map((r) => r.recordId)).to.deep.equal(some.map((s) => s.recordId));
        if (name !== 'strava') {
          expect(hydrateCalls, 'hydrated from the listing').to.equal(0);
          expect(calls - before, 'the new job lists again').to.be.greaterThan(0);
        }
      }
      expect(retainedPerUser(provider)).to.equal(0);
    });

  it('google_fit: data-source ids outlive the job in a bounded, expiring LRU', async () => {
    const provider = new GoogleFitProvider({ now: () => NOW, sourceIdCacheSize: 2 });
    const weight = (user: SandboxUser) => ({
      recordId: `w-${user.sandboxUserId}`,
      sourceId: 'conn_fitbit',
      provider: 'fitbit' as const,
      measuredAt: '2026-11-09T07:00:00Z',
      weightKg: 70,
      bodyFatPercentage: null,
      bmi: null,
      timezone: null,
      lastModified: '2026-11-09T07:00:00Z',
    });
    for (const user of users)
      await provider.push(job('google_fit', user), 'weight', [{ record: weight(user) }]);
    const pushAgain = async (user: SandboxUser) => {
      const before = calls;
      await provider.push(job('google_fit', user), 'weight', [
        { record: { ...weight(user), recordId: 'w-again', measuredAt: '2026-11-09T08:00:00Z' } },
      ]);
      return calls - before;
    };
    // A later job of a user still cached: the duplicate check and the write, no data-source listing.
    expect(await pushAgain(users.at(-1)!)).to.equal(2);
    // The first user fell out of the bound (2 entries): its source is listed again.
    expect(await pushAgain(users[0]!)).to.equal(3);
    expect(retainedPerUser(provider)).to.equal(0);
  });
});
