// A strict static check of infra/terraform without an AWS account or a terraform binary (neither
// exists on these machines, docs: ARCHITECTURE.md decision 10):
//   1. schema: every resource and data source type, argument and nested block against the
//      hashicorp/aws provider schema (scripts/checkTerraform.aws-schema.json, generated from
//      @cdktf/provider-aws by scripts/checkTerraformSchema.ts); required ones present, computed-only
//      ones not set;
//   2. references: every aws_x.y(.attr), data.x.y(.attr), var.*, local.* and module.* resolves,
//      and every tfvars key is a declared variable;
//   3. names the code reads: the ECS task definitions set only variables core/config/config.ts
//      reads and every one it requires; table, index, queue, bucket, event bus, secret prefix and
//      AppConfig names agree between the code, the AsyncAPI document and Terraform; the AppConfig
//      validator is the schema the code parses with;
//   4. IAM: every AWS call in core/, server/ and worker/ has its action granted to a task role (or
//      a role a task role assumes), and those roles are granted no action the code never calls and
//      no wildcard. Which process makes which call is not traced: per-service precision is review.
//
//   npx tsx scripts/checkTerraform.ts [terraform dir]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { parse } from '@cdktf/hcl2json';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../core/config/config.js';
import { dynamicConfigSchema } from '../core/config/dynamicConfig.js';
import { QUEUE_URL_SETTING } from '../core/messaging/queueUrls.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_TERRAFORM_DIR = path.join(ROOT, 'infra/terraform');
export const SCHEMA_FILE = fileURLToPath(new URL('./checkTerraform.aws-schema.json', import.meta.url));
export const APPCONFIG_SCHEMA_FILE = path.join(DEFAULT_TERRAFORM_DIR, 'appconfig-schema.json');

/** Flags of one attribute: r required, o optional, c computed (readable after apply). */
export type AttributeFlags = string;
export interface BlockSchema {
  attributes: Record<string, AttributeFlags>;
  blocks: Record<string, NestedBlockSchema>;
}
export interface NestedBlockSchema extends BlockSchema {
  required?: true;
}
export interface ProviderSchema {
  provider: string;
  version: string;
  source: string;
  resourceTypes: string[];
  dataSourceTypes: string[];
  providerConfig: BlockSchema;
  resources: Record<string, BlockSchema>;
  dataSources: Record<string, BlockSchema>;
}

type HclValue = string | number | boolean | null | HclValue[] | HclObject;
interface HclObject {
  [key: string]: HclValue;
}

export interface Declared {
  file: string;
  body: HclObject;
}
export interface ParsedTerraform {
  dir: string;
  /** By address: `aws_sqs_queue.export`. */
  resources: Map<string, Declared & { type: string; name: string }>;
  /** By address without the `data.` prefix. */
  data: Map<string, Declared & { type: string; name: string }>;
  variables: Map<string, Declared>;
  locals: Map<string, { file: string; value: HclValue }>;
  outputs: Map<string, Declared>;
  modules: Map<string, Declared>;
  providers: Declared[];
  /** Other top-level blocks that may hold expressions (check, terraform). */
  others: Declared[];
  resourceTypes: Set<string>;
  dataTypes: Set<string>;
  /** Each environments/*.tfvars file's assignments. */
  tfvars: Map<string, HclObject>;
}

function isObject(v: HclValue | undefined): v is HclObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function objects(v: HclValue | undefined): HclObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

// hcl2json's WASM parser costs ~20 ms a file once warm: unchanged files (the tests' edited copies)
// are parsed once per process.
const parsedFiles = new Map<string, HclObject>();
async function parseFile(file: string, text: string): Promise<HclObject> {
  const key = `${file}\0${text}`;
  let json = parsedFiles.get(key);
  if (!json) {
    json = (await parse(file, text)) as HclObject;
    parsedFiles.set(key, json);
  }
  return json;
}

