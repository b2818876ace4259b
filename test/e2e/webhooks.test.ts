// Event-driven ingestion end to end: the sandbox delivers real webhooks to the API, the API
// buffers them, the worker's coalescer turns a burst into ONE hot-path job, and the job syncs.
// The buffer queue's 60 s delivery delay is shortened to 1 s here; the window stays 30 s.
import { expect } from 'chai';
import { readLocalEvents } from '../../core/events/localEventBus.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  sendFitbitNotifications,
  sendGarminPing,
  sendStravaEvent,
  stravaEvent,
} from '../../infra/local/sandbox/webhooks.js';
import type { SyncJob } from '../../core/domain/types.js';
import {
  connectedUser,
  createSyncConfig,
  inJobWindow,
  startE2E,
  type E2E,
  sleep,
  until,
  shortenWebhookBuffer,
} from './support.js';

describe('webhooks → coalescer → one sync job', function () {
  this.timeout(120_000);
  let e: E2E;

  before(async () => {
    e = await startE2E({ COALESCING_WINDOW_SECONDS: '30' });
    await shortenWebhookBuffer(e);
  });
  after(async () => {
    await e?.stop();
  });

  it('turns 10 Strava events for one user inside the window into exactly 1 sync job, which syncs', async () => {
    const { userId, token, person, connections } = await connectedUser(e, ['strava', 'fitbit']);
    await createSyncConfig(e.h, token, connections.strava, connections.fitbit, 'workout');
    const coalescer = e.worker!.worker.coalescer!;
    const before = { ...coalescer.stats };
    for (let i = 0; i < 10; i += 1) {
      const res = await sendStravaEvent(
        e.h.api.url,
        stravaEvent(person.providerUserIds.strava, { objectId: 1000 + i }),
      );
      expect(res.status).to.equal(200);
    }
    await until(() => coalescer.stats.events - before.events >= 10, 20_000, 'the coalescer to see 10 events');
    const succeeded = async () =>
      (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter(
        (ev) => ev.type === 'SyncSucceeded' && ev.detail.userId === userId && ev.detail.trigger === 'webhook',
      );
    await until(async () => (await succeeded()).length >= 1, 30_000, 'the webhook-triggered job to succeed');
    await sleep(2000); // give a second job every chance to show up
    expect(coalescer.stats.jobs - before.jobs).to.equal(1);
    expect(coalescer.stats.coalesced - before.coalesced).to.equal(9);
    const events = await succeeded();
    expect(events).to.have.length(1);
    // The job really synced: every Strava workout of the person is now at Fitbit, once.
    const jobs = await e.h.request<{ syncJobs: SyncJob[] }>('GET', '/v1/sync-jobs', { token });
    const webhookJob = jobs.body.syncJobs.find((j) => j.trigger === 'webhook');
    expect(webhookJob?.status).to.equal('SUCCEEDED');
    const inWindow = inJobWindow(webhookJob!);
    const stravaWorkouts = person.persona.workouts.filter(
      (w) => w.recordedBy.includes('strava') && !w.recordedBy.includes('fitbit') && inWindow(w.start),
    );
    expect(events[0]!.type === 'SyncSucceeded' && events[0]!.detail.recordsWritten).to.equal(
      stravaWorkouts.length,
    );
    const created = e.h.stack.sandbox
      .records('fitbit', person.sandboxUserId, 'workout')
      .filter((v) => v.createdBy === 'api');
    expect(created).to.have.length(stravaWorkouts.length);
  });

  it('acknowledges and drops events for owners it does not know, and never retries them @any-date', async () => {
    const coalescer = e.worker!.worker.coalescer!;
    const before = coalescer.stats.unknownOwners;
    const res = await sendStravaEvent(e.h.api.url, stravaEvent('987654321', { objectId: 5 }));
    expect(res.status).to.equal(200);
    await until(() => coalescer.stats.unknownOwners > before, 20_000, 'the unknown owner to be dropped');
    expect(coalescer.stats.unknownOwners).to.equal(before + 1);
  });

  it('marks a connection revoked when Strava reports that the athlete deauthorized SyncWell @any-date', async () => {
    const { token, person, connections } = await connectedUser(e, ['strava']);
    await sendStravaEvent(e.h.api.url, stravaEvent(person.providerUserIds.strava, { deauthorize: true }));
    await until(
      async () => {
        const list = await e.h.request<{ connections: { connectionId: string; status: string }[] }>(
          'GET',
          '/v1/connections',
          { token },
        );
        return list.body.connections.find((c) => c.connectionId === connections.strava)?.status === 'revoked';
      },
      20_000,
      'the connection to be revoked',
    );
  });

  it('accepts signed Fitbit notifications and ignores a forged batch', async () => {
    const { person } = await connectedUser(e, ['fitbit']);
    const coalescer = e.worker!.worker.coalescer!;
    const before = coalescer.stats.events;
    const notifications = [
      { collectionType: 'sleep', ownerId: person.providerUserIds.fitbit, subscriptionId: 'sub' },
    ];
    expect((await sendFitbitNotifications(e.h.api.url, 'not-the-secret', notifications)).status).to.equal(
      404,
    );
    expect(
      (await sendFitbitNotifications(e.h.api.url, 'sandbox-fitbit-secret', notifications)).status,
    ).to.equal(204);
    await until(() => coalescer.stats.events > before, 20_000, 'the signed notification to arrive');
    await sleep(1500);
    expect(coalescer.stats.events).to.equal(before + 1);
  });

  it("syncs a Garmin ping from Garmin's API, never from the host its callbackURL names", async () => {
    // Garmin signs nothing and its OAuth 2 pings carry no user token: a ping that passes the
    // client id check must not be able to send the user's bearer, or the job, anywhere else.
    const elsewhere: string[] = [];
    const trap = createServer((req, res) => {
      elsewhere.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    try {
      const { userId, token, person, connections } = await connectedUser(e, ['garmin', 'strava']);
      await createSyncConfig(e.h, token, connections.garmin, connections.strava, 'workout');
      const { port } = trap.address() as AddressInfo;
      const garminCalls = e.h.stack.sandbox.requestCounts().garmin;
      const ping = await sendGarminPing(
        e.h.api.url,
        `http://127.0.0.1:${port}`,
        'activities',
        person.providerUserIds.garmin,
      );
      expect(ping.status).to.equal(200);
      const succeeded = async () =>
        (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).find(
          (ev) =>
            ev.type === 'SyncSucceeded' && ev.detail.userId === userId && ev.detail.trigger === 'webhook',
        );
      await until(async () => (await succeeded()) !== undefined, 30_000, 'the ping-triggered job to succeed');
      expect(e.h.stack.sandbox.requestCounts().garmin, 'pulled from Garmin').to.be.greaterThan(garminCalls);
      expect(elsewhere).to.deep.equal([]);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });
});
