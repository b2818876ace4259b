// Creating a manual sync job, shared by POST /v1/sync-jobs and the WebSocket lane's `sync` frame
// (server/ws/): the same checks, job record and hot-path message, whichever door the user came in.
// Preparing writes nothing; dispatching sends the message, then the JOB item (the HTTP handler's
// three-call design: see docs/architecture.md, "The API").
import { AppError } from '../../core/errors/AppError.js';
import type { DataType, SyncPriority } from '../../core/domain/types.js';
import { activeTraceId } from '../../core/observability/tracing.js';
import type { JobClaim, SyncJobRecord } from '../../core/store/syncJobRepository.js';
import type { ConnectionRecord } from '../../core/store/connectionRepository.js';
import type { MessageInput } from '../../core/messaging/messageCodec.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';
import type { AuthUser } from '../auth/tokenVerifier.js';
import type { IdempotencyContext } from '../http/operationTypes.js';
import { ownedConnection } from './connections.js';
import type { HandlerDependencies } from './dependencies.js';
import { clock } from '../../core/clock/clock.js';

export interface SyncPair {
  sourceConnectionId: string;
  destinationConnectionId: string;
}

export interface ManualSyncRequest extends SyncPair {
  dataType: DataType;
  priority?: SyncPriority;
}

/** A manual job, checked and built, not yet written or sent. */
export interface PreparedSyncJob {
  job: SyncJobRecord;
  message: MessageInput<'hotPathSync'>;
  /** The request's idempotency key: SQS drops a re-sent message within its group. */
  deduplicationId: string;
  /** A retry that took over a crashed attempt writes the JOB item only if absent. */
  recovered: boolean;
}

/** Both connections are the caller's (404 otherwise) and active (409 otherwise). */
export async function activePair(
  d: HandlerDependencies,
  userId: string,
  pair: SyncPair,
): Promise<{ source: ConnectionRecord; destination: ConnectionRecord }> {
  const [source, destination] = await Promise.all([
    ownedConnection(d, userId, pair.sourceConnectionId),
    ownedConnection(d, userId, pair.destinationConnectionId),
  ]);
  for (const c of [source, destination])
    if (c.status !== 'active')
      throw new AppError(409, 'connection_not_active', {
        params: { connectionId: c.connectionId, status: c.status },
      });
  return { source, destination };
}

/** The fields every new JOB item has, whatever its mode. */
export function jobBase(
  d: HandlerDependencies,
  o: {
    userId: string;
    reservedId: string;
    source: ConnectionRecord;
    destination: ConnectionRecord;
    dataType: DataType;
    priority: SyncPriority | undefined;
    now: Date;
  },
) {
  return {
    userId: o.userId,
    // Derived from the idempotency reservation: a retry after a crash re-sends the same job.
    jobId: `job_${o.reservedId}`,
    status: 'QUEUED' as const,
    priority: o.priority ?? 'medium',
    sourceConnectionId: o.source.connectionId,
    destinationConnectionId: o.destination.connectionId,
    dataType: o.dataType,
    createdAt: o.now.toISOString(),
    updatedAt: o.now.toISOString(),
    expiresAt: Math.floor(o.now.getTime() / 1000) + d.config.JOB_TTL_DAYS * 86_400,
    // Operators find the request's trace from the job (console), when it was sampled.
    ...traceIdOf(),
  };
}

function traceIdOf(): { traceId?: string } {
  const traceId = activeTraceId();
  return traceId ? { traceId } : {};
}

/** Checks a manual sync request and builds its job and hot-path message; throws 4xx AppErrors. */
export async function prepareManualSyncJob(
  d: HandlerDependencies,
  o: { caller: AuthUser; request: ManualSyncRequest; idempotency: IdempotencyContext; correlationId: string },
): Promise<PreparedSyncJob> {
  const { caller, request } = o;
  if (request.sourceConnectionId === request.destinationConnectionId)
    throw new AppError(400, 'same_connection');
  const { source, destination } = await activePair(d, caller.userId, request);
  const job: SyncJobRecord = {
    ...jobBase(d, {
      userId: caller.userId,
      reservedId: o.idempotency.reservedId,
      source,
      destination,
      dataType: request.dataType,
      priority: request.priority,
      now: clock.date(),
    }),
    mode: 'manual',
    trigger: 'manual',
  };
  const message: MessageInput<'hotPathSync'> = {
    jobId: job.jobId,
    userId: caller.userId,
    sourceConnectionId: source.connectionId,
    destinationConnectionId: destination.connectionId,
    sourceProvider: source.provider,
    destinationProvider: destination.provider,
    dataType: job.dataType,
    priority: job.priority,
    trigger: 'manual',
    tier: caller.tier,
    requestedAt: job.createdAt,
    correlationId: o.correlationId,
  };
  return { job, message, deduplicationId: o.idempotency.key, recovered: o.idempotency.recovered };
}

/**
 * The hot path: the message first, then the JOB item, returned unawaited so the caller awaits it
 * together with the idempotency record (one BatchWriteItem). Should the process die between the two,
 * the retried request recovers the reservation and writes the job, and the worker creates a missing
 * JOB item from the message itself, so the two may land in either order.
 */
export async function sendToHotPath(
  d: HandlerDependencies,
  prepared: PreparedSyncJob,
  /** The API's foreground runner will run it: the item is written already held by its claim. */
  heldBy?: JobClaim,
): Promise<{ written: Promise<unknown>; message: HotPathSyncRequested }> {
  const message = await d.producer.send('hotPathSync', prepared.message, {
    deduplicationId: prepared.deduplicationId,
  });
  return {
    written: prepared.recovered ? d.syncJobs.putIfAbsent(prepared.job) : d.syncJobs.put(prepared.job, heldBy),
    message,
  };
}
