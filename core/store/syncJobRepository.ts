// Everything about JOB items behind one object, for callers that use several parts: the record
// (./syncJobRecords.ts), the worker's claim on a hot-path job (./jobClaims.ts) and a historical
// job's chunk tallies (./historicalProgress.ts).
import type { BatchWriter } from './batchWriter.js';
import type { DocumentStore } from './documentStore.js';
import { HistoricalProgress } from './historicalProgress.js';
import { JobClaims } from './jobClaims.js';
import { SyncJobRecords } from './syncJobRecords.js';

export type { ClaimOutcome } from './jobClaims.js';
export { InvalidCursorError, type JobClaim, type SyncJobRecord } from './syncJobRecords.js';

export class SyncJobRepository {
  readonly records: SyncJobRecords;
  readonly claims: JobClaims;
  readonly historical: HistoricalProgress;

  constructor(db: DocumentStore, tableName: string, writer: BatchWriter) {
    this.records = new SyncJobRecords(db, tableName, writer);
    this.claims = new JobClaims(db, tableName);
    this.historical = new HistoricalProgress(db, tableName);
  }

  put(...args: Parameters<SyncJobRecords['put']>) {
    return this.records.put(...args);
  }

  putIfAbsent(...args: Parameters<SyncJobRecords['putIfAbsent']>) {
    return this.records.putIfAbsent(...args);
  }

  get(...args: Parameters<SyncJobRecords['get']>) {
    return this.records.get(...args);
  }

  listRecent(...args: Parameters<SyncJobRecords['listRecent']>) {
    return this.records.listRecent(...args);
  }

  claim(...args: Parameters<JobClaims['claim']>) {
    return this.claims.claim(...args);
  }

  finish(...args: Parameters<JobClaims['finish']>) {
    return this.claims.finish(...args);
  }

  finishUnclaimed(...args: Parameters<JobClaims['finishUnclaimed']>) {
    return this.claims.finishUnclaimed(...args);
  }

  release(...args: Parameters<JobClaims['release']>) {
    return this.claims.release(...args);
  }

  settleWaiting(...args: Parameters<JobClaims['settleWaiting']>) {
    return this.claims.settleWaiting(...args);
  }

  failAbandoned(...args: Parameters<JobClaims['failAbandoned']>) {
    return this.claims.failAbandoned(...args);
  }

  markRunning(...args: Parameters<HistoricalProgress['markRunning']>) {
    return this.historical.markRunning(...args);
  }

  historicalState(...args: Parameters<HistoricalProgress['historicalState']>) {
    return this.historical.historicalState(...args);
  }

  recordChunk(...args: Parameters<HistoricalProgress['recordChunk']>) {
    return this.historical.recordChunk(...args);
  }

  finishHistorical(...args: Parameters<HistoricalProgress['finishHistorical']>) {
    return this.historical.finishHistorical(...args);
  }
}
