// The UserNotifier (userNotifier.ts) over the push port: a visible notification to every registered
// device of the user, in the user's locale, unless the user turned notifications off.
//
// At most one delivery per notification id: before anything is sent, a NOTIFIED#{notificationId}
// marker is claimed in the user's partition (a conditional put; it expires after
// NOTIFICATION_DEDUP_DAYS). A second call with the same id finds it and sends nothing. We prefer
// at-most-once for what a person reads: should the process die between the claim and the sends,
// that notification is lost, never shown twice. The one case where nothing can have reached a
// device, every push answered "try again later", gives the claim back and throws, so the caller's
// retry sends it then. Dead tokens are pruned (deviceFanOut.ts).
//
// The payload is the contract's message for the kind (AsyncAPI channel userNotifications:
// SyncNotification, ReconnectNotification, ExportReady), checked before the claim, so a caller's
// bug neither spends the notification nor sends something off the contract.
import { createHash } from 'node:crypto';
import { clock, type Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { assertMessage } from '../messaging/messageSchemas.js';
import { DeviceRepository } from '../store/deviceRepository.js';
import type { DocumentStore } from '../store/documentStore.js';
import { NotificationMarkerRepository } from '../store/notificationMarkerRepository.js';
import { notificationsEnabled, ProfileRepository } from '../store/profileRepository.js';
import { pushToDevices } from './deviceFanOut.js';
import type { AccountStatus } from '../account/accountStatus.js';
import { renderNotification } from './notificationTexts.js';
import type { PushData, PushSender } from './pushSender.js';
import type { NotifyResult, UserNotification, UserNotificationKind, UserNotifier } from './userNotifier.js';

/** The contract's payload message for each kind (AsyncAPI channel userNotifications). */
export const NOTIFICATION_MESSAGE = {
  sync_succeeded: 'SyncNotification',
  sync_failed: 'SyncNotification',
  reconnect_provider: 'ReconnectNotification',
  provider_notice: 'ProviderNoticeNotification',
  export_ready: 'ExportReady',
} as const satisfies Record<UserNotificationKind, string>;

/**
 * The data of a visible notification: the contract's message for its kind (checked here, so a caller's
 * bug neither spends the notification nor sends something off the contract). What the app routes on.
 */
export function notificationPayload(n: Pick<UserNotification, 'kind' | 'data'>): PushData {
  return { ...assertMessage(NOTIFICATION_MESSAGE[n.kind], { ...n.data, schemaVersion: '1', type: n.kind }) };
}

/** How long a sync outcome is worth showing: a phone offline for longer gets none. */
const SYNC_OUTCOME_TTL_SECONDS = 24 * 3600;

const NOTIFICATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:#-]{0,199}$/;

/** Every device's push was answered "try again later": nothing was shown, the claim is given back. */
export class NotificationNotDeliveredError extends Error {
  override readonly name = 'NotificationNotDeliveredError';
}

export interface PushUserNotifierDeps {
  push: PushSender;
  profiles: Pick<ProfileRepository, 'get'>;
  devices: Pick<DeviceRepository, 'listByUser' | 'prune'>;
  markers: NotificationMarkerRepository;
  logger: Logger;
  /** How long a notification id stays spent (NOTIFICATION_DEDUP_DAYS). */
  dedupSeconds: number;
  clock?: Clock;
  /**
   * An account being deleted is told nothing: its tombstone is written at once, its devices and
   * profile only after the deletion's settle window, and a sync, reconnect or export notification
   * landing in between must not reach the phone of someone who just left.
   */
  accountStatus?: Pick<AccountStatus, 'isDeleted'>;
}

export class PushUserNotifier implements UserNotifier {
  private readonly clock: Clock;

  constructor(private readonly d: PushUserNotifierDeps) {
    this.clock = d.clock ?? clock;
  }

  /** The notifier on the table `config.TABLE_NAME` of `db`, with the push port the process built. */
  static create(
    config: Pick<Config, 'TABLE_NAME' | 'SCHEDULER_SHARDS' | 'NOTIFICATION_DEDUP_DAYS'>,
    db: DocumentStore,
    push: PushSender,
    logger: Logger,
    accountStatus?: Pick<AccountStatus, 'isDeleted'>,
  ): PushUserNotifier {
    return new PushUserNotifier({
      ...(accountStatus ? { accountStatus } : {}),
      push,
      profiles: new ProfileRepository(db, config.TABLE_NAME, config.SCHEDULER_SHARDS),
      devices: new DeviceRepository(db, config.TABLE_NAME),
      markers: new NotificationMarkerRepository(db, config.TABLE_NAME),
      logger,
      dedupSeconds: config.NOTIFICATION_DEDUP_DAYS * 24 * 3600,
    });
  }

  async notify(userId: string, n: UserNotification, signal?: AbortSignal): Promise<NotifyResult> {
    signal?.throwIfAborted();
    if (!NOTIFICATION_ID.test(n.notificationId))
      throw new TypeError('notificationId must be 1-200 id characters ([A-Za-z0-9_.:#-])');
    const payload = notificationPayload(n);
    const log = this.d.logger.child({ userId, notificationId: n.notificationId, kind: n.kind });

    if (await this.d.accountStatus?.isDeleted(userId)) return skipped('account_deleted', log);
    const profile = await this.d.profiles.get(userId);
    if (!profile) return skipped('no_profile', log);
    if (!notificationsEnabled(profile.settings)) return skipped('notifications_disabled', log);
    const text = renderNotification(n.kind, profile.settings.locale, n.params);
    const devices = await this.d.devices.listByUser(userId);
    if (devices.length === 0) return skipped('no_devices', log);

    const claim = await this.d.markers.claim(
      userId,
      n.notificationId,
      n.kind,
      this.clock.date(),
      this.d.dedupSeconds,
    );
    if (!claim) return skipped('already_sent', log);
    const outcomes = await pushToDevices(
      this.d,
      devices,
      {
        kind: 'visible',
        title: text.title,
        body: text.body,
        data: payload,
        // The same notification replaces itself on a device instead of stacking.
        collapseKey: createHash('sha256').update(n.notificationId).digest('hex').slice(0, 32),
        ...(n.kind === 'sync_succeeded' || n.kind === 'sync_failed'
          ? { ttlSeconds: SYNC_OUTCOME_TTL_SECONDS }
          : {}),
      },
      { notificationId: n.notificationId },
      signal,
    );
    const delivered = outcomes.filter((o) => o.result.outcome === 'delivered').length;
    if (outcomes.every((o) => o.result.outcome === 'transient')) {
      await this.d.markers.release(claim);
      throw new NotificationNotDeliveredError(
        `no push service took notification ${n.notificationId} (${outcomes.length} devices answered transient)`,
      );
    }
    log.info({ devices: outcomes.length, delivered, locale: text.locale }, 'notification sent');
    return { outcome: 'sent', devices: delivered };
  }
}

function skipped(reason: Extract<NotifyResult, { outcome: 'skipped' }>['reason'], log: Logger): NotifyResult {
  log.debug({ reason }, 'notification not sent');
  return { outcome: 'skipped', reason };
}
