// Retries the revocations providers could not take when a connection was deleted: on a timer in
// every worker (like the tiered scheduler), the SchedulerIndex is queried for pending revocations
// due now (`SyncTierShardId = REVOKE`), each is claimed with a conditional update (so two workers
// never run the same attempt; a worker that dies mid-attempt leaves it to be taken again when the
// claim lapses) and handed to ConnectionRemoval.retryPending, which revokes and deletes the tokens,
// reschedules with backoff, or gives up after the last attempt.
import type { ConnectionRemoval, RetryResult } from '../../core/connections/connectionRemoval.js';
import type { Config } from '../../core/config/config.js';
import type { Logger } from '../../core/logging/logger.js';
import type {
  DuePendingRevocation,
  PendingRevocationRepository,
} from '../../core/store/pendingRevocationRepository.js';
import { clock } from '../../core/clock/clock.js';

/** How long a claimed attempt may run before another worker may take it again. */
const CLAIM_MS = 10 * 60 * 1000;

export interface RevocationSweeperDeps {
  config: Pick<Config, 'REVOCATION_SWEEP_SECONDS'>;
  logger: Logger;
  pending: PendingRevocationRepository;
  removal: Pick<ConnectionRemoval, 'retryPending'>;
  /** Attempts run concurrently within one sweep. */
  concurrency?: number;
}

export type SweepReport = Record<RetryResult, number> & {
  due: number;
  /** Taken by another worker first. */
  skipped: number;
  /** Attempts that threw; retried once their claim lapses. */
  failed: number;
};

export class RevocationSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly abort = new AbortController();

  constructor(private readonly d: RevocationSweeperDeps) {}

  /** Every pending revocation due at `now`, once. */
  async runOnce(now = clock.date()): Promise<SweepReport> {
    const at = now.getTime();
    const report: SweepReport = {
      due: 0,
      skipped: 0,
      failed: 0,
      revoked: 0,
      rescheduled: 0,
      abandoned: 0,
      grant_in_use: 0,
      no_credentials: 0,
    };
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.d.pending.due(at, start);
      start = page.next;
      report.due += page.items.length;
      let next = 0;
      await Promise.all(
        Array.from({ length: this.d.concurrency ?? 4 }, async () => {
          for (let i = next++; i < page.items.length; i = next++)
            await this.attempt(page.items[i]!, at, report);
        }),
      );
    } while (start && !this.abort.signal.aborted);
    return report;
  }

  private async attempt(due: DuePendingRevocation, at: number, report: SweepReport): Promise<void> {
    try {
      const claimed = await this.d.pending.claim(due, at + CLAIM_MS);
      if (!claimed) {
        report.skipped += 1;
        return;
      }
      report[await this.d.removal.retryPending(claimed, at, this.abort.signal)] += 1;
    } catch (error) {
      report.failed += 1;
      this.d.logger.error(
        { err: error, connectionId: due.connectionId },
        'pending revocation attempt failed; retried when its claim lapses',
      );
    }
  }

  start(): void {
    if (this.d.config.REVOCATION_SWEEP_SECONDS === 0) return;
    const run = () => {
      this.running ??= this.runOnce()
        .then((r) => {
          if (r.due > 0) this.d.logger.info(r, 'revocation sweep');
        })
        .catch((error: unknown) =>
          this.d.logger.error({ err: error }, 'revocation sweep failed; the next one retries'),
        )
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(run, this.d.config.REVOCATION_SWEEP_SECONDS * 1000);
    this.timer.unref();
    run();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort(new Error('worker stopping'));
    await this.running;
  }
}
