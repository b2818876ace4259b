// `npm run bench:api -- --baseline floor`: the baseline's POST /v1/sync-jobs makes the network
// round trips the API's makes, with the same clients, against the same emulators, and nothing else:
// no authentication, validation, request budget, idempotency logic, metrics or logging. Per request:
// one conditional PutItem (the idempotency claim), a share of a SendMessageBatch (the hot-path
// message) and a share of a BatchWriteItem (the JOB item), batched over the API's BATCH_WINDOW_MS
// by the API's MicroBatcher. Its CPU per request is the floor under the API's POST figure: what
// those round trips cost on this machine, so the ratio floor / bare says what "≤ 2x bare Express"
// leaves for SyncWell's own work.
import { randomUUID } from 'node:crypto';
import { AwsJsonClient } from '../../core/aws/awsJsonClient.js';
import { MicroBatcher } from '../../core/batching/microBatcher.js';
import { clock } from '../../core/clock/clock.js';
import { idempotencyKey, jobSk, singletonKey, userPk } from '../../core/store/keys.js';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`API floor: ${name} is not set`);
  return value;
}

type Settled = Array<{ ok: true; value: void } | { ok: false; error: unknown }>;
const allOk = (n: number): Settled =>
  Array.from({ length: n }, () => ({ ok: true as const, value: undefined }));

export function createApiFloor() {
  const credentials = {
    accessKeyId: requiredEnv('AWS_ACCESS_KEY_ID'),
    secretAccessKey: requiredEnv('AWS_SECRET_ACCESS_KEY'),
  };
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const table = process.env.TABLE_NAME ?? 'SyncWellMetadata';
  const queueUrl = requiredEnv('HOT_PATH_QUEUE_URL');
  const windowMs = Number(process.env.BATCH_WINDOW_MS ?? 2);
  const client = (service: string, targetPrefix: string, endpoint: string) =>
    new AwsJsonClient({ service, targetPrefix, region, endpoint, credentials: async () => credentials });
  const dynamo = client('dynamodb', 'DynamoDB_20120810', requiredEnv('DYNAMODB_ENDPOINT'));
  const sqs = client('sqs', 'AmazonSQS', requiredEnv('SQS_ENDPOINT'));

  const sends = new MicroBatcher<{ body: string; group: string; id: string }, void>({
    maxSize: 10,
    windowMs,
    flush: async (items) => {
      await sqs.call('SendMessageBatch', {
        QueueUrl: queueUrl,
        Entries: items.map((m, i) => ({
          Id: String(i),
          MessageBody: m.body,
          MessageGroupId: m.group,
          MessageDeduplicationId: m.id,
        })),
      });
      return allOk(items.length);
    },
  });
  const writes = new MicroBatcher<Record<string, unknown>, void>({
    maxSize: 25,
    windowMs,
    flush: async (items) => {
      await dynamo.call('BatchWriteItem', {
        RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) },
      });
      return allOk(items.length);
    },
  });

  return {
    /** The API's POST /v1/sync-jobs round trips for one request; resolves to the new job's id. */
    async createJob(userId: string, requestKey: string, body: Record<string, unknown>): Promise<string> {
      const jobId = `job_${randomUUID()}`;
      const now = clock.date().toISOString();
      // The idempotency record's key as the API's repository writes it (IDEM#{userId}#{key}).
      const { PK, SK } = singletonKey(idempotencyKey(userId, requestKey));
      await dynamo.call('PutItem', {
        TableName: table,
        Item: {
          PK: { S: PK },
          SK: { S: SK },
          status: { S: 'INPROGRESS' },
          LockedAt: { N: String(clock.now()) },
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      });
      const message = JSON.stringify({ ...body, jobId, userId, requestedAt: now });
      await sends.add({ body: message, group: `${userId}:${String(body.dataType)}`, id: jobId });
      await writes.add({
        PK: { S: userPk(userId) },
        SK: { S: jobSk(jobId) },
        Status: { S: 'QUEUED' },
        CreatedAt: { S: now },
        Request: { S: message },
      });
      return jobId;
    },
    close: async () => {
      await Promise.allSettled([sends.drain(), writes.drain()]);
      dynamo.destroy();
      sqs.destroy();
    },
  };
}
