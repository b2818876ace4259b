// `npm start` records how to reach the running local system here, so `npm run seed` (and other
// scripts) can talk to it without guessing ports. The file is also the checkout's lock: it names
// the owner's pid and its temporary folder (local secret-store key, encrypted provider tokens), so
// a second start can say which one runs, and a start after a crash can remove what it left.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { retryingWhile } from '../../core/retry/backoff.js';
import type { CreatedResources } from './resources.js';

/** Local state (DynamoDB data, the running stack's address); SYNCWELL_STATE_DIR moves it (tests). */
export const STATE_DIR =
  process.env.SYNCWELL_STATE_DIR ?? fileURLToPath(new URL('../../.state/', import.meta.url));
export const RUNTIME_STATE_FILE = join(STATE_DIR, 'local-stack.json');

/** Prefix of a run's temporary folder: only folders named so are ever removed for a dead run. */
export const TEMP_DIR_PREFIX = 'syncwell-local-';

/** What a run records as soon as it owns the checkout, before anything is started. */
export interface RunClaim {
  pid: number;
  /** This run's temporary folder; removed when it stops, or by the next start if it died. */
  tempDir: string;
}

/** What a run records once the system is up. */
export interface RuntimeState extends RunClaim {
  apiUrl: string;
  env: Record<string, string>;
  resources: CreatedResources;
}

/** Another live process owns this checkout's local system. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
  constructor(readonly owner: Partial<RuntimeState> & { pid: number }) {
    const where = owner.apiUrl ? `, API ${owner.apiUrl}` : ', still starting';
    super(
      `The local system is already running in this checkout (pid ${owner.pid}${where}): ` +
        `stop it with Ctrl-C in its terminal or \`kill ${owner.pid}\`, then run npm start again.`,
    );
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // kill(0 or -1, …) would mean a whole group
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is a live `npm start` of this project. A state file can outlive its run (a crash, a
 * reboot) and its pid be reused by an unrelated process, which nobody must be told to kill.
 */
function isLiveRun(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  return ps.status !== 0 || ps.error !== undefined || ps.stdout.includes('infra/local/start');
}

/** The recorded run; undefined when there is none, null when the file is unreadable (torn, edited). */
function readFile(): (Partial<RuntimeState> & { pid: number }) | undefined | null {
  let text: string;
  try {
    text = readFileSync(RUNTIME_STATE_FILE, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const run = JSON.parse(text) as Partial<RuntimeState> & { pid: number };
    return typeof run.pid === 'number' ? run : null;
  } catch {
    return null;
  }
}

/** A file written whole under a unique name first, so no reader ever sees half of it. */
function writeTemp(content: unknown): string {
  mkdirSync(dirname(RUNTIME_STATE_FILE), { recursive: true });
  const temp = `${RUNTIME_STATE_FILE}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  return temp;
}

/** The temporary folder a dead run left; state files older than the claim only name it via the env. */
function tempDirOf(run: Partial<RuntimeState>): string | undefined {
  const dir = run.tempDir ?? (run.env?.SECRET_STORE_DIR && dirname(run.env.SECRET_STORE_DIR));
  return dir && /^syncwell-(local|stack)-/.test(basename(dir)) ? dir : undefined;
}

/** Three tries; a competing start changes the file within milliseconds. */
const CLAIM_RETRY = { attempts: 3, baseMs: 10, maxMs: 50 };

/**
 * Makes this process the owner of the checkout's local system. Throws AlreadyRunningError while
 * another live process owns it; when the owner died without stopping (kill -9, a crash), removes
 * what it left and returns its pid.
 */
export async function claimRuntimeState(claim: RunClaim): Promise<{ deadOwner?: number }> {
  let deadOwner: number | undefined;
  const temp = writeTemp(claim);
  try {
    const claimed = await retryingWhile(
      async () => {
        try {
          linkSync(temp, RUNTIME_STATE_FILE); // atomic: fails if any run holds the file
          return true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const owner = readFile();
        if (owner === undefined) return false;
        if (owner === null) {
          rmSync(RUNTIME_STATE_FILE, { force: true });
          return false;
        }
        if (owner.pid !== process.pid && isLiveRun(owner.pid)) throw new AlreadyRunningError(owner);
        const dir = tempDirOf(owner);
        if (dir) rmSync(dir, { recursive: true, force: true });
        // Another start may have cleaned it up and claimed the checkout meanwhile.
        if (readFile()?.pid === owner.pid) rmSync(RUNTIME_STATE_FILE, { force: true });
        deadOwner = owner.pid;
        return false;
      },
      (done) => !done,
      CLAIM_RETRY,
    );
    if (!claimed)
      throw new Error(`could not claim ${RUNTIME_STATE_FILE}: another npm start keeps changing it`);
    return { deadOwner };
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Records how to reach the running system (replaces the claim atomically). */
export function writeRuntimeState(state: RuntimeState): void {
  renameSync(writeTemp(state), RUNTIME_STATE_FILE);
}

/** Removes the state file if `pid` owns it; synchronous, so it can run in an 'exit' handler. */
export function releaseRuntimeState(pid: number): void {
  try {
    if (readFile()?.pid === pid) unlinkSync(RUNTIME_STATE_FILE);
  } catch {
    // already gone, or unreadable: never let clean-up throw at exit
  }
}

/** The running system's state; throws with instructions when `npm start` is not running. */
export function readRuntimeState(): RuntimeState {
  const notRunning = new Error(
    'The local system is not running: start it with `npm start` in another terminal.',
  );
  if (!existsSync(RUNTIME_STATE_FILE)) throw notRunning;
  const state = readFile();
  if (!state || !isAlive(state.pid)) throw notRunning;
  if (!state.apiUrl || !state.env || !state.resources)
    throw new Error(`The local system (pid ${state.pid}) is still starting: try again in a few seconds.`);
  return state as RuntimeState;
}
