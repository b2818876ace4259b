// Reads infra/terraform/*.tf (the AWS source of truth) into the model the local stack creates, so
// local and AWS cannot drift. Anything it cannot interpret is an error, never a silent skip.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getExpressionAst, parse } from '@cdktf/hcl2json';
import { eventPatternOf, type EventPattern } from '../../core/events/eventPattern.js';

export const DEFAULT_TERRAFORM_DIR = fileURLToPath(new URL('../terraform/', import.meta.url));

export type AttributeType = 'S' | 'N' | 'B';
export type ProjectionType = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';

export interface Projection {
  projectionType: ProjectionType;
  nonKeyAttributes?: string[];
}
export interface GlobalSecondaryIndexModel extends Projection {
  name: string;
  hashKey: string;
  rangeKey?: string;
}
export interface LocalSecondaryIndexModel extends Projection {
  name: string;
  rangeKey: string;
}
export interface TableModel {
  resourceName: string;
  name: string;
  hashKey: string;
  rangeKey?: string;
  attributes: { name: string; type: AttributeType }[];
  globalSecondaryIndexes: GlobalSecondaryIndexModel[];
  localSecondaryIndexes: LocalSecondaryIndexModel[];
  ttlAttribute?: string;
}
export interface QueueModel {
  resourceName: string;
  name: string;
  fifo: boolean;
  delaySeconds: number;
  visibilityTimeout: number;
  receiveWaitTimeSeconds: number;
  messageRetentionSeconds: number;
  contentBasedDeduplication: boolean;
  deduplicationScope?: string;
  fifoThroughputLimit?: string;
  redrive?: { deadLetterQueueResourceName: string; deadLetterQueueName: string; maxReceiveCount: number };
}
export interface BucketModel {
  resourceName: string;
  name: string;
  expirationDays?: number;
}
/**
 * An EventBridge rule and its SQS target: which events of which bus reach which queue, and in what
 * form (`inputPath` `$.detail`: the event's detail alone; absent: the whole event envelope).
 */
export interface EventRouteModel {
  ruleResourceName: string;
  ruleName: string;
  busName: string;
  /** The rule's `event_pattern`, in the part of the language the local bus models. */
  pattern: EventPattern;
  targetQueueResourceName: string;
  inputPath?: string;
}
export interface TerraformModel {
  table: TableModel;
  queues: QueueModel[];
  buckets: BucketModel[];
  /** EventBridge has no emulator: the local event bus adapter must deliver what these describe. */
  eventRoutes: EventRouteModel[];
  /** Resources with no local counterpart (access blocks, encryption, policies), by address. */
  awsOnlyResources: string[];
}

export class TerraformModelError extends Error {
  override readonly name = 'TerraformModelError';
}

// Resource types that only configure AWS-side security or policy; the emulators have no equivalent.
const AWS_ONLY_TYPES = new Set([
  'aws_sqs_queue_redrive_allow_policy',
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_policy',
  'aws_sqs_queue_policy',
  // Alarms and dashboard (monitoring.tf): locally, GET /metrics shows the same metrics.
  'aws_sns_topic',
  'aws_cloudwatch_metric_alarm',
  'aws_cloudwatch_dashboard',
  // The deployment around the data resources: network, compute, edge, CDN, cache, secrets,
  // dynamic configuration, IAM, logs, audit and cost alerts. Locally the processes run as plain
  // Node processes beside the emulators, redis-server and the file-based config and secret stores.
  'aws_vpc',
  'aws_subnet',
  'aws_internet_gateway',
  'aws_eip',
  'aws_nat_gateway',
  'aws_route',
  'aws_route_table',
  'aws_route_table_association',
  'aws_security_group',
  'aws_vpc_security_group_ingress_rule',
  'aws_vpc_security_group_egress_rule',
  'aws_vpc_endpoint',
  'aws_ecs_cluster',
  'aws_ecs_cluster_capacity_providers',
  'aws_ecs_task_definition',
  'aws_ecs_service',
  'aws_appautoscaling_target',
  'aws_appautoscaling_policy',
  'aws_lb',
  'aws_lb_target_group',
  'aws_lb_listener',
  // Image repositories: locally the processes run from the checkout.
  'aws_ecr_repository',
  'aws_ecr_lifecycle_policy',
  'aws_wafv2_web_acl',
  'aws_wafv2_web_acl_association',
  'aws_wafv2_web_acl_logging_configuration',
  'aws_cloudfront_distribution',
  'aws_cloudfront_origin_access_control',
  'aws_s3_bucket_versioning',
  'aws_elasticache_subnet_group',
  'aws_elasticache_replication_group',
  'aws_secretsmanager_secret',
  'aws_secretsmanager_secret_version',
  'aws_appconfig_application',
  'aws_appconfig_environment',
  'aws_appconfig_configuration_profile',
  'aws_appconfig_deployment_strategy',
  'aws_appconfig_hosted_configuration_version',
  'aws_appconfig_deployment',
  'aws_iam_role',
  'aws_iam_role_policy',
  'aws_iam_role_policy_attachment',
  'aws_cloudwatch_log_group',
  'aws_cloudwatch_log_metric_filter',
  'aws_cloudtrail',
  'aws_kms_key',
  'aws_kms_alias',
  'aws_sns_topic_policy',
  'aws_sns_topic_subscription',
  'aws_ce_anomaly_monitor',
  'aws_ce_anomaly_subscription',
]);
const HANDLED_TYPES = new Set([
  'aws_dynamodb_table',
  'aws_sqs_queue',
  'aws_sqs_queue_redrive_policy',
  'aws_s3_bucket',
  'aws_s3_bucket_lifecycle_configuration',
  'aws_cloudwatch_event_bus',
  'aws_cloudwatch_event_rule',
  'aws_cloudwatch_event_target',
]);

