// The destination-write ledger (decision 2: idempotent destination writes). One item per source
// record written to a destination: source record id → destination record id, and the source's
// lastModified at the time, so a redelivered job or a later sync never writes the same record
// twice and an edited record is recognised. Metadata only: no health values are stored.
import type { DataType } from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import type { DocumentStore } from './documentStore.js';
import { ledgerSk, userPk, type ItemKey } from './keys.js';
import { queryPartition } from './queryPartition.js';
import { sendUntilProcessed } from './unprocessedItems.js';
import { clock } from '../clock/clock.js';

export interface LedgerPair {
  userId: string;
  sourceConnectionId: string;
  destinationConnectionId: string;
  dataType: DataType;
}

export interface LedgerRecord {
  sourceRecordId: string;
  destinationRecordId: string;
  sourceLastModified: string;
  writtenAt: string;
}

type LedgerItem = {
  PK: string;
  SK: string;
  Entity: 'LEDGER';
  SourceRecordId: string;
  DestinationRecordId: string;
  SourceLastModified: string;
  WrittenAt: string;
  ttl: number;
};

/** Ledger entries outlive any lookback window the hot path reads again. */
const LEDGER_TTL_DAYS = 400;
const MAX_BATCH_GET = 100;

export class LedgerRepository {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
  ) {}

  /** Entries for the given source records (BatchGetItem, 100 keys per call); missing ids are absent. */
  async getMany(pair: LedgerPair, sourceRecordIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const found = new Map<string, LedgerRecord>();
    const unique = [...new Set(sourceRecordIds)];
    for (let i = 0; i < unique.length; i += MAX_BATCH_GET) {
      const keys = unique
        .slice(i, i + MAX_BATCH_GET)
        .map((id) => ({ PK: userPk(pair.userId), SK: ledgerSk(pair, id) }));
      const unprocessed = await sendUntilProcessed(keys, async (batch) => {
        const out = await this.db.batchGet({ TableName: this.tableName, Keys: [...batch] });
        for (const item of out.Items as LedgerItem[])
          found.set(item.SourceRecordId, {
            sourceRecordId: item.SourceRecordId,
            destinationRecordId: item.DestinationRecordId,
            sourceLastModified: item.SourceLastModified,
            writtenAt: item.WrittenAt,
          });
        return out.UnprocessedKeys as ItemKey[];
      });
      if (unprocessed.length > 0) throw new Error('ledger read: keys left unprocessed after retries');
    }
    return found;
  }

  /** Records writes through the shared BatchWriteItem batcher. */
  async record(pair: LedgerPair, entries: readonly LedgerRecord[]): Promise<void> {
    const ttl = Math.floor(clock.now() / 1000) + LEDGER_TTL_DAYS * 86_400;
    await Promise.all(
      entries.map((e) => {
        const item: LedgerItem = {
          PK: userPk(pair.userId),
          SK: ledgerSk(pair, e.sourceRecordId),
          Entity: 'LEDGER',
          SourceRecordId: e.sourceRecordId,
          DestinationRecordId: e.destinationRecordId,
          SourceLastModified: e.sourceLastModified,
          WrittenAt: e.writtenAt,
          ttl,
        };
        return this.writer.put({ ...item });
      }),
    );
  }

  /**
   * Every entry of one pair (a Query on the pair's key prefix, paged): what a migrated
   * configuration's old pair wrote, read while the migration is recent.
   */
  async listPair(pair: LedgerPair): Promise<LedgerRecord[]> {
    const items = await queryPartition<LedgerItem>(
      this.db,
      this.tableName,
      userPk(pair.userId),
      ledgerSk(pair, ''),
    );
    return items.map((item) => ({
      sourceRecordId: item.SourceRecordId,
      destinationRecordId: item.DestinationRecordId,
      sourceLastModified: item.SourceLastModified,
      writtenAt: item.WrittenAt,
    }));
  }

  /** Copies one pair's entries to another (same source record ids): a migrated destination. */
  async copyPair(from: LedgerPair, to: LedgerPair): Promise<number> {
    const entries = await this.listPair(from);
    await this.record(to, entries);
    return entries.length;
  }
}
