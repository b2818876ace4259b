// `npm start` as a child process, the way a developer runs it: in its own process group (a terminal's
// Ctrl-C and hang-up reach npm, tsx and the system together), with its state under a test folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REPO = new URL('../../', import.meta.url).pathname;

export interface StartedSystem {
  /** The `npm start` process (leader of its own process group). */
  child: ChildProcess;
  apiUrl: string;
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Sends `signal` to the whole process group, as a terminal does. */
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or the signal name) of `npm start`. */
  exited: Promise<number | string>;
}

/** Runs `npm start` (or, with `entry`, the start script without npm) and waits for "API listening". */
export async function startLocalSystem(
  env: NodeJS.ProcessEnv,
  { via = 'npm', timeoutMs = 60_000 }: { via?: 'npm' | 'entry'; timeoutMs?: number } = {},
): Promise<StartedSystem> {
  const [command, args] =
    via === 'npm' ? ['npm', ['start']] : [process.execPath, ['--import', 'tsx', 'infra/local/start.ts']];
  const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const apiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "API listening" line in time:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /^API listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited early (${code}):\n${out}`));
    });
  });
  return {
    child,
    apiUrl,
    output: () => out,
    signal: (signal) => process.kill(-child.pid!, signal),
    exited,
  };
}

/** The running system's state file under `stateDir` (what `npm start` wrote), if any. */
export function readStateFile(stateDir: string): { pid: number; env: Record<string, string> } | undefined {
  const file = join(stateDir, 'local-stack.json');
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number; env: Record<string, string> })
    : undefined;
}

/** Kills whatever is left of a started system's process group (test clean-up only). */
export function killGroup(system: StartedSystem | undefined): void {
  if (system?.child.pid === undefined) return;
  try {
    process.kill(-system.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits until `pid` is gone; false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs = 20_000): Promise<boolean> {
  for (const started = performance.now(); performance.now() - started < timeoutMs;) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}
