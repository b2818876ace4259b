// The summary the sync engine decides on (RecordSummary), taken from a canonical record. Providers
// that read canonical records whole (Garmin's pushed summaries, the phone's uploads) use it; the
// others build summaries from their native list responses without hydrating.
import type { CanonicalByDataType, DataType } from '../domain/types.js';
import { localDayStart } from '../domain/localTime.js';
import type { RecordSummary } from './dataProvider.js';

const summaryOf: { [T in DataType]: (r: CanonicalByDataType[T]) => RecordSummary } = {
  workout: (w) => ({
    dataType: 'workout',
    recordId: w.recordId,
    startTime: w.startTime,
    endTime: w.endTime,
    workoutType: w.workoutType,
    durationSeconds: w.durationSeconds,
    distanceMeters: w.distanceMeters ?? null,
    timezone: w.timezone,
    lastModified: w.lastModified,
  }),
  sleep_session: (s) => ({
    dataType: 'sleep_session',
    recordId: s.recordId,
    startTime: s.startTime,
    endTime: s.endTime,
    durationSeconds: s.durationSeconds,
    timezone: s.timezone,
    lastModified: s.lastModified,
  }),
  // A local calendar day: it starts at midnight in the record's zone (UTC when it has none).
  steps: (s) => ({
    dataType: 'steps',
    recordId: s.recordId,
    startTime: localDayStart(s.timezone ?? 'Etc/UTC', s.date).toISOString(),
    endTime: null,
    date: s.date,
    value: s.steps,
    timezone: s.timezone,
    lastModified: s.lastModified,
  }),
  weight: (w) => ({
    dataType: 'weight',
    recordId: w.recordId,
    startTime: w.measuredAt,
    endTime: null,
    value: w.weightKg,
    timezone: w.timezone,
    lastModified: w.lastModified,
  }),
};

export function canonicalSummary<T extends DataType>(
  dataType: T,
  record: CanonicalByDataType[T],
): RecordSummary {
  return summaryOf[dataType](record);
}
