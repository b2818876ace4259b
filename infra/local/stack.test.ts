import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type ReceiveMessageCommandOutput,
} from '@aws-sdk/client-sqs';
import {
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { expect } from 'chai';
import {
  createEmulatorClients,
  emptyBuckets,
  purgeQueues,
  resetTable,
  type EmulatorClients,
} from './resources.js';
import { startLocalStack, type LocalStack } from './stack.js';
import { DEFAULT_TERRAFORM_DIR, loadTerraformResources } from './terraform.js';

function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

function redisPing(url: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('utf8').trim());
    });
    socket.once('error', reject);
  });
}

describe('infra/local/stack: the local stack built from infra/terraform', function () {
  this.timeout(15000);
  let stack: LocalStack;
  let clients: EmulatorClients;

  before(async () => {
    stack = await startLocalStack();
    clients = createEmulatorClients(stack.endpoints);
  });
  after(async () => {
    clients?.destroy();
    await stack?.stop();
  });

  it('exposes every variable the processes read, all on 127.0.0.1', () => {
    const { env } = stack;
    expect(env).to.include({
      AWS_REGION: 'us-east-1',
      TABLE_NAME: 'SyncWellMetadata',
      STAGING_BUCKET: 'syncwell-staging',
      EXPORT_BUCKET: 'syncwell-exports',
      FIREBASE_PROJECT_ID: 'syncwell-local',
    });
    expect(env.HOT_PATH_QUEUE_URL).to.match(/\/syncwell-hot-path-sync\.fifo$/);
    expect(env.HOT_PATH_DLQ_URL).to.match(/\/syncwell-hot-path-sync-dlq\.fifo$/);
    expect(env.USER_DELETION_QUEUE_URL).to.match(/\/syncwell-user-deletion$/);
    // The EventBridge rule's target, which the local event bus sends to itself.
    expect(env.SYNC_NOTIFICATIONS_QUEUE_URL).to.match(/\/syncwell-sync-notifications$/);
    for (const key of ['DYNAMODB_ENDPOINT', 'SQS_ENDPOINT', 'S3_ENDPOINT', 'JWKS_URL']) {
      expect(env[key], key).to.match(/^http:\/\/127\.0\.0\.1:\d+/);
    }
    expect(env.REDIS_URL).to.match(/^redis:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates the table with both GSIs and the LSI', async () => {
    const { Table } = await clients.dynamodb.send(
      new DescribeTableCommand({ TableName: stack.resources.tableName }),
    );
    expect(Table?.KeySchema).to.deep.equal([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    const gsis = Object.fromEntries(
      (Table?.GlobalSecondaryIndexes ?? []).map((g) => [g.IndexName ?? '', g] as const),
    );
    expect(Object.keys(gsis)).to.have.members(['ReAuthStatusIndex', 'SchedulerIndex', 'UserIdIndex']);
    expect(gsis.SchedulerIndex?.KeySchema?.map((k) => k.AttributeName)).to.deep.equal([
      'SyncTierShardId',
      'NextSyncTimestamp',
    ]);
    expect(gsis.SchedulerIndex?.Projection?.ProjectionType).to.equal('KEYS_ONLY');
    expect(
      Table?.LocalSecondaryIndexes?.map((l) => [l.IndexName, l.KeySchema?.[1]?.AttributeName]),
    ).to.deep.equal([['JobsByCreatedAtIndex', 'JobCreatedAt']]);
  });

  it('serves the LSI newest first and keeps it sparse', async () => {
    const TableName = stack.resources.tableName;
    const put = (SK: string, createdAt?: string) =>
      clients.dynamodb.send(
        new PutItemCommand({
          TableName,
          Item: {
            PK: { S: 'USER#lsi' },
            SK: { S: SK },
            ...(createdAt ? { JobCreatedAt: { S: createdAt } } : {}),
          },
        }),
      );
    await put('JOB#b', '2026-01-02T00:00:00.000Z');
    await put('JOB#a', '2026-01-03T00:00:00.000Z');
    await put('PROFILE');
    const { Items } = await clients.dynamodb.send(
      new QueryCommand({
        TableName,
        IndexName: 'JobsByCreatedAtIndex',
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'USER#lsi' } },
        ScanIndexForward: false,
      }),
    );
    expect(Items?.map((i) => i.SK?.S)).to.deep.equal(['JOB#a', 'JOB#b']);
  });

  it('creates every queue with the terraform attributes and redrive to the right DLQ', async () => {
    const model = await loadTerraformResources();
    expect(Object.keys(stack.resources.queues)).to.have.members(model.queues.map((q) => q.resourceName));
    for (const q of model.queues) {
      const created = stack.resources.queues[q.resourceName];
      const { Attributes = {} } = await clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: created?.url, AttributeNames: ['All'] }),
      );
      expect(Attributes.QueueArn, q.name)
        .to.equal(created?.arn)
        .and.match(new RegExp(`:${q.name.replace('.', '\\.')}$`));
      expect(Attributes.FifoQueue === 'true', q.name).to.equal(q.fifo);
      expect(Attributes.DelaySeconds, q.name).to.equal(String(q.delaySeconds));
      expect(Attributes.VisibilityTimeout, q.name).to.equal(String(q.visibilityTimeout));
      expect(Attributes.ReceiveMessageWaitTimeSeconds, q.name).to.equal(String(q.receiveWaitTimeSeconds));
      expect(Attributes.MessageRetentionPeriod, q.name).to.equal(String(q.messageRetentionSeconds));
      if (q.redrive) {
        expect(JSON.parse(Attributes.RedrivePolicy ?? '{}'), q.name).to.deep.equal({
          deadLetterTargetArn: stack.resources.queues[q.redrive.deadLetterQueueResourceName]?.arn,
          maxReceiveCount: 5,
        });
      } else {
        expect(Attributes.RedrivePolicy, q.name).to.equal(undefined);
      }
    }
    expect(stack.resources.queues.coalescing_buffer?.name).to.equal('syncwell-coalescing-buffer.fifo');
  });

  it('round-trips a FIFO message with its group and deduplication ids, and drops the duplicate', async () => {
    const QueueUrl = stack.env.HOT_PATH_QUEUE_URL;
    const send = (body: string) =>
      clients.sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: 'user-1',
          MessageDeduplicationId: 'idem-1',
        }),
      );
    await send('{"n":1}');
    await send('{"n":2}');
    const { Messages = [] } = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    expect(Messages.map((m) => m.Body)).to.deep.equal(['{"n":1}']);
    expect(Messages[0]?.Attributes).to.include({
      MessageGroupId: 'user-1',
      MessageDeduplicationId: 'idem-1',
    });
  });

  it('moves a message to the DLQ after 5 receives', async () => {
    const { url, arn } = stack.resources.queues.export ?? {};
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    const receive = (QueueUrl?: string): Promise<ReceiveMessageCommandOutput> =>
      clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0, WaitTimeSeconds: 0 }));
    for (let i = 1; i <= 5; i++) expect((await receive(url)).Messages, `receive ${i}`).to.have.length(1);
    expect((await receive(url)).Messages ?? []).to.have.length(0);
    const dlq = await receive(stack.resources.queues.export_dlq?.url);
    expect(dlq.Messages?.map((m) => m.Body)).to.deep.equal(['poison']);
    expect(arn).to.match(/:syncwell-export$/);
  });

  it('creates both buckets (path-style S3 on the SQS port)', async () => {
    expect(stack.endpoints.s3).to.equal(stack.endpoints.sqs);
    for (const Bucket of ['syncwell-staging', 'syncwell-exports']) {
      const out = await clients.s3.send(new HeadBucketCommand({ Bucket }));
      expect(out.$metadata.httpStatusCode, Bucket).to.equal(200);
    }
    await clients.s3.send(new PutObjectCommand({ Bucket: 'syncwell-staging', Key: 'a/b.json', Body: '{}' }));
    const got = await clients.s3.send(new GetObjectCommand({ Bucket: 'syncwell-staging', Key: 'a/b.json' }));
    expect(await got.Body?.transformToString()).to.equal('{}');
    expect(stack.resources.notEnforcedLocally.join('\n')).to.match(/syncwell-staging after 1 day/);
  });

  it('runs redis that answers PING', async () => {
    expect(await redisPing(stack.endpoints.redisUrl)).to.equal('+PONG');
  });

  it('resets the table, queues and buckets without removing them', async () => {
    const model = await loadTerraformResources();
    const TableName = stack.resources.tableName;
    const Key = { PK: { S: 'USER#reset' }, SK: { S: 'PROFILE' } };
    await clients.dynamodb.send(new PutItemCommand({ TableName, Item: Key }));
    await clients.sqs.send(
      new SendMessageCommand({ QueueUrl: stack.env.POLL_SCHEDULE_QUEUE_URL, MessageBody: 'x' }),
    );

    expect(await resetTable(clients.dynamodb, model)).to.be.greaterThan(0);
    await purgeQueues(clients.sqs, stack.resources);
    await emptyBuckets(clients.s3, stack.resources);

    expect((await clients.dynamodb.send(new GetItemCommand({ TableName, Key }))).Item).to.equal(undefined);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.env.POLL_SCHEDULE_QUEUE_URL,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessages).to.equal('0');
    const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: 'syncwell-staging' }));
    expect(listed.KeyCount ?? listed.Contents?.length ?? 0).to.equal(0);
    await clients.dynamodb.send(new DescribeTableCommand({ TableName }));
  });

  it('stop() closes every port and can be called again', async () => {
    const { dynamodb, sqs, redisUrl, jwksUrl } = stack.endpoints;
    clients.destroy();
    await stack.stop();
    await stack.stop();
    for (const url of [dynamodb, sqs, redisUrl, jwksUrl]) {
      expect(await refusesConnections(url), url).to.equal(true);
    }
  });
});

