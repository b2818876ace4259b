// Re-authentication surfacing (seed §3c, C-007, T-003): a timer in every worker that finds the
// connections whose user has to sign in to the provider again and tells the user, once per
// connection and episode ("Reconnect Garmin"), however many runs see it.
// - Index path, every REAUTH_CHECK_INTERVAL_SECONDS: the sparse ReAuthStatusIndex
//   (`pending_user_action`), cheap because only such connections are in it.
// - Fallback, every REAUTH_SCAN_INTERVAL_SECONDS (weekly): a Scan of the table, throttled as T-003
//   says (REAUTH_SCAN_PAGE_SIZE items per page, REAUTH_SCAN_PAGE_DELAY_MS between pages), that
//   catches any `needs_reauth` connection the index does not hold (no ReAuthStatus: an older write
//   path, a hand edit) and puts it there.
// Each run is claimed per interval (SCHEDLOCK#REAUTH#index / #scan, the scheduler's conditional
// tick), so one worker runs it. Per connection (C-007): `pending_user_action` gets its notification
// (id `reconnect:{connectionId}:{ReAuthSince}`, so a new episode is a new notification) and is
// marked dealt with; one still not reconnected REAUTH_FAILED_AFTER_DAYS after its episode began
// becomes `failed` and is left alone; a reconnect makes it `ok` (ConnectionRepository.activate).
import { setTimeout as sleep } from 'node:timers/promises';
import { clock as processClock, type Clock } from '../../core/clock/clock.js';
import type { Config } from '../../core/config/config.js';
import type { Logger } from '../../core/logging/logger.js';
import type { UserNotification, UserNotifier } from '../../core/push/userNotifier.js';
import type { DocumentStore, Item } from '../../core/store/documentStore.js';
import {
  ReAuthRepository,
  type ReAuthCandidate,
  type ReAuthPage,
} from '../../core/store/reAuthRepository.js';
import { SchedulerLockRepository } from '../../core/store/schedulerLockRepository.js';

export type ReAuthSurfacerConfig = Pick<
  Config,
  | 'TABLE_NAME'
  | 'REAUTH_CHECK_INTERVAL_SECONDS'
  | 'REAUTH_SCAN_INTERVAL_SECONDS'
  | 'REAUTH_SCAN_PAGE_SIZE'
  | 'REAUTH_SCAN_PAGE_DELAY_MS'
  | 'REAUTH_FAILED_AFTER_DAYS'
>;

export interface ReAuthSurfacerDeps {
  config: ReAuthSurfacerConfig;
  logger: Logger;
  db: DocumentStore;
  notifier: UserNotifier;
  clock?: Clock;
  /** The wait between Scan pages (default: a timer); tests pass one that moves their clock. */
  pause?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface ReAuthRunReport {
  path: 'index' | 'scan';
  pages: number;
  /** Connections needing re-authorization the run looked at. */
  seen: number;
  /** Found by the Scan without ReAuthStatus, and added to the index. */
  repaired: number;
  /** Reconnect notifications handed to the notifier (sent, or skipped by the user's settings). */
  notified: number;
  /** Moved to `failed`. */
  failed: number;
  /** Connections whose notification failed (the next run tries again). */
  errors: number;
}

/** The lock ids of the two runs (SCHEDLOCK#REAUTH#…). */
/**
 * What the user's phones are told about a connection to sign in to again, once per episode (`since`:
 * when it began). The push pact is built from it.
 */
export function reconnectNotification(
  c: Pick<ReAuthCandidate, 'connectionId' | 'provider'>,
  since: string,
): UserNotification {
  return {
    kind: 'reconnect_provider',
    notificationId: `reconnect:${c.connectionId}:${since}`,
    params: { provider: c.provider },
    data: { connectionId: c.connectionId, provider: c.provider },
  };
}

export const REAUTH_LOCKS = { index: 'REAUTH#index', scan: 'REAUTH#scan' } as const;

export class ReAuthSurfacer {
  private readonly repo: ReAuthRepository;
  private readonly locks: SchedulerLockRepository;
  private readonly clock: Clock;
  private readonly pause: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly running: Partial<Record<'index' | 'scan', Promise<unknown>>> = {};

  constructor(private readonly d: ReAuthSurfacerDeps) {
    this.repo = new ReAuthRepository(d.db, d.config.TABLE_NAME);
    this.locks = new SchedulerLockRepository(d.db, d.config.TABLE_NAME);
    this.clock = d.clock ?? processClock;
    this.pause = d.pause ?? ((ms, signal) => sleep(ms, undefined, { signal }));
  }