export async function parseTerraformDir(dir: string = DEFAULT_TERRAFORM_DIR): Promise<ParsedTerraform> {
  const parsed: ParsedTerraform = {
    dir,
    resources: new Map(),
    data: new Map(),
    variables: new Map(),
    locals: new Map(),
    outputs: new Map(),
    modules: new Map(),
    providers: [],
    others: [],
    resourceTypes: new Set(),
    dataTypes: new Set(),
    tfvars: new Map(),
  };
  const files = (await readdir(dir)).filter((f) => f.endsWith('.tf')).sort();
  for (const file of files) {
    const json = await parseFile(file, await readFile(path.join(dir, file), 'utf8'));
    for (const [kind, target, types] of [
      ['resource', parsed.resources, parsed.resourceTypes],
      ['data', parsed.data, parsed.dataTypes],
    ] as const) {
      for (const [type, byName] of Object.entries(isObject(json[kind]) ? json[kind] : {})) {
        types.add(type);
        for (const [name, bodies] of Object.entries(isObject(byName) ? byName : {})) {
          for (const body of objects(bodies)) target.set(`${type}.${name}`, { file, type, name, body });
        }
      }
    }
    for (const [kind, target] of [
      ['variable', parsed.variables],
      ['output', parsed.outputs],
      ['module', parsed.modules],
    ] as const) {
      for (const [name, bodies] of Object.entries(isObject(json[kind]) ? json[kind] : {})) {
        const [body] = objects(bodies);
        if (body) target.set(name, { file, body });
      }
    }
    for (const block of objects(json.locals)) {
      for (const [name, value] of Object.entries(block)) parsed.locals.set(name, { file, value });
    }
    for (const [, bodies] of Object.entries(isObject(json.provider) ? json.provider : {})) {
      for (const body of objects(bodies)) parsed.providers.push({ file, body });
    }
    for (const key of ['check', 'terraform']) {
      const value = json[key];
      if (value !== undefined) parsed.others.push({ file, body: { [key]: value } });
    }
  }
  const envDir = path.join(dir, 'environments');
  const tfvars = statSync(envDir, { throwIfNoEntry: false })?.isDirectory()
    ? readdirSync(envDir).filter((f) => f.endsWith('.tfvars'))
    : [];
  for (const file of tfvars.sort()) {
    const json = await parseFile(file, await readFile(path.join(envDir, file), 'utf8'));
    parsed.tfvars.set(`environments/${file}`, json);
  }
  return parsed;
}

export function loadProviderSchema(file: string = SCHEMA_FILE): ProviderSchema {
  return JSON.parse(readFileSync(file, 'utf8')) as ProviderSchema;
}

/** AppConfig's validator for the dynamic configuration document: the schema the code parses with, as Draft-04 (the only draft AppConfig's JSON_SCHEMA validator takes). */
export function appConfigJsonSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(dynamicConfigSchema, { io: 'input', target: 'draft-4' }), null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// 1. Schema