type HclValue = string | number | boolean | null | HclValue[] | HclObject;
interface HclObject {
  [key: string]: HclValue;
}

/** One resource block with where it came from, for error messages. */
class Block {
  constructor(
    readonly where: string,
    readonly body: HclObject,
  ) {}

  error(message: string): TerraformModelError {
    return new TerraformModelError(`${this.where}: ${message}`);
  }
  private literal(key: string): HclValue | undefined {
    const value = this.body[key];
    if (typeof value === 'string' && value.includes('${')) {
      throw this.error(
        `"${key}" is the expression ${JSON.stringify(value)}; infra/local reads it, so make it a literal`,
      );
    }
    return value ?? undefined;
  }
  string(key: string): string {
    const v = this.optionalString(key);
    if (v === undefined) throw this.error(`"${key}" is required`);
    return v;
  }
  optionalString(key: string): string | undefined {
    const v = this.literal(key);
    if (v !== undefined && typeof v !== 'string') throw this.error(`"${key}" must be a string`);
    return v;
  }
  number(key: string, fallback: number): number {
    const v = this.literal(key) ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw this.error(`"${key}" must be an integer literal`);
    return v;
  }
  boolean(key: string, fallback: boolean): boolean {
    const v = this.literal(key) ?? fallback;
    if (typeof v !== 'boolean') throw this.error(`"${key}" must be true or false`);
    return v;
  }
  stringList(key: string): string[] | undefined {
    const v = this.body[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.includes('${'))) {
      throw this.error(`"${key}" must be a literal list of strings`);
    }
    return v as string[];
  }
  /** Nested blocks (hcl2json always returns them as arrays). */
  blocks(key: string): Block[] {
    const v = this.body[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw this.error(`"${key}" must be a block`);
    return v.map((b, i) => new Block(`${this.where}.${key}[${i}]`, asObject(b, `${this.where}.${key}`)));
  }
  optionalBlock(key: string): Block | undefined {
    const all = this.blocks(key);
    if (all.length > 1) throw this.error(`expected at most one "${key}" block`);
    return all[0];
  }
  /** A whole-value reference such as `aws_sqs_queue.x.id`; returns the resource name. */
  reference(key: string, type: string, attributes: string[]): string {
    const raw = this.body[key];
    const match = typeof raw === 'string' ? /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.(\w+)\}$/.exec(raw) : null;
    if (!match || match[1] !== type || !attributes.includes(match[3] ?? '')) {
      throw this.error(
        `"${key}" must reference ${type}.<name>.${attributes.join('|')}, got ${JSON.stringify(raw)}`,
      );
    }
    return match[2] ?? '';
  }
}

function asObject(value: HclValue | undefined, where: string): HclObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TerraformModelError(`${where}: expected a block, got ${JSON.stringify(value)}`);
  }
  return value;
}

interface ParsedFiles {
  resources: Map<string, Map<string, Block>>;
  locals: HclObject;
}

