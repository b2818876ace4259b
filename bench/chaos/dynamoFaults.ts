// DynamoDB latency and errors (seed §3b): the workers' DynamoDB calls pass through the fault
// proxy (./faultProxy.ts), which adds 100 ms to every call and refuses 10 % of them with a
// throttling error (ProvisionedThroughputExceededException), a 500 or a 503.
import type { Experiment } from './experiment.js';

export const dynamoFaults: Experiment = {
  name: 'dynamodb-faults',
  title: 'DynamoDB: +100 ms on every call, 10 % throttled/5xx',
  inject({ fleet }) {
    const before = { ...fleet.dynamoProxy.stats.refused };
    const calls0 = fleet.dynamoProxy.stats.calls;
    fleet.dynamoProxy.set([
      { latencyMs: 100, errorRate: 0.1, errors: ['throttle', 'internal', 'unavailable'] },
    ]);
    let calls = 0;
    return Promise.resolve({
      end() {
        fleet.dynamoProxy.clear();
        calls = fleet.dynamoProxy.stats.calls - calls0;
        return Promise.resolve();
      },
      details: () => ({
        workerCalls: calls,
        refused: Object.fromEntries(
          Object.entries(fleet.dynamoProxy.stats.refused).map(([op, n]) => [op, n - (before[op] ?? 0)]),
        ),
      }),
    });
  },
};
