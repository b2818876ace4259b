// Regenerates scripts/checkTerraform.aws-schema.json: the hashicorp/aws provider schema that
// scripts/checkTerraform.ts checks infra/terraform against. No terraform binary can be installed
// here, so the schema comes from @cdktf/provider-aws, the bindings HashiCorp generates from
// `terraform providers schema -json`: each resource's generated code names every argument and
// block in Terraform's spelling, with "computed/optional/required" comments for every attribute.
// The package unpacks to ~360 MB, so it is not a dependency: this script fetches the pinned
// tarball with `npm pack`, and keeps every type name plus the full schema of the types
// infra/terraform uses (rerun it after adding a resource type).
//
//   npx tsx scripts/checkTerraformSchema.ts [--package-dir <unpacked package>]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import {
  APPCONFIG_SCHEMA_FILE,
  appConfigJsonSchema,
  parseTerraformDir,
  SCHEMA_FILE,
  type AttributeFlags,
  type BlockSchema,
  type NestedBlockSchema,
  type ProviderSchema,
} from './checkTerraform.js';

export const PROVIDER_PACKAGE = '@cdktf/provider-aws@19.65.1'; // hashicorp/aws 5.99.1
interface Entry {
  name: string;
  isBlock: boolean;
  nested?: string;
}

// One `name: { value: ..., isBlock: ..., type: ..., storageClassType: ... }` of a ToHclTerraform
// function or of synthesizeHclAttributes(): the names Terraform reads, in its own spelling.
const ENTRY =
  /(\w+): \{\s*value: ([^\n]*),\s*isBlock: (true|false),\s*type: "\w+",\s*storageClassType: "\w+",\s*\}/g;
// A struct's own converter, not cdktf's (`cdktf.stringToHclTerraform` is preceded by a dot).
const NESTED = /(?<![.\w])([a-z]\w*)ToHclTerraform\b/;
const FLAGS = /\/\/ (\w+) - computed: (true|false), optional: (true|false), required: (true|false)/g;

function entriesOf(body: string): Entry[] {
  return [...body.matchAll(ENTRY)].map((m) => {
    const nested = NESTED.exec(m[2] ?? '')?.[1];
    return { name: m[1] ?? '', isBlock: m[3] === 'true', ...(nested ? { nested } : {}) };
  });
}

function flagsOf(body: string): Map<string, AttributeFlags> {
  const flags = new Map<string, AttributeFlags>();
  for (const m of body.matchAll(FLAGS)) {
    flags.set(
      m[1] ?? '',
      `${m[4] === 'true' ? 'r' : ''}${m[3] === 'true' ? 'o' : ''}${m[2] === 'true' ? 'c' : ''}`,
    );
  }
  return flags;
}

/** The text of `class <name> extends ...` up to the next top-level class. */
function classBody(source: string, className: string): string {
  const start = source.indexOf(`class ${className} extends`);
  if (start < 0) return '';
  const next = /\n(export )?class /g;
  next.lastIndex = start + 1;
  const end = next.exec(source)?.index;
  return source.slice(start, end);
}

class PackageDir {
  readonly functions = new Map<string, string>();
  readonly sources: string[] = [];
  /** The TypeScript the JS was compiled from (inline source maps): only it keeps every flag comment. */
  readonly tsSources: string[] = [];

