// Phase 2 of an export: one ZIP (archiver) streamed into a multipart upload: per data type a JSON
// array built line by line from its parts (read back one after the other), `account.json` from the
// user's own records (paged), and `manifest.json`. Nothing is held whole: archiver deflates as the
// upload drains it, and the upload keeps at most two 5 MiB parts in flight. Built again from the
// parts if a crash interrupts it (the object only appears when the upload completes).
import { PassThrough, Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import type { AccountSources } from '../../core/export/accountRecords.js';
import { accountJson } from '../../core/export/accountRecords.js';
import type { ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import {
  EXPORT_DATA_TYPES,
  EXPORT_FILE_NAMES,
  partId,
  type ExportPlan,
} from '../../core/export/exportPlan.js';
import { exportProgress, streamsOf } from '../../core/export/exportProgress.js';
import { jsonArrayOfParts } from '../../core/export/jsonLines.js';
import type { ExportJobRecord } from '../../core/store/exportJobRepository.js';
import { streamKey } from '../../core/store/exportJobProgress.js';

export interface AssembledArchive {
  key: string;
  sizeBytes: number;
}

const textStream = (pieces: AsyncIterable<string> | Iterable<string>) =>
  Readable.from(pieces, { objectMode: false });

export async function assembleArchive(
  d: { store: ExportArchiveStore; account: AccountSources },
  run: { record: ExportJobRecord; plan: ExportPlan; now: Date; signal: AbortSignal },
): Promise<AssembledArchive> {
  const { record, plan, now } = run;
  const { userId, jobId } = record;
  const archive = new ZipArchive({ zlib: { level: 6 } });
  // An entry's stream failing (a part unreadable) fails the archive, and with it the upload (every
  // error, not only the first, has a listener: archiver may emit several once one entry broke).
  const failed = new Promise<never>((_, reject) => archive.on('error', reject));
  failed.catch(() => undefined);
  // archiver's streams are readable-stream's; the upload wants a Node stream.
  const body = archive.pipe(new PassThrough());
  const abort = new AbortController();
  const signal = AbortSignal.any([run.signal, abort.signal]);

  for (const dataType of EXPORT_DATA_TYPES) {
    const parts = streamsOf(plan, dataType, record).flatMap((stream) =>
      Array.from(
        { length: stream.windows },
        (_, w) => () => d.store.readPart(userId, jobId, partId(stream.index, w), signal),
      ),
    );
    archive.append(textStream(jsonArrayOfParts(parts)), { name: EXPORT_FILE_NAMES[dataType], date: now });
  }
  archive.append(textStream(accountJson(d.account, userId, now)), { name: 'account.json', date: now });
  archive.append(`${JSON.stringify(manifestOf(record, plan, now), null, 2)}\n`, {
    name: 'manifest.json',
    date: now,
  });
  void archive.finalize().catch(() => undefined);

  try {
    const key = await Promise.race([d.store.putArchive(userId, jobId, body, signal), failed]);
    return { key, sizeBytes: archive.pointer() };
  } catch (error) {
    abort.abort(error);
    archive.abort();
    body.destroy();
    throw error;
  }
}

/** What the archive holds, what is missing and why: the first file a person opening it should read. */
function manifestOf(record: ExportJobRecord, plan: ExportPlan, now: Date) {
  const { progress } = exportProgress(plan, record);
  return {
    format: 'syncwell-export/1',
    jobId: record.jobId,
    requestedAt: record.createdAt,
    exportedAt: now.toISOString(),
    range: { since: plan.rangeStart, until: plan.rangeEnd },
    files: {
      ...Object.fromEntries(EXPORT_DATA_TYPES.map((t) => [t, EXPORT_FILE_NAMES[t]])),
      account: 'account.json',
    },
    note:
      'Each data file is a JSON array of SyncWell canonical records (contracts/schemas/Canonical*.yaml), ' +
      'read live from your connected cloud providers; records are grouped by connection, oldest first. ' +
      'Data that lives only on your phone (Apple Health, Health Connect) is not read by the server.',
    dataTypes: progress.map((p) => ({ dataType: p.dataType, status: p.status, records: p.recordCount })),
    sources: plan.streams.map((s) => {
      const failure = record.missing[streamKey(s.index)];
      return {
        connectionId: s.connectionId,
        provider: s.provider,
        dataType: s.dataType,
        ...(failure ? { missing: { code: failure.code, reason: failure.message } } : { included: true }),
      };
    }),
  };
}
