// Partial batch failures (seed §3b): AWS accepts a batch call (200) and reports some of its entries
// as not done. During the fault, the fault proxies (./partialBatch.ts) fail 30 % of the entries of
// the API's and the workers' BatchWriteItem calls (answered as UnprocessedItems) and of their
// SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch calls (answered in Failed).
// What must hold, which the audit checks: a write left unprocessed is sent again or its caller
// fails (core/store/batchWriter.ts), no job is accepted whose message was not sent, and a message
// whose delete failed comes back and runs again writing nothing twice.
// The workers write in batches mostly during first syncs (ledger entries for the month of workouts
// each user has). On a quiet machine every first sync is over before the fault starts, and the
// fault met no worker BatchWriteItem at all (2026-12-07): so a few users join the load as the fault
// starts, and their first syncs run under it.
import type { Experiment } from './experiment.js';
import type { FaultProxy, PartialStats } from './faultProxy.js';
import { BATCH_OPERATIONS } from './partialBatch.js';

const PARTIAL_RATE = 0.3;
/** Users whose first syncs run under the fault: about 40 ledger entries, all of them spared at 0.7^40 ≈ 6e-7. */
const LATE_USERS = 4;
type Side = 'api' | 'workers';
const WHOSE: Record<Side, string> = { api: "API's", workers: "workers'" };

/** The batch calls a full-size run must have failed entries of, or the fault missed its target. */
const EXPECTED: ReadonlyArray<[Side, string]> = [
  ['api', 'BatchWriteItem'],
  ['api', 'SendMessageBatch'],
  ['workers', 'BatchWriteItem'],
  ['workers', 'DeleteMessageBatch'],
];

const copyOf = (stats: PartialStats): PartialStats =>
  Object.fromEntries(Object.entries(stats).map(([op, s]) => [op, { ...s }]));

/** What happened between two snapshots of a proxy's partial-failure counters. */
function since(before: PartialStats, now: PartialStats): PartialStats {
  return Object.fromEntries(
    Object.entries(now).map(([op, s]) => {
      const b = before[op] ?? { calls: 0, entries: 0, failed: 0 };
      return [op, { calls: s.calls - b.calls, entries: s.entries - b.entries, failed: s.failed - b.failed }];
    }),
  );
}

export const batchPartial: Experiment = {
  name: 'batch-partial',
  title: "partial batch failures: 30 % of the entries of the API's and workers' batch calls fail",
  async inject({ fleet, smoke, lateUsers }) {
    const late = await lateUsers.create(smoke ? 1 : LATE_USERS);
    const proxies: Record<Side, FaultProxy[]> = {
      api: [fleet.apiDynamoProxy, fleet.apiSqsProxy],
      workers: [fleet.dynamoProxy, fleet.sqsProxy],
    };
    const all = [...proxies.api, ...proxies.workers];
    const before = new Map(all.map((p) => [p, copyOf(p.stats.partial)]));
    for (const side of Object.values(proxies)) {
      side[0]!.set([{ operations: BATCH_OPERATIONS.dynamodb, partialRate: PARTIAL_RATE }]);
      side[1]!.set([{ operations: BATCH_OPERATIONS.sqs, partialRate: PARTIAL_RATE }]);
    }
    lateUsers.join(late);
    const failedEntries = {} as Record<Side, PartialStats>;
    const violations: string[] = [];
    return {
      end() {
        for (const proxy of all) proxy.clear();
        for (const side of Object.keys(proxies) as Side[])
          failedEntries[side] = Object.assign(
            {},
            ...proxies[side].map((p) => since(before.get(p)!, p.stats.partial)),
          ) as PartialStats;
        // A smoke run's few jobs may draw no failure at all; a full run's hundreds cannot.
        if (!smoke)
          for (const [side, operation] of EXPECTED)
            if (!failedEntries[side][operation]?.failed)
              violations.push(
                `no entry of the ${WHOSE[side]} ${operation} calls failed: the fault missed them`,
              );
        return Promise.resolve();
      },
      details: () => ({ partialRate: PARTIAL_RATE, lateUsers: late.length, failedEntries }),
      violations: () => violations,
    };
  },
};