async function parseDirectory(dir: string): Promise<ParsedFiles> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.tf')).sort();
  if (files.length === 0) throw new TerraformModelError(`${dir}: no .tf files`);
  const resources = new Map<string, Map<string, Block>>();
  const locals: HclObject = {};
  for (const file of files) {
    const where = path.join(path.basename(dir), file);
    let json: HclObject;
    try {
      json = asObject((await parse(file, await readFile(path.join(dir, file), 'utf8'))) as HclValue, where);
    } catch (err) {
      throw new TerraformModelError(`${where}: HCL parse failed: ${(err as Error).message}`);
    }
    if (json.module !== undefined)
      throw new TerraformModelError(`${where}: modules are not supported locally`);
    for (const block of (json.locals ?? []) as HclValue[])
      Object.assign(locals, asObject(block, `${where} locals`));
    for (const [type, byName] of Object.entries(asObject(json.resource ?? {}, where))) {
      const ofType = resources.get(type) ?? new Map<string, Block>();
      resources.set(type, ofType);
      for (const [name, bodies] of Object.entries(asObject(byName, `${where} ${type}`))) {
        const address = `${type}.${name}`;
        if (ofType.has(name)) throw new TerraformModelError(`${where}: ${address} is defined twice`);
        const [body] = bodies as HclValue[];
        const block = new Block(`${where} ${address}`, asObject(body, `${where} ${address}`));
        // Only the resources the local stack creates must be literal; AWS-only ones may expand.
        if (
          HANDLED_TYPES.has(type) &&
          (block.body.count !== undefined || block.body.for_each !== undefined)
        ) {
          throw block.error('count/for_each cannot be expanded locally; declare each resource literally');
        }
        ofType.set(name, block);
      }
    }
  }
  return { resources, locals };
}

function readTable(blocks: Map<string, Block> | undefined): TableModel {
  const entries = [...(blocks ?? new Map<string, Block>())];
  if (entries.length !== 1)
    throw new TerraformModelError(`expected exactly one aws_dynamodb_table, found ${entries.length}`);
  const [[resourceName, t]] = entries as [[string, Block]];
  const projection = (b: Block): Projection => {
    const projectionType = b.string('projection_type') as ProjectionType;
    if (!['ALL', 'KEYS_ONLY', 'INCLUDE'].includes(projectionType))
      throw b.error(`unknown projection_type ${projectionType}`);
    const nonKeyAttributes = b.stringList('non_key_attributes');
    if ((projectionType === 'INCLUDE') !== (nonKeyAttributes !== undefined)) {
      throw b.error('non_key_attributes is required with INCLUDE and only allowed with it');
    }
    return nonKeyAttributes ? { projectionType, nonKeyAttributes } : { projectionType };
  };
  const table: TableModel = {
    resourceName,
    name: t.string('name'),
    hashKey: t.string('hash_key'),
    rangeKey: t.optionalString('range_key'),
    attributes: t.blocks('attribute').map((a) => {
      const type = a.string('type');
      if (type !== 'S' && type !== 'N' && type !== 'B')
        throw a.error(`attribute type must be S, N or B, got ${type}`);
      return { name: a.string('name'), type };
    }),
    globalSecondaryIndexes: t.blocks('global_secondary_index').map((g) => ({
      name: g.string('name'),
      hashKey: g.string('hash_key'),
      rangeKey: g.optionalString('range_key'),
      ...projection(g),
    })),
    localSecondaryIndexes: t.blocks('local_secondary_index').map((l) => ({
      name: l.string('name'),
      rangeKey: l.string('range_key'),
      ...projection(l),
    })),
  };
  const ttl = t.optionalBlock('ttl');
  if (ttl?.boolean('enabled', false)) table.ttlAttribute = ttl.string('attribute_name');
  // DynamoDB rejects definitions that no key uses and keys without a definition: check both here.
  const keys = new Set([
    table.hashKey,
    table.rangeKey,
    ...table.globalSecondaryIndexes.flatMap((g) => [g.hashKey, g.rangeKey]),
    ...table.localSecondaryIndexes.map((l) => l.rangeKey),
  ]);
  keys.delete(undefined);
  const defined = new Set(table.attributes.map((a) => a.name));
  for (const key of keys) if (!defined.has(key ?? '')) throw t.error(`key "${key}" has no attribute block`);
  for (const name of defined)
    if (!keys.has(name)) throw t.error(`attribute "${name}" is not used by any key`);
  return table;
}

