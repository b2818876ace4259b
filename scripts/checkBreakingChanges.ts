// Fails when the current OpenAPI contract breaks clients of the released one
// (contracts/released/openapi.yaml, a bundled copy of the last release). Optic's breaking-change
// rules: a removed operation or response field, a new required input, a changed type or a narrowed
// enum. Releasing: `npx redocly bundle contracts/openapi.yaml -o contracts/released/openapi.yaml`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const env = { ...process.env, OPTIC_TELEMETRY_LEVEL: 'off', REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' };

/** Exit status of the check: 0 when `current` keeps every promise `released` made. */
export function checkBreakingChanges(released: string, current: string): { status: number; output: string } {
  const run = spawnSync(bin('optic'), ['diff', released, current, '--check'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const released = resolve(process.argv[2] ?? join(ROOT, 'contracts/released/openapi.yaml'));
  const tmp = mkdtempSync(join(tmpdir(), 'syncwell-breaking-'));
  try {
    const current = join(tmp, 'openapi.yaml');
    const bundle = spawnSync(bin('redocly'), ['bundle', 'contracts/openapi.yaml', '-o', current], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    if (bundle.status !== 0) throw new Error(`bundling the contract failed:\n${bundle.stderr}`);
    const result = checkBreakingChanges(released, current);
    console.log(result.output.trim());
    if (result.status !== 0)
      console.error('\nThe contract breaks clients of the released version (see above).');
    process.exitCode = result.status;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
