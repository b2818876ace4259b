// The operator console's API (tag `operations`, operatorJwt): queues and dead letters, a user's
// jobs with their history and trace, connections waiting for re-authentication, KPIs, and the
// configuration in force. The role check is the pipeline's (server/middleware/authenticate.ts).
import { AppError } from '../../core/errors/AppError.js';
import type { SyncJobRecord } from '../../core/store/syncJobRecords.js';
import { fetchTrace } from '../../core/observability/traceQuery.js';
import type { QueueChannel } from '../../generated/channels.gen.js';
import type { components } from '../../generated/openapi.gen.js';
import type { HandlerMap } from '../http/operationTypes.js';
import type { HandlerDependencies } from './dependencies.js';

type Schemas = components['schemas'];
type DeadLetterChannel = Schemas['DeadLetterChannel'];

/** Every DLQ channel of the REST contract is a queue channel of the message contract (tsc checks). */
export const DEAD_LETTER_CHANNELS = {
  hotPathSync: true,
  coalescingBuffer: true,
  pollSchedule: true,
  historicalSync: true,
  exportRequests: true,
  userDeletion: true,
  syncNotifications: true,
} as const satisfies Record<DeadLetterChannel, true> & Partial<Record<QueueChannel, true>>;

type OperationsOps =
  | 'getQueueOverview'
  | 'listDeadLetters'
  | 'redriveDeadLetters'
  | 'listSyncJobsOfUser'
  | 'getSyncJobOfUser'
  | 'listReAuthConnections'
  | 'getKpis'
  | 'getConfigurationInForce';

const operatorView = ({
  expiresAt: _e,
  history,
  traceId,
  ...job
}: SyncJobRecord): Schemas['OperatorSyncJob'] => ({
  ...job,
  ...(traceId ? { traceId } : {}),
  history: history ?? [],
});

/** The index key of the last item, as an opaque cursor (operators only; checked on the way back). */
const encodeCursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** A cursor this listing issued for this state: the ReAuthStatusIndex key (PK, SK, ReAuthStatus). */
function decodeCursor(cursor: string, state: string): Record<string, string> {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const names = Object.keys(key).sort().join(',');
    if (
      names === 'PK,ReAuthStatus,SK' &&
      key.ReAuthStatus === state &&
      typeof key.PK === 'string' &&
      typeof key.SK === 'string'
    )
      return key as Record<string, string>;
  } catch {
    // fall through
  }
  throw new AppError(400, 'invalid_cursor');
}

/** SQS unreachable or refusing: the console says so (503), it is not a fault of ours (500). */
async function queueCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new AppError(503, 'service_unavailable', {
      params: { retryAfterSeconds: 5 },
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  }
}

export function operationsHandlers(d: HandlerDependencies): Pick<HandlerMap, OperationsOps> {
  const o = d.operations;
  return {
    async getQueueOverview() {
      const queues = await queueCall(() =>
        o.deadLetters.depthsOf(Object.keys(DEAD_LETTER_CHANNELS) as DeadLetterChannel[]),
      );
      return { status: 200, body: { queues: queues as Schemas['QueueDepth'][] } };
    },

    async listDeadLetters({ params, query }) {
      const messages = await queueCall(() => o.deadLetters.look(params.channel, query.limit ?? 20));
      return { status: 200, body: { channel: params.channel, messages } };
    },

    async redriveDeadLetters({ params, body }, ctx) {
      const result = await queueCall(() => o.deadLetters.redrive(params.channel, body.messageIds));
      ctx.logger.warn(
        { channel: params.channel, redriven: result.redriven.length, skipped: result.skipped.length },
        'dead letters redriven by an operator',
      );
      return { status: 200, body: result };
    },

    async listSyncJobsOfUser({ params, query }) {
      const page = await d.syncJobs.listRecent(params.userId, query.limit ?? 20);
      return { status: 200, body: { syncJobs: page.jobs.map(operatorView) } };
    },

    async getSyncJobOfUser({ params }) {
      const job = await d.syncJobs.get(params.userId, params.jobId);
      if (!job) throw new AppError(404, 'not_found', { params: { resource: 'sync job' } });
      const queryUrl = d.config.TRACE_QUERY_URL;
      const spans = job.traceId && queryUrl ? await fetchTrace(queryUrl, job.traceId) : undefined;
      return {
        status: 200,
        body: {
          job: operatorView(job),
          trace: job.traceId ? { traceId: job.traceId, ...(spans ? { spans } : {}) } : null,
        },
      };
    },

    async listReAuthConnections({ query }) {
      const state = query.state ?? 'pending_user_action';
      const start = query.cursor ? decodeCursor(query.cursor, state) : undefined;
      const page = await o.reAuth.listByState(state, query.limit ?? 20, start);
      return {
        status: 200,
        body: {
          connections: page.connections.map((c) => ({
            userId: c.userId,
            connectionId: c.connectionId,
            provider: c.provider,
            state,
            ...(c.reAuthSince ? { since: c.reAuthSince } : {}),
            ...(c.reAuthNotifiedAt ? { notifiedAt: c.reAuthNotifiedAt } : {}),
          })),
          nextCursor: page.next ? encodeCursor(page.next) : null,
        },
      };
    },

    getKpis() {
      return Promise.resolve({
        status: 200 as const,
        body: { intervalSeconds: o.kpis.intervalSeconds, samples: o.kpis.list() },
      });
    },

    getConfigurationInForce() {
      const c = o.dynamicConfig;
      const doc = c.current;
      return Promise.resolve({
        status: 200 as const,
        body: {
          source: c.sourceName as Schemas['ConfigurationInForce']['source'],
          version: c.currentVersion ?? null,
          degraded: c.onSafeDefaults,
          document: doc,
          flags: Object.entries(doc.flags).map(([name, f]) => ({
            name,
            enabled: f.enabled,
            percentage: f.percentage,
            tiers: f.tiers ?? null,
            allowlisted: f.users?.length ?? 0,
          })),
        },
      });
    },
  };
}
