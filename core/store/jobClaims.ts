// The worker's hold on a hot-path job: QUEUED → RUNNING by a claim naming the message's origin id,
// with a lease; RUNNING → SUCCEEDED/FAILED or back to QUEUED only by the claim holder.
import type { SyncJob } from '../domain/types.js';
import { retryingWhile } from '../retry/backoff.js';
import { isConditionalCheckFailed, type DocumentStore } from './documentStore.js';
import { jobKey, toRecord, type SyncJobItem, type SyncJobRecord } from './syncJobRecords.js';
import { APPEND_HISTORY, historyValues, trimExpression } from './jobHistory.js';

export type ClaimOutcome =
  { claimed: true; record: SyncJobRecord } | { claimed: false; record: SyncJobRecord | undefined };

/** Three attempts in all; the race is a write landing between two calls, so the waits are short. */
const CLAIM_RACE_RETRY = { attempts: 3, baseMs: 10, maxMs: 50 };

export class JobClaims {
  constructor(
    private readonly db: DocumentStore,
    private readonly tableName: string,
  ) {}

  /**
   * The worker's claim: QUEUED → RUNNING. A job already RUNNING may be claimed again only by the
   * same logical message (a redelivery after a failed attempt: SQS shows one message to one
   * consumer at a time) or once the previous claim's lease ran out (its worker died). Terminal
   * jobs are never claimed: a duplicate delivery of a finished job does nothing.
   */
  async claim(
    userId: string,
    jobId: string,
    claim: { originMessageId: string; leaseUntilMs: number; now: Date },
  ): Promise<ClaimOutcome> {
    // The item may appear (QUEUED) between a failed attempt and the read that explains it: retry.
    return retryingWhile(
      () => this.tryClaim(userId, jobId, claim),
      (outcome) => !outcome.claimed && outcome.record?.status === 'QUEUED',
      CLAIM_RACE_RETRY,
    );
  }

