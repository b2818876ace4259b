// The document-store port: the DynamoDB operations the repositories use, on plain objects (the
// adapter marshals them). One implementation runs everywhere, core/aws/leanDocumentClient.ts; the
// field names are DynamoDB's own, so an expression reads the same here as in AWS's documentation.

export type Item = Record<string, unknown>;

interface Expressions {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export interface GetInput {
  TableName: string;
  Key: Item;
  ConsistentRead?: boolean;
}

export interface PutInput extends Expressions {
  TableName: string;
  Item: Item;
  ReturnValues?: 'NONE' | 'ALL_OLD';
}

export interface UpdateInput extends Expressions {
  TableName: string;
  Key: Item;
  UpdateExpression: string;
  ReturnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
}

export interface DeleteInput extends Expressions {
  TableName: string;
  Key: Item;
  ReturnValues?: 'NONE' | 'ALL_OLD';
}

export interface QueryInput {
  TableName: string;
  IndexName?: string;
  KeyConditionExpression: string;
  FilterExpression?: string;
  /** Only these attributes (e.g. `PK, SK` when only keys are needed). */
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  ConsistentRead?: boolean;
  ScanIndexForward?: boolean;
  Limit?: number;
  ExclusiveStartKey?: Item;
}

/** A Scan reads the whole table, page by page: only for rare, throttled sweeps (seed T-003). */
export interface ScanInput {
  TableName: string;
  FilterExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Item;
  /** Items evaluated per page, before the filter (what throttles the read capacity used). */
  Limit?: number;
  ExclusiveStartKey?: Item;
}

export interface QueryOutput {
  Items: Item[];
  LastEvaluatedKey?: Item;
}

export interface BatchGetInput {
  TableName: string;
  /** At most 100 keys (DynamoDB's limit per call). */
  Keys: Item[];
  ConsistentRead?: boolean;
}

export interface BatchGetOutput {
  Items: Item[];
  /** Keys DynamoDB did not read this time; the caller retries them. */
  UnprocessedKeys: Item[];
}

export type BatchWriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

/**
 * A failed write whose ConditionExpression did not hold is thrown as an error named
 * `ConditionalCheckFailedException` (see `isConditionalCheckFailed`).
 */
export interface DocumentStore {
  get(input: GetInput): Promise<{ Item?: Item }>;
  put(input: PutInput): Promise<{ Attributes?: Item }>;
  update(input: UpdateInput): Promise<{ Attributes?: Item }>;
  delete(input: DeleteInput): Promise<{ Attributes?: Item }>;
  query(input: QueryInput): Promise<QueryOutput>;
  /** One page of a Scan (its matching items, and where the next page starts). */
  scan(input: ScanInput): Promise<QueryOutput>;
  batchGet(input: BatchGetInput): Promise<BatchGetOutput>;
  /** One BatchWriteItem call (at most 25 requests); resolves with the requests left unprocessed. */
  batchWrite(tableName: string, requests: readonly BatchWriteRequest[]): Promise<BatchWriteRequest[]>;
}

/** True when DynamoDB rejected a write because its ConditionExpression did not hold. */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
