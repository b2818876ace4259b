// Webhooks → coalescer when the destination can no longer be written (issue 10 §3f): Fitbit tells
// us (a signed `userRevokedAccess` notification) that the user revoked SyncWell, then Strava reports
// a new activity for the Strava → Fitbit configuration. The coalescer must not enqueue a job that
// can only fail: it skips the configuration, counts it, and nothing reaches the worker.
import { expect } from 'chai';
import { readLocalEvents } from '../../core/events/localEventBus.js';
import { sendFitbitNotifications, sendStravaEvent, stravaEvent } from '../../infra/local/sandbox/webhooks.js';
import {
  connectedUser,
  createSyncConfig,
  startE2E,
  type E2E,
  sleep,
  until,
  shortenWebhookBuffer,
} from './support.js';

describe('coalescer: a destination that is no longer active gets no job', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    e = await startE2E({ COALESCING_WINDOW_SECONDS: '30' });
    await shortenWebhookBuffer(e);
  });
  after(async () => {
    await e?.stop();
  });

  it('skips the Strava → Fitbit configuration once Fitbit access was revoked, and counts it', async () => {
    const { userId, token, person, connections } = await connectedUser(e, ['strava', 'fitbit']);
    await createSyncConfig(e.h, token, connections.strava, connections.fitbit, 'workout');
    const coalescer = e.worker!.worker.coalescer!;

    const revoked = await sendFitbitNotifications(e.h.api.url, 'sandbox-fitbit-secret', [
      { collectionType: 'userRevokedAccess', ownerId: person.providerUserIds.fitbit, subscriptionId: 'sub' },
    ]);
    expect(revoked.status).to.equal(204);
    await until(
      async () => {
        const list = await e.h.request<{ connections: { connectionId: string; status: string }[] }>(
          'GET',
          '/v1/connections',
          { token },
        );
        return list.body.connections.find((c) => c.connectionId === connections.fitbit)?.status === 'revoked';
      },
      20_000,
      'the Fitbit connection to be revoked',
    );

    const before = { ...coalescer.stats };
    const workerJobsBefore = e.worker!.worker.stats.jobs;
    const res = await sendStravaEvent(
      e.h.api.url,
      stravaEvent(person.providerUserIds.strava, { objectId: 77 }),
    );
    expect(res.status).to.equal(200);
    await until(() => coalescer.stats.events > before.events, 20_000, 'the coalescer to see the event');
    await sleep(2000); // a job, had one been sent, reaches the worker within this
    expect(coalescer.stats.jobs - before.jobs, 'jobs enqueued').to.equal(0);
    expect(coalescer.stats.inactiveDestinations - before.inactiveDestinations).to.equal(1);
    expect(e.worker!.worker.stats.jobs - workerJobsBefore, 'jobs the worker ran').to.equal(0);
    const events = (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter(
      (ev) => ev.detail.userId === userId,
    );
    expect(events, 'no SyncFailed for a job that could never run').to.have.length(0);
  });
});
