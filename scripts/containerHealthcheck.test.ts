// The images' health check against real listeners and a fake /proc entry.
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { checkHealth, checkProcess } from './containerHealthcheck.js';

describe('scripts/containerHealthcheck.ts', () => {
  let server: Server;
  let port: number;
  let status = 200;
  let paths: string[] = [];
  let dir: string;
  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'syncwell-healthcheck-test-'));
  });
  beforeEach(() => {
    status = 200;
    paths = [];
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('api: healthy when GET /healthz answers 200 (HOST 0.0.0.0 is reached on loopback)', async () => {
    expect(await checkHealth('api', { HOST: '0.0.0.0', PORT: String(port) })).to.equal(undefined);
    expect(paths).to.deep.equal(['/healthz']);
    status = 500;
    expect(await checkHealth('api', { PORT: String(port) })).to.include('answered 500');
  });

  it('api: unhealthy when nothing listens or nothing answers in time', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await checkHealth('api', { PORT: String(freePort) })).to.include('ECONNREFUSED');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    expect(await checkHealth('api', { PORT: String(silentPort) }, { timeoutMs: 100 })).to.include(
      'no answer',
    );
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('worker: asks the operations listener when METRICS_PORT is set', async () => {
    expect(await checkHealth('worker', { METRICS_PORT: String(port) })).to.equal(undefined);
    expect(paths).to.deep.equal(['/metrics']);
  });

  it('worker without METRICS_PORT: PID 1 must be the worker, neither zombie nor stopped', async () => {
    const proc = join(dir, 'proc1');
    mkdirSync(proc);
    const write = (cmdline: string[], state: string) => {
      writeFileSync(join(proc, 'cmdline'), `${cmdline.join('\0')}\0`);
      writeFileSync(join(proc, 'stat'), `1 (node worker) ${state} 0 1 1 0 -1`);
    };
    write(['node', 'worker/main.js'], 'S');
    expect(await checkHealth('worker', {}, { procDir: proc })).to.equal(undefined);
    write(['node', 'worker/main.js'], 'Z');
    expect(checkProcess(proc)).to.include('state Z');
    write(['node', 'server/main.js'], 'S');
    expect(checkProcess(proc)).to.include('not the worker');
    expect(checkProcess(join(dir, 'missing'))).to.include('cannot read');
  });
});
