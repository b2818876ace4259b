// What one data export reads, fixed when the worker first takes the job: every cloud connection of
// the user that holds a data type becomes a stream, and each stream is read over the export's range
// in windows (EXPORT_WINDOW_DAYS, never more than the provider serves in one go). The plan is stored
// on the export item, so a worker that resumes the job (after a crash, a rate-limit deferral) reads
// exactly the same windows and its checkpoints (one per stream and window) still name the same parts.
import type { CloudProvider, DataType } from '../domain/types.js';
import { chunkDaysFor } from '../domain/historicalRange.js';
import { cloudProfile, isCloudProvider } from '../providers/profiles.js';
import type { TimeWindow } from '../providers/dataProvider.js';
import type { ConnectionRecord } from '../store/connectionRepository.js';

const DAY_MS = 86_400_000;

/** Every canonical data type, in the order of the archive's files and the API's progress. */
export const EXPORT_DATA_TYPES: readonly DataType[] = ['workout', 'sleep_session', 'steps', 'weight'];

/** The archive's file for each data type. */
export const EXPORT_FILE_NAMES: Readonly<Record<DataType, string>> = {
  workout: 'workouts.json',
  sleep_session: 'sleep.json',
  steps: 'steps.json',
  weight: 'weight.json',
};

export interface ExportStream {
  /** Position in the plan; part ids are `s{index}w{window}`. */
  index: number;
  connectionId: string;
  provider: CloudProvider;
  dataType: DataType;
  windowDays: number;
  windows: number;
  /**
   * Known to be unreadable when the plan was made (a connection that needs re-authorization): it is
   * reported missing at once, without a provider call.
   */
  unreadable?: string;
}

export interface ExportPlan {
  /** ISO instants: the range read from every provider, [rangeStart, rangeEnd). */
  rangeStart: string;
  rangeEnd: string;
  streams: ExportStream[];
}

/** Connection states whose data the export reads, or reports missing. */
const PLANNED_STATUSES = new Set<ConnectionRecord['status']>(['active', 'needs_reauth']);

export function planExport(
  connections: readonly ConnectionRecord[],
  options: { now: Date; lookbackDays: number; windowDays: number },
): ExportPlan {
  const rangeEnd = options.now.getTime();
  const rangeStart = rangeEnd - options.lookbackDays * DAY_MS;
  const readable = [...connections]
    .filter((c) => isCloudProvider(c.provider) && PLANNED_STATUSES.has(c.status))
    .sort((a, b) => (a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0));
  const streams: ExportStream[] = [];
  for (const dataType of EXPORT_DATA_TYPES)
    for (const connection of readable) {
      const provider = connection.provider as CloudProvider;
      if (!cloudProfile(provider).capabilities[dataType]?.read) continue;
      const windowDays = chunkDaysFor(provider, options.windowDays);
      streams.push({
        index: streams.length,
        connectionId: connection.connectionId,
        provider,
        dataType,
        windowDays,
        windows: Math.ceil((rangeEnd - rangeStart) / (windowDays * DAY_MS)),
        ...(connection.status === 'needs_reauth' ? { unreadable: 'provider_auth_revoked' } : {}),
      });
    }
  return {
    rangeStart: new Date(rangeStart).toISOString(),
    rangeEnd: new Date(rangeEnd).toISOString(),
    streams,
  };
}

/** The half-open window `window` of a stream, oldest first; the last one ends at the range's end. */
export function streamWindow(plan: ExportPlan, stream: ExportStream, window: number): TimeWindow {
  const start = Date.parse(plan.rangeStart);
  const end = Date.parse(plan.rangeEnd);
  const since = start + window * stream.windowDays * DAY_MS;
  return { since: new Date(since), until: new Date(Math.min(since + stream.windowDays * DAY_MS, end)) };
}

/** The checkpoint id of one window of one stream. */
export const partId = (stream: number, window: number) => `s${stream}w${window}`;
