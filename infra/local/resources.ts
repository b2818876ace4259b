// Creates the Terraform-defined table, queues and buckets in the emulators, and resets them.
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type Projection,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SQSClient,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Projection as ModelProjection, QueueModel, TableModel, TerraformModel } from './terraform.js';
import { sendUntilProcessed } from '../../core/store/unprocessedItems.js';

export interface EmulatorEndpoints {
  dynamodb: string;
  sqs: string;
  s3: string;
}
export interface EmulatorClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  s3: S3Client;
  destroy(): void;
}
export interface CreatedQueue {
  name: string;
  url: string;
  arn: string;
}
export interface CreatedResources {
  tableName: string;
  /** By terraform resource name, e.g. `hot_path_sync`, `hot_path_sync_dlq`. */
  queues: Record<string, CreatedQueue>;
  /** Bucket name by terraform resource name, e.g. `staging`. */
  buckets: Record<string, string>;
  /** Terraform settings the emulators cannot apply; code must not rely on them locally. */
  notEnforcedLocally: string[];
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** AWS SDK clients pointed at the emulators: explicit endpoint, region and static credentials. */
export function createEmulatorClients(endpoints: EmulatorEndpoints): EmulatorClients {
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb });
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqs });
  const s3 = new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: true });
  return {
    dynamodb,
    sqs,
    s3,
    destroy: () => [dynamodb, sqs, s3].forEach((c) => c.destroy()),
  };
}

function toProjection(p: ModelProjection): Projection {
  return p.nonKeyAttributes
    ? { ProjectionType: p.projectionType, NonKeyAttributes: p.nonKeyAttributes }
    : { ProjectionType: p.projectionType };
}

export function createTableInput(table: TableModel): CreateTableCommandInput {
  const keySchema = (hash: string, range?: string) =>
    range
      ? [
          { AttributeName: hash, KeyType: 'HASH' as const },
          { AttributeName: range, KeyType: 'RANGE' as const },
        ]
      : [{ AttributeName: hash, KeyType: 'HASH' as const }];
  const gsis = table.globalSecondaryIndexes.map((g) => ({
    IndexName: g.name,
    KeySchema: keySchema(g.hashKey, g.rangeKey),
    Projection: toProjection(g),
  }));
  const lsis = table.localSecondaryIndexes.map((l) => ({
    IndexName: l.name,
    KeySchema: keySchema(table.hashKey, l.rangeKey),
    Projection: toProjection(l),
  }));
  return {
    TableName: table.name,
    // Capacity is a deployment setting (see dynamodb.tf); locally on-demand is the only sensible mode.
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: table.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: keySchema(table.hashKey, table.rangeKey),
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
    ...(lsis.length > 0 ? { LocalSecondaryIndexes: lsis } : {}),
  };
}

/** An existing table (a persisted dataDir) must have the keys and indexes terraform defines. */
function assertTableMatches(table: TableModel, found: TableDescription | undefined): void {
  const keys = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((k) => `${k.KeyType}:${k.AttributeName}`).join(',');
  const expected = createTableInput(table);
  const indexes = (
    list: { IndexName?: string; KeySchema?: { AttributeName?: string; KeyType?: string }[] }[],
  ) =>
    list
      .map((i) => `${i.IndexName}(${keys(i.KeySchema)})`)
      .sort()
      .join(' ');
  const shape = (t: TableDescription | CreateTableCommandInput) =>
    `${keys(t.KeySchema)} gsi[${indexes(t.GlobalSecondaryIndexes ?? [])}] lsi[${indexes(t.LocalSecondaryIndexes ?? [])}]`;
  if (!found || shape(found) !== shape(expected)) {
    throw new Error(
      `Table ${table.name} exists with a different shape than infra/terraform defines ` +
        `(found ${found ? shape(found) : 'nothing'}, expected ${shape(expected)}); delete the local data dir to recreate it`,
    );
  }
}

async function createTable(client: DynamoDBClient, table: TableModel): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(table)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table.name }));
    assertTableMatches(table, Table);
  }
}

function queueAttributes(q: QueueModel, dlqArn?: string): Partial<Record<QueueAttributeName, string>> {
  const attributes: Partial<Record<QueueAttributeName, string>> = {
    DelaySeconds: String(q.delaySeconds),
    VisibilityTimeout: String(q.visibilityTimeout),
    ReceiveMessageWaitTimeSeconds: String(q.receiveWaitTimeSeconds),
    MessageRetentionPeriod: String(q.messageRetentionSeconds),
  };
  if (q.fifo) {
    attributes.FifoQueue = 'true';
    attributes.ContentBasedDeduplication = String(q.contentBasedDeduplication);
    if (q.deduplicationScope) attributes.DeduplicationScope = q.deduplicationScope;
    if (q.fifoThroughputLimit) attributes.FifoThroughputLimit = q.fifoThroughputLimit;
  }
  if (q.redrive && dlqArn) {
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: dlqArn,
      maxReceiveCount: q.redrive.maxReceiveCount,
    });
  }
  return attributes;
}

