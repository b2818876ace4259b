// The tiered scheduler (seed §3f): on a timer inside the worker process, for every tier and shard
// (`SyncTierShardId` = `PRO#5`, shard = murmur3(userId) % SCHEDULER_SHARDS), query the
// SchedulerIndex for users whose `NextSyncTimestamp` is due, enqueue a hot-path job (trigger
// `schedule`, low priority) for each of their enabled sync configurations, and only then move
// `NextSyncTimestamp` on by the tier's interval (PRO 15 minutes, FREE a day), conditionally on
// the value it read. A shard's tick is claimed with a DynamoDB conditional write, so two workers
// never run the same shard for the same tick; a job's deduplication id comes from the
// configuration and the tick, so a retried tick cannot enqueue a user twice.
import { automaticPairs } from '../../core/sync/automaticPairs.js';
import type { UserConfigCache } from '../../core/cache/userConfigCache.js';
import type { Config } from '../../core/config/config.js';
import type { SubscriptionLevel } from '../../core/domain/types.js';
import type { Logger } from '../../core/logging/logger.js';
import type { MessageProducer } from '../../core/messaging/producer.js';
import { systemJob } from '../sync/systemJob.js';
import type { DocumentStore } from '../../core/store/documentStore.js';
import { ProfileRepository } from '../../core/store/profileRepository.js';
import { SchedulerLockRepository } from '../../core/store/schedulerLockRepository.js';
import type { AdaptivePoller } from '../polling/adaptivePoller.js';
import { clock } from '../../core/clock/clock.js';
import type { AccountStatus } from '../../core/account/accountStatus.js';

const TIERS: readonly SubscriptionLevel[] = ['PRO', 'FREE'];

export interface SchedulerDeps {
  config: Config;
  logger: Logger;
  /** The scheduler's reads and writes go through its repositories, built on this store. */
  db: DocumentStore;
  userConfig: UserConfigCache;
  producer: Pick<MessageProducer, 'send' | 'drain'>;
  /**
   * Sources without webhooks are the adaptive poller's: for them the scheduler only makes sure a
   * poll chain is alive (and starts one) instead of enqueueing a full sync every interval.
   */
  poller?: Pick<AdaptivePoller, 'isPolled' | 'ensureChain'>;
  /** Shards run concurrently within one tick. */
  concurrency?: number;
  /** A deleted account (its profile not erased yet) gets no job. */
  accountStatus?: Pick<AccountStatus, 'isDeleted'>;
}

export interface TickReport {
  shardsRun: number;
  shardsSkipped: number;
  dueUsers: number;
  jobsEnqueued: number;
  usersAdvanced: number;
  /** Poll chains of sources without webhooks that were missing or dead and started again. */
  pollChainsStarted: number;
}

export class TieredScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  private readonly locks: SchedulerLockRepository;
  private readonly profiles: ProfileRepository;

  constructor(private readonly d: SchedulerDeps) {
    this.locks = new SchedulerLockRepository(d.db, d.config.TABLE_NAME);
    this.profiles = new ProfileRepository(d.db, d.config.TABLE_NAME, d.config.SCHEDULER_SHARDS);
  }

  private intervalMs(tier: SubscriptionLevel): number {
    return (
      (tier === 'PRO'
        ? this.d.config.SCHEDULER_PRO_INTERVAL_SECONDS
        : this.d.config.SCHEDULER_FREE_INTERVAL_SECONDS) * 1000
    );
  }

  /** Enqueues every due user of one shard; returns what it did. */
  async runShard(
    tier: SubscriptionLevel,
    shard: number,
    now: Date,
    tick: number,
  ): Promise<Omit<TickReport, 'shardsRun' | 'shardsSkipped'>> {
    const shardId = `${tier}#${shard}`;
    const report = { dueUsers: 0, jobsEnqueued: 0, usersAdvanced: 0, pollChainsStarted: 0 };
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.profiles.dueInShard(shardId, now.getTime(), start);
      start = page.next;
      // A page's users in parallel, so their messages share SendMessageBatch calls.
      await Promise.all(
        page.users.map(async (due) => {
          report.dueUsers += 1;
          const { userId } = due;
          if (await this.d.accountStatus?.isDeleted(userId)) return;
          const snapshot = await this.d.userConfig.get(userId);
          const polledSources = new Set<string>();
          for (const { config, source, destination } of automaticPairs(snapshot)) {
            if (this.d.poller?.isPolled(source.provider)) {
              polledSources.add(source.connectionId);
              continue;
            }
            const job = systemJob({
              trigger: 'schedule',
              occasion: tick,
              userId,
              config,
              source,
              destination,
              tier,
              requestedAt: now,
            });
            await this.d.producer.send('hotPathSync', job.message, { deduplicationId: job.deduplicationId });
            report.jobsEnqueued += 1;
          }
          for (const connectionId of polledSources)
            if (await this.d.poller!.ensureChain(userId, connectionId)) report.pollChainsStarted += 1;
          // Only after every job of the user is on the queue; conditional on what we read, so a
          // concurrent change (tier switch, another tick) is not overwritten.
          if (await this.profiles.advanceNextSync(due, now.getTime() + this.intervalMs(tier)))
            report.usersAdvanced += 1;
        }),
      );
    } while (start);
    return report;
  }

  /** Every tier and shard this worker can claim for the tick that contains `now`. */
  async runTick(now = clock.date()): Promise<TickReport> {
    const tick = Math.floor(now.getTime() / (this.d.config.SCHEDULER_TICK_SECONDS * 1000));
    const shards = TIERS.flatMap((tier) =>
      Array.from({ length: this.d.config.SCHEDULER_SHARDS }, (_, shard) => ({ tier, shard })),
    );
    const report: TickReport = {
      shardsRun: 0,
      shardsSkipped: 0,
      dueUsers: 0,
      pollChainsStarted: 0,
      jobsEnqueued: 0,
      usersAdvanced: 0,
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: this.d.concurrency ?? 4 }, async () => {
        for (let i = next++; i < shards.length; i = next++) {
          const { tier, shard } = shards[i]!;
          if (!(await this.locks.claimTick(`${tier}#${shard}`, tick))) {
            report.shardsSkipped += 1;
            continue;
          }
          const r = await this.runShard(tier, shard, now, tick);
          report.shardsRun += 1;
          report.dueUsers += r.dueUsers;
          report.jobsEnqueued += r.jobsEnqueued;
          report.usersAdvanced += r.usersAdvanced;
          report.pollChainsStarted += r.pollChainsStarted;
        }
      }),
    );
    await this.d.producer.drain();
    return report;
  }

  start(): void {
    const run = () => {
      this.running ??= this.runTick()
        .then((r) => {
          if (r.dueUsers > 0) this.d.logger.info(r, 'scheduler tick');
        })
        .catch((error: unknown) =>
          this.d.logger.error({ err: error }, 'scheduler tick failed; the next tick retries'),
        )
        .finally(() => (this.running = undefined));
    };
    this.timer = setInterval(run, this.d.config.SCHEDULER_TICK_SECONDS * 1000);
    this.timer.unref();
    run();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
