// Seed §6: a job never holds health data in flight longer than its deadline. A provider that
// stalls past it has its call aborted; the attempt fails as retryable (`job_deadline_exceeded`),
// and the next attempt, within the deadline, finishes the job.
import { expect } from 'chai';
import { readLocalEvents } from '../../core/events/localEventBus.js';
import { connectedUser, createSyncConfig, requestSync, startE2E, waitForJob, type E2E } from './support.js';

describe('job deadline end to end', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    // Three seconds: an ordinary sync takes a fraction of that even on a loaded machine.
    e = await startE2E({ JOB_DEADLINE_SECONDS: '3' });
  });
  after(async () => {
    await e?.stop();
  });
  afterEach(() => e.h.stack.sandbox.faults.clear());

  it('aborts an attempt stalled past the deadline and runs the job again', async () => {
    const { token, connections } = await connectedUser(e, ['garmin', 'strava']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    // Garmin's first answer would come after 30 s: far past the deadline.
    e.h.stack.sandbox.faults.add({ provider: 'garmin', kind: 'latency', ms: 30_000, times: 1 });
    const started = performance.now();
    const jobId = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    const job = await waitForJob(e.h, token, jobId, 60_000);
    expect(job.status, JSON.stringify(job.error)).to.equal('SUCCEEDED');
    // The stalled call did not hold the job for its 30 s.
    expect(performance.now() - started).to.be.below(25_000);
    expect(e.h.stack.sandbox.faults.applied.latency).to.equal(1);
    const events = (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter(
      (ev) => ev.detail.jobId === jobId,
    );
    expect(
      events.map((ev) => (ev.type === 'SyncFailed' ? `${ev.type} ${ev.detail.errorCode}` : ev.type)),
    ).to.deep.equal(['SyncFailed job_deadline_exceeded', 'SyncSucceeded']);
  });
});
