// The API's dependencies failing one by one (seed §3b): a second API process, reaching DynamoDB,
// SQS and Redis through proxies of its own, loses each in turn (every DynamoDB call answered 503,
// every SQS call 500, Redis connections cut) while it is asked for readiness, sync jobs, the user's
// connections and webhook deliveries. Checked: /readyz turns 503 naming the dependency (and 200
// again after it returns: that delay is the dependency's recovery time), no answer is a 500, and
// every 5xx is a problem+json without internals. The jobs it accepted (202) are audited with the
// experiment's load: one accepted while SQS refused must still run.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { freePort } from '../../infra/local/freePort.js';
import type { NodeChild } from '../lib/proc.js';
import { startApiProcess } from '../lib/system.js';
import type { Experiment } from './experiment.js';
import { startFaultProxy } from './faultProxy.js';
import { LOG_DIR } from './fleet.js';
import type { ManualJob } from './load.js';
import { startTcpProxy } from './tcpProxy.js';

type Dependency = 'dynamodb' | 'sqs' | 'redis';
const DEPENDENCIES: readonly Dependency[] = ['dynamodb', 'sqs', 'redis'];
/** What a 5xx body must never show: stack frames, error codes of the runtime, addresses. */
const INTERNALS = /\bat \S+ \(|ECONNREFUSED|ECONNRESET|ETIMEDOUT|127\.0\.0\.1|Exception|stack/i;

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

interface DependencyReport {
  /** Seconds from the failure to the first 503 naming it; null if readiness never said so. */
  noticedAfterSeconds: number | null;
  /** Seconds from its return to the first 200 from /readyz; null if it never came. */
  recoverySeconds: number | null;
  answers: Record<string, number>;
  /** /readyz `checks` bodies seen while it failed, with counts. */
  checksSeen: Record<string, number>;
}

export const apiDependencies: Experiment = {
  name: 'api-dependencies',
  title: "the API's DynamoDB, SQS, Redis failing one by one",
  async inject({ fleet, users, random, scale }) {
    const r = random.fork('api-dependencies');
    const env = fleet.apiEnv;
    const dynamo = await startFaultProxy(env.DYNAMODB_ENDPOINT!, 'dynamodb', r.fork('dynamo'));
    const sqs = await startFaultProxy(env.SQS_ENDPOINT!, 'sqs', r.fork('sqs'));
    const redisUrl = new URL(env.REDIS_URL!);
    const redis = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port));
    redisUrl.port = String(redis.port);
    const port = String(await freePort());
    const children: NodeChild[] = [];
    const stopProxies = () => Promise.all([dynamo.stop(), sqs.stop(), redis.stop()]);
    try {
      await startApiProcess(
        {
          ...env,
          PORT: port,
          OAUTH_REDIRECT_BASE_URL: `http://127.0.0.1:${port}`,
          DYNAMODB_ENDPOINT: dynamo.url,
          SQS_ENDPOINT: sqs.url,
          REDIS_URL: redisUrl.toString(),
        },
        path.join(LOG_DIR, 'api-probe.log'),
        children,
      );
    } catch (error) {
      for (const child of children) await child.stop();
      await stopProxies();
      throw error;
    }
    const apiUrl = `http://127.0.0.1:${port}`;
    const jobs: ManualJob[] = [];
    const violations: string[] = [];
    const reports = {} as Record<Dependency, DependencyReport>;

    const answer = async (report: DependencyReport, what: string, res: Response) => {
      const body = await res.text();
      bump(report.answers, `${what} ${res.status}`);
      if (res.status === 500) violations.push(`${what} answered 500: ${body.slice(0, 200)}`);
      // /readyz answers 503 with its own JSON (the contract's ReadinessStatus), not a problem.
      const problem = String(res.headers.get('content-type')).includes('application/problem+json');
      if (res.status >= 500 && !problem && what !== 'GET /readyz')
        violations.push(`${what} answered ${res.status} without a problem+json body`);
      if (res.status >= 500 && INTERNALS.test(body))
        violations.push(`${what} answered ${res.status} showing internals: ${body.slice(0, 200)}`);
      return body;
    };
    /** One round of requests: readiness (returned), a sync job, the connections, a webhook. */
    const round = async (
      report: DependencyReport,
    ): Promise<{ status: number; checks?: Record<string, string> }> => {
      const user = r.pick(users);
      const timeout = AbortSignal.timeout(20_000);
      const requests = [
        (async () => {
          const postedAt = Date.now();
          const res = await fetch(`${apiUrl}/v1/sync-jobs`, {
            method: 'POST',
            signal: timeout,
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
          const body = await answer(report, 'POST /v1/sync-jobs', res);
          if (res.status === 202)
            jobs.push({
              jobId: (JSON.parse(body) as { jobId: string }).jobId,
              userId: user.userId,
              postedAt,
            });
        })(),
        (async () => {
          const res = await fetch(`${apiUrl}/v1/connections`, {
            signal: timeout,
            headers: { authorization: user.authorization },
          });
          await answer(report, 'GET /v1/connections', res);
        })(),
        (async () => {
          const res = await fetch(`${apiUrl}/v1/webhooks/strava`, {
            method: 'POST',
            signal: timeout,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              object_type: 'activity',
              object_id: r.int(1, 1e9),
              aspect_type: 'create',
              owner_id: Number(user.providerUserIds.strava),
              subscription_id: 1,
              event_time: Math.floor(Date.now() / 1000),
              updates: {},
            }),
          });
          await answer(report, 'POST /v1/webhooks/strava', res);
        })(),
      ];
      const ready = await fetch(`${apiUrl}/readyz`, { signal: timeout });
      const text = await answer(report, 'GET /readyz', ready);
      await Promise.allSettled(requests);
      try {
        // The body's own `status` is a word (ready, not_ready): the HTTP status is the one kept.
        const { checks } = JSON.parse(text) as { checks?: Record<string, string> };
        return { status: ready.status, ...(checks ? { checks } : {}) };
      } catch {
        return { status: ready.status };
      }
    };
    const fail = (dependency: Dependency, on: boolean) => {
      if (dependency === 'dynamodb') {
        if (on) dynamo.set([{ errorRate: 1, errors: ['unavailable'] }]);
        else dynamo.clear();
      } else if (dependency === 'sqs') {
        if (on) sqs.set([{ errorRate: 1, errors: ['internal'] }]);
        else sqs.clear();
      } else if (on) redis.down();
      else redis.up();
    };

    // Each dependency fails for its share of the fault, longer if readiness has not named it yet
    // (up to the drain deadline: no timing is asserted); the fault ends when all three are back.
    const windowMs = (scale.faultSeconds * 1000) / DEPENDENCIES.length;
    const patienceMs = scale.drainSeconds * 1000;
    const cycle = (async () => {
      for (const dependency of DEPENDENCIES) {
        const report: DependencyReport = {
          noticedAfterSeconds: null,
          recoverySeconds: null,
          answers: {},
          checksSeen: {},
        };
        reports[dependency] = report;
        const start = Date.now();
        fail(dependency, true);
        const failing = () =>
          Date.now() - start < windowMs ||
          (report.noticedAfterSeconds === null && Date.now() - start < patienceMs);
        while (failing()) {
          const ready = await round(report).catch((error: unknown) => {
            bump(report.answers, `error ${error instanceof Error ? error.name : 'unknown'}`);
            return { status: 0, checks: undefined };
          });
          if (ready.checks) bump(report.checksSeen, JSON.stringify(ready.checks));
          if (
            report.noticedAfterSeconds === null &&
            ready.status === 503 &&
            ready.checks?.[dependency] === 'failing'
          )
            report.noticedAfterSeconds = (Date.now() - start) / 1000;
          await new Promise((res) => setTimeout(res, 250));
        }
        fail(dependency, false);
        const back = Date.now();
        while (report.recoverySeconds === null && Date.now() - back < patienceMs) {
          const ready = await round(report).catch(() => ({ status: 0 }));
          if (ready.status === 200) report.recoverySeconds = (Date.now() - back) / 1000;
          else await new Promise((res) => setTimeout(res, 250));
        }
        if (report.noticedAfterSeconds === null) violations.push(`/readyz never named ${dependency} failing`);
        if (report.recoverySeconds === null)
          violations.push(`/readyz not 200 again after ${dependency} returned`);
      }
    })();
    return {
      async end() {
        await cycle;
        for (const child of children) await child.stop();
        await stopProxies();
      },
      details: () => ({ dependencies: reports, jobsAccepted: jobs.length }),
      jobs: () => jobs,
      violations: () => violations,
    };
  },
};
