import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  DEFAULT_TERRAFORM_DIR,
  loadTerraformResources,
  TerraformModelError,
  type QueueModel,
  type TerraformModel,
} from './terraform.js';

const STANDARD_QUEUES = ['poll_schedule', 'historical_sync', 'export', 'user_deletion', 'sync_notifications'];

describe('infra/local/terraform: the model parsed from infra/terraform', () => {
  let model: TerraformModel;
  const queue = (name: string): QueueModel => {
    const found = model.queues.find((q) => q.resourceName === name);
    if (!found) throw new Error(`no queue ${name}`);
    return found;
  };

  before(async () => {
    model = await loadTerraformResources();
  });

  it('defines the single table with its keys, attribute types and TTL', () => {
    const { table } = model;
    expect(table.name).to.equal('SyncWellMetadata');
    expect([table.hashKey, table.rangeKey]).to.deep.equal(['PK', 'SK']);
    expect(table.ttlAttribute).to.equal('ttl');
    expect(Object.fromEntries(table.attributes.map((a) => [a.name, a.type]))).to.deep.equal({
      PK: 'S',
      SK: 'S',
      ReAuthStatus: 'S',
      SyncTierShardId: 'S',
      NextSyncTimestamp: 'N',
      JobCreatedAt: 'S',
      UserId: 'S',
    });
  });

  it('defines the sparse re-auth GSI, the scheduler GSI, the user-items GSI and the jobs LSI', () => {
    expect(model.table.globalSecondaryIndexes).to.deep.equal([
      { name: 'ReAuthStatusIndex', hashKey: 'ReAuthStatus', rangeKey: 'PK', projectionType: 'ALL' },
      {
        name: 'SchedulerIndex',
        hashKey: 'SyncTierShardId',
        rangeKey: 'NextSyncTimestamp',
        projectionType: 'KEYS_ONLY',
      },
      { name: 'UserIdIndex', hashKey: 'UserId', rangeKey: undefined, projectionType: 'KEYS_ONLY' },
    ]);
    expect(model.table.localSecondaryIndexes).to.deep.equal([
      { name: 'JobsByCreatedAtIndex', rangeKey: 'JobCreatedAt', projectionType: 'ALL' },
    ]);
  });

  it('defines the hot-path FIFO queue with its FIFO DLQ after 5 receives', () => {
    expect(queue('hot_path_sync')).to.deep.include({
      name: 'syncwell-hot-path-sync.fifo',
      fifo: true,
      contentBasedDeduplication: false,
      visibilityTimeout: 60,
      receiveWaitTimeSeconds: 20,
      messageRetentionSeconds: 4 * 24 * 3600,
      redrive: {
        deadLetterQueueResourceName: 'hot_path_sync_dlq',
        deadLetterQueueName: 'syncwell-hot-path-sync-dlq.fifo',
        maxReceiveCount: 5,
      },
    });
    expect(queue('hot_path_sync_dlq')).to.deep.include({
      fifo: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
  });

  it('delays the coalescing buffer by 60 s and gives it a FIFO DLQ', () => {
    expect(queue('coalescing_buffer')).to.deep.include({
      name: 'syncwell-coalescing-buffer.fifo',
      delaySeconds: 60,
    });
    expect(queue('coalescing_buffer').redrive?.deadLetterQueueName).to.equal(
      'syncwell-coalescing-buffer-dlq.fifo',
    );
  });

  it('gives every standard queue a <name>-dlq with maxReceiveCount 5', () => {
    for (const name of STANDARD_QUEUES) {
      const q = queue(name);
      expect(q.fifo, name).to.equal(false);
      expect(q.redrive, name).to.deep.equal({
        deadLetterQueueResourceName: `${name}_dlq`,
        deadLetterQueueName: `${q.name}-dlq`,
        maxReceiveCount: 5,
      });
    }
    expect(model.queues.map((q) => q.name).sort()).to.deep.equal(
      [
        'syncwell-hot-path-sync.fifo',
        'syncwell-hot-path-sync-dlq.fifo',
        'syncwell-coalescing-buffer.fifo',
        'syncwell-coalescing-buffer-dlq.fifo',
        ...['poll-schedule', 'historical-sync', 'export', 'user-deletion', 'sync-notifications'].flatMap(
          (n) => [`syncwell-${n}`, `syncwell-${n}-dlq`],
        ),
      ].sort(),
    );
  });

  it('uses the literal base bucket names and reads their expiration', () => {
    expect(model.buckets).to.have.deep.members([
      { resourceName: 'staging', name: 'syncwell-staging', expirationDays: 1 },
      { resourceName: 'exports', name: 'syncwell-exports', expirationDays: 3 },
      // AWS-side buckets; created locally too (empty), which costs nothing and keeps the rule simple.
      { resourceName: 'assets', name: 'syncwell-assets' },
      { resourceName: 'dlq_archive', name: 'syncwell-dlq-archive', expirationDays: 365 },
      { resourceName: 'cloudtrail', name: 'syncwell-cloudtrail', expirationDays: 730 },
    ]);
  });

  it('lists the AWS-only resources instead of dropping them silently', () => {
    expect(model.awsOnlyResources).to.include.members([
      'aws_s3_bucket_public_access_block.staging',
      'aws_sqs_queue_redrive_allow_policy.hot_path_sync_dlq',
      'aws_sqs_queue_policy.sync_notifications',
    ]);
  });

  it('reads the EventBridge rule that feeds the sync notifications queue', () => {
    expect(model.eventRoutes).to.deep.equal([
      {
        ruleResourceName: 'sync_notifications',
        ruleName: 'syncwell-sync-notifications',
        busName: 'syncwell-events',
        pattern: {
          source: ['syncwell.worker'],
          'detail-type': ['SyncSucceeded', 'SyncFailed'],
          detail: {
            $or: [
              { retryable: [false] },
              { trigger: ['historical'], retryable: [{ exists: false }] },
              { trigger: ['manual'], recordsWritten: [{ numeric: ['>', 0] }] },
            ],
          },
        },
        targetQueueResourceName: 'sync_notifications',
        inputPath: '$.detail',
      },
    ]);
  });
});

describe('infra/local/terraform: refuses what it cannot interpret', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'syncwell-tf-'));
    await cp(DEFAULT_TERRAFORM_DIR, dir, { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
    const before = await readFile(path.join(dir, file), 'utf8');
    const after = before.replace(from, to);
    expect(after, `edit of ${file} changed nothing`).to.not.equal(before);
    await writeFile(path.join(dir, file), after);
  }
  async function expectFailure(pattern: RegExp): Promise<void> {
    const error = await loadTerraformResources(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(TerraformModelError);
    expect((error as Error).message).to.match(pattern);
  }

  it('parses an unmodified copy (the baseline for the cases below)', async () => {
    expect((await loadTerraformResources(dir)).queues).to.have.length(14);
  });

  it('an expression where a literal is read', async () => {
    await edit('sqs.tf', 'visibility_timeout_seconds  = 60', 'visibility_timeout_seconds  = var.vt');
    await expectFailure(/hot_path_sync.*"visibility_timeout_seconds" is the expression/);
  });

  it('an event pattern using an operator the local event bus does not model', async () => {
    await edit('events.tf', '{ "retryable": [false] }', '{ "retryable": [{ "anything-but": true }] }');
    await expectFailure(
      /"event_pattern" is not modelled locally: .*the operator "anything-but" is not modelled/,
    );
  });

  it('an event target that transforms its input (the local bus only knows input_path)', async () => {
    await edit('events.tf', 'input_path = "$.detail"', 'input = "{}"');
    await expectFailure(/"input" is not modelled locally/);
  });

  it('a resource type with no local mapping', async () => {
    await writeFile(
      path.join(dir, 'extra.tf'),
      'resource "aws_lambda_function" "events" {\n  function_name = "x"\n}\n',
    );
    await expectFailure(/aws_lambda_function has no local mapping/);
  });

  it('a redrive policy whose maxReceiveCount is not a literal', async () => {
    await edit('sqs.tf', /maxReceiveCount\s+= 5/, 'maxReceiveCount = local.receives');
    await expectFailure(/redrive_policy must be jsonencode/);
  });

  it('a redrive policy pointing at a queue that does not exist', async () => {
    await edit('sqs.tf', 'aws_sqs_queue.export_dlq.arn', 'aws_sqs_queue.nope_dlq.arn');
    await expectFailure(/references a queue that is not defined/);
  });

  it('resources expanded with count', async () => {
    await edit('s3.tf', 'force_destroy = !local.is_production', 'count = 2');
    await expectFailure(/count\/for_each cannot be expanded/);
  });

  it('AWS-only resources may still expand with count/for_each (nothing is created locally)', async () => {
    const model = await loadTerraformResources(dir);
    expect(model.awsOnlyResources).to.include.members(['aws_subnet.private', 'aws_vpc_endpoint.interface']);
  });

  it('a FIFO flag that disagrees with the .fifo name', async () => {
    await edit(
      'sqs.tf',
      'name                        = "syncwell-hot-path-sync.fifo"',
      'name = "syncwell-hot-path-sync"',
    );
    await expectFailure(/FIFO exactly when its name ends in \.fifo/);
  });

  it('an index key with no attribute definition', async () => {
    await edit('dynamodb.tf', 'range_key       = "JobCreatedAt"', 'range_key = "CreatedAt"');
    await expectFailure(/key "CreatedAt" has no attribute block/);
  });
});
