// The coalescer (seed §3 Model 4, CoalescingTriggerLambda's role): consumes the webhook buffer
// queue (a 60 s delivery delay gathers bursts) and turns events into hot-path jobs — ONE job per
// sync configuration per window, however many events arrived. The first event of a window claims
// it (`coalesce##{configId}`, SET NX EX window in Redis) and sends the job; the job's
// deduplication id is derived from the configuration and the window, so even without Redis the
// FIFO queue drops a second job of the same window. Unknown owners are acknowledged and dropped;
// a deauthorization (an event in the provider profile's `revocationEvents`) marks the connection
// revoked. A configuration whose destination is missing or not active gets no job (it could only
// fail): it is counted, and logged once per window.
import { createTunables, type Tunables } from '../../core/config/tunables.js';
import { LRUCache } from 'lru-cache';
import type { Redis } from '../../core/cache/redis.js';
import { coalesceWindowKey } from '../../core/cache/redisKeys.js';
import type { UserConfigCache } from '../../core/cache/userConfigCache.js';
import type { Config } from '../../core/config/config.js';
import type { Logger } from '../../core/logging/logger.js';
import { isRevocationEvent } from '../../core/providers/profiles.js';
import type { Outcome } from '../../core/messaging/outcome.js';
import type { MessageProducer } from '../../core/messaging/producer.js';
import type { ConnectionRepository } from '../../core/store/connectionRepository.js';
import type { ProfileRepository } from '../../core/store/profileRepository.js';
import type { ProviderUserIndex } from '../../core/store/providerUserIndex.js';
import type { WebhookEventReceived } from '../../generated/messages.gen.js';
import type { Delivery } from '../../core/messaging/outcome.js';
import { systemJob } from '../sync/systemJob.js';
import { clock } from '../../core/clock/clock.js';
import type { AccountStatus } from '../../core/account/accountStatus.js';
import { coalescerJobs, webhookEvents } from '../../core/observability/metrics.js';

export interface CoalescerDeps {
  config: Config;
  logger: Logger;
  redis: Redis;
  providerUsers: ProviderUserIndex;
  userConfig: UserConfigCache;
  profiles: ProfileRepository;
  connections: ConnectionRepository;
  producer: Pick<MessageProducer, 'send'>;
  /** Webhooks of a deleted account's provider accounts are dropped. */
  accountStatus: Pick<AccountStatus, 'isDeleted'>;
  /** The coalescing window as operators tune it; the environment's when absent. */
  tunables?: Pick<Tunables, 'coalescingWindowSeconds'>;
  now?: () => Date;
}

export class Coalescer {
  private readonly now: () => Date;
  /** For tests and benchmarks. */
  readonly stats = {
    events: 0,
    jobs: 0,
    coalesced: 0,
    unknownOwners: 0,
    /** Events of an account being deleted (until its PROVIDERUSER# links are gone, then unknown owners). */
    deletedAccounts: 0,
    revoked: 0,
    inactiveDestinations: 0,
  };
  /** Destinations already reported as inactive in this window (one log line, not one per event). */
  private readonly reportedInactive: LRUCache<string, true>;

  private readonly tunables: Pick<Tunables, 'coalescingWindowSeconds'>;

  constructor(private readonly d: CoalescerDeps) {
    this.now = d.now ?? (() => clock.date());
    this.tunables = d.tunables ?? createTunables(d.config);
    // Each entry's TTL is the window in force when it is set (LRUCache's per-entry ttl).
    this.reportedInactive = new LRUCache({ max: 10_000, ttl: 60_000 });
  }

  /** First event of the window for this configuration? Redis trouble: let FIFO dedup decide. */
  private async claimWindow(configId: string): Promise<boolean> {
    try {
      const set = await this.d.redis.set(
        coalesceWindowKey(configId),
        '1',
        'EX',
        this.tunables.coalescingWindowSeconds(),
        'NX',
      );
      return set === 'OK';
    } catch {
      return true;
    }
  }

  /** Gives a claimed window back; best effort (without it the window's TTL frees it). */
  private async releaseWindow(configId: string): Promise<void> {
    await this.d.redis.del(coalesceWindowKey(configId)).catch(() => undefined);
  }

