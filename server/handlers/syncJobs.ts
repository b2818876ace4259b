// Sync jobs. POST is the API's hot path (spec 3d, 3a): ownership from the user config cache, then
// the HotPathSyncRequested message and the JOB item, both through cross-request batches, so a job
// costs about one backend call of its own (the idempotency claim).
import { AppError } from '../../core/errors/AppError.js';
import { checkDateRange, chunkDaysFor, splitDateRange } from '../../core/domain/historicalRange.js';
import type { SyncJob } from '../../core/domain/types.js';
import { InvalidCursorError, type SyncJobRecord } from '../../core/store/syncJobRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { activePair, jobBase, prepareManualSyncJob, sendToHotPath } from './syncJobCreation.js';
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
      const idempotency = idempotencyOf(ctx);
      const accepted = (jobId: string) => ({
        status: 202 as const,
        body: { jobId, status: 'QUEUED' as const },
        headers: { Location: `/v1/sync-jobs/${jobId}` },
      });
      if (body.mode !== 'historical') {
        // The hot path, shared with the WebSocket lane (syncJobCreation.ts): three backend calls per job.
        const prepared = await prepareManualSyncJob(d, {
          caller,
          request: body,
          idempotency,
          correlationId: ctx.correlationId,
        });
        const { written } = await sendToHotPath(d, prepared);
        ctx.deferredWrites.push(written);
        return accepted(prepared.job.jobId);
      }

      if (body.sourceConnectionId === body.destinationConnectionId)
        throw new AppError(400, 'same_connection');
      const now = clock.date();
      const problem = checkDateRange(body.dateRange, { today: now, maxDays: d.config.HISTORICAL_MAX_DAYS });
      if (problem)
        throw new AppError(400, problem.code, {
          params: { ...body.dateRange, ...(problem.code === 'date_range_too_long' ? problem : {}) },
        });
      const { source, destination } = await activePair(d, caller.userId, body);

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
        ...jobBase(d, {
          userId: caller.userId,
          reservedId: idempotency.reservedId,
          source,
          destination,
          dataType: body.dataType,
          priority: body.priority,
          now,
        }),
        mode: 'historical',
        trigger: 'historical',
        dateRange: body.dateRange,
        progress: { totalChunks: chunks.length, processedChunks: 0, failedChunks: 0 },
      };
      // A retry after a crash must not reset the progress of chunks that already ran.
      await (idempotency.recovered ? d.syncJobs.putIfAbsent(job) : d.syncJobs.put(job));
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