describe('infra/local/stack: dataDir persistence', function () {
  this.timeout(20000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'syncwell-stack-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps DynamoDB items across restarts and refuses a table that no longer matches terraform', async () => {
    const dataDir = path.join(dir, 'data');
    const Key = { PK: { S: 'USER#persist' }, SK: { S: 'PROFILE' } };
    const withStack = async <T>(fn: (s: LocalStack, c: EmulatorClients) => Promise<T>): Promise<T> => {
      const s = await startLocalStack({ dataDir });
      const c = createEmulatorClients(s.endpoints);
      try {
        return await fn(s, c);
      } finally {
        c.destroy();
        await s.stop();
      }
    };
    await withStack((s, c) =>
      c.dynamodb.send(new PutItemCommand({ TableName: s.resources.tableName, Item: Key })),
    );
    const item = await withStack(async (s, c) => {
      return (await c.dynamodb.send(new GetItemCommand({ TableName: s.resources.tableName, Key }))).Item;
    });
    expect(item).to.deep.equal(Key);

    const terraformDir = path.join(dir, 'terraform');
    await cp(DEFAULT_TERRAFORM_DIR, terraformDir, { recursive: true });
    const file = path.join(terraformDir, 'dynamodb.tf');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"SchedulerIndex"', '"SchedulerIndexV2"'));
    const error = await startLocalStack({ dataDir, terraformDir }).catch((err: Error) => err);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message)
      .to.match(/exists with a different shape/)
      .and.match(/SchedulerIndexV2/);
  });
});
