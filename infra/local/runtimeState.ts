// `npm start` records how to reach the running local system here, so `npm run seed` (and other
// scripts) can talk to it without guessing ports. Removed on a clean stop.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreatedResources } from './resources.js';

/** Local state (DynamoDB data, the running stack's address); SYNCWELL_STATE_DIR moves it (tests). */
export const STATE_DIR =
  process.env.SYNCWELL_STATE_DIR ?? fileURLToPath(new URL('../../.state/', import.meta.url));
export const RUNTIME_STATE_FILE = join(STATE_DIR, 'local-stack.json');

export interface RuntimeState {
  pid: number;
  apiUrl: string;
  env: Record<string, string>;
  resources: CreatedResources;
}

export function writeRuntimeState(state: RuntimeState): void {
  mkdirSync(dirname(RUNTIME_STATE_FILE), { recursive: true });
  writeFileSync(RUNTIME_STATE_FILE, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

export function clearRuntimeState(): void {
  rmSync(RUNTIME_STATE_FILE, { force: true });
}

/** The running system's state; throws with instructions when `npm start` is not running. */
export function readRuntimeState(): RuntimeState {
  const notRunning = new Error(
    'The local system is not running: start it with `npm start` in another terminal.',
  );
  if (!existsSync(RUNTIME_STATE_FILE)) throw notRunning;
  const state = JSON.parse(readFileSync(RUNTIME_STATE_FILE, 'utf8')) as RuntimeState;
  try {
    process.kill(state.pid, 0);
  } catch {
    throw notRunning;
  }
  return state;
}
