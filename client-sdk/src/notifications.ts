// Visible notifications (AsyncAPI channel `userNotifications`): the title and body are for the user;
// the data map says which screen a tap opens. The app hands the data as received (the APNs
// `userInfo`, the FCM `data` map) and routes on the result. The data is ids and enums only; the app
// fetches everything else through the API (the job, the connection, the export).
import type {
  ExportReady,
  ProviderNoticeNotification,
  ReconnectNotification,
  SyncNotification,
} from './generated/messages.gen.js';

/** What a tapped notification is about: the contract's message, without its schema version. */
export type UserNotificationData =
  | Omit<SyncNotification, 'schemaVersion'>
  | Omit<ReconnectNotification, 'schemaVersion'>
  | Omit<ProviderNoticeNotification, 'schemaVersion'>
  | Omit<ExportReady, 'schemaVersion'>;

/** The only push schema version this SDK reads; the contract says to ignore others. */
const PUSH_SCHEMA_VERSION = '1';

const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The notification's data, or `undefined` for anything else: a silent push, an unknown kind or schema
 * version, a notification missing its ids (then open the app's start screen).
 */
export function parseNotification(data: unknown): UserNotificationData | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const d = data as Record<string, unknown>;
  if (d.schemaVersion !== PUSH_SCHEMA_VERSION) return undefined;
  switch (d.type) {
    case 'sync_succeeded':
    case 'sync_failed': {
      const jobId = text(d.jobId);
      const dataType = text(d.dataType) as SyncNotification['dataType'] | undefined;
      if (!jobId || !dataType) return undefined;
      const errorCode = d.type === 'sync_failed' ? text(d.errorCode) : undefined;
      return { type: d.type, jobId, dataType, ...(errorCode ? { errorCode } : {}) };
    }
    case 'reconnect_provider': {
      const connectionId = text(d.connectionId);
      const provider = text(d.provider) as ReconnectNotification['provider'] | undefined;
      return connectionId && provider ? { type: d.type, connectionId, provider } : undefined;
    }
    case 'provider_notice': {
      // The provider is being retired: the app opens the connection (and offers the replacement).
      const connectionId = text(d.connectionId);
      const provider = text(d.provider) as ProviderNoticeNotification['provider'] | undefined;
      const retiresOn = text(d.retiresOn);
      const replacement = text(d.replacement) as ProviderNoticeNotification['replacement'];
      return connectionId && provider && retiresOn
        ? { type: d.type, connectionId, provider, retiresOn, ...(replacement ? { replacement } : {}) }
        : undefined;
    }
    case 'export_ready': {
      const jobId = text(d.jobId);
      const expiresAt = text(d.expiresAt);
      return jobId ? { type: d.type, jobId, ...(expiresAt ? { expiresAt } : {}) } : undefined;
    }
    default:
      return undefined;
  }
}
