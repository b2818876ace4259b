// What the soak prints: a line per sample while it runs, then each watched figure's trend.
import type { SoakSample } from './sampler.js';
import { LIMITS, type Trend, type WatchedFigure } from './trend.js';

const COLUMNS: [keyof SoakSample, string, number][] = [
  ['t', 't s', 6],
  ['rssMb', 'RSS MB', 8],
  ['heapUsedMb', 'heap MB', 8],
  ['externalMb', 'ext MB', 7],
  ['eventLoopLagP99Ms', 'ELD p99', 8],
  ['eventLoopLagMeanMs', 'mean ms', 8],
  ['activeHandles', 'handles', 8],
  ['openFds', 'fds', 5],
  ['redisKeys', 'redis keys', 11],
  ['workerCpuPercent', 'CPU %', 6],
  ['jobsDone', 'jobs done', 10],
  ['jobsFailed', 'failed', 7],
  ['attemptFailures', 'retried', 8],
  ['messagesFailed', 'msg fail', 9],
  ['queueDepth', 'queued', 7],
];

export const sampleHeader = (): string => COLUMNS.map(([, title, w]) => title.padStart(w)).join(' ');

export const sampleLine = (s: SoakSample): string =>
  COLUMNS.map(([key, , w]) => String(s[key]).padStart(w)).join(' ');

export function trendTable(trends: Record<WatchedFigure, Trend>): string {
  const lines = [
    `${'figure'.padEnd(20)}${'first'.padStart(10)}${'last'.padStart(10)}${'max'.padStart(10)}` +
      `${'slope/min'.padStart(12)}${'limit/min'.padStart(12)}  verdict`,
  ];
  for (const [figure, t] of Object.entries(trends) as [WatchedFigure, Trend][])
    lines.push(
      `${`${figure} (${LIMITS[figure].unit})`.padEnd(20)}${String(t.first).padStart(10)}` +
        `${String(t.last).padStart(10)}${String(t.max).padStart(10)}${String(t.slopePerMinute).padStart(12)}` +
        `${String(t.limitPerMinute).padStart(12)}  ${t.flat ? 'flat' : 'GROWS'}`,
    );
  return lines.join('\n');
}
