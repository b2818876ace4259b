// Worker failure (seed §3b): SIGKILL 10–50 % of the workers at random moments, again and again,
// while the load runs. The supervisor (./fleet.ts) starts a replacement after a random 0.5–2 s. A
// killed worker's messages come back to the others when their visibility timeout runs out.
import type { Experiment } from './experiment.js';

export const workerKill: Experiment = {
  name: 'worker-kill',
  title: 'SIGKILL 10-50 % of the workers, repeatedly',
  async inject({ fleet, random, smoke }) {
    const r = random.fork('worker-kill');
    const n = fleet.workers.length;
    const kills: { atMs: number; workers: number[] }[] = [];
    const started = Date.now();
    let running = true;
    let wake: (() => void) | undefined;
    const loop = (async () => {
      while (running) {
        const count = r.int(Math.max(1, Math.ceil(n * 0.1)), Math.max(1, Math.ceil(n * 0.5)));
        const victims = r.shuffle([...Array(n).keys()]).slice(0, count);
        fleet.restartDelayMs = r.int(500, 2000);
        for (const index of victims) fleet.kill(index);
        kills.push({ atMs: Date.now() - started, workers: victims });
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, smoke ? r.int(1500, 2500) : r.int(2000, 6000));
        });
      }
    })();
    return {
      async end() {
        running = false;
        wake?.();
        await loop;
      },
      details: () => ({
        rounds: kills.length,
        workersKilled: kills.reduce((a, k) => a + k.workers.length, 0),
        kills,
      }),
    };
  },
};
