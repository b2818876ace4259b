// Removing a connection (DELETE /v1/connections/{id}, and each connection of an account being
// deleted): the grant is revoked at the provider first, then the connection goes locally (its sync
// configurations first, spec C-009, then the CONN item, the PROVIDERUSER link, cached copies), then
// the tokens. When the provider cannot take the revocation now, the connection still goes, but the
// tokens stay and a PendingRevocation (REVOKE#{connectionId}) is written BEFORE anything is deleted,
// so a crash never loses the pointer to tokens still live at the provider; the worker's sweep
// retries it (`retryPending`) with backoff and, after the last attempt, deletes the tokens anyway.
// Everything here is idempotent: a second call finds nothing left, or finishes what a crash left.
import type { UserConfigCache } from '../cache/userConfigCache.js';
import type { CloudProvider } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { RevocationHooks, RevocationResult, TokenRevoker } from '../oauth/tokenRevoker.js';
import { isCloudProvider } from '../providers/profiles.js';
import { backoffMs, type BackoffPolicy } from '../retry/backoff.js';
import type { ProviderTokens } from '../secrets/providerTokens.js';
import {
  InvalidSecretRefError,
  SecretCorruptedError,
  SecretNotFoundError,
  type SecretStore,
} from '../secrets/secretStore.js';
import type { ConnectionRecord, ConnectionRepository } from '../store/connectionRepository.js';
import type {
  PendingRevocationRecord,
  PendingRevocationRepository,
} from '../store/pendingRevocationRepository.js';
import type { ProviderUserIndex } from '../store/providerUserIndex.js';
import type { SyncConfigRepository } from '../store/syncConfigRepository.js';
import { clock } from '../clock/clock.js';

/**
 * What became of the grant at the provider:
 * - `revoked`: the provider confirmed (or no longer knew it); the tokens are deleted;
 * - `pending`: the provider could not be asked; the tokens are kept and the worker retries;
 * - `grant_in_use`: another connection holds the same provider account (a reconnect, or another
 *   SyncWell user), and revoking would cut it off: the tokens are deleted, the grant left alone;
 * - `no_credentials`: nothing usable was stored (OAuth never completed, secret gone or unusable);
 * - `not_applicable`: a device store (Apple Health, Health Connect): no tokens exist.
 */
export type RevocationState = 'revoked' | 'pending' | 'grant_in_use' | 'no_credentials' | 'not_applicable';

export interface RemovalResult {
  connectionId: string;
  revocation: RevocationState;
  /** `pending` only: when the provider said to come back, if it did. */
  retryAfterSeconds?: number;
}

/** What one retry of a pending revocation did. */
export type RetryResult = 'revoked' | 'rescheduled' | 'abandoned' | 'grant_in_use' | 'no_credentials';

export interface RevocationRetryPolicy extends BackoffPolicy {
  /** Attempts in all, the one at deletion included; after the last the tokens are deleted anyway. */
  maxAttempts: number;
}

export interface ConnectionRemovalDeps {
  connections: Pick<ConnectionRepository, 'delete' | 'listByUser'>;
  syncConfigs: Pick<SyncConfigRepository, 'deleteForConnection'>;
  providerUsers: Pick<ProviderUserIndex, 'resolve' | 'unlink'>;
  /** Drops every cached copy of the user's connections and configurations. */
  userConfig: Pick<UserConfigCache, 'invalidate'>;
  secrets: SecretStore;
  revoker: TokenRevoker;
  pending: PendingRevocationRepository;
  retry: RevocationRetryPolicy;
  logger: Logger;
  now?: () => number;
}

type Stored = { tokens: ProviderTokens } | { state: 'no_credentials' } | { unavailable: string };

export class ConnectionRemoval {
  private readonly now: () => number;

  constructor(private readonly d: ConnectionRemovalDeps) {
    this.now = d.now ?? clock.now;
  }

  /**
   * Revokes (or records the pending revocation), then deletes the connection and what belongs to
   * it. `connection` is the caller's current copy of the CONN item; calling again with it after a
   * crash, or after a completed removal, is safe.
   */
  async remove(userId: string, connection: ConnectionRecord, signal?: AbortSignal): Promise<RemovalResult> {
    const { connectionId } = connection;
    const provider = connection.provider;
    const log = this.d.logger.child({ connectionId, provider });
    if (!isCloudProvider(provider)) {
      await this.deleteLocally(userId, connection);
      return { connectionId, revocation: 'not_applicable' };
    }
    const ref = connection.credentialRef;
    let state: RevocationState;
    let retryAfterSeconds: number | undefined;
    if (!ref) state = 'no_credentials';
    else if (await this.grantInUse(userId, provider, connectionId, connection.providerUserId))
      state = 'grant_in_use';
    else {
      const result = await this.revokeStored(provider, ref, signal);
      if (result === 'no_credentials') state = 'no_credentials';
      else if (result.outcome === 'revoked') state = 'revoked';
      else {
        state = 'pending';
        retryAfterSeconds = result.retryAfterSeconds;
        // First, so that nothing below can lose the pointer to tokens still live at the provider.
        const now = this.now();
        await this.d.pending.record({
          userId,
          connectionId,
          provider,
          credentialRef: ref,
          ...(connection.providerUserId ? { providerUserId: connection.providerUserId } : {}),
          attempts: 1,
          nextAttemptAt: now + backoffMs(1, this.d.retry, (retryAfterSeconds ?? 0) * 1000),
          createdAt: new Date(now).toISOString(),
          lastError: result.reason,
        });
      }
    }
    await this.deleteLocally(userId, connection);
    if (state !== 'pending' && ref) {
      await this.deleteSecret(ref, log);
      // A pending revocation an earlier, interrupted removal left behind is settled too.
      await this.d.pending.delete(userId, connectionId);
    }
    log.debug({ revocation: state }, 'connection removed');
    return {
      connectionId,
      revocation: state,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    };
  }

