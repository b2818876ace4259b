// `npm run canary -- --windows <file.json>`: the seed's C-005 rollback rules over recorded canary
// and baseline metric windows (core/release/canaryAnalysis.ts). Prints the verdict as JSON.
// Exit codes: 0 promote or keep watching (`decision` says which), 2 roll back, 1 unusable input.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { analyzeCanary, validateWindows, type CanaryWindows } from '../core/release/canaryAnalysis.js';

const { values } = parseArgs({ options: { windows: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help || !values.windows) {
  console.log(`npm run canary -- --windows FILE
  FILE: {"canary": [minute, ...], "baseline": [minute, ...]}, each minute
        {"minute": ISO, "requests", "errors", "p99LatencyMs" (or null), "syncSucceeded", "syncFailed"}
  Rolls back when, for 5 minutes in a row, the canary's p99 latency is > 10 % above the baseline's,
  its error rate > 1 point above, or its SyncSuccessRate > 2 points below; promotes after 30
  minutes without that. Exit 0: promote or continue, 2: roll back, 1: unusable input.`);
  process.exit(values.help ? 0 : 1);
}

let windows: CanaryWindows;
try {
  windows = JSON.parse(readFileSync(values.windows, 'utf8')) as CanaryWindows;
} catch (error) {
  console.error(`cannot read ${values.windows}: ${(error as Error).message}`);
  process.exit(1);
}
const problems = validateWindows(windows);
if (problems.length > 0) {
  console.error(`unusable windows in ${values.windows}:\n  ${problems.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
const verdict = analyzeCanary(windows);
console.log(JSON.stringify(verdict, null, 2));
process.exit(verdict.decision === 'rollback' ? 2 : 0);
