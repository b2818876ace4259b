// One user's jobs on the hot-path FIFO queue (issue 10 §3d): a job deferred for a provider's rate
// limit waits invisibly in its message group (up to 900 s at a time). The group is the job's sync
// pair, not the user, so the same user's job for another provider and data type runs at once.
import { expect } from 'chai';
import { connectedUser, createSyncConfig, requestSync, startE2E, waitForJob, type E2E } from './support.js';
import { clock } from '../../core/clock/clock.js';

const RETRY_AFTER_SECONDS = 20;

describe('a rate-limited job does not hold up the same user’s other jobs', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    e = await startE2E();
  });
  after(async () => {
    await e?.stop();
  });
  afterEach(() => e.h.stack.sandbox.faults.clear());

  it('runs a Fitbit → Google Fit job while the Garmin → Strava job of the same user is deferred by 429s', async () => {
    const { token, connections } = await connectedUser(e, ['garmin', 'strava', 'fitbit', 'google_fit']);
    await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
    await createSyncConfig(e.h, token, connections.fitbit, connections.google_fit, 'weight');
    // Garmin answers every call with 429 until the fault is cleared.
    e.h.stack.sandbox.faults.add({
      provider: 'garmin',
      kind: 'status',
      status: 429,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      times: Number.POSITIVE_INFINITY,
    });
    const deferredBefore = e.worker!.worker.stats.deferred;
    const limited = await requestSync(e.h, token, connections.garmin, connections.strava, 'workout');
    const deadline = clock.now() + 15_000;
    while (e.worker!.worker.stats.deferred === deferredBefore && clock.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(e.worker!.worker.stats.deferred, 'the Garmin job was deferred').to.be.greaterThan(deferredBefore);

    // The same user's job for another provider pair and data type finishes long before the
    // deferred job may run again.
    const startedAt = clock.now();
    const other = await waitForJob(
      e.h,
      token,
      await requestSync(e.h, token, connections.fitbit, connections.google_fit, 'weight'),
      (RETRY_AFTER_SECONDS / 2) * 1000,
    );
    expect(other.status, JSON.stringify(other.error)).to.equal('SUCCEEDED');
    expect(clock.now() - startedAt).to.be.below((RETRY_AFTER_SECONDS / 2) * 1000);
    const stillWaiting = await e.h.request<{ status: string }>('GET', `/v1/sync-jobs/${limited}`, { token });
    expect(stillWaiting.body.status).to.equal('QUEUED');

    // Once Garmin answers again, the deferred job runs and succeeds: nothing was lost.
    e.h.stack.sandbox.faults.clear();
    const resumed = await waitForJob(e.h, token, limited, 60_000);
    expect(resumed.status, JSON.stringify(resumed.error)).to.equal('SUCCEEDED');
  });
});
