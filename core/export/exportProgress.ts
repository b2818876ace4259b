// What an export item says about its progress, as the API answers it and the archive's manifest
// records it: per data type, how many windows of how many were read and how many records exported,
// and which data of which connection is missing and why. Derived from the plan and the checkpoints
// alone, so it is the same whoever reads it.
import type { DataType, ExportDataTypeProgress, ExportMissingData } from '../domain/types.js';
import type { ExportJobRecord } from '../store/exportJobRepository.js';
import { streamKey } from '../store/exportJobProgress.js';
import { EXPORT_DATA_TYPES, partId, type ExportPlan, type ExportStream } from './exportPlan.js';

export interface ExportProgressView {
  progress: ExportDataTypeProgress[];
  missing: ExportMissingData[];
}

type Checkpoints = Pick<ExportJobRecord, 'doneParts' | 'partRecords' | 'missing'>;

/** Whether every window of the stream is checkpointed. */
export const streamDone = (stream: ExportStream, c: Pick<Checkpoints, 'doneParts'>) =>
  Array.from({ length: stream.windows }, (_, w) => partId(stream.index, w)).every((p) => c.doneParts.has(p));

export function exportProgress(plan: ExportPlan, c: Checkpoints): ExportProgressView {
  const failed = (s: ExportStream) => c.missing[streamKey(s.index)] !== undefined;
  const progress = EXPORT_DATA_TYPES.map((dataType): ExportDataTypeProgress => {
    const streams = plan.streams.filter((s) => s.dataType === dataType);
    const readable = streams.filter((s) => !failed(s));
    let completedWindows = 0;
    let recordCount = 0;
    for (const s of readable)
      for (let w = 0; w < s.windows; w += 1) {
        const part = partId(s.index, w);
        if (!c.doneParts.has(part)) continue;
        completedWindows += 1;
        recordCount += c.partRecords[part] ?? 0;
      }
    const totalWindows = streams.reduce((n, s) => n + s.windows, 0);
    return {
      dataType,
      status: statusOf(streams.length, readable, completedWindows, c),
      recordCount,
      completedWindows,
      totalWindows,
    };
  });
  const missing = plan.streams.flatMap((s): ExportMissingData[] => {
    const failure = c.missing[streamKey(s.index)];
    return failure
      ? [{ dataType: s.dataType, provider: s.provider, connectionId: s.connectionId, code: failure.code }]
      : [];
  });
  return { progress, missing };
}

function statusOf(
  streams: number,
  readable: ExportStream[],
  completedWindows: number,
  c: Checkpoints,
): ExportDataTypeProgress['status'] {
  if (streams > 0 && readable.length === 0) return 'failed';
  if (readable.every((s) => streamDone(s, c))) return readable.length < streams ? 'partial' : 'complete';
  return completedWindows > 0 ? 'running' : 'pending';
}

/** The streams whose records go into one data type's file: planned for it and not failed. */
export const streamsOf = (plan: ExportPlan, dataType: DataType, c: Pick<Checkpoints, 'missing'>) =>
  plan.streams.filter((s) => s.dataType === dataType && c.missing[streamKey(s.index)] === undefined);
