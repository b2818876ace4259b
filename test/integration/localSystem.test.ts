// The README's commands, for real: `npm start` (infra/local/start.ts) brings the system up and
// prints the API line, `npm run seed` resets it to the same demo users every time, the token CLI
// prints a token the system accepts, the README's quick start runs as written on a port that is not
// the default, and Ctrl-C stops everything.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../../infra/local/freePort.js';

const REPO = new URL('../../', import.meta.url).pathname;
const tsx = (script: string, args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: REPO,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('the local system (npm start, npm run seed, npm run token)', function () {
  this.timeout(180_000);
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  let system: ChildProcess | undefined;
  let apiUrl: string;

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'syncwell-state-'));
    env = { ...process.env, SYNCWELL_STATE_DIR: stateDir, PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    system = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    apiUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`no "API listening" line within 45 s:\n${out}`)),
        45_000,
      );
      system!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /^API listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      system!.once('exit', (code) => reject(new Error(`npm start exited early (${code}):\n${out}`)));
    });
  });

  after(() => {
    if (system && system.exitCode === null) system.kill('SIGKILL');
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('serves the API and its docs on loopback', async () => {
    expect((await fetch(`${apiUrl}/healthz`)).status).to.equal(200);
    expect((await fetch(`${apiUrl}/readyz`)).status).to.equal(200);
    expect((await fetch(`${apiUrl}/docs/`)).status).to.equal(200);
  });

  it('seeds the same demo users every time, usable with a CLI token', async () => {
    const first = tsx('infra/local/seed.ts', [], env);
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.contain('demo-pro (PRO)').and.to.contain('demo-free (FREE)');
    const second = tsx('infra/local/seed.ts', [], env);
    expect(second.status, second.stderr).to.equal(0);
    // 2 profiles, 4 connections, 2 sync configurations: exactly what the first run created.
    expect(second.stdout).to.contain('reset: 8 items deleted');

    const token = tsx('infra/local/token.ts', ['demo-pro', '--tier', 'PRO'], env);
    expect(token.status, token.stderr).to.equal(0);
    const response = await fetch(`${apiUrl}/v1/connections`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    const body = (await response.json()) as {
      connections: Array<{ connectionId: string; provider: string }>;
    };
    expect(body.connections.map((c) => `${c.provider}:${c.connectionId}`).sort()).to.deep.equal([
      'fitbit:conn_00000000-0000-4000-8000-000000000001',
      'strava:conn_00000000-0000-4000-8000-000000000002',
    ]);
  });

  it("runs the README's quick start as written (sh, on whatever port npm start chose)", () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const section = /^## Three commands\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? '';
    const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    expect(blocks[0], 'the first block is make setup / npm start / npm test').to.contain('npm start');
    expect(readme, 'no hard-coded port in the commands').not.to.match(
      /curl[^\n]*(localhost|127\.0\.0\.1):8080/,
    );
    // Every later block, in order, in one shell, then what the test checks.
    const script = [...blocks.slice(1), 'printf "PERSON=%s GARMIN=%s\\n" "$PERSON" "$GARMIN"'].join('\n');
    const { API: _api, SANDBOX: _sandbox, ...shellEnv } = env;
    const run = spawnSync('sh', ['-c', script], {
      cwd: REPO,
      env: shellEnv,
      encoding: 'utf8',
      timeout: 150_000,
    });
    const out = run.stdout;
    expect(run.error, run.stderr).to.equal(undefined);
    // First block: the seeded connections and their jobs.
    expect(out).to.contain('"connectionId":"conn_00000000-0000-4000-8000-000000000001"');
    expect(out).to.match(/^\{"syncJobs":\[/m);
    // Second block: the OAuth-connected sync and the backfill, both polled until they finished.
    const finished = [...out.matchAll(/^\{\n[\s\S]*?^\}$/gm)].map(
      (m) => JSON.parse(m[0]) as { status: string; mode: string; result?: { recordsWritten: number } },
    );
    expect(
      finished.map((j) => [j.mode, j.status]),
      `${out}\n${run.stderr}`,
    ).to.deep.equal([
      ['manual', 'SUCCEEDED'],
      ['historical', 'SUCCEEDED'],
    ]);
    expect(finished[0]?.result?.recordsWritten, 'Garmin workouts written to Strava').to.be.greaterThan(0);
    // Third block: one sandbox person's accounts.
    expect(out).to.match(/^PERSON=sbx\d+ GARMIN=conn_[0-9a-f-]+$/m);
    // Besides wait_job's QUEUED / RUNNING lines, nothing on stderr (no warnings, no errors).
    expect(run.stderr.replace(/^(QUEUED|RUNNING)\b.*\n/gm, '')).to.equal('');
  });

  it('stops everything on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => system!.once('exit', (code) => resolve(code)));
    system!.kill('SIGINT');
    expect(await exited).to.equal(0);
    expect(existsSync(join(stateDir, 'local-stack.json'))).to.equal(false);
    const after = await fetch(`${apiUrl}/healthz`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });
});
