// Third-party storms (seed §3b): bursts of 429s with and without Retry-After, 500s and 503s,
// dropped connections and requests that outlast the client's 15 s timeout, in a seeded random
// order, on every provider the jobs call. Each second of the fault adds a burst, so the storm
// lasts the whole fault; clearing the sandbox's faults ends it. A 429 without Retry-After blocks
// the user's (Strava: the app's) buckets for 60 s (core/ratelimit/tokenBucket.ts), so recovery
// takes a minute by design; the smoke run leaves those and the timeouts out to stay short.
import type { FaultRule } from '../../infra/local/sandbox/faults.js';
import type { Experiment } from './experiment.js';
import { addFault, CHAOS_PROVIDERS, clearFaults, faultsApplied } from './sandboxFaults.js';

type Kind = Omit<FaultRule, 'provider' | 'times'>;
const SHORT: readonly Kind[] = [
  { kind: 'status', status: 429, retryAfterSeconds: 1 },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'reset' },
];
const KINDS: readonly Kind[] = [...SHORT, { kind: 'status', status: 429 }];
/** Longer than the provider client's timeout (core/providers/providerHttp.ts: 15 s). */
const TIMEOUT: Kind = { kind: 'latency', ms: 16_000 };

export const providerStorm: Experiment = {
  name: 'provider-storm',
  title: '429 (with/without Retry-After), 5xx, resets, timeouts',
  async inject({ fleet, random, smoke }) {
    const r = random.fork('provider-storm');
    const before = await faultsApplied(fleet.sandboxUrl);
    const burst = async () => {
      for (const provider of CHAOS_PROVIDERS)
        for (let i = 0; i < 3; i += 1) {
          const kind = smoke ? r.pick(SHORT) : r.next() < 0.05 ? TIMEOUT : r.pick(KINDS);
          await addFault(fleet.sandboxUrl, { provider, ...kind, times: r.int(1, 4) });
        }
    };
    await burst();
    const timer = setInterval(() => void burst().catch(() => undefined), 1000);
    let applied: Record<string, number> = {};
    return {
      async end() {
        clearInterval(timer);
        await clearFaults(fleet.sandboxUrl);
        const after = await faultsApplied(fleet.sandboxUrl);
        applied = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
      },
      details: () => ({ faultsApplied: applied }),
    };
  },
};