  /**
   * One retry of a pending revocation the caller has claimed (its attempt already counted; `now` is
   * the sweep's time). Revoked: tokens and item deleted. Still unavailable: rescheduled with
   * backoff, or after the last attempt the tokens are deleted anyway and the abandonment logged.
   */
  async retryPending(
    pending: PendingRevocationRecord,
    now: number,
    signal?: AbortSignal,
  ): Promise<RetryResult> {
    const { userId, connectionId, provider, credentialRef } = pending;
    const log = this.d.logger.child({ connectionId, provider, attempt: pending.attempts });
    const settle = async (result: RetryResult): Promise<RetryResult> => {
      if (!(await this.deleteSecret(credentialRef, log))) {
        // The item is the only pointer to these tokens: kept, so the next sweep deletes them.
        const next = now + backoffMs(pending.attempts, this.d.retry);
        await this.d.pending.reschedule(userId, connectionId, next, 'secret not deleted');
        return 'rescheduled';
      }
      await this.d.pending.delete(userId, connectionId);
      log.info({ revocation: result }, 'pending revocation settled');
      return result;
    };
    if (await this.grantInUse(userId, provider, connectionId, pending.providerUserId))
      return settle('grant_in_use');
    const result = await this.revokeStored(provider, credentialRef, signal);
    if (result === 'no_credentials') return settle('no_credentials');
    if (result.outcome === 'revoked') return settle('revoked');
    if (pending.attempts >= this.d.retry.maxAttempts) {
      log.warn(
        { attempts: pending.attempts, reason: result.reason },
        'revocation abandoned after the last attempt: tokens deleted without revoking them at the provider',
      );
      return settle('abandoned');
    }
    const floor = (result.retryAfterSeconds ?? 0) * 1000;
    await this.d.pending.reschedule(
      userId,
      connectionId,
      now + backoffMs(pending.attempts, this.d.retry, floor),
      result.reason,
    );
    log.info({ reason: result.reason }, 'revocation still unavailable; rescheduled');
    return 'rescheduled';
  }

  /** Revokes with the stored tokens, keeping the store current when the revoker refreshes them. */
  private async revokeStored(
    provider: CloudProvider,
    ref: string,
    signal?: AbortSignal,
  ): Promise<RevocationResult | 'no_credentials'> {
    const stored = await this.readTokens(ref);
    if ('state' in stored) return stored.state;
    if ('unavailable' in stored) return { outcome: 'unavailable', reason: stored.unavailable };
    const hooks: RevocationHooks = {
      onTokensRefreshed: (tokens) => this.d.secrets.put(ref, tokens),
      reloadTokens: async () => {
        const again = await this.readTokens(ref);
        return 'tokens' in again ? again.tokens : undefined;
      },
    };
    return this.d.revoker.revoke(provider, stored.tokens, signal, hooks);
  }

  private async readTokens(ref: string): Promise<Stored> {
    try {
      return { tokens: await this.d.secrets.get(ref) };
    } catch (error) {
      if (
        error instanceof SecretNotFoundError ||
        error instanceof SecretCorruptedError ||
        error instanceof InvalidSecretRefError
      )
        return { state: 'no_credentials' };
      // The store is down (SecureStorageUnavailableError or anything unexpected): try again later.
      return { unavailable: 'secret store unavailable' };
    }
  }

  /**
   * Whether another connection holds the same provider account: the PROVIDERUSER link names
   * another connection (a reconnect, or another SyncWell user), or, where the provider gives no
   * account id (Google Fit), the user has another connection to that provider. Revoking would
   * end that connection's grant too (every provider here revokes per user and app).
   */
  private async grantInUse(
    userId: string,
    provider: CloudProvider,
    connectionId: string,
    providerUserId: string | undefined,
  ): Promise<boolean> {
    if (providerUserId) {
      const link = await this.d.providerUsers.resolve(provider, providerUserId);
      return link !== undefined && link.connectionId !== connectionId;
    }
    const others = await this.d.connections.listByUser(userId);
    return others.some(
      (c) => c.connectionId !== connectionId && c.provider === provider && c.status !== 'pending',
    );
  }

  private async deleteLocally(userId: string, connection: ConnectionRecord): Promise<void> {
    await this.d.syncConfigs.deleteForConnection(userId, connection.connectionId);
    await this.d.connections.delete(userId, connection.connectionId);
    if (connection.providerUserId && isCloudProvider(connection.provider))
      await this.d.providerUsers.unlink(
        connection.provider,
        connection.providerUserId,
        connection.connectionId,
      );
    await this.d.userConfig.invalidate(userId);
  }

  /**
   * Whether the tokens are gone. After a removal a failure leaves an orphan secret (logged), never
   * a live pointer: the connection is gone already. A ref that is no secret-store pointer has none.
   */
  private async deleteSecret(ref: string, log: Logger): Promise<boolean> {
    try {
      await this.d.secrets.delete(ref);
      return true;
    } catch (error) {
      if (error instanceof InvalidSecretRefError) return true;
      log.warn({ err: error }, 'credentials not deleted');
      return false;
    }
  }
}
