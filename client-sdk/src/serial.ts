// One task at a time per key: the device module runs its health-store work serially, so a silent push
// and the launch-time pull never handle the same job (or upload the same pair) side by side.

export interface Serial {
  /** Runs `task` after every task started before it under the same key has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
}

export function createSerial(): Serial {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, task) {
      const previous = tails.get(key) ?? Promise.resolve();
      const next = previous.then(task, task);
      const tail = next.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
  };
}
