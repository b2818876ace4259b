// Tail sampling of a job's logs (seed §6, "Tiered log sampling"): the lines a job's logger writes
// wait in memory until the job ends; a failed job's are always written, a successful one's only
// for 1 job in `rate` (PRO 1/100, FREE 1/10,000: `hash(jobId) % rate === 0`, so every process
// decides the same for the same job).
//
// The lines reach the buffer through the process destination (jobLineRouting.ts).
import type { Logger } from './logger.js';
import { jobLogLines } from '../observability/metrics.js';
import { newJobBuffer, writingTo, type JobBuffer } from './jobLineRouting.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export interface JobLog {
  /** The job's logger; its children are not buffered (they log at once). */
  logger: Logger;
  /** Writes the job's lines (failed, or sampled) or discards them; later lines go out at once. */
  finish(o: { failed: boolean }): void;
}

/** FNV-1a (32 bits) of the job id: a stable, uniform choice of the jobs whose logs are kept. */
export function sampled(jobId: string, rate: number): boolean {
  if (rate <= 1) return true;
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) {
    hash ^= jobId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % rate === 0;
}

/** A child of `parent` carrying `bindings` whose lines wait for the job's end. */
export function jobLog(
  parent: Logger,
  bindings: Record<string, unknown>,
  sampling: { jobId: string; rate: number },
): JobLog {
  let buffer: JobBuffer | undefined = newJobBuffer();
  const logger = parent.child(bindings);
  for (const level of LEVELS) {
    const log = logger[level].bind(logger) as (...args: unknown[]) => void;
    (logger as unknown as Record<string, unknown>)[level] = (...args: unknown[]) => {
      writingTo(buffer, () => log(...args));
    };
  }
  return {
    logger,
    finish({ failed }) {
      const done = buffer;
      buffer = undefined;
      if (!done) return;
      if (done.lines.length + done.dropped === 0) return;
      const keep = failed || sampled(sampling.jobId, sampling.rate);
      jobLogLines.inc({ result: keep ? 'written' : 'discarded' }, done.lines.length);
      if (done.dropped > 0) jobLogLines.inc({ result: 'dropped' }, done.dropped);
      if (!keep || !done.out) return;
      for (const line of done.lines) done.out.write(line);
      if (done.dropped > 0)
        logger.warn({ dropped: done.dropped }, 'job log lines dropped beyond the per-job limit');
    },
  };
}
