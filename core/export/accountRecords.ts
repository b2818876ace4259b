// `account.json` of a data export: what SyncWell itself keeps about the user (profile and settings,
// connections, devices, sync configurations, sync and export job history). Every record is copied
// field by field from an allowlist, never spread, so a credential pointer (`credentialRef`), an OAuth
// token, a push token or its hash can only reach the archive if someone adds it here on purpose.
// Job history is streamed page by page: the file never needs the whole history in memory.
import type { ConnectionRecord } from '../store/connectionRepository.js';
import type { DeviceRecord } from '../store/deviceRepository.js';
import type { ExportJobRecord } from '../store/exportJobRepository.js';
import type { UserProfile } from '../store/profileRepository.js';
import type { SyncConfigRecord } from '../store/syncConfigRepository.js';
import type { SyncJobRecord } from '../store/syncJobRepository.js';

export interface AccountSources {
  profile(userId: string): Promise<UserProfile | undefined>;
  connections(userId: string): Promise<ConnectionRecord[]>;
  devices(userId: string): Promise<DeviceRecord[]>;
  syncConfigs(userId: string): Promise<SyncConfigRecord[]>;
  /** One page of the user's sync jobs, newest first. */
  syncJobs(
    userId: string,
    limit: number,
    cursor?: string,
  ): Promise<{ jobs: SyncJobRecord[]; nextCursor: string | null }>;
  exportJobs(userId: string): Promise<ExportJobRecord[]>;
}

const JOB_PAGE = 100;

const profileOf = (p: UserProfile) => ({
  userId: p.userId,
  email: p.email,
  subscriptionLevel: p.subscriptionLevel,
  settings: p.settings,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

const connectionOf = (c: ConnectionRecord) => ({
  connectionId: c.connectionId,
  provider: c.provider,
  status: c.status,
  ...(c.providerUserId ? { providerUserId: c.providerUserId } : {}),
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

const deviceOf = (d: DeviceRecord) => ({
  deviceId: d.deviceId,
  platform: d.platform,
  ...(d.appVersion ? { appVersion: d.appVersion } : {}),
  ...(d.deviceName ? { deviceName: d.deviceName } : {}),
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

const syncConfigOf = (s: SyncConfigRecord) => ({
  configId: s.configId,
  sourceConnectionId: s.sourceConnectionId,
  destinationConnectionId: s.destinationConnectionId,
  dataType: s.dataType,
  conflictStrategy: s.conflictStrategy,
  isEnabled: s.isEnabled,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

const syncJobOf = (j: SyncJobRecord) => ({
  jobId: j.jobId,
  status: j.status,
  mode: j.mode,
  trigger: j.trigger,
  priority: j.priority,
  sourceConnectionId: j.sourceConnectionId,
  destinationConnectionId: j.destinationConnectionId,
  dataType: j.dataType,
  ...(j.dateRange ? { dateRange: j.dateRange } : {}),
  createdAt: j.createdAt,
  updatedAt: j.updatedAt,
  ...(j.progress ? { progress: j.progress } : {}),
  ...(j.result
    ? { result: { recordsWritten: j.result.recordsWritten, recordsSkipped: j.result.recordsSkipped } }
    : {}),
  ...(j.error ? { error: { code: j.error.code } } : {}),
});

const exportJobOf = (e: ExportJobRecord) => ({
  jobId: e.jobId,
  status: e.status,
  createdAt: e.createdAt,
  ...(e.completedAt ? { completedAt: e.completedAt } : {}),
});

const indent = (json: string) => json.replace(/\n/g, '\n  ');

/** A JSON array, element by element, two spaces deep. */
async function* arrayOf<T>(
  items: AsyncIterable<T> | Iterable<T>,
  view: (item: T) => unknown,
): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const item of items) {
    yield `${first ? '' : ','}\n    ${indent(indent(JSON.stringify(view(item), null, 2)))}`;
    first = false;
  }
  yield first ? ']' : '\n  ]';
}

async function* syncJobPages(sources: AccountSources, userId: string): AsyncGenerator<SyncJobRecord> {
  let cursor: string | undefined;
  do {
    const page = await sources.syncJobs(userId, JOB_PAGE, cursor);
    yield* page.jobs;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** account.json, as text pieces in order. */
export async function* accountJson(
  sources: AccountSources,
  userId: string,
  exportedAt: Date,
): AsyncGenerator<string> {
  const [profile, connections, devices, syncConfigs, exportJobs] = await Promise.all([
    sources.profile(userId),
    sources.connections(userId),
    sources.devices(userId),
    sources.syncConfigs(userId),
    sources.exportJobs(userId),
  ]);
  yield `{\n  "exportedAt": ${JSON.stringify(exportedAt.toISOString())},\n`;
  yield `  "profile": ${profile ? indent(JSON.stringify(profileOf(profile), null, 2)) : 'null'},\n`;
  yield '  "connections": ';
  yield* arrayOf(connections, connectionOf);
  yield ',\n  "devices": ';
  yield* arrayOf(devices, deviceOf);
  yield ',\n  "syncConfigs": ';
  yield* arrayOf(syncConfigs, syncConfigOf);
  yield ',\n  "syncJobs": ';
  yield* arrayOf(syncJobPages(sources, userId), syncJobOf);
  yield ',\n  "exportJobs": ';
  yield* arrayOf(exportJobs, exportJobOf);
  yield '\n}\n';
}
