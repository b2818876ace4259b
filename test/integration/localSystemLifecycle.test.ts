// `npm start` however it is stopped: Ctrl-C (which npm relays, so the system gets SIGINT more than
// once), Ctrl-C pressed again during the shutdown, SIGTERM, a closed terminal (SIGHUP), and a
// kill -9 whose leftovers the next start cleans. And one system per checkout: a second `npm start`
// says which one runs instead of crashing. Each leaves no state file and no temporary folder (the
// local secret-store key and the encrypted provider tokens live there).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { mintDevToken } from '../../infra/local/devIssuer.js';
import { freePort } from '../../infra/local/freePort.js';
import {
  killGroup,
  readStateFile,
  REPO,
  startLocalSystem,
  waitForExit,
  type StartedSystem,
} from '../support/localSystemProcess.js';

function refuses(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Real use: one OAuth connection, so the secret store holds its key and encrypted tokens. */
async function connectStrava(apiUrl: string): Promise<void> {
  const token = await mintDevToken(`lifecycle-${process.pid}`, { tier: 'PRO' });
  const created = await fetch(`${apiUrl}/v1/connections`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify({ provider: 'strava' }),
  });
  const { authorizationUrl } = (await created.json()) as { authorizationUrl: string };
  const consent = await fetch(authorizationUrl, { redirect: 'manual' });
  const callback = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
  expect(callback.status, await callback.text()).to.be.oneOf([200, 302, 303]);
}

describe('npm start: one system per checkout, nothing left behind however it stops', function () {
  this.timeout(180_000);
  let root: string;
  let env: NodeJS.ProcessEnv;
  const started: StartedSystem[] = [];
  const stateDir = () => join(root, 'state');

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'syncwell-lifecycle-'));
    env = {
      ...process.env,
      SYNCWELL_STATE_DIR: stateDir(),
      PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
  });
  afterEach(() => {
    for (const system of started.splice(0)) killGroup(system);
    rmSync(root, { recursive: true, force: true });
  });

  const start = async (via: 'npm' | 'entry' = 'npm') => {
    const system = await startLocalSystem(env, { via });
    started.push(system);
    return system;
  };

  /** What this run must not leave behind once it has stopped. */
  const expectNothingLeft = async (run: { pid: number; env: Record<string, string> }, apiUrl: string) => {
    expect(await waitForExit(run.pid), `system pid ${run.pid} still running`).to.equal(true);
    expect(readStateFile(stateDir()), 'state file').to.equal(undefined);
    const tempFolder = dirname(run.env.SECRET_STORE_DIR!);
    expect(existsSync(tempFolder), `temporary folder ${tempFolder}`).to.equal(false);
    expect(await refuses(apiUrl), 'API port').to.equal(true);
    expect(await refuses(run.env.REDIS_URL!), 'redis-server port').to.equal(true);
  };

  it('refuses a second npm start with one line (which pid, how to stop it), then stops cleanly on Ctrl-C', async () => {
    const system = await start();
    await connectStrava(system.apiUrl);
    const run = readStateFile(stateDir())!;
    expect(readdirSync(run.env.SECRET_STORE_DIR!).length, 'secret store in use').to.be.greaterThan(0);

    const second = spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/start.ts'], {
      cwd: REPO,
      env: { ...env, PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    const said = `${second.stdout}${second.stderr}`.trim();
    expect(second.status, said).to.equal(1);
    expect(said.split('\n'), said).to.have.length(1);
    expect(said)
      .to.match(/already running/)
      .and.to.contain(`pid ${run.pid}`)
      .and.to.contain(`kill ${run.pid}`);
    expect((await fetch(`${system.apiUrl}/healthz`)).status, 'first system untouched').to.equal(200);
    expect(readStateFile(stateDir()), 'its state file untouched').to.deep.equal(run);

    // Ctrl-C: the terminal signals the whole group, and npm relays the SIGINT once more.
    system.signal('SIGINT');
    expect(await system.exited, system.output()).to.equal(0);
    await expectNothingLeft(run, system.apiUrl);
  });

  it('stops cleanly when Ctrl-C is pressed again during the shutdown', async () => {
    const system = await start();
    await connectStrava(system.apiUrl);
    const run = readStateFile(stateDir())!;
    system.signal('SIGINT');
    while (!/stopping/.test(system.output()) && system.child.exitCode === null)
      await new Promise((r) => setTimeout(r, 10));
    try {
      system.signal('SIGINT');
    } catch {
      // the shutdown was already over
    }
    await system.exited;
    await expectNothingLeft(run, system.apiUrl);
    expect(system.output()).not.to.match(/^\s+at /m);
  });

  it('stops cleanly when its terminal closes (SIGHUP)', async () => {
    const system = await start();
    await connectStrava(system.apiUrl);
    const run = readStateFile(stateDir())!;
    system.signal('SIGHUP');
    await system.exited;
    await expectNothingLeft(run, system.apiUrl);
  });

  it('after a kill -9, the next npm start removes what the dead one left, and stops cleanly on SIGTERM', async () => {
    const killed = await start();
    await connectStrava(killed.apiUrl);
    const dead = readStateFile(stateDir())!;
    killed.signal('SIGKILL');
    expect(await waitForExit(dead.pid)).to.equal(true);
    const tempFolder = dirname(dead.env.SECRET_STORE_DIR!);
    expect(existsSync(tempFolder), 'precondition: the killed run left its temporary folder').to.equal(true);

    const next = await start();
    expect(existsSync(tempFolder), `temporary folder ${tempFolder}`).to.equal(false);
    expect(next.output()).to.match(new RegExp(`pid ${dead.pid}\\b.*(cleaned|removed)`));
    const run = readStateFile(stateDir())!;
    expect(run.pid).not.to.equal(dead.pid);
    expect((await fetch(`${next.apiUrl}/healthz`)).status).to.equal(200);

    next.signal('SIGTERM');
    expect(await next.exited, next.output()).to.equal(0);
    await expectNothingLeft(run, next.apiUrl);
  });
});
