// Write-behind for unconditional puts and deletes: concurrent callers share BatchWriteItem calls
// (25 items each); UnprocessedItems are retried with backoff before a caller sees an error.
import { MicroBatcher } from '../batching/microBatcher.js';
import type { BatchWriteRequest, DynamoJson } from './dynamoJson.js';
import type { ItemKey } from './keys.js';

export type WriteRequest =
  { put: ItemKey & Record<string, unknown>; delete?: never } | { delete: ItemKey; put?: never };

const MAX_ATTEMPTS = 6;

export class BatchWriter {
  private readonly batcher: MicroBatcher<WriteRequest, void>;

  constructor(
    private readonly db: DynamoJson,
    private readonly tableName: string,
    windowMs: number,
  ) {
    this.batcher = new MicroBatcher<WriteRequest, void>({
      maxSize: 25,
      windowMs,
      keyOf: (r) => {
        const k = r.put ?? r.delete;
        return `${k.PK}\u0000${k.SK}`;
      },
      flush: (items) => this.flush(items),
    });
  }

  write(request: WriteRequest): Promise<void> {
    return this.batcher.add(request);
  }

  put(item: ItemKey & Record<string, unknown>): Promise<void> {
    return this.write({ put: item });
  }

  delete(key: ItemKey): Promise<void> {
    return this.write({ delete: { PK: key.PK, SK: key.SK } });
  }

  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private async flush(items: WriteRequest[]) {
    const keyOf = (k: { PK?: unknown; SK?: unknown }) => `${String(k.PK)}\u0000${String(k.SK)}`;
    let remaining: BatchWriteRequest[] = items.map((r) =>
      r.put
        ? { PutRequest: { Item: r.put } }
        : { DeleteRequest: { Key: { PK: r.delete.PK, SK: r.delete.SK } } },
    );
    const failed = new Set<string>();
    for (let attempt = 1; remaining.length > 0; attempt++) {
      const unprocessed = await this.db.batchWriteItem(this.tableName, remaining);
      if (unprocessed.length === 0) break;
      if (attempt >= MAX_ATTEMPTS) {
        for (const u of unprocessed)
          failed.add(keyOf('PutRequest' in u ? u.PutRequest.Item : u.DeleteRequest.Key));
        break;
      }
      remaining = unprocessed;
      await new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt));
    }
    return items.map((r) =>
      failed.has(keyOf(r.put ?? r.delete))
        ? { ok: false as const, error: new Error('DynamoDB left the write unprocessed after retries') }
        : { ok: true as const, value: undefined },
    );
  }
}
