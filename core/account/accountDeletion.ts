// Account deletion (seed §3d, DELETE /v1/users/me): the consumer of UserDeletionRequested. The
// API has written the tombstone (core/store/deletedUserRepository.ts) before sending the message,
// and from then on nothing of the user runs (the API answers 410, queued jobs do nothing). This
// erases everything, in an order where a crash at any point is finished by the next delivery:
//   0. wait until USER_DELETION_SETTLE_SECONDS after the request, so no process still acts on a
//      cached "not deleted" nor finishes a job it started before (nothing is written after);
//   1. PROVIDERUSER# links first (a webhook finds no owner), then per connection its Redis keys
//      and the connection itself through ConnectionRemoval: revocation at the provider, sync
//      configurations, the CONN item, the secret. A provider that cannot take a revocation now
//      leaves a pending revocation (REVOKE#); they are retried here, the message waiting between
//      attempts (the runtime's defer, never dead-lettered), until USER_DELETION_REVOCATION_WINDOW_SECONDS
//      after the request, when the tokens are deleted unrevoked and the abandonment is logged;
//   2. every item of the partition and every item elsewhere that names the user (UserIdIndex):
//      devices and their push-token holders, jobs, ledger, cursors, device requests, the profile
//      (so the scheduler's index entry), idempotency records, OAuth states;
//   3. the user's remaining Redis keys; 4. the staged and exported S3 objects;
//   5. the tombstone's completedAt. A redelivery after that runs the same steps and finds nothing.
import type { Config } from '../config/config.js';
import type { ConnectionRemoval } from '../connections/connectionRemoval.js';
import type { Logger } from '../logging/logger.js';
import type { Delivery, Outcome } from '../messaging/outcome.js';
import { isCloudProvider } from '../providers/profiles.js';
import type { SecretStore } from '../secrets/secretStore.js';
import type { ConnectionRecord, ConnectionRepository } from '../store/connectionRepository.js';
import type { DeletedUserRepository } from '../store/deletedUserRepository.js';
import type {
  PendingRevocationRecord,
  PendingRevocationRepository,
} from '../store/pendingRevocationRepository.js';
import type { ProviderUserIndex } from '../store/providerUserIndex.js';
import type { SyncConfigRepository } from '../store/syncConfigRepository.js';
import type { UserItemEraser } from '../store/userItemEraser.js';
import type { UserDeletionRequested } from '../../generated/messages.gen.js';
import { clock } from '../clock/clock.js';
import type { UserCacheEraser } from './userCacheEraser.js';
import type { UserObjectEraser } from './userObjectEraser.js';

export interface AccountDeletionDeps {
  config: Pick<
    Config,
    | 'USER_DELETION_SETTLE_SECONDS'
    | 'USER_DELETION_REVOCATION_WINDOW_SECONDS'
    | 'WORKER_VISIBILITY_TIMEOUT_SECONDS'
  >;
  logger: Logger;
  deletedUsers: Pick<DeletedUserRepository, 'get' | 'complete'>;
  connections: Pick<ConnectionRepository, 'listByUser'>;
  syncConfigs: Pick<SyncConfigRepository, 'listByUser'>;
  providerUsers: Pick<ProviderUserIndex, 'unlink'>;
  removal: Pick<ConnectionRemoval, 'remove' | 'retryPending'>;
  pendingRevocations: Pick<PendingRevocationRepository, 'listByUser' | 'claim' | 'delete'>;
  secrets: Pick<SecretStore, 'delete'>;
  items: Pick<UserItemEraser, 'erase'>;
  cache: Pick<UserCacheEraser, 'eraseConnection' | 'eraseUser'>;
  objects: Pick<UserObjectEraser, 'erase'>;
  now?: () => number;
}

