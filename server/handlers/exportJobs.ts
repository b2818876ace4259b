// Data exports (seed §3d). POST starts one, or answers with the user's export already in progress
// (one at a time: the ACTIVEEXPORT item decides, so two taps on two phones cannot start two); GET
// reports progress per data type, what is missing and why, and once SUCCEEDED a fresh presigned
// download URL (1 hour, never past the archive's retention), or 410 once the retention ended.
import { AppError, notFound, serviceUnavailable } from '../../core/errors/AppError.js';
import type { ExportJob } from '../../core/domain/types.js';
import { exportProgress } from '../../core/export/exportProgress.js';
import { exportRequestOf } from '../../core/export/exportRequest.js';
import { isInProgress, type ExportJobRecord } from '../../core/store/exportJobRepository.js';
import type { HandlerMap } from '../http/operationTypes.js';
import { callerOf, idempotencyOf, type HandlerDependencies } from './dependencies.js';
import { clock } from '../../core/clock/clock.js';

type ExportOps = 'createExportJob' | 'getExportJob';

/** The seed's URL TTL (§3d): one hour. */
const DOWNLOAD_URL_SECONDS = 3600;
/** Attempts at the user's in-progress claim when concurrent requests keep taking it. */
const CLAIM_ATTEMPTS = 3;

function viewOf(job: ExportJobRecord): ExportJob {
  return {
    jobId: job.jobId,
    status: job.status,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.completedAt ? { completedAt: job.completedAt } : {}),
    ...(job.plan ? exportProgress(job.plan, job) : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}

export function exportJobHandlers(d: HandlerDependencies): Pick<HandlerMap, ExportOps> {
  const accepted = (jobId: string, status: ExportJobRecord['status']) => ({
    status: 202 as const,
    body: { jobId, status },
    headers: { Location: `/v1/export-jobs/${jobId}` },
  });
  const send = (job: { userId: string; jobId: string; createdAt: string }) =>
    d.producer.send('exportRequests', exportRequestOf(job));
  /**
   * An export in progress whose message may be lost: PENDING, or whose builder's lease lapsed,
   * for longer than any deferral or retry of its message waits. Its message is sent again (the
   * worker's lease makes a second copy harmless).
   */
  const stalled = (job: ExportJobRecord, now: number) => {
    const quietSince = job.status === 'PENDING' ? Date.parse(job.updatedAt) : (job.leaseUntil ?? 0);
    const longestWaitMs =
      (d.config.REQUEUE_BACKOFF_MAX_SECONDS + 2 * d.config.WORKER_VISIBILITY_TIMEOUT_SECONDS) * 1000;
    return now - quietSince > longestWaitMs;
  };

  return {
    async createExportJob(_req, ctx) {
      const { userId } = callerOf(ctx);
      const idempotency = idempotencyOf(ctx);
      if (!d.producer.has('exportRequests') || !d.exportArchives) throw serviceUnavailable(60);
      // Derived from the idempotency reservation: a retry after a crash names the same export.
      const jobId = `export-job-${idempotency.reservedId}`;
      const now = clock.date();
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
        const claim = await d.exportJobs.claimActive(userId, jobId, now.getTime());
        if (claim.kind === 'vanished') continue;
        if (claim.kind === 'held') {
          const other = await d.exportJobs.get(userId, claim.jobId);
          if (other && isInProgress(other)) {
            if (stalled(other, now.getTime())) await send(other);
            return accepted(other.jobId, other.status);
          }
          // Claimed by a request that is still writing its export: that one is in progress.
          if (!other && now.getTime() - claim.claimedAt < d.config.IDEMPOTENCY_LOCK_TIMEOUT_MS)
            return accepted(claim.jobId, 'PENDING');
          // Finished (or never written): this export takes its place, unless another request did.
          if (!(await d.exportJobs.replaceActive(userId, claim.jobId, jobId, now.getTime()))) continue;
        }
        const job = {
          userId,
          jobId,
          createdAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + d.config.JOB_TTL_DAYS * 86_400,
        };
        // The item before the message, so the worker always finds what it is asked to build.
        await d.exportJobs.create(job);
        await send(job);
        return accepted(jobId, 'PENDING');
      }
      throw serviceUnavailable(1);
    },

    async getExportJob({ params }, ctx) {
      const { userId } = callerOf(ctx);
      const job = await d.exportJobs.get(userId, params.jobId);
      if (!job) throw notFound('export');
      if (job.status !== 'SUCCEEDED') return { status: 200, body: viewOf(job) };

      const now = clock.now();
      const availableUntil = job.availableUntil ?? job.completedAt ?? job.updatedAt;
      const secondsLeft = Math.floor((Date.parse(availableUntil) - now) / 1000);
      if (job.purgedAt || secondsLeft < 1) {
        // Past its retention: no URL, and the archive goes now if no sweep got to it yet.
        if (!job.purgedAt && d.exportArchives)
          await d.exportArchives
            .deleteExport(userId, job.jobId)
            .then(() => d.exportJobs.markPurged(userId, job.jobId, clock.date()))
            .catch((error: unknown) => ctx.logger.warn({ err: error }, 'expired export not deleted yet'));
        throw new AppError(410, 'export_expired', { params: { availableUntil } });
      }
      if (!d.exportArchives) throw serviceUnavailable(60);
      const expiresIn = Math.min(DOWNLOAD_URL_SECONDS, secondsLeft);
      const downloadUrl = await d.exportArchives.downloadUrl(
        userId,
        job.jobId,
        expiresIn,
        `syncwell-export-${job.createdAt.slice(0, 10)}.zip`,
      );
      return {
        status: 200,
        body: {
          ...viewOf(job),
          downloadUrl,
          expiresAt: new Date(now + expiresIn * 1000).toISOString(),
          availableUntil,
          ...(job.sizeBytes !== undefined ? { sizeBytes: job.sizeBytes } : {}),
        },
      };
    },
  };
}
