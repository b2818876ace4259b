import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  awsCallsInCode,
  checkIamAgainstCode,
  checkTerraform,
  DEFAULT_TERRAFORM_DIR,
  loadProviderSchema,
  parseTerraformDir,
  type ProviderSchema,
} from './checkTerraform.js';

describe('scripts/checkTerraform: infra/terraform against the AWS provider schema and the code', function () {
  // The first hcl2json call compiles its WASM module (~4 s on these machines); later ones are fast.
  this.timeout(20_000);
  let schema: ProviderSchema;

  before(async () => {
    schema = loadProviderSchema();
    await parseTerraformDir();
  });

  it('uses a pinned schema of the provider versions.tf allows', async () => {
    expect(schema.source).to.equal('@cdktf/provider-aws@19.65.1');
    expect(schema.provider).to.equal('registry.terraform.io/hashicorp/aws');
    const versions = await readFile(path.join(DEFAULT_TERRAFORM_DIR, 'versions.tf'), 'utf8');
    const major = /version\s*=\s*"~> (\d+)\.\d+"/.exec(versions)?.[1];
    expect(schema.version.split('.')[0]).to.equal(major);
    // Every type infra/terraform declares has its full schema in the generated file.
    const tf = await parseTerraformDir();
    expect(Object.keys(schema.resources)).to.include.members([...tf.resourceTypes]);
    expect(Object.keys(schema.dataSources)).to.include.members([...tf.dataTypes]);
  });

  it('finds nothing wrong with infra/terraform', async () => {
    expect(await checkTerraform(DEFAULT_TERRAFORM_DIR, { schema })).to.deep.equal([]);
  });

  it('knows the IAM action of every AWS call in the code, and fails on one it does not know', async () => {
    const calls = awsCallsInCode();
    expect([...calls]).to.include.members(['Query', 'SendMessageBatch', 'GetSecretValueCommand', 'Upload']);
    const tf = await parseTerraformDir();
    expect(checkIamAgainstCode(tf, new Set([...calls, 'RestoreSecretCommand']))).to.deep.equal([
      'the code calls RestoreSecretCommand: add its IAM action to CALL_ACTIONS in scripts/checkTerraform.ts',
    ]);
  });

  describe('a deliberately broken copy fails', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'syncwell-tfcheck-'));
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
    async function expectProblem(pattern: RegExp): Promise<void> {
      const problems = await checkTerraform(dir, { schema });
      expect(
        problems.some((p) => pattern.test(p)),
        problems.join('\n') || '(no problems)',
      ).to.equal(true);
    }

    it('an unknown attribute, with the likely intended one', async () => {
      await edit('edge.tf', 'drop_invalid_header_fields = true', 'drop_invalid_header_field = true');
      await expectProblem(
        /edge\.tf aws_lb\.api: unknown argument or block "drop_invalid_header_field" \(did you mean "drop_invalid_header_fields"\?\)/,
      );
    });

    it('an unknown attribute inside a nested block', async () => {
      await edit('edge.tf', 'healthy_threshold   = 2', 'healthy_count = 2');
      await expectProblem(
        /aws_lb_target_group\.api\.health_check\[0\]: unknown argument or block "healthy_count"/,
      );
    });

    it('a resource type the provider does not have', async () => {
      await edit(
        'logs.tf',
        'resource "aws_cloudwatch_log_group" "api"',
        'resource "aws_cloudwatch_loggroup" "api"',
      );
      await expectProblem(
        /has no resource type aws_cloudwatch_loggroup \(did you mean "aws_cloudwatch_log_group"\?\)/,
      );
    });

    it('a computed attribute set as an argument', async () => {
      await edit('logs.tf', 'name              = "/syncwell/api"', 'name = "/syncwell/api"\n  arn = "x"');
      await expectProblem(
        /aws_cloudwatch_log_group\.api: "arn" is computed by the provider and cannot be set/,
      );
    });

    it('a missing required argument and a missing required block', async () => {
      await edit('edge.tf', / {2}load_balancer_arn = aws_lb\.api\.arn\n {2}port {14}= 80/, '  port = 80');
      await edit('cost.tf', / {2}subscriber \{[^}]*\}\n/, '');
      await expectProblem(/aws_lb_listener\.http: required argument "load_balancer_arn" is missing/);
      await expectProblem(/aws_ce_anomaly_subscription\.alarms: required block "subscriber" is missing/);
    });

    it('a block written as an attribute', async () => {
      await edit(
        'ecs.tf',
        /runtime_platform \{\n {4}operating_system_family = "LINUX"/,
        'runtime_platform = {\n    operating_system_family = "LINUX"',
      );
      await expectProblem(/"runtime_platform" is a block: write runtime_platform \{ \.\.\. \}/);
    });

    it('a dangling resource reference and an unknown attribute of a declared one', async () => {
      await edit('redis.tf', 'aws_security_group.redis.id', 'aws_security_group.cache.id');
      await edit('autoscaling.tf', 'aws_lb.api.arn_suffix', 'aws_lb.api.arn_sufix');
      await expectProblem(
        /redis\.tf aws_elasticache_replication_group\.main: aws_security_group\.cache is not declared/,
      );
      await expectProblem(/aws_lb has no attribute "arn_sufix"/);
    });

    it('undeclared variables, locals and data sources, and a tfvars key no variable takes', async () => {
      await edit('network.tf', 'cidr_block           = var.vpc_cidr', 'cidr_block = var.vpc_range');
      await edit(
        'redis.tf',
        'replication_group_id = local.name',
        'replication_group_id = local.cluster_name',
      );
      await edit(
        'locals.tf',
        'data.aws_caller_identity.current.account_id',
        'data.aws_caller_identity.me.account_id',
      );
      await edit('environments/staging.tfvars', 'az_count ', 'availability_zones = 2\naz_count ');
      await expectProblem(/aws_vpc\.main: var\.vpc_range is not declared/);
      await expectProblem(/local\.cluster_name is not declared/);
      await expectProblem(/data\.aws_caller_identity\.me is not declared/);
      await expectProblem(/environments\/staging\.tfvars: "availability_zones" is not a declared variable/);
    });

    it('an environment variable the config does not read, and a required one not set', async () => {
      await edit('ecs.tf', 'WORKER_SHUTDOWN_GRACE_MS = "25000"', 'WORKER_SHUTDOWN_GRACE = "25000"');
      await edit('ecs.tf', /\n {4}FIREBASE_PROJECT_ID += var\.firebase_project_id/, '');
      await expectProblem(
        /aws_ecs_task_definition\.worker: sets WORKER_SHUTDOWN_GRACE, which core\/config\/config\.ts does not read \(did you mean "WORKER_SHUTDOWN_GRACE_MS"\?\)/,
      );
      await expectProblem(
        /aws_ecs_task_definition\.api: does not set FIREBASE_PROJECT_ID, which core\/config\/config\.ts requires/,
      );
    });

    it("the canary's task definitions (canary.tf) are held to the config like the main ones", async () => {
      await edit('ecs.tf', 'METRICS_NAMESPACE = "SyncWellCanary"', 'METRICS_NAMESPAC = "SyncWellCanary"');
      await expectProblem(
        /canary\.tf aws_ecs_task_definition\.api_canary: sets METRICS_NAMESPAC, which core\/config\/config\.ts does not read/,
      );
      await expectProblem(/canary\.tf aws_ecs_task_definition\.worker_canary: sets METRICS_NAMESPAC/);
    });

    it('a literal value the config refuses', async () => {
      await edit('ecs.tf', 'EVENT_BUS                    = "eventbridge"', 'EVENT_BUS = "sns"');
      await expectProblem(/EVENT_BUS="sns" is refused by core\/config\/config\.ts/);
    });

    it("a queue URL pointing at another channel's queue", async () => {
      await edit('ecs.tf', 'aws_sqs_queue.historical_sync.url', 'aws_sqs_queue.historical_sync_dlq.url');
      await expectProblem(
        /HISTORICAL_QUEUE_URL: aws_sqs_queue\.historical_sync_dlq is syncwell-historical-sync-dlq, but contracts\/asyncapi\.yaml's channel historicalSync is syncwell-historical-sync/,
      );
    });

    it('a table, index, bucket, bus or secret prefix that the code does not know', async () => {
      await edit('dynamodb.tf', 'name            = "SchedulerIndex"', 'name = "ScheduleIndex"');
      await edit('ecs.tf', 'aws_s3_bucket.exports.bucket', 'aws_s3_bucket.staging.bucket');
      await edit('events.tf', 'name = "syncwell-events"', 'name = "syncwell-bus"');
      await edit(
        'locals.tf',
        'secret_name_prefix = "syncwell/provider-tokens/"',
        'secret_name_prefix = "syncwell/tokens/"',
      );
      await expectProblem(/the code queries index SchedulerIndex, which dynamodb\.tf does not define/);
      await expectProblem(/EXPORT_BUCKET: expected aws_s3_bucket\.exports, not aws_s3_bucket\.staging/);
      await expectProblem(/no aws_cloudwatch_event_bus is named syncwell-events/);
      await expectProblem(/local\.secret_name_prefix must be the literal syncwell\/provider-tokens\//);
    });

    it('IAM that grants what the code never calls, a wildcard, or misses what it calls', async () => {
      await edit('iam.tf', '      "dynamodb:Scan",\n', '');
      await edit(
        'iam.tf',
        'actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]',
        'actions   = ["sqs:SendMessage", "sqs:PurgeQueue"]',
      );
      await edit('iam.tf', 'actions   = ["events:PutEvents"]', 'actions   = ["events:*"]');
      await expectProblem(/the code calls Scan, but no task role is granted dynamodb:Scan/);
      await expectProblem(/aws_iam_role\.api_task is granted sqs:PurgeQueue, which the code never calls/);
      await expectProblem(/aws_iam_role\.api_task is granted the wildcard action events:\*/);
    });

    it('an AppConfig validator that is not the schema the code parses with', async () => {
      await writeFile(path.join(dir, 'appconfig-schema.json'), '{"type":"object"}\n');
      await expectProblem(/appconfig-schema\.json is not the JSON Schema of core\/config\/dynamicConfig\.ts/);
    });
  });
});
