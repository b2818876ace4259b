// Fails when the current OpenAPI contract breaks clients of the released one
// (contracts/released/openapi.yaml, a bundled copy of the last release). Optic's breaking-change
// rules: a removed operation or response field, a new required input, a changed type or a narrowed
// enum. Releasing: `npx redocly bundle contracts/openapi.yaml -o contracts/released/openapi.yaml`.
// One exception to Optic's "a response status may not be removed": a 501 `not_implemented` is no
// promise to a client (an operation stops answering it the day it ships), so the released contract
// is compared without its 501 responses.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const env = { ...process.env, OPTIC_TELEMETRY_LEVEL: 'off', REDOCLY_TELEMETRY: 'off', NO_COLOR: '1' };

type Operations = Record<string, { responses?: Record<string, unknown> } | unknown>;

/** A copy of the bundled contract `file`, written to `dir`, without its 501 (NotImplemented) responses. */
export function withoutNotImplemented(file: string, dir: string): string {
  const spec = parse(readFileSync(file, 'utf8')) as { paths?: Record<string, Operations> };
  for (const item of Object.values(spec.paths ?? {}))
    for (const op of Object.values(item)) {
      const responses = (op as { responses?: Record<string, unknown> } | null)?.responses;
      if (responses && '501' in responses) delete responses['501'];
    }
  const copy = join(dir, 'released-without-501.yaml');
  writeFileSync(copy, stringify(spec));
  return copy;
}

/**
 * Exit status of the check: 0 when `current` keeps every promise `released` made. Asynchronous, so
 * that several checks (the tests' variants) share the machine's cores: one takes about 12 seconds.
 */
export async function checkBreakingChanges(
  released: string,
  current: string,
): Promise<{ status: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'syncwell-released-'));
  try {
    const optic = spawn(bin('optic'), ['diff', withoutNotImplemented(released, dir), current, '--check'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    optic.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    optic.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const status = await new Promise<number>((done, fail) => {
      optic.once('error', fail);
      optic.once('close', (code) => done(code ?? 1));
    });
    return { status, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
    const result = await checkBreakingChanges(released, current);
    console.log(result.output.trim());
    if (result.status !== 0)
      console.error('\nThe contract breaks clients of the released version (see above).');
    process.exitCode = result.status;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
