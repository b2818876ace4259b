// Copies the contract's generated types into the package before tsc runs, so the package never imports
// across folders (the copy is git-ignored: the contract in ../generated/ is the source of truth).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, '..', 'generated', 'openapi.gen.ts');
const target = join(root, 'src', 'generated', 'openapi.gen.ts');
mkdirSync(dirname(target), { recursive: true });
copyFileSync(source, target);
