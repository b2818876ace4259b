// Static checks of the Dockerfile and .dockerignore (no Docker daemon here: the images cannot be
// built, so what can be read is checked). Parsed with dockerfile-ast and validated with
// dockerfile-utils, the libraries behind the VS Code Docker language server.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import { expect } from 'chai';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { loadConfig } from '../core/config/config.js';
import { EXTRA_ENTRIES, SOURCE_DIRS } from './buildDist.js';

const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const DOCKERFILE = join(ROOT, 'Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');
const dockerfile = DockerfileParser.parse(text);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};
/** The final images and what each one runs (docs/deploy.md builds these two targets). */
const TARGETS = { api: 'server/main', worker: 'worker/main' } as const;
type Target = keyof typeof TARGETS;

// --- the file, cut into stages --------------------------------------------------------------------

interface Stage {
  name: string;
  /** The FROM's image, with the global ARGs' defaults substituted. */
  image: string;
  /** The stage it builds on, when FROM names one. */
  parent: Stage | undefined;
  from: Instruction;
  instructions: Instruction[];
}

const globalArgs = new Map(
  dockerfile
    .getInitialARGs()
    .map((a) => [a.getProperty()?.getName() ?? '', a.getProperty()?.getValue() ?? '']),
);
const substitute = (s: string) =>
  s.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => globalArgs.get(a ?? b ?? '') ?? '',
  );

const stages: Stage[] = [];
for (const instruction of dockerfile.getInstructions()) {
  const keyword = instruction.getKeyword();
  if (keyword === 'FROM') {
    const args = instruction.getArguments().map((a) => a.getValue());
    const image = substitute(args.find((a) => !a.startsWith('--')) ?? '');
    const asIndex = args.findIndex((a) => a.toUpperCase() === 'AS');
    const name = asIndex >= 0 ? (args[asIndex + 1] ?? '') : String(stages.length);
    stages.push({
      name,
      image,
      parent: stages.find((s) => s.name === image),
      from: instruction,
      instructions: [],
    });
  } else if (stages.length > 0) stages.at(-1)!.instructions.push(instruction);
}
const stage = (name: string) => {
  const found = stages.find((s) => s.name === name);
  if (!found) throw new Error(`no stage ${name} in the Dockerfile`);
  return found;
};
/** A stage and the stages it builds on, base first: instructions apply in this order. */
const chain = (s: Stage): Stage[] => (s.parent ? [...chain(s.parent), s] : [s]);
const inChain = (s: Stage, keyword: string) =>
  chain(s).flatMap((c) => c.instructions.filter((i) => i.getKeyword() === keyword));
const lastInChain = (s: Stage, keyword: string) => inChain(s, keyword).at(-1);
/** Every stage another one builds on, copies from or mounts. */
const referenced = new Set(
  stages.flatMap((s) => [
    ...(s.parent ? [s.parent.name] : []),
    ...s.instructions.flatMap((i) =>
      [...i.getTextContent().matchAll(/--from=(\S+)|from=([\w-]+)/g)].map((m) => m[1] ?? m[2] ?? ''),
    ),
  ]),
);
const finals = stages.filter((s) => !referenced.has(s.name));
const runs = (s: Stage) =>
  s.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getTextContent());
const envOf = (s: Stage): Record<string, string> =>
  Object.fromEntries(
    inChain(s, 'ENV').flatMap((i) =>
      (i as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] })
        .getProperties()
        .map((p) => [p.getName(), p.getValue() ?? '']),
    ),
  );
/** The strings of an exec-form (JSON) instruction, e.g. CMD ["node", "server/main.js"]. */
const execForm = (i: Instruction): string[] => {
  const json = i.getRawArgumentsContent()?.replace(/^CMD\s+/, '') ?? '';
  expect(json.trim().startsWith('['), `${i.getKeyword()} in exec form: ${json}`).to.equal(true);
  return JSON.parse(json) as string[];
};

// --- .dockerignore, with Docker's rules -----------------------------------------------------------
// Patterns are relative to the context root (a leading / is dropped); `*` and `?` never cross a `/`,
// `**` crosses any number of folders; a pattern that matches a folder excludes what is inside; the
// last pattern that matches a path (or one of its parent folders) decides; `!` re-includes.

const ignorePatterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const negated = l.startsWith('!');
    const pattern = (negated ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
    const source = pattern
      .split(/(\*\*\/?|\*|\?)/)
      .map((part) =>
        part === '**/'
          ? '(?:.*/)?'
          : part === '**'
            ? '.*'
            : part === '*'
              ? '[^/]*'
              : part === '?'
                ? '[^/]'
                : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    return { negated, regex: new RegExp(`^${source}$`) };
  });

/** Whether `path` (relative, `/`-separated) is left out of the build context. */
function ignored(path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const { negated, regex } of ignorePatterns)
    if (candidates.some((c) => regex.test(c))) excluded = !negated;
  return excluded;
}

