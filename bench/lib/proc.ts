// Child processes for the benchmark (API, baseline, local stack) and their CPU time from /proc.
// Every child gets an IPC channel and a preload (parentWatch.ts) that ends it when the bench
// process disappears, so a killed benchmark never leaves a server behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clockEnvForChild } from '../../core/clock/clock.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PARENT_WATCH = fileURLToPath(new URL('./parentWatch.ts', import.meta.url));

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, nearly always 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * User + system CPU time of a whole process (all its threads: JS, GC, libuv pool), in µs.
 * Fields 14 and 15 of /proc/<pid>/stat; the command name (field 2) may contain spaces, so the
 * fields are counted from the last ')'.
 */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14 → index 11, stime field 15 → index 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / clockTicksPerSecond();
}

/**
 * CPU time (µs) of a process's main thread (JavaScript) and of its other threads together (V8's
 * GC and compiler workers, libuv's pool; Node 20 does not name them).
 */
export function threadCpuMicros(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const micros = ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicksPerSecond();
      const key = tid === String(pid) ? 'main thread' : 'other threads';
      out[key] = (out[key] ?? 0) + micros;
    } catch {
      // the thread ended
    }
  }
  return out;
}

/**
 * Machine-wide CPU time from /proc/stat, in µs summed over all cores: `busy` (user, nice, system,
 * irq, softirq) and `steal` (time the hypervisor gave to someone else while this VM wanted to run).
 */
export function machineCpuMicros(): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const us = (ticks: number | undefined) => ((ticks ?? 0) * 1e6) / clockTicksPerSecond();
  return { busy: us(user) + us(nice) + us(system) + us(irq) + us(softirq), steal: us(steal) };
}

/** Direct children of a process (e.g. the redis-server the stack process started). */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

export interface NodeChild {
  name: string;
  pid: number;
  process: ChildProcess;
  logFile: string;
  /** Resolves when the process has exited (for whatever reason). */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  script: string;
  env: Record<string, string>;
  logFile: string;
  nodeArgs?: string[];
}

/** Children started by spawnNode and not yet stopped. */
const running = new Set<NodeChild>();

/** Stops every child still running (a smoke run's watchdog), the latest started first. */
export async function stopAllChildren(graceMs = 5000): Promise<void> {
  for (const child of [...running].reverse()) await child.stop(graceMs);
}

/** `node --import tsx [nodeArgs] <script>`, cwd = repository root, stdout+stderr to `logFile`. */
export function spawnNode(o: SpawnOptions): NodeChild {
  const fd = openSync(o.logFile, 'w');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', PARENT_WATCH, ...(o.nodeArgs ?? []), o.script],
    { cwd: REPO_ROOT, env: o.env, stdio: ['ignore', fd, fd, 'ipc'] },
  );
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${o.name}: spawn failed`);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // Never leave a child behind if the bench process exits without stopping it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const handle: NodeChild = {
    name: o.name,
    pid: child.pid,
    process: child,
    logFile: o.logFile,
    exited,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', killOnExit);
        running.delete(handle);
      })();
      return stopping;
    },
  };
  running.add(handle);
  return handle;
}

/** The last lines of a child's log, for error messages. */
export function logTail(child: NodeChild, lines = 30): string {
  try {
    return readFileSync(child.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Lines of a child's log (core/logging/logger.ts: JSON with a `level` label, one per line) at
 * warn, and at error or fatal; other lines (a stack trace, EMF) are not counted.
 */
export function logLevelCounts(logFile: string): { warnings: number; errors: number } {
  const counts = { warnings: 0, errors: 0 };
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    const level = /^\{"level":"(\w+)"/.exec(line)?.[1];
    if (level === 'error' || level === 'fatal') counts.errors += 1;
    else if (level === 'warn') counts.warnings += 1;
  }
  return counts;
}

/**
 * The environment a child starts from: only what Node needs and this process's clock (so a run
 * under SYNCWELL_CLOCK_START has every process at the same date), never the caller's configuration.
 */
export function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return {
    ...Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : []))),
    ...clockEnvForChild(),
  };
}

/** Polls `url` until it answers 200; fails early if the child exits. */
export async function waitForHttp(url: string, child: NodeChild, timeoutMs = 30_000): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${child.name} exited before answering ${url}. Its log:\n${logTail(child)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(
        `${child.name}: no 200 from ${url} within ${timeoutMs} ms. Its log:\n${logTail(child)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
