// Sync jobs. POST is the API's hot path (spec 3d, 3a): ownership from the user config cache, then
// the HotPathSyncRequested message and the JOB item, both through cross-request batches, so a job
// costs about one backend call of its own (the idempotency claim).
import { AppError } from '../../core/errors/AppError.js';
import { checkDateRange, chunkDaysFor, splitDateRange } from '../../core/domain/historicalRange.js';
import type { SyncJob } from '../../core/domain/types.js';
import { InvalidCursorError, type SyncJobRecord } from '../../core/store/syncJobRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { ownedConnection } from './connections.js';
import { deviceRequestView } from './deviceRoundTrip.js';
import { callerOf, idempotencyOf, type HandlerDependencies } from './dependencies.js';
import { clock } from '../../core/clock/clock.js';

const toView = ({ userId: _u, expiresAt: _e, ...job }: SyncJobRecord): SyncJob => job;
const syncJobNotFound = () => new AppError(404, 'not_found', { params: { resource: 'sync job' } });

type SyncJobOps = 'createSyncJob' | 'getSyncJob' | 'listSyncJobs';

export function syncJobHandlers(d: HandlerDependencies): Pick<HandlerMap, SyncJobOps> {
  return {
    async createSyncJob({ body }, ctx) {
      const caller = callerOf(ctx);
      const { key, reservedId, recovered } = idempotencyOf(ctx);
      if (body.sourceConnectionId === body.destinationConnectionId)
        throw new AppError(400, 'same_connection');
      const now = clock.date();
      if (body.mode === 'historical') {
        const problem = checkDateRange(body.dateRange, { today: now, maxDays: d.config.HISTORICAL_MAX_DAYS });
        if (problem)
          throw new AppError(400, problem.code, {
            params: { ...body.dateRange, ...(problem.code === 'date_range_too_long' ? problem : {}) },
          });
      }
      const [source, destination] = await Promise.all([
        ownedConnection(d, caller.userId, body.sourceConnectionId),
        ownedConnection(d, caller.userId, body.destinationConnectionId),
      ]);
      for (const c of [source, destination])
        if (c.status !== 'active')
          throw new AppError(409, 'connection_not_active', {
            params: { connectionId: c.connectionId, status: c.status },
          });

      const base = {
        userId: caller.userId,
        // Derived from the idempotency reservation: a retry after a crash re-sends the same job.
        jobId: `job_${reservedId}`,
        status: 'QUEUED' as const,
        priority: body.priority ?? 'medium',
        sourceConnectionId: source.connectionId,
        destinationConnectionId: destination.connectionId,
        dataType: body.dataType,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + d.config.JOB_TTL_DAYS * 86_400,
      };
      const accepted = (jobId: string) => ({
        status: 202 as const,
        body: { jobId, status: 'QUEUED' as const },
        headers: { Location: `/v1/sync-jobs/${jobId}` },
      });

      if (body.mode === 'historical') {
        // The cold path: the JOB item (with its progress) BEFORE the chunks, so every chunk finds
        // the job it reports to.
        if (!d.producer.has('historicalSync'))
          throw new AppError(503, 'service_unavailable', {
            params: { retryAfterSeconds: 60 },
            headers: { 'Retry-After': '60' },
          });
        const chunks = splitDateRange(
          body.dateRange,
          chunkDaysFor(source.provider, d.config.HISTORICAL_CHUNK_DAYS),
        );
        const job: SyncJobRecord = {
          ...base,
          mode: 'historical',
          trigger: 'historical',
          dateRange: body.dateRange,
          progress: { totalChunks: chunks.length, processedChunks: 0, failedChunks: 0 },
        };
        // A retry after a crash must not reset the progress of chunks that already ran.
        await (recovered ? d.syncJobs.putIfAbsent(job) : d.syncJobs.put(job));
        // Sent side by side, so they share SendMessageBatch calls (10 chunks each).
        await Promise.all(
          chunks.map((dateRange, chunkIndex) =>
            d.producer.send('historicalSync', {
              jobId: job.jobId,
              userId: caller.userId,
              chunkIndex,
              totalChunks: chunks.length,
              dateRange,
              sourceConnectionId: source.connectionId,
              destinationConnectionId: destination.connectionId,
              sourceProvider: source.provider,
              destinationProvider: destination.provider,
              dataType: body.dataType,
              // Whatever the job's priority, chunks take provider budget only while at least half of
              // it is left for the hot path (core/ratelimit/tokenBucket.ts priority reserves).
              priority: 'low',
            }),
          ),
        );
        return accepted(job.jobId);
      }

      const job: SyncJobRecord = { ...base, mode: 'manual', trigger: 'manual' };
      // The message first, then the JOB item in the same BatchWriteItem as the idempotency record:
      // three backend calls per job. Should the process die between the two, the retried request
      // recovers the reservation and writes the job, and the worker creates a missing JOB item
      // from the message itself, so the two may land in either order.
      await d.producer.send(
        'hotPathSync',
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
        { deduplicationId: key },
      );
      ctx.deferredWrites.push(recovered ? d.syncJobs.putIfAbsent(job) : d.syncJobs.put(job));
      return accepted(job.jobId);
    },

    async getSyncJob({ params }, ctx) {
      const { userId } = callerOf(ctx);
      const job = await d.syncJobs.get(userId, params.jobId);
      if (!job) throw syncJobNotFound();
      // A parked cloud → device job says what it waits for (expired requests are settled on the way).
      if (job.status === 'WAITING_FOR_DEVICE') {
        const request = (await d.cloudToDevice.pending(userId)).find((r) => r.jobId === job.jobId);
        if (!request)
          return { status: 200, body: toView((await d.syncJobs.get(userId, params.jobId)) ?? job) };
        return { status: 200, body: { ...toView(job), deviceRequest: deviceRequestView(request) } };
      }
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