  private async tryClaim(
    userId: string,
    jobId: string,
    claim: { originMessageId: string; leaseUntilMs: number; now: Date },
  ): Promise<ClaimOutcome> {
    try {
      const out = await this.db.update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: `SET #s = :running, UpdatedAt = :now, ClaimMessageId = :origin, ClaimedUntil = :lease, Attempts = if_not_exists(Attempts, :zero) + :one, ${APPEND_HISTORY}`,
        ConditionExpression:
          'attribute_exists(PK) AND (#s = :queued OR (#s = :running AND (ClaimMessageId = :origin OR ClaimedUntil < :nowMs)))',
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: {
          ':running': 'RUNNING',
          ':queued': 'QUEUED',
          ':now': claim.now.toISOString(),
          ':nowMs': claim.now.getTime(),
          ':origin': claim.originMessageId,
          ':lease': claim.leaseUntilMs,
          ':zero': 0,
          ':one': 1,
          ...historyValues({ status: 'RUNNING', at: claim.now.toISOString() }),
        },
        ReturnValues: 'ALL_NEW',
      });
      const item = out.Attributes as SyncJobItem;
      await this.trimHistory(userId, jobId, item.History?.length ?? 0);
      return { claimed: true, record: toRecord(item) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.db.get({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
      });
      return { claimed: false, record: current.Item ? toRecord(current.Item as SyncJobItem) : undefined };
    }
  }

  /**
   * RUNNING → SUCCEEDED/FAILED (or WAITING_FOR_DEVICE: a cloud → device job parks), only by the claim holder (a worker whose lease was taken over must
   * not overwrite the newer attempt's outcome). Returns false when the claim was lost.
   */
  async finish(
    userId: string,
    jobId: string,
    outcome: {
      originMessageId: string;
      status: 'SUCCEEDED' | 'FAILED' | 'WAITING_FOR_DEVICE';
      now: Date;
      result?: SyncJob['result'];
      error?: SyncJob['error'];
    },
  ): Promise<boolean> {
    const sets = ['#s = :status', 'UpdatedAt = :now', APPEND_HISTORY];
    const values: Record<string, unknown> = {
      ':status': outcome.status,
      ':now': outcome.now.toISOString(),
      ':running': 'RUNNING',
      ':origin': outcome.originMessageId,
      ...historyValues({
        status: outcome.status,
        at: outcome.now.toISOString(),
        ...(outcome.error ? { code: outcome.error.code } : {}),
      }),
    };
    if (outcome.result) {
      sets.push('#r = :result');
      values[':result'] = outcome.result;
    }
    if (outcome.error) {
      sets.push('#e = :error');
      values[':error'] = outcome.error;
    }
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE ClaimedUntil`,
        ConditionExpression: '#s = :running AND ClaimMessageId = :origin',
        ExpressionAttributeNames: {
          '#s': 'Status',
          ...(outcome.result ? { '#r': 'Result' } : {}),
          ...(outcome.error ? { '#e': 'Error' } : {}),
        },
        ExpressionAttributeValues: values,
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * QUEUED → SUCCEEDED in one write, for a delivery that ran without a claim because it found
   * nothing to write (core/sync/hotPathJob.ts): the claim and the outcome at once, so the history
   * still shows RUNNING (at `startedAt`) then SUCCEEDED. Returns false unless the job was QUEUED
   * (retried, as a claim is, when the item appears between the write and the read explaining it);
   * the caller then claims as usual, which says why (missing, running elsewhere, finished).
   */
  async finishUnclaimed(
    userId: string,
    jobId: string,
    outcome: {
      originMessageId: string;
      startedAt: Date;
      now: Date;
      result: NonNullable<SyncJob['result']>;
    },
  ): Promise<boolean> {
    const attempt = await retryingWhile(
      () => this.tryFinishUnclaimed(userId, jobId, outcome),
      (a) => !a.finished && a.status === 'QUEUED',
      CLAIM_RACE_RETRY,
    );
    return attempt.finished;
  }

  private async tryFinishUnclaimed(
    userId: string,
    jobId: string,
    outcome: Parameters<JobClaims['finishUnclaimed']>[2],
  ): Promise<{ finished: boolean; status?: string }> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: `SET #s = :status, UpdatedAt = :now, ClaimMessageId = :origin, Attempts = if_not_exists(Attempts, :zero) + :one, #r = :result, ${APPEND_HISTORY} REMOVE ClaimedUntil`,
        ConditionExpression: 'attribute_exists(PK) AND #s = :queued',
        ExpressionAttributeNames: { '#s': 'Status', '#r': 'Result' },
        ExpressionAttributeValues: {
          ':status': 'SUCCEEDED',
          ':queued': 'QUEUED',
          ':now': outcome.now.toISOString(),
          ':origin': outcome.originMessageId,
          ':zero': 0,
          ':one': 1,
          ':result': outcome.result,
          ':noHistory': [],
          ':history': [
            { status: 'RUNNING', at: outcome.startedAt.toISOString() },
            { status: 'SUCCEEDED', at: outcome.now.toISOString() },
          ],
        },
      });
      return { finished: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.db.get({ TableName: this.tableName, Key: jobKey(userId, jobId) });
      return { finished: false, status: (current.Item as SyncJobItem | undefined)?.Status };
    }
  }

  /**
   * RUNNING → QUEUED when the worker hands the job back to wait (rate limit, degraded mode): the
   * user sees it waiting, and the next delivery of the same message claims it again.
   */
  async release(
    userId: string,
    jobId: string,
    release: { originMessageId: string; now: Date; code?: string },
  ): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: `SET #s = :queued, UpdatedAt = :now, ${APPEND_HISTORY} REMOVE ClaimedUntil`,
        ConditionExpression: '#s = :running AND ClaimMessageId = :origin',
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: {
          ':queued': 'QUEUED',
          ':running': 'RUNNING',
          ':origin': release.originMessageId,
          ':now': release.now.toISOString(),
          ...historyValues({
            status: 'QUEUED',
            at: release.now.toISOString(),
            ...(release.code ? { code: release.code } : {}),
          }),
        },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * WAITING_FOR_DEVICE → SUCCEEDED/FAILED, when the phone confirms or the wait expires. Conditional,
   * so of two racing settlements (a late confirmation, the expiry) only one wins.
   */
  async settleWaiting(
    userId: string,
    jobId: string,
    outcome: {
      status: 'SUCCEEDED' | 'FAILED';
      now: Date;
      result?: SyncJob['result'];
      error?: SyncJob['error'];
    },
  ): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: `SET #s = :status, UpdatedAt = :now, ${APPEND_HISTORY}${outcome.result ? ', #r = :result' : ''}${outcome.error ? ', #e = :error' : ''}`,
        ConditionExpression: '#s = :waiting',
        ExpressionAttributeNames: {
          '#s': 'Status',
          ...(outcome.result ? { '#r': 'Result' } : {}),
          ...(outcome.error ? { '#e': 'Error' } : {}),
        },
        ExpressionAttributeValues: {
          ':status': outcome.status,
          ':now': outcome.now.toISOString(),
          ':waiting': 'WAITING_FOR_DEVICE',
          ...historyValues({
            status: outcome.status,
            at: outcome.now.toISOString(),
            ...(outcome.error ? { code: outcome.error.code } : {}),
          }),
          ...(outcome.result ? { ':result': outcome.result } : {}),
          ...(outcome.error ? { ':error': outcome.error } : {}),
        },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * QUEUED or RUNNING → FAILED for a job no delivery will finish: its message ran out of receives
   * (the DLQ's exhausted letters, core/messaging/deadLetters.ts), so whichever claim it holds is a
   * dead worker's. Returns false when the job is gone or already ended.
   */
  async failAbandoned(
    userId: string,
    jobId: string,
    outcome: { now: Date; error: NonNullable<SyncJob['error']> },
  ): Promise<boolean> {
    try {
      await this.db.update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: `SET #s = :failed, UpdatedAt = :now, #e = :error, ${APPEND_HISTORY} REMOVE ClaimedUntil`,
        ConditionExpression: '#s IN (:queued, :running)',
        ExpressionAttributeNames: { '#s': 'Status', '#e': 'Error' },
        ExpressionAttributeValues: {
          ':failed': 'FAILED',
          ':queued': 'QUEUED',
          ':running': 'RUNNING',
          ':now': outcome.now.toISOString(),
          ':error': outcome.error,
          ...historyValues({ status: 'FAILED', at: outcome.now.toISOString(), code: outcome.error.code }),
        },
      });
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Drops the oldest history entries once there are too many (./jobHistory.ts); best effort. */
  private async trimHistory(userId: string, jobId: string, length: number): Promise<void> {
    const remove = trimExpression(length);
    if (!remove) return;
    await this.db
      .update({
        TableName: this.tableName,
        Key: jobKey(userId, jobId),
        UpdateExpression: remove,
        // Only the list this claim saw: a concurrent append would shift the indexes.
        ConditionExpression: 'size(History) = :length',
        ExpressionAttributeValues: { ':length': length },
      })
      .catch(() => undefined);
  }
}
