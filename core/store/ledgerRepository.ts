// The destination-write ledger (decision 2: idempotent destination writes). One item per source
// record written to a destination: source record id → destination record id, and the source's
// lastModified at the time, so a redelivered job or a later sync never writes the same record
// twice and an edited record is recognised. Metadata only: no health values are stored.
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { DataType } from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import type { DocumentClient } from './dynamoClient.js';
import { userPk } from './keys.js';
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

interface LedgerItem {
  PK: string;
  SK: string;
  Entity: 'LEDGER';
  SourceRecordId: string;
  DestinationRecordId: string;
  SourceLastModified: string;
  WrittenAt: string;
  ttl: number;
}

/** Ledger entries outlive any lookback window the hot path reads again. */
const LEDGER_TTL_DAYS = 400;
const MAX_BATCH_GET = 100;
const MAX_ATTEMPTS = 6;

export const ledgerSk = (pair: LedgerPair, sourceRecordId: string) =>
  `LEDGER#${pair.destinationConnectionId}#${pair.sourceConnectionId}#${pair.dataType}#${sourceRecordId}`;

export class LedgerRepository {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
  ) {}

  /** Entries for the given source records (BatchGetItem, 100 keys per call); missing ids are absent. */
  async getMany(pair: LedgerPair, sourceRecordIds: readonly string[]): Promise<Map<string, LedgerRecord>> {
    const found = new Map<string, LedgerRecord>();
    const unique = [...new Set(sourceRecordIds)];
    for (let i = 0; i < unique.length; i += MAX_BATCH_GET) {
      let keys: Record<string, unknown>[] = unique
        .slice(i, i + MAX_BATCH_GET)
        .map((id) => ({ PK: userPk(pair.userId), SK: ledgerSk(pair, id) }));
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt >= MAX_ATTEMPTS) throw new Error('ledger read: keys left unprocessed after retries');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
        const out = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys } } }),
        );
        for (const item of (out.Responses?.[this.tableName] ?? []) as LedgerItem[])
          found.set(item.SourceRecordId, {
            sourceRecordId: item.SourceRecordId,
            destinationRecordId: item.DestinationRecordId,
            sourceLastModified: item.SourceLastModified,
            writtenAt: item.WrittenAt,
          });
        keys = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
      }
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
}