const RESOURCE_META = new Set([
  'count',
  'for_each',
  'depends_on',
  'provider',
  'lifecycle',
  'provisioner',
  'connection',
]);
const LIFECYCLE_KEYS = new Set([
  'create_before_destroy',
  'prevent_destroy',
  'ignore_changes',
  'replace_triggered_by',
  'precondition',
  'postcondition',
]);

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function suggestion(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = 4;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function checkBody(
  where: string,
  body: HclObject,
  schema: BlockSchema,
  meta: Set<string>,
  problems: string[],
): void {
  const present = new Set(Object.keys(body));
  for (const [key, value] of Object.entries(body)) {
    if (meta.has(key)) {
      if (key === 'lifecycle') {
        for (const l of objects(value)) {
          for (const k of Object.keys(l)) {
            if (!LIFECYCLE_KEYS.has(k)) problems.push(`${where}: lifecycle has no "${k}"`);
          }
        }
      }
      continue;
    }
    if (key === 'dynamic' && isObject(value)) {
      for (const [name, dynamics] of Object.entries(value)) {
        present.add(name);
        const nested = schema.blocks[name];
        if (!nested) {
          problems.push(
            `${where}: dynamic "${name}": no such block${suggestion(name, Object.keys(schema.blocks))}`,
          );
          continue;
        }
        for (const d of objects(dynamics)) {
          for (const content of objects(d.content))
            checkBody(`${where}.${name}`, content, nested, new Set(), problems);
        }
      }
      continue;
    }
    const flags = schema.attributes[key];
    const nested = schema.blocks[key];
    if (flags !== undefined) {
      if (!flags.includes('r') && !flags.includes('o')) {
        problems.push(`${where}: "${key}" is computed by the provider and cannot be set`);
      }
    } else if (nested) {
      if (!Array.isArray(value) || value.some((v) => !isObject(v))) {
        problems.push(`${where}: "${key}" is a block: write ${key} { ... }, not ${key} = ...`);
        continue;
      }
      objects(value).forEach((b, i) => checkBody(`${where}.${key}[${i}]`, b, nested, new Set(), problems));
    } else {
      problems.push(
        `${where}: unknown argument or block "${key}"${suggestion(key, [
          ...Object.keys(schema.attributes),
          ...Object.keys(schema.blocks),
        ])}`,
      );
    }
  }
  for (const [name, flags] of Object.entries(schema.attributes)) {
    if (flags.includes('r') && !present.has(name))
      problems.push(`${where}: required argument "${name}" is missing`);
  }
  for (const [name, nested] of Object.entries(schema.blocks)) {
    if (nested.required && !present.has(name)) problems.push(`${where}: required block "${name}" is missing`);
  }
}

export function checkSchema(tf: ParsedTerraform, schema: ProviderSchema): string[] {
  const problems: string[] = [];
  const allResources = new Set(schema.resourceTypes);
  const allData = new Set(schema.dataSourceTypes);
  for (const [kind, declared, known, schemas, prefix] of [
    ['resource', tf.resources, allResources, schema.resources, ''],
    ['data source', tf.data, allData, schema.dataSources, 'data.'],
  ] as const) {
    for (const [address, r] of declared) {
      const where = `${r.file} ${prefix}${address}`;
      if (!known.has(r.type)) {
        problems.push(
          `${where}: ${schema.provider} ${schema.version} has no ${kind} type ${r.type}${suggestion(r.type, known)}`,
        );
        continue;
      }
      const s = schemas[r.type];
      if (!s) {
        problems.push(
          `${where}: ${r.type} is not in ${path.basename(SCHEMA_FILE)}: run npx tsx scripts/checkTerraformSchema.ts`,
        );
        continue;
      }
      checkBody(where, r.body, s, RESOURCE_META, problems);
    }
  }
  for (const p of tf.providers) {
    checkBody(`${p.file} provider`, p.body, schema.providerConfig, new Set(['alias', 'version']), problems);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// 2. References

/** Every string in a body that holds an expression (hcl2json writes expressions as `${...}`). */
function expressions(value: HclValue | undefined, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (value.includes('${')) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) expressions(v, out);
  } else if (isObject(value)) {
    for (const v of Object.values(value)) expressions(v, out);
  }
  return out;
}

const INDEX = String.raw`(?:\[[^\]]*\])?`;
const RESOURCE_REF = new RegExp(
  String.raw`(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)${INDEX}(?:\.([a-z_][a-z0-9_]*))?`,
  'g',
);
const DATA_REF = new RegExp(
  String.raw`(?<![\w.])data\.([a-z0-9_]+)\.([A-Za-z_][\w-]*)${INDEX}(?:\.([a-z_][a-z0-9_]*))?`,
  'g',
);
const VAR_REF = /(?<![\w.])var\.([A-Za-z_][\w-]*)/g;
const LOCAL_REF = /(?<![\w.])local\.([A-Za-z_][\w-]*)/g;
const MODULE_REF = /(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\.([a-z_][\w]*))?/g;

export function checkReferences(tf: ParsedTerraform, schema: ProviderSchema): string[] {
  const problems: string[] = [];
  const readable = (s: BlockSchema | undefined, attr: string): boolean =>
    !s || attr in s.attributes || attr in s.blocks;
  const scan = (where: string, value: HclValue | undefined): void => {
    for (const text of expressions(value)) {
      for (const m of text.matchAll(RESOURCE_REF)) {
        const [, type = '', name = '', attr] = m;
        if (!tf.resources.has(`${type}.${name}`)) {
          problems.push(`${where}: ${type}.${name} is not declared`);
        } else if (attr && !readable(schema.resources[type], attr)) {
          problems.push(`${where}: ${type} has no attribute "${attr}" (in ${type}.${name}.${attr})`);
        }
      }
      for (const m of text.matchAll(DATA_REF)) {
        const [, type = '', name = '', attr] = m;
        if (!tf.data.has(`${type}.${name}`)) {
          problems.push(`${where}: data.${type}.${name} is not declared`);
        } else if (attr && !readable(schema.dataSources[type], attr)) {
          problems.push(`${where}: data source ${type} has no attribute "${attr}"`);
        }
      }
      for (const m of text.matchAll(VAR_REF)) {
        if (!tf.variables.has(m[1] ?? '')) problems.push(`${where}: var.${m[1]} is not declared`);
      }
      for (const m of text.matchAll(LOCAL_REF)) {
        if (!tf.locals.has(m[1] ?? '')) problems.push(`${where}: local.${m[1]} is not declared`);
      }
      for (const m of text.matchAll(MODULE_REF)) {
        if (!tf.modules.has(m[1] ?? '')) problems.push(`${where}: module.${m[1]} is not declared`);
      }
    }
  };
  for (const [address, r] of tf.resources) scan(`${r.file} ${address}`, r.body);
  for (const [address, r] of tf.data) scan(`${r.file} data.${address}`, r.body);
  for (const [name, l] of tf.locals) scan(`${l.file} local.${name}`, l.value);
  for (const [name, o] of tf.outputs) scan(`${o.file} output.${name}`, o.body);
  for (const [name, v] of tf.variables) scan(`${v.file} variable.${name}`, v.body);
  for (const p of tf.providers) scan(`${p.file} provider`, p.body);
  for (const o of tf.others) scan(o.file, o.body);
  for (const [file, assignments] of tf.tfvars) {
    for (const key of Object.keys(assignments)) {
      if (!tf.variables.has(key)) problems.push(`${file}: "${key}" is not a declared variable`);
    }
    for (const [name, v] of tf.variables) {
      if (!('default' in v.body) && !(name in assignments)) {
        problems.push(`${file}: variable "${name}" has no default and is not set`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// 3. Names the code reads

/** Every variable core/config/config.ts reads: the keys of its zod object. */
export function configKeys(source: string): Set<string> {
  const start = source.indexOf('const schema = z.object({');
  const end = source.indexOf('\n});', start);
  const body = source.slice(start, end);
  return new Set([...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? ''));
}

/** The variables loadConfig refuses to start without. */
function requiredConfigKeys(): string[] {
  try {
    loadConfig({});
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.message.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? '');
  }
}

/** `channels.<name>.address` of every channel in the AsyncAPI document (its queue or bus name). */
function channelAddresses(asyncapi: string): Map<string, string> {
  return new Map(
    [...asyncapi.matchAll(/^ {2}(\w+):\n {4}address: (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

function codeFiles(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) codeFiles(p, out);
    else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Index names the code queries: string literals ending in Index in core/, server/, worker/. */
const indexNames = new Map<string, Set<string>>();
function indexesInCode(root: string): Set<string> {
  let names = indexNames.get(root);
  if (!names) {
    names = new Set<string>();
    for (const file of ['core', 'server', 'worker'].flatMap((d) => codeFiles(path.join(root, d)))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'([A-Z][A-Za-z0-9]*Index)'/g))
        names.add(m[1] ?? '');
    }
    indexNames.set(root, names);
  }
  return names;
}

/** A whole-value reference `${type.name.attr}` or undefined. */
function referenceOf(value: HclValue | undefined): { type: string; name: string; attr: string } | undefined {
  const m = typeof value === 'string' ? /^\$\{([a-z0-9_]+)\.([\w-]+)\.(\w+)\}$/.exec(value) : null;
  return m ? { type: m[1] ?? '', name: m[2] ?? '', attr: m[3] ?? '' } : undefined;
}
function literal(value: HclValue | undefined): string | undefined {
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
}

// Settings that name one Terraform resource, and which.
const BUCKET_SETTINGS: Record<string, string> = { STAGING_BUCKET: 'staging', EXPORT_BUCKET: 'exports' };

export interface CodeNamesOptions {
  root?: string;
  /** The AppConfig validator file's expected content (tests override it). */
  appConfigSchema?: string;
}

export function checkCodeNames(tf: ParsedTerraform, o: CodeNamesOptions = {}): string[] {
  const root = o.root ?? ROOT;
  const problems: string[] = [];
  const keys = configKeys(readFileSync(path.join(root, 'core/config/config.ts'), 'utf8'));
  const required = requiredConfigKeys();
  const placeholders = Object.fromEntries(required.map((k) => [k, 'https://placeholder.invalid/']));
  const defaults = loadConfig(placeholders);
  const channels = channelAddresses(readFileSync(path.join(root, 'contracts/asyncapi.yaml'), 'utf8'));
  const literalName = (address: string, attr = 'name'): string | undefined =>
    literal(tf.resources.get(address)?.body[attr]);

  // The table and its indexes.
  const tables = [...tf.resources.values()].filter((r) => r.type === 'aws_dynamodb_table');
  const table = tables.find((t) => literal(t.body.name) === defaults.TABLE_NAME);
  if (!table) problems.push(`no aws_dynamodb_table is named ${defaults.TABLE_NAME} (TABLE_NAME's default)`);
  const indexes = new Set(
    ['global_secondary_index', 'local_secondary_index'].flatMap((k) =>
      objects(table?.body[k]).map((i) => literal(i.name) ?? ''),
    ),
  );
  for (const index of indexesInCode(root)) {
    if (table && !indexes.has(index))
      problems.push(`the code queries index ${index}, which ${table.file} does not define`);
  }

  // The event bus.
  const bus = [...tf.resources.values()].find(
    (r) => r.type === 'aws_cloudwatch_event_bus' && literal(r.body.name) === defaults.EVENT_BUS_NAME,
  );
  if (!bus)
    problems.push(
      `no aws_cloudwatch_event_bus is named ${defaults.EVENT_BUS_NAME} (EVENT_BUS_NAME's default)`,
    );
  if (channels.get('syncEvents') !== defaults.EVENT_BUS_NAME) {
    problems.push(
      `contracts/asyncapi.yaml names the bus ${channels.get('syncEvents')}, the config ${defaults.EVENT_BUS_NAME}`,
    );
  }

  // The secrets prefix: one literal local, the code's default, used by the task definitions and the IAM policies.
  const prefix = tf.locals.get('secret_name_prefix');
  if (literal(prefix?.value) !== defaults.SECRET_NAME_PREFIX) {
    problems.push(
      `local.secret_name_prefix must be the literal ${defaults.SECRET_NAME_PREFIX} (SECRET_NAME_PREFIX's default)`,
    );
  }
  const policies = [...tf.data.values()].filter((d) => d.type === 'aws_iam_policy_document');
  if (!policies.some((p) => expressions(p.body).some((e) => /local\.secret_(name|arn)_prefix/.test(e)))) {
    problems.push('no IAM policy document grants access to the secrets under local.secret_name_prefix');
  }

  // The AppConfig validator is the code's schema.
  const profile = [...tf.resources.values()].find((r) => r.type === 'aws_appconfig_configuration_profile');
  const validator = objects(profile?.body.validator).find((v) => v.type === 'JSON_SCHEMA');
  const file = /file\("\$\{path\.module\}\/([\w.-]+)"\)/.exec(
    typeof validator?.content === 'string' ? validator.content : '',
  )?.[1];
  if (!file) {
    problems.push(
      'the AppConfig configuration profile has no JSON_SCHEMA validator read with file("${path.module}/...")',
    );
  } else {
    // Compared as JSON: prettier may lay the committed file out differently.
    let actual: unknown;
    try {
      actual = JSON.parse(readFileSync(path.join(tf.dir, file), 'utf8'));
    } catch {
      actual = undefined;
    }
    if (!isDeepStrictEqual(actual, JSON.parse(o.appConfigSchema ?? appConfigJsonSchema()))) {
      problems.push(
        `${file} is not the JSON Schema of core/config/dynamicConfig.ts: run npx tsx scripts/checkTerraformSchema.ts`,
      );
    }
  }

  // Each ECS task definition's environment and secrets.
  const taskDefinitions = [...tf.resources.values()].filter((r) => r.type === 'aws_ecs_task_definition');
  if (taskDefinitions.length === 0) problems.push('no aws_ecs_task_definition');
  for (const td of taskDefinitions) {
    const where = `${td.file} aws_ecs_task_definition.${td.name}`;
    const text = typeof td.body.container_definitions === 'string' ? td.body.container_definitions : '';
    const maps = [
      ...new Set([...text.matchAll(/local\.(\w+_(?:environment|secrets))\b/g)].map((m) => m[1] ?? '')),
    ];
    const settings = new Map<string, HclValue>();
    for (const name of maps) {
      const value = tf.locals.get(name)?.value;
      if (!isObject(value)) {
        problems.push(`${where}: local.${name} must be an object with literal keys (the checker reads them)`);
        continue;
      }
      for (const [k, v] of Object.entries(value)) {
        if (settings.has(k)) problems.push(`${where}: ${k} is set twice (local.${name})`);
        settings.set(k, name.endsWith('_secrets') ? '${secret}' : v);
      }
    }
    if (maps.length === 0) {
      problems.push(
        `${where}: container_definitions must build environment and secrets from local.<name>_environment / _secrets maps`,
      );
      continue;
    }
    for (const k of settings.keys()) {
      if (!keys.has(k))
        problems.push(`${where}: sets ${k}, which core/config/config.ts does not read${suggestion(k, keys)}`);
    }
    for (const k of required) {
      if (!settings.has(k))
        problems.push(`${where}: does not set ${k}, which core/config/config.ts requires`);
    }
    // Literal values must pass the config's own validation.
    for (const [k, v] of settings) {
      const value = literal(v);
      if (value === undefined || !keys.has(k)) continue;
      try {
        loadConfig({ ...placeholders, [k]: value });
      } catch (error) {
        problems.push(
          `${where}: ${k}=${JSON.stringify(value)} is refused by core/config/config.ts: ${(error as Error).message.split('\n')[1]?.trim()}`,
        );
      }
    }
    const expectReference = (
      key: string,
      type: string,
      attrs: string[],
      check?: (name: string) => string | undefined,
    ): void => {
      const ref = referenceOf(settings.get(key));
      if (!settings.has(key)) {
        problems.push(`${where}: does not set ${key}`);
      } else if (!ref || ref.type !== type || !attrs.includes(ref.attr)) {
        problems.push(
          `${where}: ${key} must be \${${type}.<name>.${attrs.join('|')}}, got ${JSON.stringify(settings.get(key))}`,
        );
      } else {
        const problem = check?.(ref.name);
        if (problem) problems.push(`${where}: ${key}: ${problem}`);
      }
    };
    for (const [channel, key] of Object.entries(QUEUE_URL_SETTING)) {
      const queueName = channels.get(channel);
      expectReference(key, 'aws_sqs_queue', ['url', 'id'], (name) => {
        const actual = literalName(`aws_sqs_queue.${name}`);
        return actual === queueName
          ? undefined
          : `aws_sqs_queue.${name} is ${actual}, but contracts/asyncapi.yaml's channel ${channel} is ${queueName}`;
      });
    }
    expectReference('TABLE_NAME', 'aws_dynamodb_table', ['name', 'id'], (name) =>
      name === table?.name ? undefined : `aws_dynamodb_table.${name} is not the ${defaults.TABLE_NAME} table`,
    );
    for (const [key, bucket] of Object.entries(BUCKET_SETTINGS)) {
      expectReference(key, 'aws_s3_bucket', ['bucket', 'id'], (name) =>
        name === bucket ? undefined : `expected aws_s3_bucket.${bucket}, not aws_s3_bucket.${name}`,
      );
    }
    expectReference('EVENT_BUS_NAME', 'aws_cloudwatch_event_bus', ['name'], (name) =>
      name === bus?.name ? undefined : `aws_cloudwatch_event_bus.${name} is not ${defaults.EVENT_BUS_NAME}`,
    );
    expectReference('APPCONFIG_APPLICATION', 'aws_appconfig_application', ['name', 'id']);
    expectReference('APPCONFIG_ENVIRONMENT', 'aws_appconfig_environment', ['name', 'environment_id']);
    expectReference(
      'APPCONFIG_PROFILE',
      'aws_appconfig_configuration_profile',
      ['name', 'configuration_profile_id'],
      (name) =>
        name === profile?.name
          ? undefined
          : `aws_appconfig_configuration_profile.${name} has no JSON_SCHEMA validator`,
    );
    if (settings.get('SECRET_NAME_PREFIX') !== '${local.secret_name_prefix}') {
      problems.push(`${where}: SECRET_NAME_PREFIX must be \${local.secret_name_prefix}`);
    }
    for (const [key, value] of [
      ['SECRET_STORE', 'aws'],
      ['EVENT_BUS', 'eventbridge'],
      ['DYNAMIC_CONFIG_SOURCE', 'appconfig'],
      ['NODE_ENV', 'production'],
    ] as const) {
      if (settings.get(key) !== value) problems.push(`${where}: ${key} must be "${value}" in AWS`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// 4. IAM against the AWS calls the code makes

// Each AWS SDK command, and each call of the lean JSON client (core/aws/awsJsonClient.ts), with the
// IAM action it needs. A call missing here fails the check, so the map cannot fall behind the code.
const CALL_ACTIONS: Record<string, string[]> = {
  // DynamoDB (lib-dynamodb commands and JSON-protocol operations)
  GetCommand: ['dynamodb:GetItem'],
  PutCommand: ['dynamodb:PutItem'],
  GetItem: ['dynamodb:GetItem'],
  PutItem: ['dynamodb:PutItem'],
  UpdateItem: ['dynamodb:UpdateItem'],
  DeleteItem: ['dynamodb:DeleteItem'],
  Query: ['dynamodb:Query'],
  Scan: ['dynamodb:Scan'],
  BatchGetItem: ['dynamodb:BatchGetItem'],
  BatchWriteItem: ['dynamodb:BatchWriteItem'],
  // SQS (batch operations are authorized as their single-message action)
  SendMessage: ['sqs:SendMessage'],
  SendMessageBatch: ['sqs:SendMessage'],
  ReceiveMessage: ['sqs:ReceiveMessage'],
  DeleteMessage: ['sqs:DeleteMessage'],
  DeleteMessageBatch: ['sqs:DeleteMessage'],
  ChangeMessageVisibility: ['sqs:ChangeMessageVisibility'],
  GetQueueAttributes: ['sqs:GetQueueAttributes'],
  GetQueueAttributesCommand: ['sqs:GetQueueAttributes'],
  // S3 (lib-storage's Upload is a multipart upload: PutObject, and AbortMultipartUpload on failure)
  GetObjectCommand: ['s3:GetObject'],
  PutObjectCommand: ['s3:PutObject'],
  DeleteObjectCommand: ['s3:DeleteObject'],
  DeleteObjectsCommand: ['s3:DeleteObject'],
  ListObjectsV2Command: ['s3:ListBucket'],
  Upload: ['s3:PutObject', 's3:AbortMultipartUpload'],
  // Secrets Manager, EventBridge, AppConfig
  CreateSecretCommand: ['secretsmanager:CreateSecret'],
  GetSecretValueCommand: ['secretsmanager:GetSecretValue'],
  PutSecretValueCommand: ['secretsmanager:PutSecretValue'],
  DeleteSecretCommand: ['secretsmanager:DeleteSecret'],
  PutEventsCommand: ['events:PutEvents'],
  StartConfigurationSessionCommand: ['appconfig:StartConfigurationSession'],
  GetLatestConfigurationCommand: ['appconfig:GetLatestConfiguration'],
  // The worker's one-secret sessions (core/secrets/sessionScopedSecretStore.ts).
  AssumeRoleCommand: ['sts:AssumeRole'],
};
// Granted without a call in the code: the ADOT sidecar's X-Ray export, and session tags the
// token-access role's trust policy allows (the sessions themselves are AssumeRoleCommand).
const GRANTED_WITHOUT_CALL = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'sts:TagSession',
]);

/** The AWS calls in core/, server/ and worker/ (tests excluded), by name. */
export function awsCallsInCode(root: string = ROOT): Set<string> {
  const calls = new Set<string>();
  for (const file of ['core', 'server', 'worker'].flatMap((d) => codeFiles(path.join(root, d)))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new ([A-Z][A-Za-z0-9]*Command)\(/g)) calls.add(m[1] ?? '');
    if (/new Upload\(/.test(text)) calls.add('Upload');
    // The lean JSON client: `.call('Op', ...)` or `.call<Output>(\n 'Op', ...)`; Redis commands
    // (`.call('HMGET')`) are all capitals and do not match.
    for (const m of text.matchAll(/\.call(?:<[^(]{0,600}?>)?\(\s*'([A-Z][a-z][A-Za-z]*)'/g))
      calls.add(m[1] ?? '');
  }
  return calls;
}

function statementsOf(doc: HclObject): HclObject[] {
  const dynamic = isObject(doc.dynamic)
    ? objects(doc.dynamic.statement).flatMap((d) => objects(d.content))
    : [];
  return [...objects(doc.statement), ...dynamic];
}

export function checkIamAgainstCode(tf: ParsedTerraform, calls: Set<string>): string[] {
  const problems: string[] = [];
  const needed = new Map<string, string>();
  for (const call of calls) {
    const actions = CALL_ACTIONS[call];
    if (!actions) {
      problems.push(
        `the code calls ${call}: add its IAM action to CALL_ACTIONS in scripts/checkTerraform.ts`,
      );
      continue;
    }
    for (const a of actions) needed.set(a, call);
  }
  // The task roles, and the roles a task role may assume.
  const roles = new Set<string>();
  for (const td of [...tf.resources.values()].filter((r) => r.type === 'aws_ecs_task_definition')) {
    const ref = referenceOf(td.body.task_role_arn);
    if (ref?.type === 'aws_iam_role') roles.add(ref.name);
  }
  const docsOf = (role: string): HclObject[] =>
    [...tf.resources.values()]
      .filter((r) => r.type === 'aws_iam_role_policy' && referenceOf(r.body.role)?.name === role)
      .map((r) => {
        const policy = typeof r.body.policy === 'string' ? r.body.policy : '';
        const doc = /^\$\{data\.aws_iam_policy_document\.([\w-]+)\.json\}$/.exec(policy)?.[1];
        if (!doc)
          problems.push(
            `aws_iam_role_policy for ${role}: policy must be data.aws_iam_policy_document.<name>.json`,
          );
        return tf.data.get(`aws_iam_policy_document.${doc ?? ''}`)?.body;
      })
      .filter((d): d is HclObject => d !== undefined);
  for (const role of [...roles]) {
    for (const doc of docsOf(role)) {
      for (const st of statementsOf(doc)) {
        const actions = Array.isArray(st.actions) ? st.actions : [];
        if (!actions.includes('sts:AssumeRole')) continue;
        for (const r of Array.isArray(st.resources) ? st.resources : []) {
          const ref = referenceOf(r);
          if (ref?.type === 'aws_iam_role') roles.add(ref.name);
        }
      }
    }
  }
  const granted = new Set<string>();
  for (const role of roles) {
    for (const doc of docsOf(role)) {
      for (const st of statementsOf(doc)) {
        for (const a of Array.isArray(st.actions) ? st.actions : []) {
          if (typeof a !== 'string') continue;
          granted.add(a);
          if (a.includes('*')) problems.push(`aws_iam_role.${role} is granted the wildcard action ${a}`);
          else if (!needed.has(a) && !GRANTED_WITHOUT_CALL.has(a)) {
            problems.push(`aws_iam_role.${role} is granted ${a}, which the code never calls`);
          }
        }
      }
    }
  }
  for (const [action, call] of needed) {
    if (!granted.has(action)) problems.push(`the code calls ${call}, but no task role is granted ${action}`);
  }
  return problems;
}

/** All four checks; an empty list means the Terraform passed. */
export async function checkTerraform(
  dir: string = DEFAULT_TERRAFORM_DIR,
  o: CodeNamesOptions & { schema?: ProviderSchema } = {},
): Promise<string[]> {
  const tf = await parseTerraformDir(dir);
  const schema = o.schema ?? loadProviderSchema();
  return [
    ...checkSchema(tf, schema),
    ...checkReferences(tf, schema),
    ...checkCodeNames(tf, o),
    ...checkIamAgainstCode(tf, awsCallsInCode(o.root)),
  ];
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? DEFAULT_TERRAFORM_DIR);
  const schema = loadProviderSchema();
  const problems = await checkTerraform(dir, { schema });
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`${problems.length} problem(s) in ${path.relative(process.cwd(), dir) || dir}`);
    process.exit(1);
  }
  console.log(
    `${path.relative(process.cwd(), dir) || dir}: OK against ${schema.provider} ${schema.version} (${schema.source})`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
