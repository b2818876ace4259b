// The queue failing the calls that settle a message (seed §3b, R-003): 30 % of the workers'
// ChangeMessageVisibility(Batch) and DeleteMessage(Batch) calls answer 500/503 (the fault proxy).
// A delete that fails leaves the message to come back: the job runs again and must write nothing
// twice. So that visibility changes happen at all, the providers answer slowly and with 503s
// meanwhile: slow jobs send heartbeats, failed ones go back to the queue with a backoff, both by
// ChangeMessageVisibility. A message the queue will not take back makes its worker exit (code 70)
// for the supervisor to replace; those exits are reported.
import type { Experiment } from './experiment.js';
import { addFault, CHAOS_PROVIDERS, clearFaults, faultsApplied } from './sandboxFaults.js';

const SETTLING = [
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'DeleteMessage',
  'DeleteMessageBatch',
];

export const queueFaults: Experiment = {
  name: 'queue-faults',
  title: 'SQS: 30 % of ChangeMessageVisibility/DeleteMessage fail',
  async inject({ fleet, random, smoke }) {
    const r = random.fork('queue-faults');
    const before = { ...fleet.sqsProxy.stats.refused };
    const applied0 = await faultsApplied(fleet.sandboxUrl);
    fleet.sqsProxy.set([{ operations: SETTLING, errorRate: 0.3, errors: ['internal', 'unavailable'] }]);
    // Longer than half the 6 s visibility timeout: the consumer's heartbeat fires.
    const slow = smoke ? 2 : 8;
    const failing = smoke ? 2 : 8;
    for (const provider of CHAOS_PROVIDERS)
      for (const rule of r.shuffle([
        ...Array.from({ length: slow }, () => ({ kind: 'latency' as const, ms: 4000 })),
        ...Array.from({ length: failing }, () => ({ kind: 'status' as const, status: 503 })),
      ]))
        await addFault(fleet.sandboxUrl, { provider, ...rule, times: 1 });
    let applied: Record<string, number> = {};
    return {
      async end() {
        fleet.sqsProxy.clear();
        await clearFaults(fleet.sandboxUrl);
        const after = await faultsApplied(fleet.sandboxUrl);
        applied = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (applied0[k] ?? 0)]));
      },
      details: () => ({
        refused: Object.fromEntries(
          Object.entries(fleet.sqsProxy.stats.refused).map(([op, n]) => [op, n - (before[op] ?? 0)]),
        ),
        providerFaultsApplied: applied,
      }),
    };
  },
};
