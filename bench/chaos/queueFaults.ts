// The queue failing the calls that settle a message (seed §3b, R-003): 30 % of the workers'
// ChangeMessageVisibility, DeleteMessage and DeleteMessageBatch calls answer 500 (the fault proxy).
// A delete that fails leaves the message to come back: the job runs again and must write nothing
// twice. A heartbeat that keeps failing makes a worker exit (code 70) for the supervisor to replace.
import type { Experiment } from './experiment.js';

const SETTLING = [
  'ChangeMessageVisibility',
  'ChangeMessageVisibilityBatch',
  'DeleteMessage',
  'DeleteMessageBatch',
];

export const queueFaults: Experiment = {
  name: 'queue-faults',
  title: 'SQS: 30 % of ChangeMessageVisibility/DeleteMessage fail',
  inject({ fleet }) {
    const before = { ...fleet.sqsProxy.stats.refused };
    fleet.sqsProxy.set([{ operations: SETTLING, errorRate: 0.3, errors: ['internal', 'unavailable'] }]);
    return Promise.resolve({
      end() {
        fleet.sqsProxy.clear();
        return Promise.resolve();
      },
      details: () => ({
        refused: Object.fromEntries(
          Object.entries(fleet.sqsProxy.stats.refused).map(([op, n]) => [op, n - (before[op] ?? 0)]),
        ),
      }),
    });
  },
};