  constructor(dir: string) {
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = path.join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.js')) {
          const js = readFileSync(p, 'utf8');
          this.sources.push(js);
          const map = /sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)/.exec(js)?.[1];
          if (map) {
            const decoded = JSON.parse(Buffer.from(map, 'base64').toString('utf8')) as {
              sourcesContent?: string[];
            };
            this.tsSources.push(...(decoded.sourcesContent ?? []));
          }
        }
      }
    };
    walk(dir);
    for (const source of this.sources) {
      for (const m of source.matchAll(/\nfunction (\w+)ToHclTerraform\(struct\) \{([\s\S]*?)\n\}/g)) {
        this.functions.set(m[1] ?? '', m[2] ?? '');
      }
    }
  }

  private flagsOfClass(className: string): Map<string, AttributeFlags> {
    for (const source of this.tsSources) {
      const body = classBody(source, className);
      if (body) return flagsOf(body);
    }
    return new Map();
  }

  private block(entries: Entry[], flags: Map<string, AttributeFlags>, depth: number): BlockSchema {
    const schema: BlockSchema = { attributes: {}, blocks: {} };
    for (const e of entries) {
      const f = flags.get(e.name) ?? 'o';
      if (e.isBlock && e.nested && depth < 12) {
        const fn = e.nested;
        const struct = `${fn.charAt(0).toUpperCase()}${fn.slice(1)}`;
        const nested: NestedBlockSchema = this.block(
          entriesOf(this.functions.get(fn) ?? ''),
          this.flagsOfClass(`${struct}OutputReference`),
          depth + 1,
        );
        if (f.includes('r')) nested.required = true;
        schema.blocks[e.name] = nested;
      } else {
        schema.attributes[e.name] = f;
      }
    }
    // Computed-only attributes (arn, id, ...) can be read, never set.
    for (const [name, f] of flags) {
      if (!(name in schema.attributes) && !(name in schema.blocks) && f === 'c') schema.attributes[name] = f;
    }
    return schema;
  }

  /** The schema of the resource, data source or provider class defined here. */
  topLevel(): { type: string; kind: 'resource' | 'data' | 'provider'; schema: BlockSchema } | undefined {
    for (const source of this.sources) {
      const cls = /\nclass (\w+) extends cdktf\.Terraform(Resource|DataSource|Provider) \{/.exec(source);
      const type = /\.tfResourceType = "([a-z0-9_]+)";/.exec(source)?.[1];
      if (!cls || !type) continue;
      const body = classBody(source, cls[1] ?? '');
      const synth =
        /synthesizeHclAttributes\(\) \{\s*const attrs = \{([\s\S]*?)\n {8}\};/.exec(body)?.[1] ?? '';
      const kind = cls[2] === 'Resource' ? 'resource' : cls[2] === 'DataSource' ? 'data' : 'provider';
      return { type, kind, schema: this.block(entriesOf(synth), this.flagsOfClass(cls[1] ?? ''), 0) };
    }
    return undefined;
  }
}

/** Type names only, from each directory's index.js (cheap: no struct parsing). */
function typeOf(indexJs: string): { type: string; data: boolean } | undefined {
  const type = /\.tfResourceType = "([a-z0-9_]+)";/.exec(indexJs)?.[1];
  if (!type) return undefined;
  return { type, data: indexJs.includes('extends cdktf.TerraformDataSource') };
}

export async function generate(packageDir: string, terraformDir: string): Promise<ProviderSchema> {
  const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    cdktf: { provider: { name: string; version: string } };
  };
  const lib = path.join(packageDir, 'lib');
  const { resourceTypes: used, dataTypes: usedData } = await parseTerraformDir(terraformDir);
  const out: ProviderSchema = {
    provider: pkg.cdktf.provider.name,
    version: pkg.cdktf.provider.version,
    source: `${pkg.name}@${pkg.version}`,
    resourceTypes: [],
    dataSourceTypes: [],
    providerConfig: { attributes: {}, blocks: {} },
    resources: {},
    dataSources: {},
  };
  for (const dir of readdirSync(lib).sort()) {
    const index = path.join(lib, dir, 'index.js');
    let source: string;
    try {
      source = readFileSync(index, 'utf8');
    } catch {
      continue;
    }
    const found = typeOf(source);
    if (!found) continue;
    if (dir === 'provider') {
      out.providerConfig = new PackageDir(path.join(lib, dir)).topLevel()?.schema ?? out.providerConfig;
      continue;
    }
    (found.data ? out.dataSourceTypes : out.resourceTypes).push(found.type);
    if (found.data ? usedData.has(found.type) : used.has(found.type)) {
      const top = new PackageDir(path.join(lib, dir)).topLevel();
      if (!top) throw new Error(`${dir}: no resource class found`);
      (found.data ? out.dataSources : out.resources)[found.type] = top.schema;
    }
  }
  out.resourceTypes.sort();
  out.dataSourceTypes.sort();
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const given = args[args.indexOf('--package-dir') + 1];
  let packageDir = args.includes('--package-dir') ? given : undefined;
  let temp: string | undefined;
  if (!packageDir) {
    temp = mkdtempSync(path.join(tmpdir(), 'provider-aws-'));
    execFileSync('npm', ['pack', PROVIDER_PACKAGE, '--silent'], { cwd: temp, stdio: 'inherit' });
    const tgz = readdirSync(temp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack produced no tarball');
    execFileSync('tar', ['xzf', tgz], { cwd: temp });
    packageDir = path.join(temp, 'package');
  }
  try {
    const schema = await generate(
      packageDir ?? '',
      fileURLToPath(new URL('../infra/terraform/', import.meta.url)),
    );
    // Written as prettier lays them out, so `npm run lint` passes and a rerun changes nothing.
    const format = async (file: string, text: string): Promise<string> =>
      prettier.format(text, { ...(await prettier.resolveConfig(file)), filepath: file });
    writeFileSync(SCHEMA_FILE, await format(SCHEMA_FILE, JSON.stringify(schema)));
    writeFileSync(APPCONFIG_SCHEMA_FILE, await format(APPCONFIG_SCHEMA_FILE, appConfigJsonSchema()));
    console.log(
      `${path.relative(process.cwd(), SCHEMA_FILE)}: ${schema.source} (${schema.provider} ${schema.version}), ` +
        `${Object.keys(schema.resources).length} resource and ${Object.keys(schema.dataSources).length} data source schemas`,
    );
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
