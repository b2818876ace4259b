// The local system's stop sequence: each part stops in turn, a part that fails is reported and the
// next still stops, and the whole sequence has a deadline, so a hung part can never keep the
// clean-up (temporary folder, state file) from happening.

export interface ShutdownStep {
  name: string;
  run(): Promise<void>;
}

export interface ShutdownOptions {
  /** After this long, the steps still running are abandoned. */
  deadlineMs: number;
  /** One line per step that failed or did not finish. */
  report(line: string): void;
}

/** Runs `steps` in order within the deadline; true when every step finished without error. */
export async function runShutdown(steps: ShutdownStep[], options: ShutdownOptions): Promise<boolean> {
  let current = 0;
  let clean = true;
  const sequence = (async () => {
    for (; current < steps.length; current++) {
      const step = steps[current]!;
      try {
        await step.run();
      } catch (error) {
        clean = false;
        options.report(
          `${step.name} failed to stop: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), options.deadlineMs);
  });
  const outcome = await Promise.race([sequence.then(() => 'done' as const), deadline]);
  clearTimeout(timer);
  if (outcome === 'late') {
    const pending = steps.slice(current).map((s) => s.name);
    options.report(`gave up waiting after ${options.deadlineMs} ms for: ${pending.join(', ')}`);
    return false;
  }
  return clean;
}
