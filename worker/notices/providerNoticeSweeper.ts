// Provider notices reach the user once (issue 15, seed Appendix B): when operators announce a
// provider's retirement in the dynamic configuration (`providerNotices`), every connection to it
// carries the notice in GET /v1/connections from `showDays` before the date; this timer, in every
// worker, also tells each such user once: one visible push (`provider_notice`) and one hand-over to
// the app's mailer (core/notices/noticeMailer.ts).
// - Every PROVIDER_NOTICE_CHECK_INTERVAL_SECONDS, claimed per interval (SCHEDLOCK#NOTICE, the
//   scheduler's conditional tick) so one worker runs it; nothing is read while no notice shows.
// - For each provider whose notice shows, its connections are scanned page by page, throttled like
//   the re-authentication scan (REAUTH_SCAN_PAGE_SIZE, REAUTH_SCAN_PAGE_DELAY_MS).
// - Once per user and notice: a NOTIFIED marker of its own (`notice:{provider}:{retiresOn}`, kept
//   until a year after the date) is claimed before the push and the mail, so later runs, other
//   connections of the user and other workers skip them; a push that failed for good reason of the
//   moment gives the marker back for the next run. Users without a device or with notifications off
//   still get the mail.
// - A notice limited by a flag reaches only the users the flag lets in (their tier from the profile).
import { setTimeout as sleep } from 'node:timers/promises';
import { clock as processClock, type Clock } from '../../core/clock/clock.js';
import type { Config } from '../../core/config/config.js';
import type { DynamicConfig } from '../../core/config/dynamicConfig.js';
import type { Provider } from '../../core/domain/types.js';
import type { Logger } from '../../core/logging/logger.js';
import type { NoticeMailer } from '../../core/notices/noticeMailer.js';
import { providerNotice } from '../../core/providers/providerNotices.js';
import { PROVIDER_PROFILES } from '../../core/providers/profiles.js';
import type { UserNotifier } from '../../core/push/userNotifier.js';
import { ConnectionsByProvider } from '../../core/store/connectionsByProvider.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { DocumentStore, Item } from '../../core/store/documentStore.js';
import { NotificationMarkerRepository } from '../../core/store/notificationMarkerRepository.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';
import { SchedulerLockRepository } from '../../core/store/schedulerLockRepository.js';

export type ProviderNoticeSweeperConfig = Pick<
  Config,
  | 'TABLE_NAME'
  | 'PROVIDER_NOTICE_CHECK_INTERVAL_SECONDS'
  | 'REAUTH_SCAN_PAGE_SIZE'
  | 'REAUTH_SCAN_PAGE_DELAY_MS'
>;

export interface ProviderNoticeSweeperDeps {
  config: ProviderNoticeSweeperConfig;
  logger: Logger;
  db: DocumentStore;
  notifier: UserNotifier;
  mailer: NoticeMailer;
  profiles: Pick<ProfileRepository, 'get'>;
  dynamicConfig: Pick<DynamicConfig, 'current' | 'isEnabled'>;
  clock?: Clock;
  /** The wait between Scan pages (default: a timer); tests pass one that moves their clock. */
  pause?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface NoticeRunReport {
  /** Providers whose notice shows now. */
  providers: Provider[];
  pages: number;
  /** Connections to those providers the run looked at. */
  seen: number;
  /** Users told now (the push sent, or skipped by their settings or devices; the mail handed over). */
  notified: number;
  /** Users an earlier run (or another worker) told already. */
  alreadyNotified: number;
  /** Notifications or mails that failed (the next run tries again). */
  errors: number;
}

/** The lock of the run (SCHEDLOCK#NOTICE). */
export const NOTICE_LOCK = 'NOTICE';

/** Connections that can still sync, or be reconnected: a revoked one is gone for its user. */
const LIVE: ReadonlySet<ConnectionRecord['status']> = new Set(['active', 'needs_reauth']);

const isProvider = (id: string): id is Provider => Object.hasOwn(PROVIDER_PROFILES, id);

export class ProviderNoticeSweeper {
  private readonly connections: ConnectionsByProvider;
  private readonly markers: NotificationMarkerRepository;
  private readonly locks: SchedulerLockRepository;
  private readonly clock: Clock;
  private readonly pause: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly d: ProviderNoticeSweeperDeps) {
    this.connections = new ConnectionsByProvider(d.db, d.config.TABLE_NAME);
    this.markers = new NotificationMarkerRepository(d.db, d.config.TABLE_NAME);
    this.locks = new SchedulerLockRepository(d.db, d.config.TABLE_NAME);
    this.clock = d.clock ?? processClock;
    this.pause = d.pause ?? ((ms, signal) => sleep(ms, undefined, { signal }));
  }

