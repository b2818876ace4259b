// Tier 2 of the seed's polling (§3f), the PollingPreflightChecker: consumes PollScheduled. A hop
// with time still to wait goes back on the queue; a due check asks the source provider one cheap
// question per data type (`hasNewData` since the last check) and enqueues a full hot-path sync
// (`trigger: poll`) only for configurations whose data type changed. Either way it schedules the
// connection's next check (the seed's checker "does nothing" on no data, which would end the
// chain; here the chain goes on, only further apart). Checks spend the provider budget at low
// priority and write nothing to DynamoDB.
import { createTunables, type Tunables } from '../../core/config/tunables.js';
import type { Config } from '../../core/config/config.js';
import type { DataType } from '../../core/domain/types.js';
import type { Logger } from '../../core/logging/logger.js';
import type { Delivery, Outcome } from '../../core/messaging/outcome.js';
import type { MessageProducer } from '../../core/messaging/producer.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';
import type { ProviderManager } from '../../core/providers/providerManager.js';
import { classifyFailure } from '../../core/sync/jobErrors.js';
import { systemJob } from '../sync/systemJob.js';
import type { PollScheduled } from '../../generated/messages.gen.js';
import { sendPollHop } from './pollHops.js';
import type { ProviderContexts } from '../../core/sync/providerContexts.js';
import type { AdaptivePoller } from './adaptivePoller.js';
import type { PollState } from './pollState.js';
import { clock } from '../../core/clock/clock.js';
import type { AccountStatus } from '../../core/account/accountStatus.js';

export interface PreflightDeps {
  config: Config;
  logger: Logger;
  poller: AdaptivePoller;
  state: PollState;
  producer: Pick<MessageProducer, 'send'>;
  providers: ProviderManager;
  contexts: ProviderContexts;
  profiles: ProfileRepository;
  /** A deleted account's chains end at their next hop. */
  accountStatus: Pick<AccountStatus, 'isDeleted'>;
  now?: () => Date;
  /** The poll bounds as operators tune them; the environment's when absent. */
  tunables?: Pick<Tunables, 'pollIntervals'>;
}

export interface PreflightStats {
  /** Hops re-sent towards a later check. */
  hops: number;
  /**
   * Due checks run (one per message, whatever the number of data types). This and the two counts
   * below move together once the next check is scheduled: whoever reads them also sees the
   * connection's new chain head.
   */
  checks: number;
  /** Checks that found new data for at least one data type. */
  checksWithNewData: number;
  /** Full sync jobs enqueued. */
  jobs: number;
  /** `hasNewData` requests made. */
  providerCalls: number;
  /** Hops of a chain a newer schedule replaced. */
  superseded: number;
  /** Chains ended: connection gone or revoked, nothing left to sync from it. */
  stopped: number;
}

export class PreflightChecker {
  readonly stats: PreflightStats = {
    hops: 0,
    checks: 0,
    checksWithNewData: 0,
    jobs: 0,
    providerCalls: 0,
    superseded: 0,
    stopped: 0,
  };
  private readonly now: () => Date;

  private readonly tunables: Pick<Tunables, 'pollIntervals'>;

  constructor(private readonly d: PreflightDeps) {
    this.now = d.now ?? (() => clock.date());
    this.tunables = d.tunables ?? createTunables(d.config);
  }

  async handle(poll: PollScheduled, delivery: Delivery): Promise<Outcome> {
    if (await this.d.accountStatus.isDeleted(poll.userId)) {
      this.stats.stopped += 1;
      this.d.logger.info({ connectionId: poll.connectionId }, 'poll chain ended: the account was deleted');
      return { kind: 'done' };
    }
    if (!(await this.d.state.isCurrent(poll.connectionId, poll.scheduledFor))) {
      this.stats.superseded += 1;
      return { kind: 'done' };
    }
    if (poll.remainingDelaySeconds > 0) {
      const { schemaVersion: _v, remainingDelaySeconds, ...rest } = poll;
      await sendPollHop(this.d.producer, rest, remainingDelaySeconds, this.d.config.POLL_MAX_HOP_SECONDS);
      this.stats.hops += 1;
      return { kind: 'done' };
    }

    const target = await this.d.poller.targetOf(poll.userId, poll.connectionId);
    const provider = target && this.d.providers.get(target.connection.provider);
    if (!target || !provider) {
      await this.d.state.clear(poll.connectionId);
      this.stats.stopped += 1;
      this.d.logger.info(
        { connectionId: poll.connectionId },
        'poll chain ended: nothing to sync from this connection',
      );
      return { kind: 'done' };
    }

    const checkedAt = this.now();
    const since = poll.lastCheckedAt
      ? new Date(poll.lastCheckedAt)
      : new Date(checkedAt.getTime() - this.tunables.pollIntervals().maxSeconds * 1000);
    const counter = { calls: 0 };
    const ctx = this.d.contexts.forConnection(target.connection, 'low', counter);
    const changed: DataType[] = [];
    try {
      for (const dataType of target.dataTypes)
        if (await provider.hasNewData(ctx, dataType, since)) changed.push(dataType);
    } catch (error) {
      const failure = classifyFailure(error);
      const log = { connectionId: poll.connectionId, code: failure.code, attempt: delivery.receiveCount };
      const retryAfter =
        failure.retryAfterSeconds !== undefined ? { retryAfterSeconds: failure.retryAfterSeconds } : {};
      if (failure.kind === 'defer') return { kind: 'defer', ...retryAfter };
      if (failure.kind === 'fail') {
        // Revoked credentials and the like: the connection shows needs_reauth; reconnecting syncs
        // it, and that sync starts a new chain.
        await this.d.state.clear(poll.connectionId);
        this.stats.stopped += 1;
        this.d.logger.warn(log, 'poll chain ended: pre-flight check failed for good');
        return { kind: 'done' };
      }
      if (!delivery.isLastAttempt) {
        this.d.logger.warn(log, 'pre-flight check failed; retrying');
        return { kind: 'retry', code: failure.code, ...retryAfter };
      }
      // A provider outage must not end the chain: try again at the usual interval.
      this.d.logger.warn(log, 'pre-flight check kept failing; next check scheduled');
      await this.d.poller.scheduleNext(target, { checkedAt: since, newData: false });
      return { kind: 'done' };
    } finally {
      this.stats.providerCalls += counter.calls;
    }
    let enqueued = 0;
    if (changed.length > 0) {
      const tier = (await this.d.profiles.get(poll.userId))?.subscriptionLevel ?? 'FREE';
      for (const { config, destination } of target.configs) {
        if (!changed.includes(config.dataType)) continue;
        // One job per configuration and check, however often this message is delivered.
        const job = systemJob({
          trigger: 'poll',
          occasion: poll.scheduledFor,
          userId: poll.userId,
          config,
          source: target.connection,
          destination,
          tier,
          requestedAt: checkedAt,
          correlationId: delivery.originMessageId,
        });
        await this.d.producer.send('hotPathSync', job.message, { deduplicationId: job.deduplicationId });
        enqueued += 1;
      }
    }
    await this.d.poller.scheduleNext(target, { checkedAt, newData: changed.length > 0 });
    this.stats.checks += 1;
    if (changed.length > 0) this.stats.checksWithNewData += 1;
    this.stats.jobs += enqueued;
    return { kind: 'done' };
  }
}