  async handle(event: WebhookEventReceived, delivery: Delivery): Promise<Outcome> {
    this.stats.events += 1;
    const result = await this.route(event, delivery);
    webhookEvents.inc({ result });
    return { kind: 'done' };
  }

  /** What became of one event (the metric's `result`); throws to have it delivered again. */
  private async route(
    event: WebhookEventReceived,
    delivery: Delivery,
  ): Promise<'enqueued' | 'coalesced' | 'revocation' | 'dropped'> {
    const link =
      event.userId && event.connectionId
        ? { userId: event.userId, connectionId: event.connectionId }
        : await this.d.providerUsers.resolve(event.provider as 'strava', event.providerUserId);
    if (!link) {
      // Never retried: the provider knows a user we do not (deleted connection, another env).
      this.stats.unknownOwners += 1;
      this.d.logger.info(
        { provider: event.provider, eventType: event.eventType },
        'webhook for an unknown owner dropped',
      );
      return 'dropped';
    }
    if (await this.d.accountStatus.isDeleted(link.userId)) {
      this.stats.deletedAccounts += 1;
      this.d.logger.info({ provider: event.provider }, 'webhook of a deleted account dropped');
      return 'dropped';
    }
    const now = this.now();
    const nowIso = now.toISOString();
    if (isRevocationEvent(event.provider, event.eventType)) {
      await this.d.connections.markRevoked(link.userId, link.connectionId, nowIso);
      await this.d.userConfig.invalidate(link.userId);
      this.stats.revoked += 1;
      this.d.logger.warn(
        { connectionId: link.connectionId, provider: event.provider },
        'connection revoked by the provider',
      );
      return 'revocation';
    }
    const snapshot = await this.d.userConfig.get(link.userId);
    const source = snapshot.connections.find((c) => c.connectionId === link.connectionId);
    if (!source || source.status !== 'active') return 'dropped';
    const configs = snapshot.syncConfigs.filter(
      (c) =>
        c.sourceConnectionId === link.connectionId &&
        c.isEnabled &&
        (event.dataType === null || c.dataType === event.dataType),
    );
    if (configs.length === 0) return 'dropped';
    const tier = (await this.d.profiles.get(link.userId))?.subscriptionLevel ?? 'FREE';
    const windowSeconds = this.tunables.coalescingWindowSeconds();
    const window = Math.floor(now.getTime() / 1000 / windowSeconds);
    let enqueued = 0;
    let coalesced = 0;
    for (const config of configs) {
      // Before the window's claim: a destination re-authorized a moment later gets its job at once.
      const destination = snapshot.connections.find((c) => c.connectionId === config.destinationConnectionId);
      if (destination?.status !== 'active') {
        this.stats.inactiveDestinations += 1;
        if (!this.reportedInactive.has(config.destinationConnectionId)) {
          this.reportedInactive.set(config.destinationConnectionId, true, { ttl: windowSeconds * 1000 });
          this.d.logger.info(
            {
              configId: config.configId,
              destinationConnectionId: config.destinationConnectionId,
              status: destination?.status ?? 'missing',
            },
            'webhook sync skipped: the destination connection is not active',
          );
        }
        continue;
      }
      if (!(await this.claimWindow(config.configId))) {
        this.stats.coalesced += 1;
        coalesced += 1;
        continue;
      }
      const job = systemJob({
        trigger: 'webhook',
        occasion: window,
        userId: link.userId,
        config,
        source,
        destination,
        tier,
        requestedAt: now,
        correlationId: delivery.originMessageId,
      });
      try {
        await this.d.producer.send('hotPathSync', job.message, { deduplicationId: job.deduplicationId });
      } catch (error) {
        // The event comes back (retry): the window must be free for it, or it would count as
        // coalesced into a job that was never sent. A job that did go out is deduplicated by the
        // queue (its id is the configuration's and the window's).
        await this.releaseWindow(config.configId);
        throw error;
      }
      this.stats.jobs += 1;
      coalescerJobs.inc({});
      enqueued += 1;
    }
    return enqueued > 0 ? 'enqueued' : coalesced > 0 ? 'coalesced' : 'dropped';
  }
}
