// Visible notifications end to end: the API and a worker with the real APNs and FCM adapters
// against the push fakes, the provider sandbox failing on demand, and the sync events travelling as
// in AWS (the event bus → the syncNotifications queue → the worker's consumer). A job that fails for
// good after retried attempts tells each phone once; a connection whose provider revoked access
// gets one "reconnect" notification however often the re-authentication job runs (every second
// here), in the user's language.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { CloudProvider } from '../../core/domain/types.js';
import {
  fakeApnsToken,
  fakeFcmToken,
  startPushFakes,
  type PushFakes,
  type ReceivedPush,
} from '../../infra/local/push/pushFakes.js';
import { connectedUser, requestSync, startE2E, until, waitForJob, type E2E } from './support.js';

/** What a phone shows for a push, whichever service carried it. */
function shown(p: ReceivedPush): { title: string; body: string; data: Record<string, unknown> } {
  if (p.service === 'apns') {
    const { aps, ...data } = p.payload as { aps: { alert: { title: string; body: string } } };
    return { title: aps.alert.title, body: aps.alert.body, data };
  }
  const m = p.message as { notification: { title: string; body: string }; data: Record<string, unknown> };
  return { title: m.notification.title, body: m.notification.body, data: m.data };
}

describe('visible notifications (API + worker + push fakes)', function () {
  this.timeout(120_000);
  let e: E2E;
  let push: PushFakes;

  before(async () => {
    push = await startPushFakes();
    // The re-authentication job every second: many runs, still one notification per episode.
    e = await startE2E({ ...push.env, REAUTH_CHECK_INTERVAL_SECONDS: '1' });
  });
  after(async () => {
    await e?.stop();
    await push?.close();
  });

  /** A connected user with an iPhone and an Android phone registered through the API. */
  async function userWithPhones(providers: CloudProvider[]) {
    const user = await connectedUser(e, providers);
    const tokens = { ios: fakeApnsToken(), android: fakeFcmToken() };
    for (const [platform, pushToken] of Object.entries(tokens)) {
      const r = await e.h.request('POST', '/v1/devices', {
        token: user.token,
        body: { installationId: randomUUID(), platform, pushToken },
      });
      expect(r.status, r.text).to.equal(201);
    }
    const pushes = () => push.received().filter((p) => Object.values(tokens).includes(p.token ?? ''));
    return { ...user, tokens, pushes };
  }

  const handledNotifications = () =>
    e.worker!.worker.consumers.find((c) => c.channel === 'syncNotifications')!.stats.done;

  it('a manual job that fails for good after retried attempts: one "Sync failed" on each phone', async () => {
    const u = await userWithPhones(['garmin', 'strava']);
    const before = handledNotifications();
    // Two attempts meet a Garmin outage (retried), the third a 404 (a permanent failure).
    e.h.stack.sandbox.faults.add({ provider: 'garmin', kind: 'status', status: 503, times: 2 });
    e.h.stack.sandbox.faults.add({ provider: 'garmin', kind: 'status', status: 404, times: 1000 });
    try {
      const jobId = await requestSync(e.h, u.token, u.connections.garmin, u.connections.strava, 'workout');
      const job = await waitForJob(e.h, u.token, jobId, 60_000);
      expect([job.status, job.error?.code]).to.deep.equal(['FAILED', 'provider_not_found']);
      // Three SyncFailed events (two retryable, one final): the rule routes the final one only.
      await until(() => handledNotifications() - before >= 1, 20_000, 'the final sync event handled');
      await until(() => u.pushes().length >= 2, 10_000, 'the notification on both phones');
      const got = u.pushes();
      expect(got.map((p) => [p.service, p.token]).sort()).to.deep.equal(
        [
          ['apns', u.tokens.ios],
          ['fcm', u.tokens.android],
        ].sort(),
      );
      for (const p of got)
        expect(shown(p)).to.deep.equal({
          title: 'Sync failed',
          body: "SyncWell couldn't copy your workouts from Garmin to Strava. Open the app to see why.",
          data: {
            schemaVersion: '1',
            type: 'sync_failed',
            jobId,
            dataType: 'workout',
            errorCode: 'provider_not_found',
          },
        });
    } finally {
      e.h.stack.sandbox.faults.clear();
    }
  });

  it('a revoked connection: one "reconnect" notification in the user’s language, however many runs', async () => {
    const u = await userWithPhones(['garmin', 'strava']);
    const settings = await e.h.request('PUT', '/v1/users/me/settings', {
      token: u.token,
      headers: { 'if-match': '*' },
      body: { settings: { locale: 'de-DE' } },
    });
    expect(settings.status, settings.text).to.equal(200);
    e.h.stack.sandbox.oauth.strava.revokeUser(u.person.sandboxUserId);
    const jobId = await requestSync(e.h, u.token, u.connections.garmin, u.connections.strava, 'workout');
    expect((await waitForJob(e.h, u.token, jobId)).error?.code).to.equal('provider_auth_revoked');

    const reconnects = () => u.pushes().filter((p) => shown(p).data.type === 'reconnect_provider');
    await until(() => reconnects().length >= 2, 15_000, 'the reconnect notification on both phones');
    // Three more runs of the re-authentication job: nothing more.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(reconnects()).to.have.length(2);
    for (const p of reconnects())
      expect(shown(p)).to.deep.equal({
        title: 'Strava neu verbinden',
        body: 'SyncWell kann dein Strava-Konto nicht mehr erreichen. Verbinde es neu, damit deine Daten synchron bleiben.',
        data: {
          schemaVersion: '1',
          type: 'reconnect_provider',
          connectionId: u.connections.strava,
          provider: 'strava',
        },
      });
    // The manual job the user asked for was told too, once, in German.
    const failures = u.pushes().filter((p) => shown(p).data.type === 'sync_failed');
    expect(failures.map((p) => shown(p).title)).to.deep.equal([
      'Synchronisierung fehlgeschlagen',
      'Synchronisierung fehlgeschlagen',
    ]);
  });
});
