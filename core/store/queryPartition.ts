// Reads every item of one user's partition whose sort key starts with a prefix, following
// DynamoDB's pages (a user has few connections and configurations, but paging is never assumed away).
import type { DocumentStore } from './documentStore.js';

export async function queryPartition<T>(
  db: DocumentStore,
  tableName: string,
  pk: string,
  skPrefix: string,
  options: { consistentRead?: boolean } = {},
): Promise<T[]> {
  const items: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.query({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
      ConsistentRead: options.consistentRead,
      ExclusiveStartKey: start,
    });
    items.push(...((out.Items ?? []) as T[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
