// Settles the letters SQS's redrive moved to the DLQs after their receives ran out: on a timer in
// every worker (like the revocation sweeper), each consumed channel's DLQ is read, and every letter
// no attempt recorded an outcome for (its workers died on it) is handed to the channel's
// `onExhausted` (the hot path fails the job, which would otherwise stay RUNNING), then marked, so
// it is settled once whichever worker finds it (core/messaging/deadLetters.ts). Channels without
// `onExhausted` only get their letters marked and counted (`syncwell_dlq_arrivals_total`).
import type { QueueChannel } from '../generated/channels.gen.js';
import type { DeadLetters, ExhaustedReport } from '../core/messaging/deadLetters.js';
import type { Logger } from '../core/logging/logger.js';
import type { ConsumerRegistration, ConsumerTable } from './consumers.js';

export interface ExhaustedLetterSweeperDeps {
  deadLetters: Pick<DeadLetters, 'settleExhausted'>;
  table: ConsumerTable;
  logger: Logger;
  /** Seconds between sweeps; 0: none in this process. */
  intervalSeconds: number;
}

export class ExhaustedLetterSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly d: ExhaustedLetterSweeperDeps) {}

  /** One pass over every registered channel's DLQ. */
  async runOnce(): Promise<Partial<Record<QueueChannel, ExhaustedReport>>> {
    const reports: Partial<Record<QueueChannel, ExhaustedReport>> = {};
    for (const channel of Object.keys(this.d.table) as QueueChannel[]) {
      const registration = this.d.table[channel] as ConsumerRegistration<typeof channel> | undefined;
      if (!registration) continue;
      const settle = registration.onExhausted ?? (() => Promise.resolve());
      reports[channel] = await this.d.deadLetters.settleExhausted(channel, settle);
    }
    return reports;
  }

  start(): void {
    if (this.d.intervalSeconds === 0) return;
    const run = () => {
      this.running ??= this.runOnce()
        .then((reports) => {
          for (const [channel, r] of Object.entries(reports))
            if (r.settled + r.unreadable + r.failed > 0)
              this.d.logger.warn({ channel, ...r }, 'exhausted dead letters settled');
        })
        .catch((error: unknown) =>
          this.d.logger.error({ err: error }, 'dead-letter sweep failed; the next one retries'),
        )
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(run, this.d.intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
