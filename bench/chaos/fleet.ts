// The system under chaos: the local stack with the sandbox (bench/lib/stackProcess.ts), one API
// process and a fleet of worker processes, each worker supervised as ECS would: whatever ends it
// (a SIGKILL from an experiment, a critical exit), a new one starts after a short pause. The
// workers reach DynamoDB and SQS through fault proxies (./faultProxy.ts) and Redis through a TCP
// proxy (./tcpProxy.ts), idle unless an experiment turns faults on; the API reaches DynamoDB and
// SQS through fault proxies of its own (idle too), so an experiment can fault the API's calls
// under the main load apart from the workers'; its Redis is direct. Secrets live in a directory
// of the run's own.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CloudProvider } from '../../core/domain/types.js';
import { loadConfig, type Config } from '../../core/config/config.js';
import { mintDevToken } from '../../infra/local/devIssuer.js';
import { freePort } from '../../infra/local/freePort.js';
import type { Persona } from '../../infra/local/sandbox/persona.js';
import { REPO_ROOT, spawnNode, type NodeChild } from '../lib/proc.js';
import {
  connect,
  inBatches,
  json,
  postJson,
  startApiProcess,
  startStack,
  systemEnv,
  shortenWebhookWindow,
  widenFitbitLimit,
  widenSandboxLimits,
} from '../lib/system.js';
import { startFaultProxy, type FaultProxy } from './faultProxy.js';
import { startTcpProxy, type TcpProxy } from './tcpProxy.js';
import type { Random } from './random.js';

export const LOG_DIR = path.join(REPO_ROOT, '.state', 'bench', 'chaos');

/** The sources of the run's configurations; every user syncs workouts from one to Google Fit. */
export const SOURCES = ['strava', 'fitbit'] as const satisfies readonly CloudProvider[];
export type Source = (typeof SOURCES)[number];
export const DESTINATION: CloudProvider = 'google_fit';

export interface ChaosUser {
  userId: string;
  authorization: string;
  sandboxUserId: string;
  providerUserIds: Record<CloudProvider, string>;
  persona: Persona;
  source: Source;
  sourceConnectionId: string;
  destinationConnectionId: string;
  configId: string;
}

/**
 * Settings that let a fleet of workers recover within seconds rather than minutes: short polls,
 * a short visibility timeout (a killed worker's messages come back after it), small backoffs,
 * a 1 s coalescing window, and a dead-letter sweep every 5 s (a job whose every worker was killed
 * ends FAILED within the drain).
 */
const WORKER_SETTINGS: Record<string, string> = {
  WORKER_WAIT_TIME_SECONDS: '1',
  WORKER_VISIBILITY_TIMEOUT_SECONDS: '6',
  WORKER_SHUTDOWN_GRACE_MS: '5000',
  WORKER_CONCURRENCY: '8',
  REQUEUE_BACKOFF_BASE_SECONDS: '1',
  REQUEUE_BACKOFF_MAX_SECONDS: '4',
  SYNC_INITIAL_LOOKBACK_DAYS: '30',
  COALESCING_WINDOW_SECONDS: '1',
  DEAD_LETTER_SWEEP_SECONDS: '5',
};

export interface WorkerSlot {
  index: number;
  child: NodeChild;
  /** Processes this slot has run (1 + restarts). */
  generation: number;
}

export interface Fleet {
  apiUrl: string;
  sandboxUrl: string;
  /** The API's configuration (direct endpoints): what the bench reads the stores with. */
  config: Config;
  /** The API's environment (direct endpoints) and the workers'. */
  apiEnv: Record<string, string>;
  workerEnv: Record<string, string>;
  /** The workers' proxies. */
  dynamoProxy: FaultProxy;
  sqsProxy: FaultProxy;
  redisProxy: TcpProxy;
  /** The API process's proxies to DynamoDB and SQS (`apiEnv` keeps the direct endpoints). */
  apiDynamoProxy: FaultProxy;
  apiSqsProxy: FaultProxy;
  /** The local secret store's directory (SECRET_STORE_DIR), shared by the API and the workers. */
  secretDir: string;
  workers: WorkerSlot[];
  /** Worker exits: killed by an experiment, or on their own (exit code / signal). */
  readonly exits: { killed: number; unexpected: string[] };
  /** SIGKILLs the slot's worker; the supervisor starts a new one after `restartDelayMs`. */
  kill(index: number): void;
  restartDelayMs: number;
  createUsers(count: number, tag: string): Promise<ChaosUser[]>;
  stop(): Promise<void>;
}

