// Copies the contract's generated types into the package before tsc runs, so the package never imports
// across folders (the copies are git-ignored: the contracts in ../generated/ are the source of truth).
// openapi.gen.ts types the API calls; messages.gen.ts the silent-push payloads the device module reads.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const file of ['openapi.gen.ts', 'messages.gen.ts']) {
  const source = join(root, '..', 'generated', file);
  const target = join(root, 'src', 'generated', file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}
