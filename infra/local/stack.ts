// The local stack: dynalite (DynamoDB), fauxqs (SQS + S3 on one port), redis-server and the dev
// token issuer, all on 127.0.0.1, with the table, queues and buckets that infra/terraform defines.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startDevIssuer, DEV_PROJECT_ID } from './devIssuer.js';
import { startProviderSandbox, type ProviderSandbox } from './sandbox/sandboxServer.js';
import { startRedis } from './redis.js';
import { createEmulatorClients, createResources, LOCAL_CREDENTIALS, LOCAL_REGION } from './resources.js';
import type { CreatedResources } from './resources.js';
import { DEFAULT_TERRAFORM_DIR, loadTerraformResources } from './terraform.js';
import { assertEventRoutesMatch } from './eventRoutes.js';

export interface LocalStackEndpoints {
  dynamodb: string;
  sqs: string;
  s3: string;
  redisUrl: string;
  jwksUrl: string;
  /** The provider sandbox (Strava, Fitbit, Garmin, Google Fit fakes). */
  sandbox: string;
}

export interface LocalStack {
  endpoints: LocalStackEndpoints;
  resources: CreatedResources;
  /** The provider fakes, for tests that seed users, inject faults and read records back. */
  sandbox: ProviderSandbox;
  /** Everything a server or worker process needs (the names core/config reads). */
  env: Record<string, string>;
  /** Stops everything it started; idempotent. */
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Persist DynamoDB here (in `<dataDir>/dynamodb`). Queues, objects and Redis never persist. */
  dataDir?: string;
  terraformDir?: string;
  /** Dev issuer key file; defaults to `<repo>/.state/dev-issuer/keys.json`. */
  keyFile?: string;
  /** Where local secrets (encrypted tokens) and the local event log live; defaults to a temp dir. */
  stateDir?: string;
}

// dynalite ships no types; this is the part of its API the stack uses.
interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}
const dynalite = createRequire(import.meta.url)('dynalite') as (options: DynaliteOptions) => Server;

interface Running {
  url: string;
  stop(): Promise<void>;
}

async function startDynalite(dataPath?: string): Promise<Running> {
  if (dataPath) await mkdir(dataPath, { recursive: true });
  // 0 ms: with the default 500 ms CREATING state, a put right after CreateTable fails.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dataPath ? { path: dataPath } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK clients keep sockets alive; close() alone would wait for them.
        server.closeAllConnections();
      }),
  };
}

async function startFauxqs(): Promise<Running> {
  // buildApp + listen rather than startFauxqs(), which binds 0.0.0.0.
  const { buildApp } = await import('fauxqs');
  const app = buildApp({ logger: false });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: address, stop: () => app.close() };
}

const QUEUE_ENV: Record<string, string> = {
  HOT_PATH_QUEUE_URL: 'hot_path_sync',
  HOT_PATH_DLQ_URL: 'hot_path_sync_dlq',
  COALESCING_QUEUE_URL: 'coalescing_buffer',
  POLL_SCHEDULE_QUEUE_URL: 'poll_schedule',
  HISTORICAL_QUEUE_URL: 'historical_sync',
  EXPORT_QUEUE_URL: 'export',
  USER_DELETION_QUEUE_URL: 'user_deletion',
  // The EventBridge rule's target (events.tf); locally the event bus adapter sends to it itself.
  SYNC_NOTIFICATIONS_QUEUE_URL: 'sync_notifications',
};
const BUCKET_ENV: Record<string, string> = { STAGING_BUCKET: 'staging', EXPORT_BUCKET: 'exports' };

/** The environment of a process that uses this stack; fails if terraform lost a resource it needs. */
export function buildStackEnv(
  endpoints: LocalStackEndpoints,
  resources: CreatedResources,
): Record<string, string> {
  const pick = <T>(kind: string, all: Record<string, T>, name: string): T => {
    const found = all[name];
    if (found === undefined)
      throw new Error(`infra/terraform defines no ${kind} "${name}", which the local env needs`);
    return found;
  };
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    DYNAMODB_ENDPOINT: endpoints.dynamodb,
    SQS_ENDPOINT: endpoints.sqs,
    S3_ENDPOINT: endpoints.s3,
    REDIS_URL: endpoints.redisUrl,
    TABLE_NAME: resources.tableName,
    ...Object.fromEntries(
      Object.entries(QUEUE_ENV).map(([key, name]) => [
        key,
        pick('aws_sqs_queue', resources.queues, name).url,
      ]),
    ),
    ...Object.fromEntries(
      Object.entries(BUCKET_ENV).map(([key, name]) => [key, pick('aws_s3_bucket', resources.buckets, name)]),
    ),
    FIREBASE_PROJECT_ID: DEV_PROJECT_ID,
    JWKS_URL: endpoints.jwksUrl,
    PROVIDER_SANDBOX_URL: endpoints.sandbox,
  };
}

async function stopAll(stoppers: (() => Promise<void>)[]): Promise<void> {
  const results = await Promise.allSettled(stoppers.reverse().map((stop) => stop()));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length > 0) throw new AggregateError(errors, 'local stack: some parts failed to stop');
}

/** Starts every emulator, creates the Terraform-defined resources and returns how to reach them. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // Parse first: a bad .tf file should fail before anything is started.
  const model = await loadTerraformResources(options.terraformDir ?? DEFAULT_TERRAFORM_DIR);
  // No EventBridge emulator: the local event bus must route events as the Terraform rules do.
  assertEventRoutesMatch(model);
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const dynamo = await startDynalite(options.dataDir && path.join(options.dataDir, 'dynamodb'));
    stoppers.push(dynamo.stop);
    const fauxqs = await startFauxqs();
    stoppers.push(fauxqs.stop);
    const redis = await startRedis();
    stoppers.push(redis.stop);
    const issuer = await startDevIssuer({ keyFile: options.keyFile });
    stoppers.push(issuer.stop);
    const sandbox = await startProviderSandbox();
    stoppers.push(sandbox.stop);
    const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'syncwell-stack-')));
    if (!options.stateDir) stoppers.push(() => rm(stateDir, { recursive: true, force: true }));

    const endpoints: LocalStackEndpoints = {
      dynamodb: dynamo.url,
      sqs: fauxqs.url,
      s3: fauxqs.url,
      redisUrl: redis.url,
      jwksUrl: issuer.jwksUrl,
      sandbox: sandbox.url,
    };
    const clients = createEmulatorClients(endpoints);
    let resources: CreatedResources;
    try {
      resources = await createResources(model, clients);
    } finally {
      clients.destroy();
    }
    const env = {
      ...buildStackEnv(endpoints, resources),
      // The local secret store makes its AES key file here on first use (never in production).
      SECRET_STORE: 'local',
      SECRET_STORE_DIR: path.join(stateDir, 'secrets'),
      EVENT_BUS: 'local',
      EVENT_LOG_FILE: path.join(stateDir, 'events.jsonl'),
    };
    let stopped: Promise<void> | undefined;
    return { endpoints, resources, sandbox, env, stop: () => (stopped ??= stopAll(stoppers)) };
  } catch (err) {
    await stopAll(stoppers).catch(() => undefined);
    throw err;
  }
}
