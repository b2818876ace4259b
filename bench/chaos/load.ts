// The steady load of an experiment: sync jobs at a fixed rate, each one of three kinds, drawn with
// the run's seed: a user's POST /v1/sync-jobs (manual), a scheduler-style message put straight on
// the hot-path queue (built by the scheduler's own builder, sent by the message runtime's producer),
// and a provider webhook delivery (Strava event or signed Fitbit notification) that the coalescer
// turns into a job. The generator never waits for jobs to finish; it only caps requests in flight.
// The soak (bench/soak.ts) runs the same load against its single worker.
import { randomUUID } from 'node:crypto';
import { clock } from '../../core/clock/clock.js';
import { SqsMessageProducer } from '../../core/messaging/producer.js';
import { createSqsJsonClient } from '../../core/queue/sqs.js';
import { sendFitbitNotifications, sendStravaEvent, stravaEvent } from '../../infra/local/sandbox/webhooks.js';
import { systemJob } from '../../worker/sync/systemJob.js';
import { DESTINATION, type ChaosUser, type Fleet } from './fleet.js';
import type { Random } from './random.js';

export type LoadKind = 'manual' | 'schedule' | 'webhook';
/** Shares of the load: half user requests, a quarter each scheduled and webhook-triggered. */
const MIX: readonly LoadKind[] = ['manual', 'manual', 'schedule', 'webhook'];
const MAX_IN_FLIGHT = 64;
/** The sandbox's Fitbit signs with this secret; the API checks it (FITBIT_CLIENT_SECRET). */
const FITBIT_SECRET = 'sandbox-fitbit-secret';

export interface ManualJob {
  jobId: string;
  userId: string;
  postedAt: number;
}

export interface LoadResult {
  seconds: number;
  /** Accepted by the system, by kind (202 from the API, 2xx webhook answers, messages sent). */
  accepted: Record<LoadKind, number>;
  /** Refused or failed submissions, by kind and status or error name. */
  refused: Record<string, number>;
  manualJobs: ManualJob[];
  scheduledJobIds: string[];
}

export interface Load {
  /** The figures so far (updated while the load runs). */
  readonly current: LoadResult;
  stop(): Promise<LoadResult>;
}

export function startLoad(
  fleet: Pick<Fleet, 'apiUrl' | 'config'>,
  users: readonly ChaosUser[],
  o: { rate: number; random: Random },
): Load {
  const sqs = createSqsJsonClient(fleet.config);
  const producer = new SqsMessageProducer(sqs, { hotPathSync: fleet.config.HOT_PATH_QUEUE_URL }, 0);
  const result: LoadResult = {
    seconds: 0,
    accepted: { manual: 0, schedule: 0, webhook: 0 },
    refused: {},
    manualJobs: [],
    scheduledJobIds: [],
  };
  const refuse = (kind: LoadKind, why: string) => {
    const key = `${kind} ${why}`;
    result.refused[key] = (result.refused[key] ?? 0) + 1;
  };
  const inFlight = new Set<Promise<void>>();
  let running = true;
  const started = Date.now();

  async function submit(kind: LoadKind, user: ChaosUser, objectId: number): Promise<void> {
    try {
      if (kind === 'manual') {
        const postedAt = Date.now();
        const res = await fetch(`${fleet.apiUrl}/v1/sync-jobs`, {
          method: 'POST',
          headers: {
            authorization: user.authorization,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
          },
          body: JSON.stringify({
            sourceConnectionId: user.sourceConnectionId,
            destinationConnectionId: user.destinationConnectionId,
            dataType: 'workout',
            mode: 'manual',
          }),
        });
        const body = (await res.json().catch(() => ({}))) as { jobId?: string };
        if (res.status !== 202 || !body.jobId) return refuse(kind, String(res.status));
        result.accepted.manual += 1;
        result.manualJobs.push({ jobId: body.jobId, userId: user.userId, postedAt });
      } else if (kind === 'schedule') {
        const { message, deduplicationId } = systemJob({
          trigger: 'schedule',
          occasion: randomUUID(),
          userId: user.userId,
          config: { configId: user.configId, dataType: 'workout' },
          source: { connectionId: user.sourceConnectionId, provider: user.source },
          destination: { connectionId: user.destinationConnectionId, provider: DESTINATION },
          tier: 'PRO',
          requestedAt: clock.date(),
        });
        await producer.send('hotPathSync', message, { deduplicationId });
        result.accepted.schedule += 1;
        result.scheduledJobIds.push(message.jobId);
      } else {
        const delivery =
          user.source === 'strava'
            ? await sendStravaEvent(fleet.apiUrl, stravaEvent(user.providerUserIds.strava, { objectId }))
            : await sendFitbitNotifications(fleet.apiUrl, FITBIT_SECRET, [
                {
                  collectionType: 'activities',
                  ownerId: user.providerUserIds.fitbit,
                  subscriptionId: 'chaos',
                },
              ]);
        if (delivery.status >= 300) return refuse(kind, String(delivery.status));
        result.accepted.webhook += 1;
      }
    } catch (error) {
      refuse(kind, error instanceof Error ? error.name : 'error');
    }
  }

  const loop = (async () => {
    for (let i = 0; running; i += 1) {
      const wait = started + (i * 1000) / o.rate - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (!running) break;
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const p = submit(o.random.pick(MIX), o.random.pick(users), 1_000_000 + i);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
  })();

  return {
    current: result,
    async stop() {
      running = false;
      await loop;
      await Promise.all(inFlight);
      result.seconds = (Date.now() - started) / 1000;
      sqs.destroy();
      return result;
    },
  };
}
