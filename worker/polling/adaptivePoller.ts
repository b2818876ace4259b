// Tier 1 of the seed's polling (§3f): after a sync of a connection whose provider has no webhooks,
// and after every empty pre-flight check, enqueue the connection's next check on the poll-schedule
// queue, delayed by the connection's "sync velocity" (pollPlanner.ts). Long waits hop through the
// queue (pollHops.ts), so no scheduler GSI write is needed for them.
import { createTunables, type Tunables } from '../../core/config/tunables.js';
import type { UserConfigCache } from '../../core/cache/userConfigCache.js';
import type { Config } from '../../core/config/config.js';
import type { CloudProvider, DataType } from '../../core/domain/types.js';
import type { Logger } from '../../core/logging/logger.js';
import type { MessageProducer } from '../../core/messaging/producer.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { SyncConfigRecord } from '../../core/store/syncConfigRepository.js';
import type { HotPathSyncRequested, PollScheduled } from '../../generated/messages.gen.js';
import type { ProviderManager } from '../../core/providers/providerManager.js';
import type { SyncRunResult } from '../../core/sync/syncManager.js';
import { automaticPairs } from '../../core/sync/automaticPairs.js';
import { sendPollHop } from './pollHops.js';
import { nextPollDelaySeconds } from './pollPlanner.js';
import type { PollState } from './pollState.js';
import { clock } from '../../core/clock/clock.js';

/** A polled source connection and its enabled sync configurations. */
export interface PollTarget {
  connection: ConnectionRecord;
  /** Enabled configurations from this connection whose destination is active, with that destination. */
  configs: Array<{ config: SyncConfigRecord; destination: ConnectionRecord }>;
  dataTypes: DataType[];
}

export interface AdaptivePollerDeps {
  config: Config;
  logger: Logger;
  producer: Pick<MessageProducer, 'send'>;
  state: PollState;
  userConfig: UserConfigCache;
  providers: ProviderManager;
  now?: () => Date;
  /** The poll bounds as operators tune them; the environment's when absent. */
  tunables?: Pick<Tunables, 'pollIntervals'>;
}

export class AdaptivePoller {
  private readonly now: () => Date;

  private readonly tunables: Pick<Tunables, 'pollIntervals'>;

  constructor(private readonly d: AdaptivePollerDeps) {
    this.now = d.now ?? (() => clock.date());
    this.tunables = d.tunables ?? createTunables(d.config);
  }

  /** True for providers SyncWell must poll (no webhooks). */
  isPolled(provider: string): boolean {
    return this.d.providers.get(provider as CloudProvider)?.changeNotifications === 'poll';
  }

  /** The connection as a poll target, or undefined when it is not active or nothing syncs from it. */
  async targetOf(userId: string, connectionId: string): Promise<PollTarget | undefined> {
    const snapshot = await this.d.userConfig.get(userId);
    const connection = snapshot.connections.find((c) => c.connectionId === connectionId);
    if (connection?.status !== 'active' || !this.isPolled(connection.provider)) return undefined;
    // The scheduler's own rule: a chain that outlives it (Health Connect connected again, so Google
    // Fit is device first once more) ends at its next check.
    const configs = automaticPairs(snapshot)
      .filter((pair) => pair.source.connectionId === connectionId)
      .map(({ config, destination }) => ({ config, destination }));
    if (configs.length === 0) return undefined;
    return { connection, configs, dataTypes: [...new Set(configs.map((c) => c.config.dataType))] };
  }

  /**
   * Enqueues the next check. `checkedAt`: the provider was read up to then (the next check asks
   * for anything newer); `newData`: this sync or check found some (the user is active).
   */
  async scheduleNext(
    target: PollTarget,
    seen: { checkedAt: Date; newData: boolean },
  ): Promise<PollScheduled> {
    const now = this.now();
    const id = target.connection.connectionId;
    const lastNewDataAt = seen.newData ? now : await this.d.state.lastNewDataAt(id);
    const wait = nextPollDelaySeconds(now, lastNewDataAt, this.tunables.pollIntervals());
    return this.enqueue(target, {
      now,
      waitSeconds: wait,
      lastCheckedAt: seen.checkedAt.toISOString(),
      ...(seen.newData ? { newDataAt: now } : {}),
    });
  }

  /** Moves the connection's chain head, then sends the check (or its first hop). */
  private async enqueue(
    target: PollTarget,
    next: { now: Date; waitSeconds: number; lastCheckedAt: string | null; newDataAt?: Date },
  ): Promise<PollScheduled> {
    const id = target.connection.connectionId;
    const scheduledFor = new Date(next.now.getTime() + next.waitSeconds * 1000).toISOString();
    // The chain head first: should the send fail, the previous chain is dropped at its next hop
    // and the error reaches the caller (its message is received again and reschedules, or the
    // scheduler's ensureChain finds the chain overdue and starts it again).
    await this.d.state.schedule(id, scheduledFor, next.newDataAt);
    return sendPollHop(
      this.d.producer,
      {
        userId: target.connection.userId,
        connectionId: id,
        provider: target.connection.provider,
        dataTypes: target.dataTypes,
        scheduledFor,
        lastCheckedAt: next.lastCheckedAt,
      },
      next.waitSeconds,
      this.d.config.POLL_MAX_HOP_SECONDS,
    );
  }

  /**
   * The tiered scheduler's safety net for polled sources: starts a check now unless the
   * connection's chain is alive (its next check not overdue by more than two hops). Returns
   * true when it started one. A chain can die only when a send fails after its head was moved.
   */
  async ensureChain(userId: string, connectionId: string): Promise<boolean> {
    const now = this.now();
    const next = await this.d.state.next(connectionId);
    const graceMs = (this.d.config.POLL_MAX_HOP_SECONDS * 2 + 60) * 1000;
    if (next && Date.parse(next) + graceMs > now.getTime()) return false;
    const target = await this.targetOf(userId, connectionId);
    if (!target) return false;
    // Never checked by this chain: the check looks back one longest interval.
    await this.enqueue(target, { now, waitSeconds: 0, lastCheckedAt: null });
    return true;
  }

  /**
   * After a hot-path sync: a polled source gets its next check. Jobs the checker itself started
   * (`poll`) are skipped, it already scheduled one. Best effort: the sync's outcome stands anyway.
   */
  async afterSync(message: HotPathSyncRequested, result: SyncRunResult, readUpTo: Date): Promise<void> {
    if (message.trigger === 'poll' || !this.isPolled(message.sourceProvider)) return;
    try {
      const target = await this.targetOf(message.userId, message.sourceConnectionId);
      if (target)
        await this.scheduleNext(target, { checkedAt: readUpTo, newData: result.recordsWritten > 0 });
    } catch (error) {
      this.d.logger.warn({ err: error, connectionId: message.sourceConnectionId }, 'next poll not scheduled');
    }
  }
}
