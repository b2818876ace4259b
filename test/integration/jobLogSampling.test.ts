// Tail sampling in the hot path (seed §6) against the real table: a successful job's log lines are
// written only when its id is sampled, a failed attempt's always, each line with the job's ids.
import type { DynamicConfig } from '../../core/config/dynamicConfig.js';
import { createTunables } from '../../core/config/tunables.js';
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { clock } from '../../core/clock/clock.js';
import { createLogger } from '../../core/logging/logger.js';
import { sampled } from '../../core/logging/jobLogs.js';
import { ProviderUnavailableError } from '../../core/providers/errors.js';
import type { SyncRunResult } from '../../core/sync/syncManager.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import { HotPathJob } from '../../core/sync/hotPathJob.js';
import { getHarness } from './hooks.js';

const synced: SyncRunResult = {
  recordsRead: 1,
  recordsWritten: 1,
  recordsSkipped: 0,
  skippedByReason: {},
  destinationFetched: true,
  providerCalls: 3,
  itemsWritten: 2,
};

const RATE = 4;

function setup(run: () => Promise<SyncRunResult>, dynamicConfig?: Pick<DynamicConfig, 'current'>) {
  const h = getHarness();
  const lines: { jobId?: string; message: string; level: string }[] = [];
  const logger = createLogger({
    level: 'info',
    service: 'worker',
    destination: { write: (l: string) => void lines.push(JSON.parse(l) as (typeof lines)[number]) },
  });
  const config = { ...h.config, JOB_LOG_SAMPLE_RATE_PRO: RATE, JOB_LOG_SAMPLE_RATE_FREE: RATE };
  const job = new HotPathJob({
    config,
    tunables: createTunables(config, dynamicConfig),
    logger,
    // Only the logging is under test: the sync itself is a stand-in (the e2e suites run real ones).
    syncManager: { run } as never,
    syncJobs: h.syncJobs,
    events: { publish: () => Promise.resolve() },
    cloudToDevice: {
      ask: () => Promise.reject(new Error('not a device job')),
      hasPending: () => Promise.resolve(false),
    },
    accountStatus: { isDeleted: () => Promise.resolve(false) },
  });
  return { h, job, lines };
}

/** A scheduled job (no claim, so the stand-in sync is all it does) with a given id. */
function message(jobId: string): HotPathSyncRequested {
  return {
    schemaVersion: 1,
    jobId,
    userId: `user_${randomUUID()}`,
    sourceConnectionId: 'conn_src',
    destinationConnectionId: 'conn_dst',
    sourceProvider: 'strava',
    destinationProvider: 'garmin',
    dataType: 'workout',
    priority: 'low',
    trigger: 'schedule',
    tier: 'FREE',
    requestedAt: clock.date().toISOString(),
  };
}

const delivery = () => ({ originMessageId: randomUUID(), receiveCount: 1, isLastAttempt: false });

describe('hot path: tail sampling of job logs', () => {
  it('writes a successful job’s lines only for sampled job ids', async () => {
    const { job, lines } = setup(() => Promise.resolve(synced));
    const ids = Array.from({ length: 40 }, () => `job_${randomUUID()}`);
    for (const id of ids) await job.handle(message(id), delivery());
    const logged = new Set(lines.map((l) => l.jobId));
    const expected = ids.filter((id) => sampled(id, RATE));
    assert.ok(expected.length > 0 && expected.length < ids.length, 'the ids cover both cases');
    assert.deepEqual([...logged].sort(), expected.sort());
    for (const l of lines) assert.equal(l.message, 'sync succeeded');
  });

  it('writes a failed attempt’s lines whatever its id', async () => {
    const { job, lines } = setup(() => Promise.reject(new ProviderUnavailableError('strava', 'strava: 503')));
    // Ids that sampling would drop: only the failure makes their lines appear.
    const ids: string[] = [];
    while (ids.length < 5) {
      const id = `job_${randomUUID()}`;
      if (!sampled(id, RATE)) ids.push(id);
    }
    for (const id of ids) {
      const outcome = await job.handle(message(id), delivery());
      assert.equal(outcome.outcome.kind, 'retry');
    }
    assert.deepEqual([...new Set(lines.map((l) => l.jobId))].sort(), [...ids].sort());
    assert.ok(lines.every((l) => l.level === 'warn'));
  });

  it('follows the rate of the dynamic configuration when it sets one', async () => {
    // FREE jobs at 1 in 1 (an operator debugging FREE users), whatever the environment says.
    const { job, lines } = setup(() => Promise.resolve(synced), {
      current: { flags: {}, providerNotices: {}, logSampling: { free: 1 } },
    });
    const ids = Array.from({ length: 12 }, () => `job_${randomUUID()}`);
    for (const id of ids) await job.handle(message(id), delivery());
    assert.deepEqual([...new Set(lines.map((l) => l.jobId))].sort(), [...ids].sort());
  });
});
