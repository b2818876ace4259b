// The ExportRequested message for an export: what POST /v1/export-jobs sends (and sends again for
// an export whose message may have been lost), built in one place so the message pact checks the
// producer's own builder.
import type { MessageInput } from '../messaging/messageCodec.js';

export const exportRequestOf = (job: {
  userId: string;
  jobId: string;
  createdAt: string;
}): MessageInput<'exportRequests'> => ({ jobId: job.jobId, userId: job.userId, requestedAt: job.createdAt });