function readQueue(resourceName: string, q: Block): QueueModel {
  if (q.body.redrive_policy !== undefined)
    throw q.error('use an aws_sqs_queue_redrive_policy resource, not inline redrive_policy');
  const fifo = q.boolean('fifo_queue', false);
  const name = q.string('name');
  if (fifo !== name.endsWith('.fifo')) throw q.error('a queue is FIFO exactly when its name ends in .fifo');
  const queue: QueueModel = {
    resourceName,
    name,
    fifo,
    // Absent attributes take the AWS defaults, as they would in AWS.
    delaySeconds: q.number('delay_seconds', 0),
    visibilityTimeout: q.number('visibility_timeout_seconds', 30),
    receiveWaitTimeSeconds: q.number('receive_wait_time_seconds', 0),
    messageRetentionSeconds: q.number('message_retention_seconds', 345600),
    contentBasedDeduplication: q.boolean('content_based_deduplication', false),
  };
  const deduplicationScope = q.optionalString('deduplication_scope');
  const fifoThroughputLimit = q.optionalString('fifo_throughput_limit');
  if (deduplicationScope) queue.deduplicationScope = deduplicationScope;
  if (fifoThroughputLimit) queue.fifoThroughputLimit = fifoThroughputLimit;
  return queue;
}

/** `jsonencode({ deadLetterTargetArn = aws_sqs_queue.<dlq>.arn, maxReceiveCount = <int> })`, parsed on purpose. */
async function readRedrivePolicy(r: Block): Promise<{ dlqResourceName: string; maxReceiveCount: number }> {
  const raw = r.body.redrive_policy;
  const inner = typeof raw === 'string' ? /^\$\{([\s\S]*)\}$/.exec(raw)?.[1] : undefined;
  const ast = inner === undefined ? null : await getExpressionAst('redrive_policy', inner).catch(() => null);
  const object = ast?.children[0];
  const meta = ast?.meta as { name?: string } | undefined;
  const items = (object?.meta as { items?: Record<string, string> } | undefined)?.items;
  const dlq = /^aws_sqs_queue\.([A-Za-z0-9_-]+)\.arn$/.exec(items?.deadLetterTargetArn ?? '')?.[1];
  const count = items?.maxReceiveCount ?? '';
  if (
    ast?.type !== 'function' ||
    meta?.name !== 'jsonencode' ||
    ast.children.length !== 1 ||
    object?.type !== 'object' ||
    Object.keys(items ?? {}).length !== 2 ||
    dlq === undefined ||
    !/^[1-9][0-9]*$/.test(count)
  ) {
    throw r.error(
      'redrive_policy must be jsonencode({ deadLetterTargetArn = aws_sqs_queue.<dlq>.arn, maxReceiveCount = <integer literal> })',
    );
  }
  return { dlqResourceName: dlq, maxReceiveCount: Number(count) };
}

function readBucketName(b: Block, locals: HclObject): string {
  const raw = b.body.bucket;
  if (typeof raw === 'string' && !raw.includes('${')) return raw;
  // AWS appends a global-uniqueness suffix; locally the literal base name from locals.tf is used.
  const key =
    typeof raw === 'string'
      ? /^\$\{local\.bucket_base_names\.(\w+)\}(\$\{var\.\w+\})?$/.exec(raw)?.[1]
      : undefined;
  const baseNames = locals.bucket_base_names;
  const name =
    key && baseNames && typeof baseNames === 'object' && !Array.isArray(baseNames)
      ? baseNames[key]
      : undefined;
  if (typeof name !== 'string' || name.includes('${')) {
    throw b.error(
      `"bucket" must be a literal or "\${local.bucket_base_names.<key>}\${var.<suffix>}" with a literal base name`,
    );
  }
  return name;
}

function readExpirationDays(l: Block): number | undefined {
  const rules = l.blocks('rule').filter((r) => r.string('status') === 'Enabled');
  const expiring = rules.filter((r) => r.optionalBlock('expiration'));
  if (expiring.length > 1) throw l.error('only one enabled expiration rule per bucket is modelled');
  const [rule] = expiring;
  if (!rule) return undefined;
  const filter = rule.optionalBlock('filter');
  if (filter && Object.keys(filter.body).length > 0)
    throw rule.error('only whole-bucket expiration (filter {}) is modelled');
  return rule.optionalBlock('expiration')?.number('days', Number.NaN);
}

/** A rule's `event_pattern`: a literal JSON document, in the operators core/events/eventPattern.ts models. */
function readEventPattern(rule: Block): { pattern: EventPattern } {
  const raw = rule.string('event_pattern');
  let pattern: unknown;
  try {
    pattern = JSON.parse(raw);
  } catch {
    throw rule.error('"event_pattern" must be a literal JSON document');
  }
  try {
    return { pattern: eventPatternOf(pattern) };
  } catch (error) {
    throw rule.error(`"event_pattern" is not modelled locally: ${(error as Error).message}`);
  }
}

