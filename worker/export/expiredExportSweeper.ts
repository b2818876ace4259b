// Retention of export archives (EXPORT_RETENTION_HOURS): every EXPORT_SWEEP_SECONDS the worker asks
// the SchedulerIndex for finished exports whose retention ended (EXPORTEXPIRY, by end of retention),
// deletes each one's objects and takes it out of the index. The API's GET checks the end itself, so
// an export past it answers 410 whether or not a sweep ran; in AWS the bucket's lifecycle rule is the
// backstop, and locally (fauxqs has no lifecycle) this sweep is what deletes. Several workers may
// sweep at once: deleting twice is harmless.
import type { Logger } from '../../core/logging/logger.js';
import type { ExportArchiveStore } from '../../core/export/exportArchiveStore.js';
import type { ExportJobRepository } from '../../core/store/exportJobRepository.js';
import { clock } from '../../core/clock/clock.js';

export class ExpiredExportSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly d: {
      exports: ExportJobRepository;
      store: ExportArchiveStore;
      logger: Logger;
      intervalSeconds: number;
    },
  ) {}

  start(): void {
    if (this.d.intervalSeconds <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.d.intervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Deletes every archive whose retention ended by now; resolves with how many. One sweep at a time. */
  sweep(): Promise<number> {
    this.running ??= this.purgeDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async purgeDue(): Promise<number> {
    const now = clock.now();
    let purged = 0;
    try {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.d.exports.dueForPurge(now, start);
        for (const { userId, jobId } of page.exports) {
          await this.d.store.deleteExport(userId, jobId);
          await this.d.exports.markPurged(userId, jobId, clock.date());
          purged += 1;
        }
        start = page.next;
      } while (start);
    } catch (error) {
      // The next sweep tries again; the GET already refuses expired exports.
      this.d.logger.warn({ err: error, purged }, 'export retention sweep interrupted');
    }
    if (purged > 0) this.d.logger.info({ purged }, 'expired export archives deleted');
    return purged;
  }
}