export interface AccountDeletionStats {
  /** Deliveries that ran every step and marked the deletion complete. */
  completed: number;
  /** Deliveries sent back to wait (the settle time, a provider that cannot take a revocation yet). */
  deferred: number;
  /** Grants revoked at the provider. */
  revoked: number;
  /** Revocations given up at the end of the window: the tokens were deleted anyway. */
  revocationsAbandoned: number;
  /** Messages without a tombstone: nothing was deleted. */
  unrequested: number;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class AccountDeletion {
  readonly stats: AccountDeletionStats = {
    completed: 0,
    deferred: 0,
    revoked: 0,
    revocationsAbandoned: 0,
    unrequested: 0,
  };
  private readonly now: () => number;

  constructor(private readonly d: AccountDeletionDeps) {
    this.now = d.now ?? clock.now;
  }

  async handle(message: UserDeletionRequested, _delivery: Delivery, signal?: AbortSignal): Promise<Outcome> {
    const { userId } = message;
    const log = this.d.logger.child({ userId });
    const deletion = await this.d.deletedUsers.get(userId);
    if (!deletion) {
      // Only the API sends this, after writing the tombstone: without one, nobody asked.
      this.stats.unrequested += 1;
      log.error('account deletion message without a recorded request: nothing deleted');
      return { kind: 'done' };
    }
    const requestedAt = Date.parse(deletion.requestedAt);
    const now = this.now();
    const settledAt = requestedAt + this.d.config.USER_DELETION_SETTLE_SECONDS * 1000;
    if (now < settledAt) return this.defer(settledAt - now, settledAt - now);

    // 1. Links, then each connection: revoked at its provider, deleted with its tokens.
    const connections = await this.d.connections.listByUser(userId);
    const configs = await this.d.syncConfigs.listByUser(userId);
    for (const c of connections)
      if (c.providerUserId && isCloudProvider(c.provider))
        await this.d.providerUsers.unlink(c.provider, c.providerUserId, c.connectionId);
    for (const connection of connections) {
      signal?.throwIfAborted();
      await this.removeConnection(userId, connection, configs, signal, log);
    }
    const deadline = requestedAt + this.d.config.USER_DELETION_REVOCATION_WINDOW_SECONDS * 1000;
    const waitMs = await this.settleRevocations(userId, deadline, signal, log);
    if (waitMs !== undefined) return this.defer(waitMs, deadline - this.now());

    // 2. Items; 3. Redis; 4. S3 (devices and push tokens go with the items).
    signal?.throwIfAborted();
    const items = await this.d.items.erase(userId);
    signal?.throwIfAborted();
    const keys = await this.d.cache.eraseUser(userId);
    const objects = await this.d.objects.erase(userId);

    // 5. Done.
    await this.d.deletedUsers.complete(userId, new Date(this.now()).toISOString());
    this.stats.completed += 1;
    log.info(
      { connections: connections.length, ...items, redisKeys: keys, objects },
      deletion.completedAt ? 'account deletion run again (a repeated request)' : 'account deleted',
    );
    return { kind: 'done' };
  }

  private async removeConnection(
    userId: string,
    connection: ConnectionRecord,
    configs: readonly { configId: string; sourceConnectionId: string; destinationConnectionId: string }[],
    signal: AbortSignal | undefined,
    log: Logger,
  ): Promise<void> {
    const { connectionId } = connection;
    // Before the items that hold these ids go: afterwards nothing could name the keys.
    const configIds = configs
      .filter((c) => c.sourceConnectionId === connectionId || c.destinationConnectionId === connectionId)
      .map((c) => c.configId);
    await this.d.cache.eraseConnection(connection, configIds);
    const removed = await this.d.removal.remove(userId, connection, signal);
    if (removed.revocation === 'revoked') this.stats.revoked += 1;
    log.info(
      { connectionId, provider: connection.provider, revocation: removed.revocation },
      'connection removed',
    );
  }

  /**
   * Retries the user's pending revocations that are due (this run's and any an earlier connection
   * deletion left). Returns how long to wait for the next one, or undefined when none is left.
   * Past `deadline` the tokens are deleted without revoking them.
   */
  private async settleRevocations(
    userId: string,
    deadline: number,
    signal: AbortSignal | undefined,
    log: Logger,
  ): Promise<number | undefined> {
    let waitMs: number | undefined;
    const waitFor = (ms: number) => (waitMs = Math.min(waitMs ?? ms, ms));
    for (const pending of await this.d.pendingRevocations.listByUser(userId)) {
      const now = this.now();
      if (now >= deadline) {
        await this.abandon(pending, log);
        continue;
      }
      if (pending.nextAttemptAt > now) {
        waitFor(pending.nextAttemptAt - now);
        continue;
      }
      // Claimed like the revocation sweep claims it, so the two never run the same attempt.
      const claimed = await this.d.pendingRevocations.claim(
        { userId, connectionId: pending.connectionId, nextAttemptAt: pending.nextAttemptAt },
        now + this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000,
      );
      if (!claimed) {
        waitFor(this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000);
        continue;
      }
      const result = await this.d.removal.retryPending(claimed, now, signal);
      if (result === 'revoked') this.stats.revoked += 1;
      if (result === 'rescheduled') waitFor(this.d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS * 1000);
      if (result === 'abandoned') this.stats.revocationsAbandoned += 1;
    }
    return waitMs === undefined ? undefined : Math.min(waitMs, Math.max(deadline - this.now(), 0));
  }

  /** The user asked for deletion: tokens the provider would not revoke in time are deleted anyway. */
  private async abandon(pending: PendingRevocationRecord, log: Logger): Promise<void> {
    await this.d.secrets.delete(pending.credentialRef);
    await this.d.pendingRevocations.delete(pending.userId, pending.connectionId);
    this.stats.revocationsAbandoned += 1;
    log.warn(
      { connectionId: pending.connectionId, provider: pending.provider, attempts: pending.attempts },
      'revocation abandoned: the account is deleted, its tokens deleted without revoking them at the provider',
    );
  }

  private defer(waitMs: number, maxMs: number): Outcome {
    this.stats.deferred += 1;
    return {
      kind: 'defer',
      retryAfterSeconds: seconds(waitMs),
      maxDelaySeconds: seconds(Math.max(waitMs, maxMs)),
    };
  }
}