/** Dead-letter targets first, so each RedrivePolicy can name its DLQ's real ARN. */
async function createQueues(client: SQSClient, queues: QueueModel[]): Promise<Record<string, CreatedQueue>> {
  const created: Record<string, CreatedQueue> = {};
  let pending = [...queues];
  while (pending.length > 0) {
    const ready = pending.filter((q) => !q.redrive || created[q.redrive.deadLetterQueueResourceName]);
    if (ready.length === 0)
      throw new Error(`Redrive cycle among ${pending.map((q) => q.resourceName).join(', ')}`);
    await Promise.all(
      ready.map(async (q) => {
        const dlqArn = q.redrive ? created[q.redrive.deadLetterQueueResourceName]?.arn : undefined;
        const { QueueUrl } = await client.send(
          new CreateQueueCommand({ QueueName: q.name, Attributes: queueAttributes(q, dlqArn) }),
        );
        const { Attributes } = await client.send(
          new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
        );
        if (!QueueUrl || !Attributes?.QueueArn)
          throw new Error(`CreateQueue ${q.name} returned no URL or ARN`);
        created[q.resourceName] = { name: q.name, url: QueueUrl, arn: Attributes.QueueArn };
      }),
    );
    pending = pending.filter((q) => !ready.includes(q));
  }
  return created;
}

/** Creates exactly the resources of the model; safe to run against emulators that already have them. */
export async function createResources(
  model: TerraformModel,
  clients: Pick<EmulatorClients, 'dynamodb' | 'sqs' | 's3'>,
): Promise<CreatedResources> {
  const [, queues, buckets] = await Promise.all([
    createTable(clients.dynamodb, model.table),
    createQueues(clients.sqs, model.queues),
    Promise.all(
      model.buckets.map(async (b) => {
        await clients.s3.send(new CreateBucketCommand({ Bucket: b.name }));
        return [b.resourceName, b.name] as const;
      }),
    ),
  ]);
  // fauxqs ignores PutBucketLifecycleConfiguration (it routes it to CreateBucket) and dynalite has
  // no UpdateTimeToLive: say so instead of pretending.
  const notEnforcedLocally = [
    ...(model.table.ttlAttribute
      ? [`DynamoDB TTL on "${model.table.ttlAttribute}" (dynalite has no TTL)`]
      : []),
    ...model.buckets
      .filter((b) => b.expirationDays !== undefined)
      .map(
        (b) =>
          `S3 lifecycle expiration of ${b.name} after ${b.expirationDays} day(s) (fauxqs has no lifecycle)`,
      ),
  ];
  return { tableName: model.table.name, queues, buckets: Object.fromEntries(buckets), notEnforcedLocally };
}

/** Deletes every item of the table (Scan + BatchWriteItem), keeping the table and its indexes. */
export async function resetTable(
  client: DynamoDBClient,
  model: Pick<TerraformModel, 'table'>,
): Promise<number> {
  const { name, hashKey, rangeKey } = model.table;
  const keyNames = rangeKey ? [hashKey, rangeKey] : [hashKey];
  let deleted = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: name,
        ProjectionExpression: keyNames.map((_, i) => `#k${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(keyNames.map((k, i) => [`#k${i}`, k])),
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = page.Items ?? [];
    for (let i = 0; i < keys.length; i += 25) {
      const requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      const left = await sendUntilProcessed(
        requests,
        async (batch) => {
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [name]: [...batch] } }));
          const unprocessed = (out.UnprocessedItems?.[name] ?? []).flatMap((r) =>
            r.DeleteRequest?.Key ? [{ DeleteRequest: { Key: r.DeleteRequest.Key } }] : [],
          );
          deleted += batch.length - unprocessed.length;
          return unprocessed;
        },
        5,
      );
      if (left.length > 0) throw new Error(`resetTable: ${left.length} deletes still unprocessed`);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return deleted;
}

/** Drops every message of every queue (fauxqs has no 60 s PurgeQueue cooldown, AWS does). */
export async function purgeQueues(
  client: SQSClient,
  resources: Pick<CreatedResources, 'queues'>,
): Promise<void> {
  await Promise.all(
    Object.values(resources.queues).map((q) => client.send(new PurgeQueueCommand({ QueueUrl: q.url }))),
  );
}

/** Deletes every object of every bucket, keeping the buckets. */
export async function emptyBuckets(
  client: S3Client,
  resources: Pick<CreatedResources, 'buckets'>,
): Promise<void> {
  for (const bucket of Object.values(resources.buckets)) {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (objects.length > 0) {
        await client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
}
