// Partial batch failures as AWS answers them: the batch call succeeds (200) and reports some of
// its entries as not done. The fault proxy (./faultProxy.ts) draws the entries to fail, forwards
// the call with the others only (the emulator never sees the failed ones, as if AWS dropped them)
// and answers the emulator's response with the failed entries merged in:
// - DynamoDB BatchWriteItem: `UnprocessedItems`, keyed by table, holding the original
//   PutRequest/DeleteRequest items, which the caller is expected to send again;
// - SQS SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch: `Failed` entries
//   `{ Id, SenderFault: false, Code: 'InternalError', Message }` beside the emulator's `Successful`.
// Pure functions of the parsed JSON bodies, so the shapes are tested without a server.

export type BatchService = 'dynamodb' | 'sqs';

/** The operations whose entries can fail one by one (JSON protocol names, after X-Amz-Target's dot). */
export const BATCH_OPERATIONS: Record<BatchService, readonly string[]> = {
  dynamodb: ['BatchWriteItem'],
  sqs: ['SendMessageBatch', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch'],
};

export const FAILED_ENTRY_MESSAGE = 'injected by the chaos suite: entry failed in a partial batch';

type Json = Record<string, unknown>;

export interface BatchSplit {
  /** Entries in the call, and how many of them were failed. */
  entries: number;
  failed: number;
  /** The request to forward, with the surviving entries only; null when none survives. */
  forward: Json | null;
  /** The answer to give: the emulator's (`{}` when nothing was forwarded) with the failed entries. */
  merge(answer: Json): Json;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Splits a batch request's entries with `fails` (drawn once per entry, in order). Undefined when the
 * operation is not a batch one or the body is not the shape it should be: the call then goes
 * through untouched and the emulator answers whatever it answers.
 */
export function splitBatch(
  service: BatchService,
  operation: string,
  request: unknown,
  fails: () => boolean,
): BatchSplit | undefined {
  if (!BATCH_OPERATIONS[service].includes(operation) || !isObject(request)) return undefined;
  return service === 'dynamodb' ? splitWrites(request, fails) : splitEntries(request, fails);
}

function splitWrites(request: Json, fails: () => boolean): BatchSplit | undefined {
  const items = request.RequestItems;
  if (!isObject(items) || !Object.values(items).every(Array.isArray)) return undefined;
  const kept: Record<string, unknown[]> = {};
  const dropped: Record<string, unknown[]> = {};
  let entries = 0;
  let failed = 0;
  for (const [table, writes] of Object.entries(items as Record<string, unknown[]>))
    for (const write of writes) {
      entries += 1;
      // A table left with no write is left out: DynamoDB refuses an empty list.
      if (fails()) {
        failed += 1;
        (dropped[table] ??= []).push(write);
      } else (kept[table] ??= []).push(write);
    }
  return {
    entries,
    failed,
    forward: Object.keys(kept).length > 0 ? { ...request, RequestItems: kept } : null,
    merge(answer) {
      const unprocessed: Record<string, unknown[]> = isObject(answer.UnprocessedItems)
        ? { ...(answer.UnprocessedItems as Record<string, unknown[]>) }
        : {};
      for (const [table, writes] of Object.entries(dropped))
        unprocessed[table] = [...(unprocessed[table] ?? []), ...writes];
      return { ...answer, UnprocessedItems: unprocessed };
    },
  };
}

function splitEntries(request: Json, fails: () => boolean): BatchSplit | undefined {
  const all = request.Entries;
  if (!Array.isArray(all) || !all.every((e) => isObject(e) && typeof e.Id === 'string')) return undefined;
  const kept: Json[] = [];
  const dropped: Json[] = [];
  for (const entry of all as Json[]) (fails() ? dropped : kept).push(entry);
  return {
    entries: all.length,
    failed: dropped.length,
    // SQS refuses an empty batch (EmptyBatchRequest): with every entry failed, nothing is forwarded.
    forward: kept.length > 0 ? { ...request, Entries: kept } : null,
    merge(answer) {
      const failedBefore = Array.isArray(answer.Failed) ? (answer.Failed as unknown[]) : [];
      return {
        ...answer,
        Successful: Array.isArray(answer.Successful) ? answer.Successful : [],
        Failed: [
          ...failedBefore,
          ...dropped.map((e) => ({
            Id: e.Id,
            SenderFault: false,
            Code: 'InternalError',
            Message: FAILED_ENTRY_MESSAGE,
          })),
        ],
      };
    },
  };
}
