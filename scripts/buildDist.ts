// `npm run build:dist [-- <outDir>]` (default dist/): the production build of the API and the
// worker, what the Dockerfile's build stage runs. Every non-test .ts file of core/, server/, worker/
// and generated/ is transpiled on its own by esbuild (the same transform tsx applies at run time
// today, so the compiled code behaves like `npm run api`), into the same layout: the code finds its
// files next to itself through `import.meta.url` (generated/openapi.bundle.gen.yaml, generated/docs/,
// generated/schemas/, server/console/static/), which a single bundle would break. The files that are
// not TypeScript (JSON modules, the contract bundle, the console's page) are copied as they are.
// Node runs the result with `node server/main.js` / `node worker/main.js` from outDir, next to a
// production node_modules; the imports keep their `.js` suffixes and JSON import attributes.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The code the two processes run (nothing imports test/, infra/, bench/ or scripts/: see .dependency-cruiser.cjs). */
export const SOURCE_DIRS = ['core', 'server', 'worker', 'generated'] as const;
/** Scripts the images run beside the processes. */
export const EXTRA_ENTRIES = ['scripts/containerHealthcheck.ts'] as const;
/** Written into outDir so a later build may remove it; a folder without it is never deleted. */
const MARKER = '.syncwell-dist';
/** esbuild's target: the oldest Node the package supports (import attributes need 20.10+). */
const TARGET = 'node20.19';

const isTest = (file: string) => file.endsWith('.test.ts');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : entry.isFile() ? [path] : [];
  });
}

export interface DistSummary {
  outDir: string;
  compiled: number;
  copied: number;
}

export async function buildDist(outDir: string, root: string = ROOT): Promise<DistSummary> {
  const out = resolve(outDir);
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(join(out, MARKER)))
      throw new Error(`${out} is not empty and not an earlier build: not deleting it`);
    rmSync(out, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, MARKER), '');

  const files = SOURCE_DIRS.flatMap((d) => walk(join(root, d)));
  const entryPoints = [
    ...files.filter((f) => f.endsWith('.ts') && !isTest(f)),
    ...EXTRA_ENTRIES.map((f) => join(root, f)),
  ];
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir: out,
    outbase: root,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: TARGET,
    // The repository's compiler options (verbatimModuleSyntax, class fields), as tsx reads them.
    tsconfig: join(root, 'tsconfig.json'),
    // Stack traces point into the TypeScript sources (NODE_OPTIONS=--enable-source-maps in the image).
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });

  // JSON modules, the contract bundle, the docs and the console's static page, as they are.
  const assets = files.filter((f) => !f.endsWith('.ts'));
  for (const file of assets) {
    const target = join(out, relative(root, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }

  // The nearest package.json makes Node read the .js files as ES modules; nothing else of the
  // repository's package.json (scripts, devDependencies) belongs in the image.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  const runtimePkg = {
    name: pkg.name,
    version: pkg.version,
    private: true,
    type: pkg.type,
    engines: pkg.engines,
  };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify(runtimePkg, null, 2)}\n`);
  return { outDir: out, compiled: entryPoints.length, copied: assets.length };
}

/** Every file of a build, relative to its folder, with `/` separators (tests compare layouts). */
export function listDist(outDir: string): string[] {
  return walk(outDir)
    .filter((f) => statSync(f).isFile())
    .map((f) => relative(outDir, f).split(sep).join('/'))
    .sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const summary = await buildDist(process.argv[2] ?? join(ROOT, 'dist'));
  console.log(`built ${summary.compiled} modules and copied ${summary.copied} files into ${summary.outDir}`);
}
