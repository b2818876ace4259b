// The cache cluster down and back (seed §3b, degraded mode): the workers' Redis connections are
// cut and refused for the fault's duration. Without Redis there is no rate-limit budget, so the
// workers must make no third-party call and lose nothing: jobs wait in the queue and finish once
// Redis is back. Reported: the providers' requests during the outage (a job already past its
// budget check may finish its calls right after the cut).
import type { Experiment } from './experiment.js';
import { json } from '../lib/system.js';

async function providerRequests(sandboxUrl: string): Promise<number> {
  const stats = await json<{ requests: Record<string, number> }>(await fetch(`${sandboxUrl}/_sandbox/stats`));
  return Object.values(stats.requests).reduce((a, b) => a + b, 0);
}

export const redisOutage: Experiment = {
  name: 'redis-outage',
  title: 'Redis unreachable from the workers, then back',
  async inject({ fleet }) {
    fleet.redisProxy.down();
    const before = await providerRequests(fleet.sandboxUrl);
    // Calls that had their budget before the cut finish within a second or two; count after that.
    const settled = new Promise<number>((resolve) =>
      setTimeout(() => void providerRequests(fleet.sandboxUrl).then(resolve, () => resolve(before)), 2000),
    );
    let during = 0;
    let afterSettling = 0;
    return {
      async end() {
        const now = await providerRequests(fleet.sandboxUrl);
        during = now - before;
        afterSettling = now - (await settled);
        fleet.redisProxy.up();
      },
      details: () => ({ providerRequestsDuringOutage: during, providerRequestsAfterFirst2s: afterSettling }),
    };
  },
};