function filesUnder(path: string): string[] {
  const abs = join(ROOT, path);
  if (!statSync(abs).isDirectory()) return [path];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split(sep).join('/'));
}

/** The files a COPY without --from takes from the context: sources are every argument but the last. */
const copySources = (i: Instruction) =>
  i
    .getArguments()
    .map((a) => a.getValue())
    .filter((a) => !a.startsWith('--'))
    .slice(0, -1);

// --- the checks -----------------------------------------------------------------------------------

describe('Dockerfile and .dockerignore (static checks)', () => {
  it('parses and validates without a single diagnostic', () => {
    // The validator does find problems (a guard against a silently empty result).
    expect(validate('FROM node:20\nHEALTHCHECK CMD')).to.have.length.greaterThan(0);
    const diagnostics = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(diagnostics).to.deep.equal([]);
  });

  it('has exactly the api and worker final stages, api the default (last) target', () => {
    expect(finals.map((s) => s.name).sort()).to.deep.equal(Object.keys(TARGETS).sort());
    expect(stages.at(-1)?.name).to.equal('api');
  });

  it('pins every base image to a full Node 20 release (or a digest) that satisfies engines', () => {
    const min = /(\d+)\.(\d+)/.exec(pkg.engines.node)!.slice(1).map(Number);
    for (const s of stages.filter((x) => !x.parent)) {
      const m = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/.exec(s.image);
      expect(m, `stage ${s.name}: ${s.image} is not a pinned node:<x.y.z>-<debian>-slim`).to.not.equal(null);
      const [major, minor] = [Number(m![1]), Number(m![2])];
      expect(major, 'Node 20, as every machine of this project runs').to.equal(20);
      expect(minor, `engines ${pkg.engines.node}`).to.be.at.least(min[1]!);
    }
  });

  it('runs each final stage as a non-root user', () => {
    for (const s of finals) {
      const user = lastInChain(s, 'USER')?.getArgumentsContent() ?? 'root';
      expect(user.split(':')[0], `${s.name} runs as ${user}`).to.not.be.oneOf(['root', '0', '']);
    }
  });

  it('checks health in each final stage with a script the build compiles', () => {
    for (const s of finals) {
      const healthcheck = lastInChain(s, 'HEALTHCHECK');
      expect(healthcheck, `${s.name} has a HEALTHCHECK`).to.not.equal(undefined);
      const content = healthcheck!.getArgumentsContent() ?? '';
      expect(content).to.not.match(/^NONE/i);
      const command = JSON.parse(content.slice(content.indexOf('['))) as string[];
      expect(command[0]).to.equal('node');
      const script = command[1]!.replace(/\.js$/, '.ts');
      expect(EXTRA_ENTRIES as readonly string[], 'compiled by scripts/buildDist.ts').to.include(script);
      expect(command[2], 'checks its own kind of process').to.equal(s.name);
    }
  });

  it('starts node in exec form on an entry point that stops on the STOPSIGNAL', () => {
    for (const s of finals) {
      const target = s.name as Target;
      const cmd = execForm(lastInChain(s, 'CMD')!);
      expect(cmd).to.deep.equal(['node', `${TARGETS[target]}.js`]);
      expect(inChain(s, 'ENTRYPOINT'), 'no ENTRYPOINT shell wrapper').to.deep.equal([]);
      const signal = lastInChain(s, 'STOPSIGNAL')?.getArgumentsContent();
      expect(signal).to.equal('SIGTERM');
      const source = readFileSync(join(ROOT, `${TARGETS[target]}.ts`), 'utf8');
      expect(source, `${TARGETS[target]}.ts handles ${signal}`).to.include(`'${signal}'`);
    }
  });

  it('installs dependencies only with npm ci, after copying the lockfile into the stage', () => {
    // The one other install: npm itself, pinned (npm 10 refuses the npm 11 lockfile).
    const npmTool = /\bnpm install --global npm@\$\{NPM_VERSION\}/;
    const [major] = (globalArgs.get('NPM_VERSION') ?? '').split('.').map(Number);
    expect(globalArgs.get('NPM_VERSION')).to.match(/^\d+\.\d+\.\d+$/);
    expect(major).to.be.at.least(11);
    for (const s of stages) {
      for (const run of runs(s).map((r) => r.replace(npmTool, ''))) {
        expect(run, `stage ${s.name}`).to.not.match(/\bnpm\s+(install|i|add|update)\b/);
        if (!/\bnpm\s+ci\b/.test(run)) continue;
        const copiedLockfile = s.instructions.some(
          (i) => i.getKeyword() === 'COPY' && copySources(i).includes('package-lock.json'),
        );
        expect(copiedLockfile, `stage ${s.name} copies package-lock.json before npm ci`).to.equal(true);
      }
    }
  });

  it('leaves devDependencies out of the final images', () => {
    for (const s of finals) {
      for (const c of chain(s)) {
        // No install at all in the final stages' own chain: node_modules comes from prod-deps.
        expect(
          runs(c).filter((r) => /\bnpm\s+(ci|install|i)\b/.test(r)),
          `stage ${c.name}`,
        ).to.deep.equal([]);
        for (const copy of c.instructions.filter((i) => i.getKeyword() === 'COPY')) {
          const from = /--from=(\S+)/.exec(copy.getTextContent())?.[1];
          if (!from) continue;
          const source = stage(from);
          const installs = runs(source).filter((r) => /\bnpm\s+ci\b/.test(r));
          if (copySources(copy).some((p) => p.includes('node_modules'))) {
            expect(installs, `${from} installs node_modules`).to.have.length.greaterThan(0);
            for (const run of installs) expect(run, `${from} omits devDependencies`).to.include('--omit=dev');
            // Installed for the platform being built, not the builder's.
            expect(source.from.getTextContent()).to.not.include('BUILDPLATFORM');
          } else if (installs.some((r) => !r.includes('--omit=dev'))) {
            // From a stage with the full tree, only its compiled output may be taken.
            expect(copySources(copy), `COPY --from=${from}`).to.deep.equal(['/out']);
          }
        }
      }
    }
  });

  it('runs code that imports only production dependencies (what npm ci --omit=dev installs)', () => {
    const files = [
      ...SOURCE_DIRS.flatMap((d) => filesUnder(d)),
      ...EXTRA_ENTRIES.map((e) => e as string),
    ].filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    for (const file of files) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      // Type-only imports are erased by the build.
      const imports = [
        ...source.matchAll(
          /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|^\s*import\s+'([^']+)'/gm,
        ),
      ];
      for (const m of imports) {
        const spec = m[1] ?? m[2] ?? m[3] ?? '';
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!(name in pkg.dependencies)) missing.add(`${name} (${file})`);
      }
    }
    expect([...missing]).to.deep.equal([]);
  });

  it('copies only files that exist and that .dockerignore lets into the context', () => {
    for (const s of stages) {
      for (const copy of s.instructions.filter((i) => i.getKeyword() === 'COPY')) {
        if (copy.getTextContent().includes('--from=')) continue;
        for (const source of copySources(copy)) {
          expect(existsSync(join(ROOT, source)), `${source} exists`).to.equal(true);
          expect(ignored(source), `${source} is excluded by .dockerignore`).to.equal(false);
          const sent = filesUnder(source).filter((f) => !ignored(f));
          expect(sent, `${source} sends files`).to.have.length.greaterThan(0);
        }
      }
    }
  });

  it('gives the build stage everything scripts/buildDist.ts compiles', () => {
    const copied = stage('build')
      .instructions.filter((i) => i.getKeyword() === 'COPY')
      .flatMap(copySources);
    for (const needed of [
      ...SOURCE_DIRS,
      ...EXTRA_ENTRIES,
      'tsconfig.json',
      'package.json',
      'package-lock.json',
    ])
      expect(copied, needed).to.include(needed);
    // Every module the processes run reaches the builder (tests do not: they are not built).
    for (const file of SOURCE_DIRS.flatMap((d) => filesUnder(d)))
      expect(ignored(file), file).to.equal(file.endsWith('.test.ts'));
  });

  it('keeps secrets, local state, git, node_modules and tests out of the build context', () => {
    for (const path of [
      '.git/config',
      '.state/secrets/key',
      'node_modules/x/index.js',
      'test/e2e/a.test.ts',
      '.env',
      'client-sdk/src/index.ts',
      'core/config/config.test.ts',
    ])
      expect(ignored(path), path).to.equal(true);
  });

  it('exposes the port the API listens on, with an environment core/config accepts', () => {
    const required = {
      HOT_PATH_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q.fifo',
      FIREBASE_PROJECT_ID: 'p',
    };
    const api = loadConfig({ ...envOf(stage('api')), ...required });
    const exposed = inChain(stage('api'), 'EXPOSE').map((i) => i.getArgumentsContent());
    expect(exposed).to.deep.equal([String(api.PORT)]);
    expect(api.HOST, 'listens on every interface of the container').to.equal('0.0.0.0');
    expect(api.NODE_ENV).to.equal('production');
    // The worker's operations listener stays on loopback: nothing to expose.
    const worker = loadConfig({ ...envOf(stage('worker')), ...required });
    expect(inChain(stage('worker'), 'EXPOSE')).to.deep.equal([]);
    expect(worker.METRICS_PORT).to.be.a('number');
    expect(worker.METRICS_HOST).to.equal('127.0.0.1');
    expect(worker.NODE_ENV).to.equal('production');
  });

  it('labels both images with the OCI annotations', () => {
    for (const s of finals) {
      const labels = inChain(s, 'LABEL')
        .map((i) => i.getTextContent())
        .join('\n');
      for (const key of ['title', 'description', 'source', 'revision', 'version', 'created', 'base.name'])
        expect(labels, `${s.name}: org.opencontainers.image.${key}`).to.include(
          `org.opencontainers.image.${key}=`,
        );
    }
  });
});
