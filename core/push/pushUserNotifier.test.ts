// PushUserNotifier against dynalite (profiles, devices, NOTIFIED# markers) and the real APNs and FCM
// adapters talking to the local push fakes: one visible push per device with the resource text in
// the user's language, once per notification id, nothing when the user turned notifications off.
import { AccountStatus } from '../account/accountStatus.js';
import { DeletedUserRepository } from '../store/deletedUserRepository.js';
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ManualClock } from '../clock/clock.js';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { MessageValidationError } from '../messaging/messageSchemas.js';
import { DeviceRepository } from '../store/deviceRepository.js';
import { createDocumentClient, createDocumentStore } from '../store/dynamoClient.js';
import { notifiedSk, userPk } from '../store/keys.js';
import { NotificationMarkerRepository } from '../store/notificationMarkerRepository.js';
import { ProfileRepository } from '../store/profileRepository.js';
import type { UserSettings } from '../domain/types.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import {
  fakeApnsToken,
  fakeFcmToken,
  startPushFakes,
  type PushFakes,
  type ReceivedPush,
} from '../../infra/local/push/pushFakes.js';
import { createPushSender } from './createPushSender.js';
import { NotificationNotDeliveredError, PushUserNotifier } from './pushUserNotifier.js';
import type { PushSender } from './pushSender.js';
import type { UserNotification } from './userNotifier.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const JOB_ID = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';

/** Title, body and data of a push as the phone gets it, whichever service carried it. */
function shown(p: ReceivedPush): { title: string; body: string; data: Record<string, unknown> } {
  if (p.service === 'apns') {
    const { aps, ...data } = p.payload as { aps: { alert: { title: string; body: string } } };
    return { title: aps.alert.title, body: aps.alert.body, data };
  }
  const m = p.message as { notification: { title: string; body: string }; data: Record<string, unknown> };
  return { title: m.notification.title, body: m.notification.body, data: m.data };
}

const failed = (notificationId = `sync:${JOB_ID}`): UserNotification => ({
  kind: 'sync_failed',
  notificationId,
  params: { sourceProvider: 'garmin', destinationProvider: 'strava', dataType: 'workout' },
  data: { jobId: JOB_ID, dataType: 'workout', errorCode: 'provider_request_rejected' },
});

