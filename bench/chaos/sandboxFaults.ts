// The provider sandbox's fault injection (infra/local/sandbox/faults.ts) through its admin API.
import type { CloudProvider } from '../../core/domain/types.js';
import type { FaultRule } from '../../infra/local/sandbox/faults.js';
import { json } from '../lib/system.js';

/** JSON has no Infinity: this many matching requests is "until cleared" for any run. */
export const UNTIL_CLEARED = 1_000_000_000;

export async function addFault(sandboxUrl: string, rule: FaultRule): Promise<void> {
  await json(
    await fetch(`${sandboxUrl}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rule),
    }),
  );
}

export async function clearFaults(sandboxUrl: string): Promise<void> {
  await json(await fetch(`${sandboxUrl}/_sandbox/faults`, { method: 'DELETE' }));
}

export async function faultsApplied(sandboxUrl: string): Promise<Record<string, number>> {
  const stats = await json<{ faultsApplied: Record<string, number> }>(
    await fetch(`${sandboxUrl}/_sandbox/stats`),
  );
  return stats.faultsApplied;
}

/** Every provider a chaos user's jobs call: the sources and the destination. */
export const CHAOS_PROVIDERS: readonly CloudProvider[] = ['strava', 'fitbit', 'google_fit'];