  /** Runs if this worker claims the current interval; undefined when another one has (or no notice shows). */
  async runIfDue(signal = this.stopping.signal): Promise<NoticeRunReport | undefined> {
    if (this.showingProviders().length === 0) return undefined;
    const tick = Math.floor(this.clock.now() / (this.d.config.PROVIDER_NOTICE_CHECK_INTERVAL_SECONDS * 1000));
    if (!(await this.locks.claimTick(NOTICE_LOCK, tick))) return undefined;
    return this.run(signal);
  }

  /** One sweep over the connections of every provider whose notice shows now. */
  async run(signal = this.stopping.signal): Promise<NoticeRunReport> {
    const report: NoticeRunReport = {
      providers: this.showingProviders(),
      pages: 0,
      seen: 0,
      notified: 0,
      alreadyNotified: 0,
      errors: 0,
    };
    const handledUsers = new Set<string>();
    for (const provider of report.providers) {
      let start: Item | undefined;
      do {
        if (report.pages > 0) {
          try {
            await this.pause(this.d.config.REAUTH_SCAN_PAGE_DELAY_MS, signal);
          } catch (error) {
            if (signal.aborted) return report;
            throw error;
          }
        }
        const page = await this.connections.scanPage(provider, this.d.config.REAUTH_SCAN_PAGE_SIZE, start);
        report.pages += 1;
        for (const c of page.connections) {
          if (!LIVE.has(c.status)) continue;
          report.seen += 1;
          const key = `${provider}:${c.userId}`;
          if (handledUsers.has(key)) continue;
          handledUsers.add(key);
          await this.tell(c, report);
        }
        start = page.next;
      } while (start && !signal.aborted);
    }
    return report;
  }

  start(): void {
    const tick = () => {
      this.running ??= this.runIfDue()
        .then((r) => {
          if (r && (r.notified > 0 || r.errors > 0)) this.d.logger.info(r, 'provider notice run');
        })
        .catch((error: unknown) =>
          this.d.logger.error({ err: error }, 'provider notice run failed; the next interval retries'),
        )
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(tick, this.d.config.PROVIDER_NOTICE_CHECK_INTERVAL_SECONDS * 1000);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  /** Providers with a notice that shows now for someone (flags are checked per user later). */
  private showingProviders(): Provider[] {
    const doc = this.d.dynamicConfig.current;
    const now = this.clock.date();
    return Object.keys(doc.providerNotices).filter(
      (id): id is Provider =>
        isProvider(id) &&
        providerNotice(id, { doc, isEnabled: () => true, subject: { userId: '', tier: 'FREE' }, now }) !==
          undefined,
    );
  }

  private async tell(c: ConnectionRecord, report: NoticeRunReport): Promise<void> {
    const doc = this.d.dynamicConfig.current;
    const rule = doc.providerNotices[c.provider];
    // A flag limits the notice to a cohort; its tiers need the user's profile.
    const tier = rule?.flag ? ((await this.d.profiles.get(c.userId))?.subscriptionLevel ?? 'FREE') : 'FREE';
    const now = this.clock.date();
    const notice = providerNotice(c.provider, {
      doc,
      isEnabled: (flag, subject) => this.d.dynamicConfig.isEnabled(flag, subject),
      subject: { userId: c.userId, tier },
      now,
    });
    if (!notice) return;
    const notificationId = `notice:${c.provider}:${notice.retiresOn}`;
    // Kept until a year after the date, so no later run tells the user again.
    const lifetimeSeconds = Math.max(
      86_400,
      Math.ceil((Date.parse(`${notice.retiresOn}T00:00:00Z`) + 365 * 86_400_000 - now.getTime()) / 1000),
    );
    const claim = await this.markers.claim(
      c.userId,
      `handled:${notificationId}`,
      'provider_notice',
      now,
      lifetimeSeconds,
    );
    if (!claim) {
      report.alreadyNotified += 1;
      return;
    }
    try {
      const result = await this.d.notifier.notify(c.userId, {
        kind: 'provider_notice',
        notificationId,
        params: { provider: c.provider },
        data: {
          connectionId: c.connectionId,
          provider: c.provider,
          retiresOn: notice.retiresOn,
          ...(notice.replacement ? { replacement: notice.replacement } : {}),
        },
      });
      if (result.outcome === 'skipped' && result.reason === 'account_deleted') return;
    } catch (error) {
      // Nothing reached the user: the next run tries again.
      await this.markers.release(claim).catch(() => undefined);
      report.errors += 1;
      this.d.logger.warn(
        { err: error, userId: c.userId, connectionId: c.connectionId },
        'provider notice not pushed; the next run tries again',
      );
      return;
    }
    report.notified += 1;
    try {
      await this.d.mailer.noticeShown({
        userId: c.userId,
        provider: c.provider,
        connectionId: c.connectionId,
        notice,
      });
    } catch (error) {
      // The push went out; the mail is the mailer's to retry (NoticeMailer).
      report.errors += 1;
      this.d.logger.warn(
        { err: error, userId: c.userId, provider: c.provider },
        'provider notice not handed to the mailer',
      );
    }
  }
}
