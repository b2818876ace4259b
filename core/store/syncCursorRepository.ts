// Where the last successful sync of a (source, destination, data type) pair got to. The next hot
// path sync reads from the watermark minus an overlap (late uploads, edits). Written only by jobs
// that wrote something (write-avoidance): an empty sync leaves the watermark where it was.
import { LRUCache } from 'lru-cache';
import type { DataType } from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import type { DocumentStore } from './documentStore.js';
import { cursorSk, userPk } from './keys.js';
import { clock } from '../clock/clock.js';

export interface SyncCursorKey {
  userId: string;
  sourceConnectionId: string;
  destinationConnectionId: string;
  dataType: DataType;
}

/** "No watermark yet" is cached too: most pairs of an idle user have none. */
const NONE = 0;

export class SyncCursorRepository {
  /**
   * Watermarks only move forward, and a stale one only widens the next read window (the ledger
   * keeps that safe), so a short in-process cache saves a read per job.
   */
  private readonly cache: LRUCache<string, number>;

  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
    options: { cacheTtlMs?: number; cacheMax?: number } = {},
  ) {
    this.cache = new LRUCache({
      max: options.cacheMax ?? 10_000,
      ttl: Math.max(1, options.cacheTtlMs ?? 60_000),
    });
  }

  async getWatermark(key: SyncCursorKey): Promise<Date | undefined> {
    const cacheKey = `${key.userId}#${cursorSk(key)}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached === NONE ? undefined : new Date(cached);
    const watermark = await this.read(key);
    this.cache.set(cacheKey, watermark?.getTime() ?? NONE);
    return watermark;
  }

  private async read(key: SyncCursorKey): Promise<Date | undefined> {
    const out = await this.db.get({
      TableName: this.tableName,
      Key: { PK: userPk(key.userId), SK: cursorSk(key) },
    });
    const raw = (out.Item as { Watermark?: string } | undefined)?.Watermark;
    return raw ? new Date(raw) : undefined;
  }

  setWatermark(key: SyncCursorKey, watermark: Date): Promise<void> {
    this.cache.set(`${key.userId}#${cursorSk(key)}`, watermark.getTime());
    return this.writer.put({
      PK: userPk(key.userId),
      SK: cursorSk(key),
      Entity: 'CURSOR',
      Watermark: watermark.toISOString(),
      UpdatedAt: clock.date().toISOString(),
    });
  }
}
