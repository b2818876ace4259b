// Re-authentication surfacing against dynalite (the sparse ReAuthStatusIndex, the Scan, the
// scheduler lock) and the push fakes: one "reconnect" notification per connection and episode
// however many runs see it, C-007's ok → pending_user_action → failed, and the throttled weekly
// Scan finding a connection the index does not hold. Time is a ManualClock; the Scan's pauses move
// it instead of waiting.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ManualClock } from '../../core/clock/clock.js';
import type { Config } from '../../core/config/config.js';
import { newConnectionId } from '../../core/domain/ids.js';
import { createLogger } from '../../core/logging/logger.js';
import type { ConnectionRepository } from '../../core/store/connectionRepository.js';
import type { DeviceRepository } from '../../core/store/deviceRepository.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';
import { connectionSk, userPk } from '../../core/store/keys.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';
import { fakeApnsToken, fakeFcmToken, type PushFakes } from '../../infra/local/push/pushFakes.js';
import { startNotifierWorld, type NotifierWorld } from '../../test/support/notifierWorld.js';
import { ReAuthSurfacer } from './reAuthSurfacer.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const DAY = 86_400_000;

describe('ReAuthSurfacer (dynalite + the push fakes)', function () {
  this.timeout(60_000);
  let world: NotifierWorld;
  let config: Config;
  let fakes: PushFakes;
  let db: NotifierWorld['db'];
  let connections: ConnectionRepository;
  let profiles: ProfileRepository;
  let devices: DeviceRepository;
  let surfacer: ReAuthSurfacer;
  const clock = new ManualClock(Date.parse('2027-03-14T06:30:00Z'));
  const pauses: { ms: number; at: number }[] = [];

  before(async () => {
    world = await startNotifierWorld(
      {
        REAUTH_CHECK_INTERVAL_SECONDS: '3600',
        REAUTH_SCAN_INTERVAL_SECONDS: String(7 * 86_400),
        // Small pages, so a handful of items makes several (the seed's 100 in production).
        REAUTH_SCAN_PAGE_SIZE: '3',
        REAUTH_SCAN_PAGE_DELAY_MS: '1000',
        REAUTH_FAILED_AFTER_DAYS: '30',
      },
      clock,
      logger,
    );
    ({ config, fakes, db, connections, profiles, devices } = world);
    surfacer = new ReAuthSurfacer({
      config,
      logger,
      db,
      notifier: world.notifier,
      clock,
      pause: async (ms) => {
        pauses.push({ ms, at: clock.now() });
        clock.advance(ms);
      },
    });
  });
  after(async () => {
    await world?.stop();
  });
  beforeEach(() => {
    fakes.apns.clear();
    fakes.fcm.clear();
    pauses.length = 0;
  });

  /** A user with a phone of each platform and an active Garmin connection. */
  async function userWithGarmin(settings: { notificationsEnabled?: boolean } = {}) {
    const userId = `reauth-${randomUUID().slice(0, 8)}`;
    const profile = await profiles.ensure(userId, { email: null, tier: 'PRO' });
    if (settings.notificationsEnabled !== undefined)
      await profiles.updateSettings(userId, { ...profile.settings, ...settings }, profile.version);
    const now = clock.date().toISOString();
    const tokens = [fakeApnsToken(), fakeFcmToken()];
    await devices.register(
      {
        userId,
        deviceId: `ios-${userId}`,
        installationId: randomUUID(),
        platform: 'ios',
        pushToken: tokens[0]!,
      },
      now,
    );
    await devices.register(
      {
        userId,
        deviceId: `and-${userId}`,
        installationId: randomUUID(),
        platform: 'android',
        pushToken: tokens[1]!,
      },
      now,
    );
    const connection = await connections.create({
      userId,
      connectionId: newConnectionId(),
      provider: 'garmin',
      status: 'active',
      credentialRef: randomUUID(),
      createdAt: now,
      updatedAt: now,
    });
    return { userId, tokens, connectionId: connection.connectionId };
  }

  const pushesTo = (tokens: string[]) => fakes.received().filter((p) => tokens.includes(p.token ?? ''));
  const stored = async (userId: string, connectionId: string) =>
    (
      await createDocumentClient(config).send(
        new GetCommand({
          TableName: config.TABLE_NAME,
          Key: { PK: userPk(userId), SK: connectionSk(connectionId) },
        }),
      )
    ).Item as Record<string, unknown>;

  it('sends one "reconnect" notification per episode, however many runs see the connection', async () => {
    const u = await userWithGarmin();
    expect((await stored(u.userId, u.connectionId)).ReAuthStatus).to.equal(undefined); // C-007 ok
    await connections.markNeedsReauth(u.userId, u.connectionId, clock.date().toISOString());
    expect((await stored(u.userId, u.connectionId)).ReAuthStatus).to.equal('pending_user_action');

    for (let run = 0; run < 3; run += 1) {
      await surfacer.runIndex();
      clock.advance(3_600_000);
    }
    const sent = pushesTo(u.tokens);
    expect(sent.map((p) => p.service).sort()).to.deep.equal(['apns', 'fcm']);
    const apns = sent.find((p) => p.service === 'apns')!.payload as Record<string, unknown>;
    expect(apns).to.deep.include({
      aps: { alert: { title: 'Reconnect Garmin', body: apnsBody() } },
      type: 'reconnect_provider',
      connectionId: u.connectionId,
      provider: 'garmin',
    });
    expect((await stored(u.userId, u.connectionId)).ReAuthNotifiedAt).to.be.a('string');

    // The user reconnects (ok), and later the connection fails again: a new episode, a new notification.
    await connections.activate(u.userId, u.connectionId, {
      credentialRef: randomUUID(),
      now: clock.date().toISOString(),
    });
    const reconnected = await stored(u.userId, u.connectionId);
    expect([reconnected.ReAuthStatus, reconnected.ReAuthSince, reconnected.ReAuthNotifiedAt]).to.deep.equal([
      undefined,
      undefined,
      undefined,
    ]);
    await surfacer.runIndex();
    expect(pushesTo(u.tokens)).to.have.length(2);
    clock.advance(DAY);
    await connections.markNeedsReauth(u.userId, u.connectionId, clock.date().toISOString());
    await surfacer.runIndex();
    await surfacer.runIndex();
    expect(pushesTo(u.tokens)).to.have.length(4);
  });

  it('moves pending_user_action to failed once the user has not reconnected for REAUTH_FAILED_AFTER_DAYS', async () => {
    const u = await userWithGarmin();
    await connections.markNeedsReauth(u.userId, u.connectionId, clock.date().toISOString());
    await surfacer.runIndex();
    clock.advance(29 * DAY);
    await surfacer.runIndex();
    expect((await stored(u.userId, u.connectionId)).ReAuthStatus).to.equal('pending_user_action');
    clock.advance(DAY);
    const report = await surfacer.runIndex();
    expect(report.failed).to.be.at.least(1);
    const item = await stored(u.userId, u.connectionId);
    expect([item.Status, item.ReAuthStatus]).to.deep.equal(['needs_reauth', 'failed']);
    // failed is left alone: no further notification, however often the jobs run.
    await surfacer.runIndex();
    await surfacer.runScan();
    expect(pushesTo(u.tokens)).to.have.length(2);
    // A reconnect still brings it back to ok.
    await connections.activate(u.userId, u.connectionId, {
      credentialRef: randomUUID(),
      now: clock.date().toISOString(),
    });
    expect((await stored(u.userId, u.connectionId)).ReAuthStatus).to.equal(undefined);
  });

  it('respects notificationsEnabled: nothing sent, the episode still dealt with', async () => {
    const u = await userWithGarmin({ notificationsEnabled: false });
    await connections.markNeedsReauth(u.userId, u.connectionId, clock.date().toISOString());
    await surfacer.runIndex();
    expect(pushesTo(u.tokens)).to.deep.equal([]);
    expect((await stored(u.userId, u.connectionId)).ReAuthNotifiedAt).to.be.a('string');
  });

  it('the throttled Scan finds a needs_reauth connection the index missed, page by page', async () => {
    const u = await userWithGarmin();
    // Written by a path that set the status without the index attribute (an older writer, a hand edit).
    const missedId = newConnectionId();
    await createDocumentClient(config).send(
      new PutCommand({
        TableName: config.TABLE_NAME,
        Item: {
          PK: userPk(u.userId),
          SK: connectionSk(missedId),
          Entity: 'CONN',
          ConnectionId: missedId,
          Provider: 'strava',
          Status: 'needs_reauth',
          CredentialArn: randomUUID(),
          CreatedAt: clock.date().toISOString(),
          UpdatedAt: clock.date().toISOString(),
        },
      }),
    );
    const index = await surfacer.runIndex();
    expect(pushesTo(u.tokens)).to.deep.equal([]);
    expect(index.repaired).to.equal(0);

    const startedAt = clock.now();
    const scan = await surfacer.runScan();
    expect(scan.repaired).to.equal(1);
    const sent = pushesTo(u.tokens);
    expect(sent).to.have.length(2);
    expect(sent.every((p) => JSON.stringify(p).includes('Reconnect Strava'))).to.equal(true);
    expect(await stored(u.userId, missedId)).to.include({ ReAuthStatus: 'pending_user_action' });
    // T-003: REAUTH_SCAN_PAGE_SIZE items per page, a 1 s pause between pages (on the clock).
    expect(scan.pages).to.be.above(2);
    expect(pauses).to.have.length(scan.pages - 1);
    expect(pauses.every((p) => p.ms === 1000)).to.equal(true);
    expect(clock.now() - startedAt).to.equal((scan.pages - 1) * 1000);
    // From now on the index holds it: later runs of either path send nothing more.
    await surfacer.runIndex();
    await surfacer.runScan();
    expect(pushesTo(u.tokens)).to.have.length(2);
  });

  it('runs each path once per interval, whichever worker claims it', async () => {
    const other = new ReAuthSurfacer({
      config,
      logger,
      db,
      notifier: { notify: () => Promise.reject(new Error('unused')) },
      clock,
    });
    clock.advance(3_600_000);
    const first = await surfacer.runIfDue('index');
    expect(first?.path).to.equal('index');
    expect(await other.runIfDue('index')).to.equal(undefined);
    expect(await surfacer.runIfDue('index')).to.equal(undefined);
    clock.advance(3_600_000);
    expect((await other.runIfDue('index'))?.path).to.equal('index');
    clock.advance(7 * DAY);
    expect((await surfacer.runIfDue('scan'))?.path).to.equal('scan');
    expect(await other.runIfDue('scan')).to.equal(undefined);
  });
});

function apnsBody(): string {
  return 'SyncWell can no longer reach your Garmin account. Reconnect it to keep your data in sync.';
}
