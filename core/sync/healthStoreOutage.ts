// A phone's health store that can no longer be used: Health Connect uninstalled or needing an
// update, HealthKit not available, SyncWell's health permissions taken away. Google Fit is device
// first (seed §3 table) and its cloud API is the fallback "when a sync fails with an error indicating
// the on-device provider is unavailable": the phone says so (POST /v1/device-connections/{provider}/
// unavailable, or a read answer with `storeUnavailable`) and the store's connection becomes
// needs_reauth. Then automaticPairs no longer counts Health Connect as the user's path for Android
// data (the Google Fit cloud API is synced again), no sync reads or writes the store, the re-auth
// surfacer tells the user once ("Reconnect Health Connect"), and createDeviceConnection restores it.
import { clock } from '../clock/clock.js';
import type { HealthStoreUnavailableReason } from '../domain/types.js';
import { deviceProfile } from '../providers/profiles.js';
import type { ConnectionRecord, ConnectionRepository } from '../store/connectionRepository.js';
import type { CloudToDevice } from './cloudToDevice.js';

/** The job error of a cloud → device sync whose store the phone reported unavailable. */
export const DEVICE_STORE_UNAVAILABLE = 'device_store_unavailable';

export interface HealthStoreOutageDeps {
  connections: ConnectionRepository;
  cloudToDevice: Pick<CloudToDevice, 'failPendingFor'>;
  /** Drops the user's cached configuration, so the scheduler sees the new status at once. */
  invalidate: (userId: string) => Promise<void>;
}

/**
 * Marks the store's connection needs_reauth and ends every request waiting on it. Repeating it
 * changes nothing (a connection already needs_reauth stays so). Returns the connection as it is now
 * and the jobs it failed.
 */
export async function reportHealthStoreUnavailable(
  d: HealthStoreOutageDeps,
  connection: ConnectionRecord,
  reason: HealthStoreUnavailableReason,
): Promise<{ connection: ConnectionRecord; failedJobIds: string[] }> {
  const { userId, connectionId } = connection;
  const marked = await d.connections.markNeedsReauth(userId, connectionId, clock.date().toISOString());
  const store = deviceProfile(connection.provider)?.displayName ?? connection.provider;
  const failedJobIds = await d.cloudToDevice.failPendingFor(userId, connectionId, {
    code: DEVICE_STORE_UNAVAILABLE,
    message: `the phone reported ${store} unavailable (${reason}); reconnect it in the app`,
  });
  await d.invalidate(userId);
  return {
    connection: marked ?? (await d.connections.get(userId, connectionId)) ?? connection,
    failedJobIds,
  };
}
