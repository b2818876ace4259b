// Provider notices against dynalite (the Scan, the markers, the scheduler lock) and the push fakes:
// each user with a live connection to the retiring provider is told once, by push and through the
// mailer hook, when the notice starts to show; never before, never twice (other connections, later
// runs, another worker), only inside the flag's cohort. Time is a ManualClock; the Scan's pauses
// move it instead of waiting.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ManualClock } from '../../core/clock/clock.js';
import {
  dynamicConfigSchema,
  type DynamicConfigDocument,
  type FlagSubject,
} from '../../core/config/dynamicConfig.js';
import type { ConnectionStatus, Provider } from '../../core/domain/types.js';
import { newConnectionId } from '../../core/domain/ids.js';
import { createLogger } from '../../core/logging/logger.js';
import type { NoticeForMail } from '../../core/notices/noticeMailer.js';
import { fakeApnsToken } from '../../infra/local/push/pushFakes.js';
import { startNotifierWorld, type NotifierWorld } from '../../test/support/notifierWorld.js';
import { ProviderNoticeSweeper } from './providerNoticeSweeper.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const DAY = 86_400_000;
const RETIRES_ON = '2027-06-30';
// The notice shows from 60 days before: 2027-05-01.
const SHOWS_FROM = Date.parse('2027-05-01T00:00:00Z');

describe('ProviderNoticeSweeper (dynalite + the push fakes)', function () {
  this.timeout(60_000);
  let world: NotifierWorld;
  const clock = new ManualClock(SHOWS_FROM - 2 * DAY);
  const mails: NoticeForMail[] = [];
  let doc: DynamicConfigDocument;
  const dynamicConfig = {
    get current() {
      return doc;
    },
    isEnabled(flag: string, subject: FlagSubject) {
      const f = doc.flags[flag];
      return Boolean(f?.enabled && f.users?.includes(subject.userId));
    },
  };
  const sweeper = () =>
    new ProviderNoticeSweeper({
      config: world.config,
      logger,
      db: world.db,
      notifier: world.notifier,
      mailer: { noticeShown: async (n) => void mails.push(n) },
      profiles: world.profiles,
      dynamicConfig,
      clock,
      pause: async (ms) => clock.advance(ms),
    });

  before(async () => {
    world = await startNotifierWorld(
      {
        PROVIDER_NOTICE_CHECK_INTERVAL_SECONDS: '3600',
        // Small pages, so a handful of items makes several.
        REAUTH_SCAN_PAGE_SIZE: '3',
        REAUTH_SCAN_PAGE_DELAY_MS: '1000',
      },
      clock,
      logger,
    );
  });
  after(async () => {
    await world?.stop();
  });
  beforeEach(() => {
    world.fakes.apns.clear();
    mails.length = 0;
    doc = dynamicConfigSchema.parse({
      providerNotices: { fitbit: { retiresOn: RETIRES_ON, replacement: 'google_health' } },
    });
  });

  /** A user with an iPhone and connections to `providers`. */
  async function user(providers: Provider[], status: ConnectionStatus = 'active') {
    const userId = `notice-${randomUUID().slice(0, 8)}`;
    await world.profiles.ensure(userId, { email: null, tier: 'FREE' });
    const now = clock.date().toISOString();
    const token = fakeApnsToken();
    await world.devices.register(
      { userId, deviceId: `ios-${userId}`, installationId: randomUUID(), platform: 'ios', pushToken: token },
      now,
    );
    const ids: string[] = [];
    for (const provider of providers) {
      const c = await world.connections.create({
        userId,
        connectionId: newConnectionId(),
        provider,
        status,
        credentialRef: randomUUID(),
        createdAt: now,
        updatedAt: now,
      });
      ids.push(c.connectionId);
    }
    return { userId, token, connectionIds: ids };
  }
  /** The APNs pushes a device token received (every device here is an iPhone). */
  const pushesTo = (token: string) =>
    world.fakes.received().flatMap((p) => (p.service === 'apns' && p.token === token ? [p] : []));

  it('tells each user with a live connection once, by push and mailer, from the day the notice shows', async () => {
    const twice = await user(['fitbit', 'fitbit', 'strava']);
    const revoked = await user(['fitbit'], 'revoked');
    const unaffected = await user(['garmin']);

    // Two days early: nothing shows, nothing is read.
    expect(await sweeper().runIfDue()).to.equal(undefined);
    expect(world.fakes.received()).to.deep.equal([]);

    clock.set(SHOWS_FROM + 3_600_000);
    const report = (await sweeper().runIfDue())!;
    expect(report).to.deep.include({ providers: ['fitbit'], errors: 0 });
    expect(report.notified).to.be.at.least(1);
    const sent = pushesTo(twice.token);
    expect(sent).to.have.length(1);
    expect(sent[0]!.payload).to.deep.include({
      aps: {
        alert: {
          title: 'Fitbit is being retired',
          body: 'SyncWell will soon stop syncing your Fitbit data. Open the app to keep it in sync.',
        },
      },
      type: 'provider_notice',
      provider: 'fitbit',
      retiresOn: RETIRES_ON,
      replacement: 'google_health',
    });
    expect(twice.connectionIds.slice(0, 2)).to.include(
      (sent[0]!.payload as { connectionId: string }).connectionId,
    );
    expect(pushesTo(revoked.token)).to.deep.equal([]);
    expect(pushesTo(unaffected.token)).to.deep.equal([]);
    const mine = mails.filter((m) => m.userId === twice.userId);
    expect(mine).to.have.length(1);
    expect(mine[0]!.notice).to.deep.include({ code: 'provider_retiring', retiresOn: RETIRES_ON });

    // Another worker in the same interval does nothing; later intervals tell nobody again.
    expect(await sweeper().runIfDue()).to.equal(undefined);
    for (let day = 1; day <= 10; day += 1) {
      clock.advance(DAY);
      await sweeper().runIfDue();
    }
    expect(pushesTo(twice.token)).to.have.length(1);
    expect(mails.filter((m) => m.userId === twice.userId)).to.have.length(1);
  });

  it('still hands the notice to the mailer for a user with no phone, once', async () => {
    clock.set(SHOWS_FROM + 20 * DAY);
    const u = await user(['fitbit']);
    await world.devices.delete(u.userId, `ios-${u.userId}`);
    await sweeper().run();
    await sweeper().run();
    expect(pushesTo(u.token)).to.deep.equal([]);
    expect(mails.filter((m) => m.userId === u.userId)).to.have.length(1);
  });

  it("tells only the flag's cohort when the notice has one", async () => {
    clock.set(SHOWS_FROM + 30 * DAY);
    const inCohort = await user(['fitbit']);
    const outside = await user(['fitbit']);
    doc = dynamicConfigSchema.parse({
      flags: { fitbit_migration: { enabled: true, percentage: 0, users: [inCohort.userId] } },
      providerNotices: {
        fitbit: { retiresOn: RETIRES_ON, replacement: 'google_health', flag: 'fitbit_migration' },
      },
    });
    await sweeper().run();
    expect(pushesTo(inCohort.token)).to.have.length(1);
    expect(pushesTo(outside.token)).to.deep.equal([]);
    expect(mails.map((m) => m.userId))
      .to.include(inCohort.userId)
      .and.not.include(outside.userId);
  });
});
