// The consumer of the syncNotifications queue: every SyncSucceeded and SyncFailed (the EventBridge
// rule's target; locally the event bus adapter's), and the rule for which of them a person wants on
// their phone (contracts/asyncapi.yaml, channel syncNotifications):
// - a job that failed for good (`retryable: false`); retried attempts never. A job the user asked
//   for (manual, historical) once per job; a background job (schedule, webhook, poll) once per sync
//   pair, error and UTC day, so a pair failing every 15 minutes tells the user once a day. Failures
//   that need the user to reconnect are the reconnect notification's (worker/reauth/), once per
//   connection and episode, not one per failed job;
// - a successful historical backfill (it may take hours), and a manual job that wrote something.
//   Background syncs succeed silently: a notification every 15 minutes is noise.
// The notifier sends each notification id at most once, so redelivered events are harmless.
import { createHash } from 'node:crypto';
import type { UserConfigCache } from '../../core/cache/userConfigCache.js';
import type { Logger } from '../../core/logging/logger.js';
import { MessageValidationError } from '../../core/messaging/messageSchemas.js';
import { DONE, type Outcome } from '../../core/messaging/outcome.js';
import { NotificationTextError } from '../../core/push/notificationTexts.js';
import { NotificationNotDeliveredError } from '../../core/push/pushUserNotifier.js';
import type { UserNotification, UserNotifier } from '../../core/push/userNotifier.js';
import type { SyncFailed, SyncSucceeded } from '../../generated/messages.gen.js';

export type SyncOutcomeEvent = SyncSucceeded | SyncFailed;

/** Failures the reconnect notification covers (the connection needs the user to sign in again). */
export const REAUTH_ERROR_CODES: ReadonlySet<string> = new Set([
  'provider_auth_revoked',
  'provider_retired',
  'connection_not_active',
]);

const USER_TRIGGERS: ReadonlySet<string> = new Set(['manual', 'historical']);

export type NotificationDecision =
  | { notify: true; kind: 'sync_succeeded' | 'sync_failed'; notificationId: string }
  | { notify: false; reason: string };

const isFailure = (event: SyncOutcomeEvent): event is SyncFailed => 'errorCode' in event;

/** Whether the user hears about this event, and under which notification id (pure: the rule). */
export function notificationFor(event: SyncOutcomeEvent): NotificationDecision {
  const perJob = `sync:${event.jobId}`;
  if (!isFailure(event)) {
    if (event.trigger === 'historical')
      return { notify: true, kind: 'sync_succeeded', notificationId: perJob };
    if (event.trigger === 'manual' && event.recordsWritten > 0)
      return { notify: true, kind: 'sync_succeeded', notificationId: perJob };
    return { notify: false, reason: event.trigger === 'manual' ? 'nothing_written' : 'background_success' };
  }
  if (event.retryable) return { notify: false, reason: 'not_final' };
  if (USER_TRIGGERS.has(event.trigger)) return { notify: true, kind: 'sync_failed', notificationId: perJob };
  if (REAUTH_ERROR_CODES.has(event.errorCode)) return { notify: false, reason: 'reconnect_notification' };
  const pair = createHash('sha256')
    .update(
      [
        event.userId,
        event.sourceConnectionId,
        event.destinationConnectionId,
        event.dataType,
        event.errorCode,
      ].join('\n'),
    )
    .digest('hex')
    .slice(0, 32);
  return {
    notify: true,
    kind: 'sync_failed',
    notificationId: `sync-failed:${pair}:${event.failedAt.slice(0, 10)}`,
  };
}

export interface SyncOutcomeNotificationsDeps {
  notifier: UserNotifier;
  userConfig: Pick<UserConfigCache, 'get'>;
  logger: Logger;
}

export class SyncOutcomeNotifications {
  constructor(private readonly d: SyncOutcomeNotificationsDeps) {}

  async handle(event: SyncOutcomeEvent, signal?: AbortSignal): Promise<Outcome> {
    const decision = notificationFor(event);
    const log = this.d.logger.child({ userId: event.userId, jobId: event.jobId, eventId: event.eventId });
    if (!decision.notify) {
      log.debug({ reason: decision.reason }, 'sync outcome not notified');
      return DONE;
    }
    // The providers' names for the text; a connection deleted since has nobody to tell about it.
    const { connections } = await this.d.userConfig.get(event.userId);
    const source = connections.find((c) => c.connectionId === event.sourceConnectionId);
    const destination = connections.find((c) => c.connectionId === event.destinationConnectionId);
    if (!source || !destination) {
      log.info('sync outcome not notified: a connection of the pair is gone');
      return DONE;
    }
    const notification: UserNotification = {
      kind: decision.kind,
      notificationId: decision.notificationId,
      params: {
        sourceProvider: source.provider,
        destinationProvider: destination.provider,
        dataType: event.dataType,
      },
      data: {
        jobId: event.jobId,
        dataType: event.dataType,
        ...(isFailure(event) ? { errorCode: event.errorCode } : {}),
      },
    };
    try {
      const result = await this.d.notifier.notify(event.userId, notification, signal);
      log.debug({ result }, 'sync outcome handled');
      return DONE;
    } catch (error) {
      if (error instanceof NotificationNotDeliveredError) return { kind: 'retry', code: 'push_unavailable' };
      // The event cannot make a valid notification: nothing a redelivery changes.
      if (error instanceof MessageValidationError || error instanceof NotificationTextError)
        return { kind: 'fail', code: 'notification_invalid', reason: error.message.slice(0, 500) };
      throw error;
    }
  }
}
