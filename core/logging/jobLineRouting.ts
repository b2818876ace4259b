// Where a log line goes: the process's destination, or the buffer of the job whose logger is
// writing it (jobLogs.ts). Routing without AsyncLocalStorage (its promise hooks cost every job CPU
// on Node 20): pino writes synchronously, so a job logger's methods mark their buffer for the
// duration of the call, and the destination below puts the line there.
import type { DestinationStream } from 'pino';

/** A job holds at most this many lines; more are counted as dropped (a runaway loop must not grow memory). */
const MAX_LINES = 200;

export interface JobBuffer {
  lines: string[];
  dropped: number;
  /** The destination the lines were meant for (set by the first line). */
  out: DestinationStream | undefined;
}

/** The buffer of the job whose logger is writing right now (synchronously), if any. */
let writing: JobBuffer | undefined;

/** Wraps a process's log destination: lines written by a job's logger go to that job's buffer. */
export function routeJobLines(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      const buffer = writing;
      if (!buffer) return out.write(line);
      buffer.out ??= out;
      if (buffer.lines.length < MAX_LINES) buffer.lines.push(line);
      else buffer.dropped += 1;
    },
  };
}

export function newJobBuffer(): JobBuffer {
  return { lines: [], dropped: 0, out: undefined };
}

/** Runs `log` (one synchronous pino call) with its lines going to `buffer` (none: at once). */
export function writingTo(buffer: JobBuffer | undefined, log: () => void): void {
  writing = buffer;
  try {
    log();
  } finally {
    writing = undefined;
  }
}
