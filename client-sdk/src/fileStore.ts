// A durable OfflineActionStore for Node: the whole list lives in one JSON file, replaced atomically
// (write a temp file, fsync it, rename it over the old one, fsync the folder). A crash at any point
// leaves either the old list or the new one, never a torn file, so an action is never lost and never
// gets a new key. Operations in one process are serialised; one file belongs to one process.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OfflineAction, OfflineActionStore } from './offline.js';

interface StoreFile {
  version: 1;
  actions: OfflineAction[];
}

export class FileOfflineActionStore implements OfflineActionStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  list(): Promise<OfflineAction[]> {
    return this.serialised(() => this.read());
  }

  add(action: OfflineAction): Promise<void> {
    return this.serialised(async () => {
      const actions = await this.read();
      if (actions.some((a) => a.id === action.id)) return;
      await this.write([...actions, { ...action }]);
    });
  }

  remove(id: string): Promise<void> {
    return this.serialised(async () => {
      const actions = await this.read();
      const kept = actions.filter((a) => a.id !== id);
      if (kept.length !== actions.length) await this.write(kept);
    });
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<OfflineAction[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = JSON.parse(text) as StoreFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.actions))
      throw new Error(`${this.path} is not an offline action store`);
    return parsed.actions;
  }

  private async write(actions: OfflineAction[]): Promise<void> {
    const folder = dirname(this.path);
    await mkdir(folder, { recursive: true });
    const temp = `${this.path}.${randomUUID()}.tmp`;
    const content: StoreFile = { version: 1, actions };
    const file = await open(temp, 'w');
    try {
      await file.writeFile(JSON.stringify(content));
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temp, this.path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncFolder(folder);
  }
}

/** Makes the rename itself durable; some platforms cannot fsync a folder, which is then best effort. */
async function syncFolder(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Windows and some file systems refuse; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
