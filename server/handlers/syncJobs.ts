// Sync jobs. POST is the API's hot path (spec 3d, 3a): ownership from the user config cache, then
// the HotPathSyncRequested message and the JOB item, both through cross-request batches, so a job
// costs about one backend call of its own (the idempotency claim).
import { AppError, notImplemented } from '../../core/errors/AppError.js';
import type { SyncJob } from '../../core/domain/types.js';
import { InvalidCursorError, type SyncJobRecord } from '../../core/store/syncJobRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { ownedConnection } from './connections.js';
import { callerOf, idempotencyOf, type HandlerDependencies } from './dependencies.js';

const toView = ({ userId: _u, expiresAt: _e, ...job }: SyncJobRecord): SyncJob => job;
const syncJobNotFound = () => new AppError(404, 'not_found', { params: { resource: 'sync job' } });

type SyncJobOps = 'createSyncJob' | 'getSyncJob' | 'listSyncJobs';

export function syncJobHandlers(d: HandlerDependencies): Pick<HandlerMap, SyncJobOps> {
  return {
    async createSyncJob({ body }, ctx) {
      const caller = callerOf(ctx);
      const { key, reservedId, recovered } = idempotencyOf(ctx);
      // The cold path (chunked historical backfill) ships with the scheduling work.
      if (body.mode === 'historical') throw notImplemented('createSyncJob with mode "historical"');
      if (body.sourceConnectionId === body.destinationConnectionId)
        throw new AppError(400, 'same_connection');
      const [source, destination] = await Promise.all([
        ownedConnection(d, caller.userId, body.sourceConnectionId),
        ownedConnection(d, caller.userId, body.destinationConnectionId),
      ]);
      for (const c of [source, destination])
        if (c.status !== 'active')
          throw new AppError(409, 'connection_not_active', {
            params: { connectionId: c.connectionId, status: c.status },
          });

      const now = new Date();
      const job: SyncJobRecord = {
        userId: caller.userId,
        // Derived from the idempotency reservation: a retry after a crash re-sends the same job.
        jobId: `job_${reservedId}`,
        status: 'QUEUED',
        mode: 'manual',
        priority: body.priority ?? 'medium',
        trigger: 'manual',
        sourceConnectionId: source.connectionId,
        destinationConnectionId: destination.connectionId,
        dataType: body.dataType,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + d.config.JOB_TTL_DAYS * 86_400,
      };
      // The message first, then the JOB item in the same BatchWriteItem as the idempotency record:
      // three backend calls per job. Should the process die between the two, the retried request
      // recovers the reservation and writes the job, and the worker creates a missing JOB item
      // from the message itself, so the two may land in either order.
      await d.hotPathQueue.send(
        {
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
          correlationId: ctx.correlationId,
        },
        { userId: caller.userId, idempotencyKey: key },
      );
      ctx.deferredWrites.push(recovered ? d.syncJobs.putIfAbsent(job) : d.syncJobs.put(job));
      return {
        status: 202,
        body: { jobId: job.jobId, status: 'QUEUED' },
        headers: { Location: `/v1/sync-jobs/${job.jobId}` },
      };
    },

    async getSyncJob({ params }, ctx) {
      const job = await d.syncJobs.get(callerOf(ctx).userId, params.jobId);
      if (!job) throw syncJobNotFound();
      return { status: 200, body: toView(job) };
    },

    async listSyncJobs({ query }, ctx) {
      try {
        const page = await d.syncJobs.listRecent(callerOf(ctx).userId, query.limit ?? 20, query.cursor);
        return { status: 200, body: { syncJobs: page.jobs.map(toView), nextCursor: page.nextCursor } };
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new AppError(400, 'invalid_cursor');
        throw error;
      }
    },
  };
}
