// The whole system for end-to-end benchmarks: the local stack with the sandbox in a child process
// (which also counts the AWS calls the emulators receive), and users connected through the real
// OAuth flow of the API. Shared by bench/worker.ts and bench/ingest.ts.
import { randomBytes, randomUUID } from 'node:crypto';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Config } from '../../core/config/config.js';
import { createSqsClient } from '../../core/queue/sqs.js';
import type { CloudProvider } from '../../core/domain/types.js';
import { mintDevToken } from '../../infra/local/devIssuer.js';
import { baseEnv, logTail, spawnNode, waitForHttp, type NodeChild } from './proc.js';
import type { CountersMessage, StackReadyMessage } from './stackProcess.js';

export const WIDE = 1_000_000;
/** Rate-limit policies wide enough that a run measures SyncWell, not the providers' budgets. */
export const WIDE_LIMITS = JSON.stringify(
  Object.fromEntries(
    (['strava', 'fitbit', 'garmin', 'google_fit'] as const).map((p) => [
      p,
      [
        { scope: 'app', capacity: WIDE, windowSeconds: 60 },
        { scope: 'user', capacity: WIDE, windowSeconds: 60 },
      ],
    ]),
  ),
);

export interface User {
  userId: string;
  authorization: string;
  sandboxUserId: string;
  /** Provider user ids of the person (webhooks name these). */
  providerUserIds: Record<CloudProvider, string>;
  source: string;
  destination: string;
}

export function startStack(logFile: string): Promise<{
  child: NodeChild;
  env: Record<string, string>;
  counters(): Promise<Record<string, number>>;
}> {
  const child = spawnNode({ name: 'stack', script: 'bench/lib/stackProcess.ts', env: baseEnv(), logFile });
  return new Promise((resolve, reject) => {
    child.process.once('message', (m: StackReadyMessage) => {
      resolve({
        child,
        env: m.env,
        counters: () =>
          new Promise((res) => {
            child.process.once('message', (c: CountersMessage) => res(c.counts));
            child.process.send({ type: 'counters' });
          }),
      });
    });
    void child.exited.then(() => reject(new Error(`stack exited:\n${logTail(child)}`)));
  });
}

export async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${res.url}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** POST /v1/connections, the sandbox's consent page, then the API's callback. */
export async function connect(
  apiUrl: string,
  authorization: string,
  provider: CloudProvider,
  sandboxUserId: string,
): Promise<string> {
  const created = await json<{ authorizationUrl: string }>(
    await fetch(`${apiUrl}/v1/connections`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ provider }),
    }),
  );
  const consent = new URL(created.authorizationUrl);
  consent.searchParams.set('sandbox_user', sandboxUserId);
  const redirect = await fetch(consent, { redirect: 'manual' });
  const callback = new URL(redirect.headers.get('location')!);
  const connection = await json<{ connectionId: string }>(
    await fetch(`${apiUrl}${callback.pathname}${callback.search}`),
  );
  return connection.connectionId;
}

/** A state-changing call as the user: JSON body, a fresh Idempotency-Key; the parsed 2xx answer. */
export async function postJson<T>(
  apiUrl: string,
  path: string,
  authorization: string,
  body: unknown,
): Promise<T> {
  return json<T>(
    await fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    }),
  );
}

/** POST /v1/sync-configs: the user's workout configuration from `source` to `destination`. */
export async function createWorkoutConfig(
  apiUrl: string,
  user: Pick<User, 'authorization' | 'source' | 'destination'>,
  conflictStrategy?: 'newest_wins',
): Promise<void> {
  await postJson(apiUrl, '/v1/sync-configs', user.authorization, {
    sourceConnectionId: user.source,
    destinationConnectionId: user.destination,
    dataType: 'workout',
    ...(conflictStrategy ? { conflictStrategy } : {}),
  });
}

