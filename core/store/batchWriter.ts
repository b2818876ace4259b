// Write-behind for unconditional puts and deletes: concurrent callers share BatchWriteItem calls
// (25 items each); UnprocessedItems are retried with backoff before a caller sees an error.
import { MicroBatcher } from '../batching/microBatcher.js';
import type { BatchWriteRequest, DocumentStore } from './documentStore.js';
import type { ItemKey } from './keys.js';
import { sendUntilProcessed } from './unprocessedItems.js';

export type WriteRequest =
  { put: ItemKey & Record<string, unknown>; delete?: never } | { delete: ItemKey; put?: never };

export class BatchWriter {
  private readonly batcher: MicroBatcher<WriteRequest, void>;

  constructor(
    private readonly db: DocumentStore,
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
    const requests: BatchWriteRequest[] = items.map((r) =>
      r.put
        ? { PutRequest: { Item: r.put } }
        : { DeleteRequest: { Key: { PK: r.delete.PK, SK: r.delete.SK } } },
    );
    const unprocessed = await sendUntilProcessed(requests, (batch) =>
      this.db.batchWrite(this.tableName, batch),
    );
    const failed = new Set(
      unprocessed.map((u) => keyOf('PutRequest' in u ? u.PutRequest.Item : u.DeleteRequest.Key)),
    );
    return items.map((r) =>
      failed.has(keyOf(r.put ?? r.delete))
        ? { ok: false as const, error: new Error('DynamoDB left the write unprocessed after retries') }
        : { ok: true as const, value: undefined },
    );
  }
}