function readEventRoutes(
  resources: Map<string, Map<string, Block>>,
  queues: Map<string, QueueModel>,
): EventRouteModel[] {
  const of = (type: string) => resources.get(type) ?? new Map<string, Block>();
  const buses = new Map([...of('aws_cloudwatch_event_bus')].map(([name, b]) => [name, b.string('name')]));
  const busOf = (b: Block): string => {
    const bus = buses.get(b.reference('event_bus_name', 'aws_cloudwatch_event_bus', ['name']));
    if (!bus) throw b.error('references an event bus that is not defined');
    return bus;
  };
  const rules = new Map(
    [...of('aws_cloudwatch_event_rule')].map(([name, r]) => [
      name,
      { ruleResourceName: name, ruleName: r.string('name'), busName: busOf(r), ...readEventPattern(r) },
    ]),
  );
  const routes: EventRouteModel[] = [];
  for (const [, t] of of('aws_cloudwatch_event_target')) {
    const rule = rules.get(t.reference('rule', 'aws_cloudwatch_event_rule', ['name', 'id']));
    if (!rule) throw t.error('references a rule that is not defined');
    if (busOf(t) !== rule.busName) throw t.error('is on another bus than its rule');
    const queue = t.reference('arn', 'aws_sqs_queue', ['arn']);
    if (!queues.has(queue))
      throw t.error('targets a queue that is not defined (only SQS targets are modelled)');
    for (const key of ['input', 'input_transformer'])
      if (t.body[key] !== undefined) throw t.error(`"${key}" is not modelled locally; use input_path`);
    const inputPath = t.optionalString('input_path');
    routes.push({ ...rule, targetQueueResourceName: queue, ...(inputPath ? { inputPath } : {}) });
  }
  return routes;
}

/** Parses every .tf file in `dir` and returns the resources the local stack must create. */
export async function loadTerraformResources(dir: string = DEFAULT_TERRAFORM_DIR): Promise<TerraformModel> {
  const { resources, locals } = await parseDirectory(dir);
  for (const type of resources.keys()) {
    if (!HANDLED_TYPES.has(type) && !AWS_ONLY_TYPES.has(type)) {
      throw new TerraformModelError(
        `resource type ${type} has no local mapping: add it to infra/local/terraform.ts`,
      );
    }
  }
  const ofType = (type: string): [string, Block][] => [...(resources.get(type) ?? [])];

  const queues = ofType('aws_sqs_queue').map(([name, block]) => readQueue(name, block));
  const queueByResource = new Map(queues.map((q) => [q.resourceName, q]));
  for (const [name, r] of ofType('aws_sqs_queue_redrive_policy')) {
    const source = queueByResource.get(r.reference('queue_url', 'aws_sqs_queue', ['id', 'url']));
    const { dlqResourceName, maxReceiveCount } = await readRedrivePolicy(r);
    const dlq = queueByResource.get(dlqResourceName);
    if (!source || !dlq)
      throw r.error(`aws_sqs_queue_redrive_policy.${name} references a queue that is not defined`);
    if (source.redrive) throw r.error(`${source.resourceName} has two redrive policies`);
    if (source.fifo !== dlq.fifo)
      throw r.error(`${source.resourceName} and its DLQ must both be FIFO or both standard`);
    source.redrive = {
      deadLetterQueueResourceName: dlqResourceName,
      deadLetterQueueName: dlq.name,
      maxReceiveCount,
    };
  }

  const buckets: BucketModel[] = ofType('aws_s3_bucket').map(([resourceName, b]) => ({
    resourceName,
    name: readBucketName(b, locals),
  }));
  for (const [, l] of ofType('aws_s3_bucket_lifecycle_configuration')) {
    const bucket = buckets.find(
      (b) => b.resourceName === l.reference('bucket', 'aws_s3_bucket', ['id', 'bucket']),
    );
    if (!bucket) throw l.error('references a bucket that is not defined');
    if (bucket.expirationDays !== undefined)
      throw l.error(`${bucket.resourceName} has two lifecycle configurations`);
    const days = readExpirationDays(l);
    if (days !== undefined) bucket.expirationDays = days;
  }

  const names = queues.map((q) => q.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new TerraformModelError(`queue name ${duplicate} is used twice`);

  return {
    table: readTable(resources.get('aws_dynamodb_table')),
    queues,
    buckets,
    eventRoutes: readEventRoutes(resources, queueByResource),
    awsOnlyResources: [...resources]
      .filter(([type]) => AWS_ONLY_TYPES.has(type))
      .flatMap(([type, byName]) => [...byName.keys()].map((n) => `${type}.${n}`)),
  };
}
