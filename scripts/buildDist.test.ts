// The production build (what the Dockerfile's build stage runs), built for real into a temporary
// folder and started: the compiled module graph must load (every import resolves, JSON modules,
// the files found through import.meta.url) and stop on a configuration error, without services.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { buildDist, listDist } from './buildDist.js';

const ROOT = new URL('..', import.meta.url).pathname;

describe("scripts/buildDist.ts (the images' compiled code)", function () {
  this.timeout(60_000);
  let dir: string;
  let out: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'syncwell-dist-test-'));
    out = join(dir, 'app');
    await buildDist(out);
    // The image puts a production node_modules beside the code; here the repository's stands in.
    symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'), 'dir');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lays out the compiled code as the repository, with the files the code reads beside it', () => {
    const files = listDist(out);
    for (const f of [
      'package.json',
      'server/main.js',
      'worker/main.js',
      'scripts/containerHealthcheck.js',
      'core/errors/messages.en.json',
      'generated/openapi.bundle.gen.yaml',
      'generated/schemas/HotPathSyncRequested.schema.json',
      'generated/docs/index.html',
      'server/console/static/index.html',
    ])
      expect(files, f).to.include(f);
    expect(
      files.filter((f) => f.endsWith('.ts') || f.includes('.test.')),
      'no sources or tests',
    ).to.deep.equal([]);
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'))).to.deep.include({ type: 'module' });
  });

  it('keeps the imports as Node resolves them (.js suffixes, JSON import attributes)', () => {
    const appError = readFileSync(join(out, 'core/errors/AppError.js'), 'utf8');
    expect(appError).to.match(/from "\.\/messages\.en\.json" with \{ type: "json" \}/);
    expect(readFileSync(join(out, 'server/main.js'), 'utf8')).to.include('"../core/config/config.js"');
  });

  for (const entry of ['server/main.js', 'worker/main.js'])
    it(`${entry} loads every module and stops with a clear configuration error`, () => {
      const run = spawnSync(process.execPath, [entry], {
        cwd: out,
        env: { PATH: process.env.PATH, NODE_ENV: 'production' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.stderr).to.include('Invalid configuration');
      expect(run.stderr).to.include('HOT_PATH_QUEUE_URL');
      expect(run.stderr, 'no stack trace: a module failed to load otherwise').to.not.include('    at ');
      expect(run.status).to.equal(1);
    });

  it('refuses to empty a folder that is not an earlier build', async () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'keep.txt'), 'mine');
    let error: unknown;
    await buildDist(other).catch((e: unknown) => (error = e));
    expect(String(error)).to.include('not deleting it');
    expect(existsSync(join(other, 'keep.txt'))).to.equal(true);
  });
});
