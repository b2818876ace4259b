// Which of a user's sync configurations run without the user asking (the scheduler's ticks and
// polls): enabled, both connections active, and a cloud source (a device source is the phone's to
// drive, seed §3 Model 2). Google Fit is hybrid (seed §3 table): device first. While the user has
// an active Health Connect connection, Health Connect carries their Android data and the Google Fit
// cloud API is not synced automatically; it is the fallback for users without Health Connect (not
// installed, or not connected). A user's explicit request still runs any pair.
import type { UserConfigSnapshot } from '../cache/userConfigCache.js';
import { isCloudProvider } from '../providers/profiles.js';
import type { ConnectionRecord } from '../store/connectionRepository.js';
import type { SyncConfigRecord } from '../store/syncConfigRepository.js';

export interface AutomaticPair {
  config: SyncConfigRecord;
  source: ConnectionRecord;
  destination: ConnectionRecord;
}

export function automaticPairs(snapshot: UserConfigSnapshot): AutomaticPair[] {
  const active = new Map(
    snapshot.connections.filter((c) => c.status === 'active').map((c) => [c.connectionId, c]),
  );
  const deviceFirst = [...active.values()].some((c) => c.provider === 'health_connect');
  const pairs: AutomaticPair[] = [];
  for (const config of snapshot.syncConfigs) {
    const source = active.get(config.sourceConnectionId);
    const destination = active.get(config.destinationConnectionId);
    if (!config.isEnabled || !source || !destination) continue;
    if (!isCloudProvider(source.provider)) continue;
    if (deviceFirst && (source.provider === 'google_fit' || destination.provider === 'google_fit')) continue;
    pairs.push({ config, source, destination });
  }
  return pairs;
}
