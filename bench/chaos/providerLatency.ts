// Third-party latency (seed §3b): 500 ms before every answer of every provider the jobs call
// (Strava, Fitbit, Google Fit), reads and writes alike, for the fault's duration.
import type { Experiment } from './experiment.js';
import { addFault, CHAOS_PROVIDERS, clearFaults, faultsApplied, UNTIL_CLEARED } from './sandboxFaults.js';

export const providerLatency: Experiment = {
  name: 'provider-latency',
  title: '500 ms on every third-party call',
  async inject({ fleet }) {
    const before = await faultsApplied(fleet.sandboxUrl);
    for (const provider of CHAOS_PROVIDERS)
      await addFault(fleet.sandboxUrl, { provider, kind: 'latency', ms: 500, times: UNTIL_CLEARED });
    let delayed = 0;
    return {
      async end() {
        await clearFaults(fleet.sandboxUrl);
        delayed = (await faultsApplied(fleet.sandboxUrl)).latency! - before.latency!;
      },
      details: () => ({ latencyMs: 500, callsDelayed: delayed }),
    };
  },
};
