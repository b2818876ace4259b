// Where the last successful sync of a (source, destination, data type) pair got to. The next hot
// path sync reads from the watermark minus an overlap (late uploads, edits). Written only by jobs
// that wrote something (write-avoidance): an empty sync leaves the watermark where it was.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DataType } from '../domain/types.js';
import type { BatchWriter } from './batchWriter.js';
import type { DocumentClient } from './dynamoClient.js';
import { userPk } from './keys.js';

export interface SyncCursorKey {
  userId: string;
  sourceConnectionId: string;
  destinationConnectionId: string;
  dataType: DataType;
}

const cursorSk = (k: SyncCursorKey) =>
  `CURSOR#${k.sourceConnectionId}#${k.destinationConnectionId}#${k.dataType}`;

export class SyncCursorRepository {
  constructor(
    private readonly db: DocumentClient,
    private readonly tableName: string,
    private readonly writer: BatchWriter,
  ) {}

  async getWatermark(key: SyncCursorKey): Promise<Date | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: userPk(key.userId), SK: cursorSk(key) } }),
    );
    const raw = (out.Item as { Watermark?: string } | undefined)?.Watermark;
    return raw ? new Date(raw) : undefined;
  }

  setWatermark(key: SyncCursorKey, watermark: Date): Promise<void> {
    return this.writer.put({
      PK: userPk(key.userId),
      SK: cursorSk(key),
      Entity: 'CURSOR',
      Watermark: watermark.toISOString(),
      UpdatedAt: new Date().toISOString(),
    });
  }
}
