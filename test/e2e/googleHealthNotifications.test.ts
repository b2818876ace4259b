// Google Health notifications end to end: the subscriber set up by `npm run google-health:subscribe`
// (verified by the sandbox's fake against the real API), a person connected through Google OAuth,
// a workout their tracker records, Google's notification to the API, the coalescer's ONE job, and
// the workout at Strava. The buffer queue's 60 s delivery delay is shortened to 1 s here.
import { expect } from 'chai';
import { clock } from '../../core/clock/clock.js';
import { readLocalEvents } from '../../core/events/localEventBus.js';
import { googleHealthProfile } from '../../core/providers/googleHealth/profile.js';
import {
  CLOUD_PLATFORM_SCOPE,
  sandboxGoogleHealthToken,
} from '../../infra/local/sandbox/googleHealth/googleHealthSubscribers.js';
import { ensureGoogleHealthSubscriber, WEBHOOK_PATH } from '../../scripts/googleHealthSubscriber.js';
import { GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION } from '../support/harness.js';
import {
  connectedUser,
  createSyncConfig,
  dynamicConfigFile,
  recordGoogleHealthRun,
  shortenWebhookBuffer,
  sleep,
  startE2E,
  until,
  type E2E,
} from './support.js';

describe('Google Health notification → coalescer → one sync job → Strava', function () {
  this.timeout(120_000);
  let e: E2E;
  let dynamicConfig: Awaited<ReturnType<typeof dynamicConfigFile>>;

  before(async () => {
    // Google Health is rolled out behind its profile's flag: open to everyone in this suite.
    dynamicConfig = await dynamicConfigFile({
      flags: { [googleHealthProfile.rolloutFlag]: { enabled: true, percentage: 100 } },
    });
    e = await startE2E({ COALESCING_WINDOW_SECONDS: '30', ...dynamicConfig.env });
    await shortenWebhookBuffer(e);
  });
  after(async () => {
    await e?.stop();
    await dynamicConfig?.remove();
  });

  it('syncs a workout the tracker records to Strava, started by Google’s notification', async () => {
    const sandbox = e.h.stack.sandbox;
    const fake = sandbox.fakes.google_health;
    const developer = sandbox.createUser({ name: 'gh-developer', persona: { empty: true } });
    const subscriber = await ensureGoogleHealthSubscriber({
      apiBaseUrl: `${sandbox.url}/google_health`,
      project: 'syncwell-e2e',
      endpointUri: `${e.h.api.url}${WEBHOOK_PATH}`,
      authorization: GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
      accessToken: await sandboxGoogleHealthToken(sandbox.url, developer.sandboxUserId, [
        CLOUD_PLATFORM_SCOPE,
      ]),
    });
    expect(subscriber.action).to.equal('created');

    // A person with no history: the only workout is the one recorded below.
    const { userId, token, person, connections } = await connectedUser(
      e,
      ['google_health', 'strava'],
      'gh-notified',
      { empty: true },
    );
    // The connection names the person as notifications do (users.getIdentity's healthUserId).
    const connection = await e.h.connections.get(userId, connections.google_health);
    expect(connection?.providerUserId).to.equal(person.providerUserIds.google_health);
    await createSyncConfig(e.h, token, connections.google_health, connections.strava, 'workout');

    const coalescer = e.worker!.worker.coalescer!;
    const before = { ...coalescer.stats };
    const start = Math.floor((clock.now() - 3 * 3_600_000) / 60_000) * 60_000;
    recordGoogleHealthRun(e, person.sandboxUserId, { start, minutes: 40, meters: 8000 });
    await fake.webhooksSettled();
    const delivered = fake.webhookCalls().filter((c) => c.kind === 'notification');
    expect(delivered.map((c) => c.status)).to.deep.equal([204]);

    const succeeded = async () =>
      (await readLocalEvents(e.h.config.EVENT_LOG_FILE)).filter(
        (ev) => ev.type === 'SyncSucceeded' && ev.detail.userId === userId && ev.detail.trigger === 'webhook',
      );
    await until(
      async () => (await succeeded()).length >= 1,
      60_000,
      'the notification-triggered job to succeed',
    );
    await sleep(1500); // a second job would show up by now
    expect(coalescer.stats.events - before.events).to.equal(1);
    expect(coalescer.stats.jobs - before.jobs).to.equal(1);
    const events = await succeeded();
    expect(events).to.have.length(1);
    const atStrava = sandbox
      .records('strava', person.sandboxUserId, 'workout')
      .filter((v) => v.createdBy === 'api');
    expect(atStrava).to.have.length(1);
    expect(atStrava[0]!.workoutType).to.equal('running');
    expect(Date.parse(atStrava[0]!.startTime)).to.equal(start);
  });
});
