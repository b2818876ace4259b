// `npm run audit:deps`: `npm audit` at high severity, with the accepted exceptions written down
// (security/audit-exceptions.json, each with its reason). npm test runs it.
//
// The registry these machines reach answers npm's bulk-advisory endpoint with 405 (it allows GET
// only), so there is no advisory data to judge by: the check then says so and passes, unless
// AUDIT_REQUIRED=1 (a CI that does reach the registry sets it, and an unreachable endpoint fails).
// What npm audit decides (which versions an advisory covers) stays npm's; this only reads its report.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const EXCEPTIONS_FILE = path.join(ROOT, 'security/audit-exceptions.json');
const BLOCKING = new Set(['high', 'critical']);

interface Advisory {
  url?: string;
  title?: string;
  severity?: string;
}

/** The parts of `npm audit --json` (report version 2) this reads. */
export interface AuditReport {
  vulnerabilities?: Record<string, { severity: string; via: Array<string | Advisory> }>;
  /** Present when npm could not get an answer from the registry. */
  error?: unknown;
  statusCode?: number;
  message?: string;
}

export type AuditVerdict =
  | { kind: 'unavailable'; reason: string }
  | { kind: 'clean'; accepted: string[] }
  | { kind: 'blocking'; findings: string[]; accepted: string[] };

/** The report judged against the exceptions (advisory URL → reason). */
export function judgeAudit(report: AuditReport, exceptions: Record<string, string>): AuditVerdict {
  if (report.error !== undefined || !report.vulnerabilities)
    return {
      kind: 'unavailable',
      reason: report.message ?? `the audit endpoint answered ${report.statusCode ?? 'nothing usable'}`,
    };
  const findings = new Set<string>();
  const accepted = new Set<string>();
  for (const [name, vulnerability] of Object.entries(report.vulnerabilities))
    for (const via of vulnerability.via) {
      // A string names the dependency the advisory came through; its own entry lists the advisory.
      if (typeof via === 'string' || !BLOCKING.has(via.severity ?? '')) continue;
      const id = via.url ?? `${name}: ${via.title ?? 'advisory'}`;
      if (exceptions[id]) accepted.add(id);
      else findings.add(`${name} (${via.severity}): ${via.title ?? ''} ${via.url ?? ''}`.trim());
    }
  return findings.size > 0
    ? { kind: 'blocking', findings: [...findings].sort(), accepted: [...accepted].sort() }
    : { kind: 'clean', accepted: [...accepted].sort() };
}

export function readExceptions(file = EXCEPTIONS_FILE): Record<string, string> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { exceptions?: Record<string, string> };
  for (const [id, reason] of Object.entries(parsed.exceptions ?? {}))
    if (typeof reason !== 'string' || reason.trim().length < 10)
      throw new Error(`${path.relative(ROOT, file)}: ${id} needs a reason`);
  return parsed.exceptions ?? {};
}

async function runNpmAudit(): Promise<AuditReport> {
  // npm audit exits non-zero when it finds something; the JSON on stdout is the answer either way.
  const out = await promisify(execFile)('npm', ['audit', '--json'], { cwd: ROOT, maxBuffer: 64 << 20 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  try {
    return JSON.parse(out.stdout) as AuditReport;
  } catch {
    return { error: 'unparsable', message: 'npm audit printed no JSON report' };
  }
}

async function main(): Promise<void> {
  const verdict = judgeAudit(await runNpmAudit(), readExceptions());
  const required = process.env.AUDIT_REQUIRED === '1';
  if (verdict.kind === 'unavailable') {
    console.log(`npm audit: no advisory data (${verdict.reason})${required ? '' : '; skipped'}`);
    if (required) process.exitCode = 1;
    return;
  }
  for (const id of verdict.accepted) console.log(`npm audit: accepted ${id}`);
  if (verdict.kind === 'clean') {
    console.log('npm audit: no high or critical advisory');
    return;
  }
  console.error(`npm audit: ${verdict.findings.length} high or critical advisories:`);
  for (const f of verdict.findings) console.error(`  ${f}`);
  process.exitCode = 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