export async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/** Users with a sandbox person connected to `source` and `destination` (default Strava → Google Fit). */
export async function createUsers(
  apiUrl: string,
  sandboxUrl: string,
  count: number,
  o: { empty: boolean; tag: string; source?: CloudProvider; destination?: CloudProvider },
): Promise<User[]> {
  return inBatches(
    Array.from({ length: count }, (_, i) => i),
    20,
    async (i) => {
      const userId = `${o.tag}-${String(i).padStart(4, '0')}`;
      const authorization = `Bearer ${await mintDevToken(userId, { tier: 'PRO', expiresInSeconds: 3 * 3600 })}`;
      const person = await json<{ sandboxUserId: string; providerUserIds: Record<CloudProvider, string> }>(
        await fetch(`${sandboxUrl}/_sandbox/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: userId, persona: { empty: o.empty } }),
        }),
      );
      const source = await connect(apiUrl, authorization, o.source ?? 'strava', person.sandboxUserId);
      const destination = await connect(
        apiUrl,
        authorization,
        o.destination ?? 'google_fit',
        person.sandboxUserId,
      );
      return {
        userId,
        authorization,
        sandboxUserId: person.sandboxUserId,
        providerUserIds: person.providerUserIds,
        source,
        destination,
      };
    },
  );
}

/**
 * What a production-mode process needs for the local stack's secret store (a temporary directory):
 * a key of its own, generated for the run. Production refuses to start without LOCAL_SECRET_KEY
 * (a generated key file is for local use only); the API and the worker of one run share this key.
 * Production also refuses to start without the anonymizer's secret (C-006), generated likewise.
 */
export function localSecretKeyEnv(): { LOCAL_SECRET_KEY: string; ANONYMIZER_SECRET: string } {
  return {
    LOCAL_SECRET_KEY: randomBytes(32).toString('base64'),
    ANONYMIZER_SECRET: randomBytes(32).toString('base64url'),
  };
}

/**
 * The API's and worker's environment for a benchmark: the stack's endpoints, production mode,
 * wide rate limits, no scheduler (a run counts only its own jobs) and no push (production mode
 * would otherwise demand APNs and FCM credentials; no benchmarked path sends one).
 */
export function systemEnv(
  stackEnv: Record<string, string>,
  port: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...baseEnv(),
    ...stackEnv,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    ...localSecretKeyEnv(),
    RATE_LIMIT_OVERRIDES: WIDE_LIMITS,
    OAUTH_REDIRECT_BASE_URL: `http://127.0.0.1:${port}`,
    PORT: port,
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    SCHEDULER_ENABLED: 'false',
    PUSH_MODE: 'off',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

/** Lifts the sandbox's own Strava and Google Fit limits: a benchmark measures SyncWell, not them. */
export async function widenSandboxLimits(sandboxUrl: string): Promise<void> {
  for (const [provider, settings] of [
    ['strava', { shortLimit: WIDE, dailyLimit: WIDE, readShortLimit: WIDE, readDailyLimit: WIDE }],
    ['google_fit', { rateLimitPerMinute: WIDE }],
  ] as const)
    await json(
      await fetch(`${sandboxUrl}/_sandbox/configure`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider, settings }),
      }),
    );
}

/** Lifts the sandbox Fitbit's 150 requests per user and hour, for runs with Fitbit sources. */
export async function widenFitbitLimit(sandboxUrl: string): Promise<void> {
  await json(
    await fetch(`${sandboxUrl}/_sandbox/configure`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'fitbit', settings: { hourlyLimit: WIDE } }),
    }),
  );
}

/** Starts an API process on `env`'s PORT and waits until it answers /healthz. */
export async function startApiProcess(
  env: Record<string, string>,
  logFile: string,
  children: NodeChild[],
): Promise<NodeChild> {
  const api = spawnNode({ name: 'api', script: 'server/main.ts', env, logFile });
  children.push(api);
  await waitForHttp(`http://127.0.0.1:${env.PORT}/healthz`, api);
  return api;
}

/**
 * The coalescing queue's delay, the webhook window (60 s in AWS), shortened so a run does not wait
 * minutes for each webhook's job.
 */
export async function shortenWebhookWindow(config: Config, seconds: string): Promise<void> {
  const sqs = createSqsClient(config);
  try {
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: config.COALESCING_QUEUE_URL,
        Attributes: { DelaySeconds: seconds },
      }),
    );
  } finally {
    sqs.destroy();
  }
}
