// The one table a chaos run prints: per experiment, the load held, what became of the jobs, what
// the audit found and how long the system took to recover.
import type { ExperimentResult } from './experiment.js';

export function printTable(results: readonly ExperimentResult[]): void {
  const rows = results.map((r) => {
    const a = r.audit;
    const failed = Object.entries(a.jobs.failed)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    return [
      r.name,
      String(r.loadJobsPerSecond),
      `${r.load.accepted.manual}/${r.load.accepted.schedule}/${r.load.accepted.webhook}`,
      String(a.jobs.total),
      String(a.jobs.succeeded),
      failed || '0',
      String(Object.values(a.jobs.stuck).reduce((x, y) => x + y, 0)),
      String(a.duplicates),
      String(a.lostMessages),
      String(a.deadLetters.length),
      `${r.manualFinishedPerSecond.steady}/${r.manualFinishedPerSecond.fault}/${r.manualFinishedPerSecond.after}`,
      r.recoverySeconds === null ? 'never' : `${r.recoverySeconds} s`,
      a.violations.length === 0 ? 'OK' : `${a.violations.length} VIOLATIONS`,
    ];
  });
  const header = [
    'experiment',
    'load/s',
    'man/sched/hook',
    'jobs',
    'ok',
    'failed (code)',
    'stuck',
    'dup',
    'lost',
    'DLQ',
    'done/s st/fault/after',
    'recovery',
    'audit',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}
