import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

// The module reads SYNCWELL_STATE_DIR once, at import: point it at a folder of this test, then put
// the variable back for the other tests of the run.
const root = mkdtempSync(join(tmpdir(), 'syncwell-runtime-state-'));
const previousStateDir = process.env.SYNCWELL_STATE_DIR;
process.env.SYNCWELL_STATE_DIR = join(root, 'state');
const state = await import('./runtimeState.js');
if (previousStateDir === undefined) delete process.env.SYNCWELL_STATE_DIR;
else process.env.SYNCWELL_STATE_DIR = previousStateDir;

describe('infra/local/runtimeState: one npm start per checkout', () => {
  const children: ChildProcess[] = [];
  const file = state.RUNTIME_STATE_FILE;
  /** A temporary folder as npm start makes it (with something secret inside). */
  const runFolder = (prefix = state.TEMP_DIR_PREFIX) => {
    const dir = mkdtempSync(join(root, prefix));
    writeFileSync(join(dir, '.key'), 'secret');
    return dir;
  };
  /** A live process; with `asStart`, its command line looks like npm start's. */
  const liveProcess = (asStart: boolean) => {
    const args = ['-e', 'setInterval(() => {}, 1000)', ...(asStart ? ['infra/local/start.ts'] : [])];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  };
  const deadPid = () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    return new Promise<number>((resolve) => child.once('exit', () => resolve(child.pid!)));
  };
  const record = (content: unknown) => {
    mkdirSync(state.STATE_DIR, { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  };

  before(() => {
    // Imported earlier by another file of the run, it would point at the checkout's real .state.
    expect(state.STATE_DIR, 'runtimeState.ts was imported before this test set its folder').to.equal(
      join(root, 'state'),
    );
  });
  afterEach(() => rmSync(file, { force: true }));
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('claims a free checkout, and only its owner releases it', async () => {
    const tempDir = runFolder();
    expect(await state.claimRuntimeState({ pid: process.pid, tempDir })).to.deep.equal({
      deadOwner: undefined,
    });
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ pid: process.pid, tempDir });
    state.releaseRuntimeState(process.pid + 1);
    expect(existsSync(file), 'another pid does not remove it').to.equal(true);
    state.releaseRuntimeState(process.pid);
    expect(existsSync(file)).to.equal(false);
  });

  it('refuses while a live npm start owns it, naming its pid and how to stop it', async () => {
    const owner = liveProcess(true);
    const ownerFolder = runFolder();
    record({ pid: owner, tempDir: ownerFolder, apiUrl: 'http://127.0.0.1:9191' });
    const error = await state.claimRuntimeState({ pid: process.pid, tempDir: runFolder() }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error).to.be.instanceOf(state.AlreadyRunningError);
    expect(error?.message)
      .to.contain(`pid ${owner}, API http://127.0.0.1:9191`)
      .and.to.contain(`kill ${owner}`)
      .and.not.to.contain('\n');
    expect(existsSync(ownerFolder), "the owner's folder is untouched").to.equal(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).to.equal(owner);
  });

  it('takes over from a dead owner and removes its temporary folder', async () => {
    const dead = await deadPid();
    const deadFolder = runFolder();
    record({ pid: dead, tempDir: deadFolder });
    const tempDir = runFolder();
    expect(await state.claimRuntimeState({ pid: process.pid, tempDir })).to.deep.equal({ deadOwner: dead });
    expect(existsSync(deadFolder)).to.equal(false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ pid: process.pid, tempDir });
  });

  it('takes over when the recorded pid now belongs to an unrelated process (pid reuse)', async () => {
    const unrelated = liveProcess(false);
    const leftFolder = runFolder();
    record({ pid: unrelated, tempDir: leftFolder });
    expect(await state.claimRuntimeState({ pid: process.pid, tempDir: runFolder() })).to.deep.equal({
      deadOwner: unrelated,
    });
    expect(existsSync(leftFolder)).to.equal(false);
  });

  it('cleans a state file written before the claim existed (folder named by SECRET_STORE_DIR)', async () => {
    const oldFolder = runFolder('syncwell-stack-');
    record({ pid: await deadPid(), env: { SECRET_STORE_DIR: join(oldFolder, 'secrets') } });
    await state.claimRuntimeState({ pid: process.pid, tempDir: runFolder() });
    expect(existsSync(oldFolder)).to.equal(false);
  });

  it('never removes a folder that is not a run folder, and replaces an unreadable file', async () => {
    const precious = mkdtempSync(join(root, 'precious-'));
    record({ pid: await deadPid(), tempDir: precious });
    await state.claimRuntimeState({ pid: process.pid, tempDir: runFolder() });
    expect(existsSync(precious)).to.equal(true);

    rmSync(file);
    record('{"pid": 12');
    const tempDir = runFolder();
    await state.claimRuntimeState({ pid: process.pid, tempDir });
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ pid: process.pid, tempDir });
  });

  it('tells seed and env that the system is still starting until the addresses are recorded', async () => {
    const tempDir = runFolder();
    await state.claimRuntimeState({ pid: process.pid, tempDir });
    expect(() => state.readRuntimeState()).to.throw(/still starting/);
    const running = { pid: process.pid, tempDir, apiUrl: 'http://127.0.0.1:1', env: {}, resources: {} };
    state.writeRuntimeState(running as unknown as Parameters<typeof state.writeRuntimeState>[0]);
    expect(state.readRuntimeState().apiUrl).to.equal('http://127.0.0.1:1');
  });
});
