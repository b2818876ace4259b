// The port for visible notifications: what the user sees on their phones (a sync finished or failed,
// an export is ready, a connection needs reconnecting). Implementations send to every registered
// device of the user through the push port, in the user's locale with texts from resource files,
// and only when the user's settings allow notifications. A notification names ids and enum values
// (provider, data type), never health data.
import type { PushData } from './pushSender.js';

export type UserNotificationKind =
  'sync_succeeded' | 'sync_failed' | 'export_ready' | 'reconnect_provider' | 'provider_notice';

export interface UserNotification {
  kind: UserNotificationKind;
  /**
   * At most one delivery per id, however often the caller retries (one per job, never per
   * attempt; one per connection and re-authentication episode).
   */
  notificationId: string;
  /** Values for the resource text's placeholders (`{provider}`, `{dataType}`): ids and enums only. */
  params?: Readonly<Record<string, string>>;
  /** Ids the app uses to open the right screen (jobId, connectionId). */
  data?: PushData;
}

export type NotifyResult =
  | { outcome: 'sent'; devices: number }
  | {
      outcome: 'skipped';
      reason: 'notifications_disabled' | 'no_devices' | 'already_sent' | 'no_profile' | 'account_deleted';
    };

export interface UserNotifier {
  /** Throws only for transient failures worth a retry (the store or Redis unavailable). */
  notify(userId: string, notification: UserNotification, signal?: AbortSignal): Promise<NotifyResult>;
}