  /** Runs `path` if this worker claims its current interval; undefined when another one has. */
  async runIfDue(
    path: 'index' | 'scan',
    signal = this.stopping.signal,
  ): Promise<ReAuthRunReport | undefined> {
    const seconds =
      path === 'index'
        ? this.d.config.REAUTH_CHECK_INTERVAL_SECONDS
        : this.d.config.REAUTH_SCAN_INTERVAL_SECONDS;
    const tick = Math.floor(this.clock.now() / (seconds * 1000));
    if (!(await this.locks.claimTick(REAUTH_LOCKS[path], tick))) return undefined;
    return path === 'index' ? this.runIndex() : this.runScan(signal);
  }

  /** Every `pending_user_action` connection of the ReAuthStatusIndex that needs something done. */
  async runIndex(): Promise<ReAuthRunReport> {
    const report = emptyReport('index');
    let start: Item | undefined;
    do {
      const page = await this.repo.pendingPage(this.expiredSince(), start);
      await this.handlePage(page, report);
      start = page.next;
    } while (start);
    return report;
  }

  /** The throttled Scan (T-003): a page, a pause, the next page; an abort ends it between pages. */
  async runScan(signal = this.stopping.signal): Promise<ReAuthRunReport> {
    const report = emptyReport('scan');
    let start: Item | undefined;
    do {
      if (report.pages > 0) {
        try {
          await this.pause(this.d.config.REAUTH_SCAN_PAGE_DELAY_MS, signal);
        } catch (error) {
          if (signal.aborted) break;
          throw error;
        }
      }
      const page = await this.repo.scanPage(this.d.config.REAUTH_SCAN_PAGE_SIZE, start);
      const candidates: ReAuthCandidate[] = [];
      for (const c of page.connections) {
        if (c.reAuthStatus !== undefined) {
          candidates.push(c);
          continue;
        }
        const fixed = await this.repo.repair(c);
        if (fixed) {
          report.repaired += 1;
          this.d.logger.warn(
            { userId: c.userId, connectionId: c.connectionId },
            'connection needing re-authorization was missing from the ReAuthStatusIndex: added',
          );
          candidates.push(fixed);
        }
      }
      await this.handlePage({ connections: candidates }, report);
      start = page.next;
    } while (start && !signal.aborted);
    return report;
  }

  start(): void {
    const run = (path: 'index' | 'scan') => {
      this.running[path] ??= this.runIfDue(path)
        .then((r) => {
          if (r && (r.seen > 0 || r.repaired > 0)) this.d.logger.info(r, 're-authentication run');
        })
        .catch((error: unknown) =>
          this.d.logger.error(
            { err: error, path },
            're-authentication run failed; the next interval retries',
          ),
        )
        .finally(() => delete this.running[path]);
    };
    const tick = () => {
      run('index');
      run('scan');
    };
    const everySeconds = Math.min(
      this.d.config.REAUTH_CHECK_INTERVAL_SECONDS,
      this.d.config.REAUTH_SCAN_INTERVAL_SECONDS,
    );
    this.timer = setInterval(tick, everySeconds * 1000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await Promise.all(Object.values(this.running));
  }

  /** Episodes that began at or before this instant have run out (`failed`). */
  private expiredSince(): string {
    return new Date(this.clock.now() - this.d.config.REAUTH_FAILED_AFTER_DAYS * 86_400_000).toISOString();
  }

  private async handlePage(page: ReAuthPage, report: ReAuthRunReport): Promise<void> {
    report.pages += 1;
    for (const c of page.connections) {
      if (c.reAuthStatus !== 'pending_user_action') continue;
      report.seen += 1;
      await this.handle(c, report);
    }
  }

  private async handle(c: ReAuthCandidate, report: ReAuthRunReport): Promise<void> {
    const now = this.clock.date().toISOString();
    const since = c.reAuthSince ?? c.updatedAt;
    if (since <= this.expiredSince()) {
      if (await this.repo.markFailed(c, now)) report.failed += 1;
      return;
    }
    if (c.reAuthNotifiedAt) return;
    try {
      await this.d.notifier.notify(c.userId, reconnectNotification(c, since));
      // Whatever the notifier did (sent, already sent, switched off, no device), this episode is dealt with.
      if (await this.repo.markNotified(c, now)) report.notified += 1;
    } catch (error) {
      report.errors += 1;
      this.d.logger.warn(
        { err: error, userId: c.userId, connectionId: c.connectionId },
        'reconnect notification not sent; the next run tries again',
      );
    }
  }
}

const emptyReport = (path: 'index' | 'scan'): ReAuthRunReport => ({
  path,
  pages: 0,
  seen: 0,
  repaired: 0,
  notified: 0,
  failed: 0,
  errors: 0,
});