describe('PushUserNotifier (dynalite + the APNs and FCM fakes)', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let fakes: PushFakes;
  let config: Config;
  let push: PushSender;
  let db: ReturnType<typeof createDocumentStore>;
  let profiles: ProfileRepository;
  let devices: DeviceRepository;
  let notifier: PushUserNotifier;
  const clock = new ManualClock(Date.parse('2027-03-14T06:30:00Z'));

  before(async () => {
    [stack, fakes] = await Promise.all([startLocalStack(), startPushFakes()]);
    config = loadConfig({ ...stack.env, ...fakes.env, NODE_ENV: 'test', NOTIFICATION_DEDUP_DAYS: '7' });
    push = createPushSender(config, logger);
    db = createDocumentStore(config);
    profiles = new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS);
    devices = new DeviceRepository(db, config.TABLE_NAME);
    const deletedUsers = () => new DeletedUserRepository(db, config.TABLE_NAME);
    notifier = new PushUserNotifier({
      push,
      profiles,
      devices,
      markers: new NotificationMarkerRepository(db, config.TABLE_NAME),
      logger,
      dedupSeconds: config.NOTIFICATION_DEDUP_DAYS * 86_400,
      clock,
      accountStatus: new AccountStatus(deletedUsers(), { ttlMs: 60_000 }),
    });
  });
  after(async () => {
    await push?.close();
    db?.destroy();
    await Promise.all([stack?.stop(), fakes?.close()]);
  });
  beforeEach(() => {
    fakes.apns.clear();
    fakes.fcm.clear();
  });

  /** A user with a profile (these settings) and an iPhone and an Android phone. */
  async function user(settings: UserSettings = {}) {
    const userId = `notify-${randomUUID().slice(0, 8)}`;
    const profile = await profiles.ensure(userId, { email: null, tier: 'PRO' });
    await profiles.updateSettings(userId, { ...profile.settings, ...settings }, profile.version);
    const tokens = { ios: fakeApnsToken(), android: fakeFcmToken() };
    const now = clock.date().toISOString();
    for (const platform of ['ios', 'android'] as const)
      await devices.register(
        {
          userId,
          deviceId: `dev-${platform}-${userId}`,
          installationId: randomUUID(),
          platform,
          pushToken: tokens[platform],
        },
        now,
      );
    return { userId, tokens };
  }

  it('tells nobody of an account being deleted: the tombstone is enough, its devices are not erased yet', async () => {
    const { userId } = await user();
    await new DeletedUserRepository(db, config.TABLE_NAME).request(userId, clock.date().toISOString());
    expect(await notifier.notify(userId, failed())).to.deep.equal({
      outcome: 'skipped',
      reason: 'account_deleted',
    });
    expect(fakes.received()).to.deep.equal([]);
  });

  it('sends the English resource text to every device, with the contract payload, once per id', async () => {
    const { userId, tokens } = await user();
    expect(await notifier.notify(userId, failed())).to.deep.equal({ outcome: 'sent', devices: 2 });
    const got = fakes.received();
    expect(got.map((p) => [p.service, p.token])).to.deep.equal([
      ['apns', tokens.ios],
      ['fcm', tokens.android],
    ]);
    for (const p of got) {
      expect(shown(p)).to.deep.equal({
        title: 'Sync failed',
        body: "SyncWell couldn't copy your workouts from Garmin to Strava. Open the app to see why.",
        data: {
          schemaVersion: '1',
          type: 'sync_failed',
          jobId: JOB_ID,
          dataType: 'workout',
          errorCode: 'provider_request_rejected',
        },
      });
    }
    // A visible alert, not a background push.
    const apns = got.find((p) => p.service === 'apns')!;
    expect(apns.headers).to.include({ 'apns-push-type': 'alert', 'apns-priority': '10' });
    // Retried causes (a redelivered event, a re-run) send nothing more.
    expect(await notifier.notify(userId, failed())).to.deep.equal({
      outcome: 'skipped',
      reason: 'already_sent',
    });
    expect(await notifier.notify(userId, failed())).to.deep.equal({
      outcome: 'skipped',
      reason: 'already_sent',
    });
    expect(fakes.received()).to.have.length(2);
    // Another notification id is another notification.
    expect((await notifier.notify(userId, failed('sync:other'))).outcome).to.equal('sent');
    expect(fakes.received()).to.have.length(4);
  });

  it('sends an id again only once its marker has expired (checked on read)', async () => {
    const { userId } = await user();
    const id = `sync:${randomUUID()}`;
    expect((await notifier.notify(userId, failed(id))).outcome).to.equal('sent');
    clock.advance(6 * 86_400_000);
    expect((await notifier.notify(userId, failed(id))).outcome).to.equal('skipped');
    clock.advance(86_400_000);
    expect((await notifier.notify(userId, failed(id))).outcome).to.equal('sent');
    expect(fakes.received()).to.have.length(4);
  });

  it('sends nothing when the user turned notifications off, and spends no marker', async () => {
    const { userId } = await user({ notificationsEnabled: false });
    expect(await notifier.notify(userId, failed())).to.deep.equal({
      outcome: 'skipped',
      reason: 'notifications_disabled',
    });
    expect(fakes.received()).to.deep.equal([]);
    const marker = await createDocumentClient(config).send(
      new GetCommand({
        TableName: config.TABLE_NAME,
        Key: { PK: userPk(userId), SK: notifiedSk(`sync:${JOB_ID}`) },
      }),
    );
    expect(marker.Item).to.equal(undefined);
  });

  it('writes in the language of the user’s locale, and in English when there is no text for it', async () => {
    const german = await user({ locale: 'de-AT' });
    const reconnect: UserNotification = {
      kind: 'reconnect_provider',
      notificationId: 'reconnect:garmin-1',
      params: { provider: 'garmin' },
      data: { connectionId: 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91', provider: 'garmin' },
    };
    await notifier.notify(german.userId, reconnect);
    const brazilian = await user({ locale: 'pt-BR' });
    await notifier.notify(brazilian.userId, reconnect);
    const texts = fakes.received().map((p) => [p.token, shown(p).title, shown(p).body]);
    expect(texts).to.deep.include.members([
      [
        german.tokens.ios,
        'Garmin neu verbinden',
        'SyncWell kann dein Garmin-Konto nicht mehr erreichen. Verbinde es neu, damit deine Daten synchron bleiben.',
      ],
      [
        brazilian.tokens.android,
        'Reconnect Garmin',
        'SyncWell can no longer reach your Garmin account. Reconnect it to keep your data in sync.',
      ],
    ]);
    expect(texts).to.have.length(4);
  });

  it('prunes a device whose token is dead, as the silent pushes do', async () => {
    const { userId, tokens } = await user();
    fakes.markUnregistered(tokens.ios);
    expect(await notifier.notify(userId, failed())).to.deep.equal({ outcome: 'sent', devices: 1 });
    expect((await devices.listByUser(userId)).map((d) => d.platform)).to.deep.equal(['android']);
  });

  it('gives the id back when every push service said "later", so a retry sends it', async () => {
    const { userId, tokens } = await user();
    fakes.apns.failNext(tokens.ios, { status: 429, reason: 'TooManyRequests' });
    fakes.fcm.failNext(tokens.android, { status: 429, errorCode: 'QUOTA_EXCEEDED' });
    const error = await notifier.notify(userId, failed()).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(NotificationNotDeliveredError);
    expect(await notifier.notify(userId, failed())).to.deep.equal({ outcome: 'sent', devices: 2 });
    expect(fakes.received().filter((p) => p.status === 200)).to.have.length(2);
  });

  it('skips users without devices or profile; refuses a payload off the contract before spending the id', async () => {
    const profile = await profiles.ensure(`notify-${randomUUID().slice(0, 8)}`, {
      email: null,
      tier: 'FREE',
    });
    expect(await notifier.notify(profile.userId, failed())).to.deep.equal({
      outcome: 'skipped',
      reason: 'no_devices',
    });
    expect(await notifier.notify(`nobody-${randomUUID()}`, failed())).to.deep.equal({
      outcome: 'skipped',
      reason: 'no_profile',
    });
    const { userId } = await user();
    const offContract = { ...failed(), data: { jobId: 'not-a-job-id', dataType: 'workout' } };
    expect(await notifier.notify(userId, offContract).catch((e: unknown) => e)).to.be.instanceOf(
      MessageValidationError,
    );
    expect(fakes.received()).to.deep.equal([]);
    expect((await notifier.notify(userId, failed())).outcome).to.equal('sent');
  });
});