export async function startFleet(o: { workers: number; random: Random }): Promise<Fleet> {
  mkdirSync(LOG_DIR, { recursive: true });
  const stack = await startStack(path.join(LOG_DIR, 'stack.log'));
  const children: NodeChild[] = [stack.child];
  const proxies: { stop(): Promise<void> }[] = [];
  const secretDir = mkdtempSync(path.join(tmpdir(), 'syncwell-chaos-secrets-'));
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const slot of workers) await slot.child.stop(10_000);
    for (const child of children.reverse()) await child.stop(30_000);
    for (const proxy of proxies) await proxy.stop();
    for (const dir of [secretDir, `${secretDir}.away`]) rmSync(dir, { recursive: true, force: true });
  };
  const workers: WorkerSlot[] = [];
  try {
    const port = String(await freePort());
    const apiEnv = systemEnv(stack.env, port, { ...WORKER_SETTINGS, SECRET_STORE_DIR: secretDir });
    const config = loadConfig(apiEnv);
    const sandboxUrl = apiEnv.PROVIDER_SANDBOX_URL!;
    await widenSandboxLimits(sandboxUrl);
    await widenFitbitLimit(sandboxUrl);
    // Webhook events wait 60 s in the buffer in AWS; 1 s here.
    await shortenWebhookWindow(config, '1');
    const dynamoProxy = await startFaultProxy(apiEnv.DYNAMODB_ENDPOINT!, 'dynamodb', o.random.fork('dynamo'));
    const sqsProxy = await startFaultProxy(apiEnv.SQS_ENDPOINT!, 'sqs', o.random.fork('sqs'));
    const redis = new URL(apiEnv.REDIS_URL!);
    const redisProxy = await startTcpProxy(redis.hostname, Number(redis.port));
    const apiDynamoProxy = await startFaultProxy(
      apiEnv.DYNAMODB_ENDPOINT!,
      'dynamodb',
      o.random.fork('api-dynamo'),
    );
    const apiSqsProxy = await startFaultProxy(apiEnv.SQS_ENDPOINT!, 'sqs', o.random.fork('api-sqs'));
    proxies.push(dynamoProxy, sqsProxy, redisProxy, apiDynamoProxy, apiSqsProxy);
    redis.port = String(redisProxy.port);
    const workerEnv = {
      ...apiEnv,
      DYNAMODB_ENDPOINT: dynamoProxy.url,
      SQS_ENDPOINT: sqsProxy.url,
      REDIS_URL: redis.toString(),
    };
    const apiUrl = `http://127.0.0.1:${port}`;
    await startApiProcess(
      { ...apiEnv, DYNAMODB_ENDPOINT: apiDynamoProxy.url, SQS_ENDPOINT: apiSqsProxy.url },
      path.join(LOG_DIR, 'api.log'),
      children,
    );

    const exits = { killed: 0, unexpected: [] as string[] };
    const killed = new Set<NodeChild>();
    const fleet: Fleet = {
      apiUrl,
      sandboxUrl,
      config,
      apiEnv,
      workerEnv,
      dynamoProxy,
      sqsProxy,
      redisProxy,
      apiDynamoProxy,
      apiSqsProxy,
      secretDir,
      workers,
      exits,
      restartDelayMs: 1000,
      kill(index) {
        const slot = workers[index]!;
        killed.add(slot.child);
        slot.child.process.kill('SIGKILL');
      },
      createUsers: (count, tag) => createConfiguredUsers(apiUrl, sandboxUrl, count, tag),
      stop: stopAll,
    };
    const spawnWorker = (slot: Pick<WorkerSlot, 'index' | 'generation'>): NodeChild => {
      const child = spawnNode({
        name: `worker-${slot.index}`,
        script: 'worker/main.ts',
        env: workerEnv,
        logFile: path.join(LOG_DIR, `worker-${slot.index}-${slot.generation}.log`),
      });
      // The supervisor: reap the process (its handle leaves the running set), then replace it.
      void child.exited.then(async () => {
        const code = child.process.exitCode;
        const signal = child.process.signalCode;
        await child.stop();
        if (stopping) return;
        if (killed.delete(child)) exits.killed += 1;
        else exits.unexpected.push(`worker-${slot.index}: ${signal ?? `exit ${String(code)}`}`);
        await new Promise((r) => setTimeout(r, fleet.restartDelayMs));
        if (stopping) return;
        const current = workers[slot.index]!;
        current.generation += 1;
        current.child = spawnWorker(current);
      });
      return child;
    };
    for (let index = 0; index < o.workers; index += 1) {
      const slot: WorkerSlot = { index, generation: 1, child: undefined as unknown as NodeChild };
      workers.push(slot);
      slot.child = spawnWorker(slot);
    }
    // Experiments start on a fleet that consumes, not one still compiling its TypeScript.
    await Promise.all(workers.map((slot) => consuming(slot.child)));
    return fleet;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Resolves once the worker answers a stats request over IPC, which it does only after its consumer
 * started (worker/main.ts); asks again until then, since a message sent earlier finds no listener.
 */
async function consuming(child: NodeChild, timeoutMs = 60_000): Promise<void> {
  let answered = false;
  child.process.once('message', () => (answered = true));
  const deadline = Date.now() + timeoutMs;
  while (!answered) {
    if (child.process.exitCode !== null || Date.now() > deadline)
      throw new Error(`${child.name} did not start; see ${child.logFile}`);
    child.process.send({ type: 'stats' });
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Users connected through the API's real OAuth flow, alternately to Strava and Fitbit as the source,
 * all to Google Fit as the destination, each with a workout configuration (webhooks need one).
 * Their sandbox people have a month of workouts, so first syncs write real records. The soak
 * (bench/soak.ts) loads the same users; Fitbit sources need widenFitbitLimit.
 */
export async function createConfiguredUsers(
  apiUrl: string,
  sandboxUrl: string,
  count: number,
  tag: string,
): Promise<ChaosUser[]> {
  return inBatches(
    Array.from({ length: count }, (_, i) => i),
    10,
    async (i) => {
      const userId = `${tag}-${String(i).padStart(4, '0')}`;
      const source = SOURCES[i % SOURCES.length]!;
      const authorization = `Bearer ${await mintDevToken(userId, { tier: 'PRO', expiresInSeconds: 3 * 3600 })}`;
      const person = await json<{
        sandboxUserId: string;
        providerUserIds: Record<CloudProvider, string>;
        persona: Persona;
      }>(
        await fetch(`${sandboxUrl}/_sandbox/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: userId, persona: { empty: false } }),
        }),
      );
      const sourceConnectionId = await connect(apiUrl, authorization, source, person.sandboxUserId);
      const destinationConnectionId = await connect(apiUrl, authorization, DESTINATION, person.sandboxUserId);
      const { configId } = await postJson<{ configId: string }>(apiUrl, '/v1/sync-configs', authorization, {
        sourceConnectionId,
        destinationConnectionId,
        dataType: 'workout',
      });
      return {
        userId,
        authorization,
        sandboxUserId: person.sandboxUserId,
        providerUserIds: person.providerUserIds,
        persona: person.persona,
        source,
        sourceConnectionId,
        destinationConnectionId,
        configId,
      };
    },
  );
}
