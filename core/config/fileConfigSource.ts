// The dynamic configuration's local source (development, `npm start`, tests): a JSON file, read at
// each refresh; its content hash is the version, so an unchanged file is "unchanged" and an edit
// takes effect at the next refresh (hot reload without a file watcher's platform quirks).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ConfigSource } from './dynamicConfig.js';

export class FileConfigSource implements ConfigSource {
  readonly name = 'file';
  private lastHash: string | undefined;

  constructor(private readonly path: string) {}

  async fetch(): Promise<{ kind: 'document'; version: string; body: unknown } | { kind: 'unchanged' }> {
    const text = await readFile(this.path, 'utf8');
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
    if (hash === this.lastHash) return { kind: 'unchanged' };
    this.lastHash = hash;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the schema refuses it with the rest (one path for every bad document).
      body = text;
    }
    return { kind: 'document', version: `sha256:${hash}`, body };
  }
}
