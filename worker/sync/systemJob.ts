// The one builder of system-triggered hot-path jobs: the tiered scheduler (`schedule`), the
// coalescer (`webhook`) and the pre-flight poller (`poll`) all build their HotPathSyncRequested
// here, so they cannot disagree on priority, ids or fields. A job is named by its seed, the
// configuration plus the occasion (the scheduler's tick, the coalescing window, the poll's
// scheduledFor): a producer that retries or a message delivered twice yields the same job id and the
// same deduplication id, so the FIFO queue keeps one job per occasion.
import { createHash } from 'node:crypto';
import { deterministicJobId } from '../../core/domain/ids.js';
import type { Connection, SyncConfig, SyncPriority } from '../../core/domain/types.js';
import type { MessageInput } from '../../core/messaging/messageCodec.js';
import type { HotPathSyncRequested } from '../../generated/messages.gen.js';

export type SystemTrigger = Exclude<HotPathSyncRequested['trigger'], 'manual' | 'historical'>;

/** Webhooks and polls found new data now; a schedule tick only might have. */
const PRIORITY: Record<SystemTrigger, SyncPriority> = { schedule: 'low', webhook: 'medium', poll: 'medium' };

export interface SystemJobInput {
  trigger: SystemTrigger;
  /** What makes the job one of a kind for its configuration (tick, window, poll instant). */
  occasion: string | number;
  userId: string;
  config: Pick<SyncConfig, 'configId' | 'dataType'>;
  source: Pick<Connection, 'connectionId' | 'provider'>;
  destination: Pick<Connection, 'connectionId' | 'provider'>;
  tier: HotPathSyncRequested['tier'];
  requestedAt: Date;
  /** The message that caused the job (webhook event, poll hop), for the logs. */
  correlationId?: string;
}

export interface SystemJob {
  message: MessageInput<'hotPathSync'>;
  deduplicationId: string;
}

export function systemJob(input: SystemJobInput): SystemJob {
  const seed = `${input.config.configId}#${input.trigger}#${input.occasion}`;
  return {
    message: {
      jobId: deterministicJobId(seed),
      userId: input.userId,
      sourceConnectionId: input.source.connectionId,
      destinationConnectionId: input.destination.connectionId,
      sourceProvider: input.source.provider,
      destinationProvider: input.destination.provider,
      dataType: input.config.dataType,
      priority: PRIORITY[input.trigger],
      trigger: input.trigger,
      tier: input.tier,
      requestedAt: input.requestedAt.toISOString(),
      ...(input.correlationId !== undefined ? { correlationId: input.correlationId } : {}),
    },
    deduplicationId: `${input.trigger}:${createHash('sha256').update(seed).digest('base64url')}`,
  };
}
