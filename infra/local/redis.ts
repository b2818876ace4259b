// A throwaway redis-server child process on a free loopback port (no persistence).
import { spawn, type ChildProcess } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './freePort.js';
import { clock } from '../../core/clock/clock.js';
import { retrying } from '../../core/retry/backoff.js';

export interface RedisHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export const REDIS_INSTALL_HINT =
  'redis-server is not on PATH: run `make setup` (it installs it) or `apt-get install -y redis-server`';

async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

class RedisStartError extends Error {
  override readonly name = 'RedisStartError';
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

async function startOnce(binary: string, port: number, timeoutMs: number): Promise<RedisHandle> {
  // --port 0 would disable TCP in Redis, hence a concrete free port.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const collect = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  // Never leave an orphan redis-server behind if this process exits without calling stop().
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = waitForExit(child);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = clock.now() + timeoutMs;
  while (clock.now() < deadline) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) break;
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop();
  const reason =
    spawnError?.message ?? (child.exitCode !== null ? `exited with code ${child.exitCode}` : 'no PONG');
  throw new RedisStartError(
    `redis-server on 127.0.0.1:${port} failed to start (${reason}). Its log:\n${log.trim()}`,
    /Address already in use/i.test(log),
  );
}

/** Starts redis-server on `port` (default: a free one) and resolves once it answers PING. */
export async function startRedis(
  options: { port?: number; startTimeoutMs?: number } = {},
): Promise<RedisHandle> {
  const binary = await findOnPath('redis-server');
  if (!binary) throw new Error(REDIS_INSTALL_HINT);
  const timeoutMs = options.startTimeoutMs ?? 5000;
  // A free port can be taken between freePort() and the bind: retry only when we chose the port.
  return retrying(async () => startOnce(binary, options.port ?? (await freePort()), timeoutMs), {
    attempts: 3,
    baseMs: 10,
    maxMs: 100,
    retryIf: (err) => err instanceof RedisStartError && err.portInUse && options.port === undefined,
  });
}
