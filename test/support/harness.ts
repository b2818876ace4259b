// One real local stack (dynalite, fauxqs, redis-server, dev issuer) and one API for a test run.
// Fixtures go through the same repositories the API uses; requests go over real HTTP.
import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { loadConfig, type Config } from '../../core/config/config.js';
import type { CloudProvider, ConnectionStatus, DataType } from '../../core/domain/types.js';
import { newConnectionId } from '../../core/domain/ids.js';
import { createSqsClient } from '../../core/queue/sqs.js';
import { BatchWriter } from '../../core/store/batchWriter.js';
import { ConnectionRepository, type ConnectionRecord } from '../../core/store/connectionRepository.js';
import { createDocumentStore } from '../../core/store/dynamoClient.js';
import { SyncConfigRepository, type SyncConfigRecord } from '../../core/store/syncConfigRepository.js';
import { SyncJobRepository } from '../../core/store/syncJobRepository.js';
import { mintDevToken, type MintOptions } from '../../infra/local/devIssuer.js';
import { onFreePort } from '../../infra/local/freePort.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { startApi, type RunningApi } from '../../server/main.js';
import { clock } from '../../core/clock/clock.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const STRAVA_VERIFY_TOKEN = 'test-strava-verify-token';
export const FITBIT_VERIFY_CODE = 'test-fitbit-verify-code';
export const GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION = 'Bearer test-google-health-webhook-secret';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  idempotencyKey?: string | null;
  headers?: Record<string, string>;
}

export class Harness {
  readonly connections: ConnectionRepository;
  readonly syncConfigs: SyncConfigRepository;
  readonly syncJobs: SyncJobRepository;
  readonly sqs: ReturnType<typeof createSqsClient>;
  private readonly writer: BatchWriter;

  constructor(
    readonly stack: LocalStack,
    readonly api: RunningApi,
    readonly config: Config,
  ) {
    const db = createDocumentStore(config);
    this.writer = new BatchWriter(db, config.TABLE_NAME, 0);
    this.connections = new ConnectionRepository(db, config.TABLE_NAME, this.writer);
    this.syncConfigs = new SyncConfigRepository(db, config.TABLE_NAME, this.writer);
    this.syncJobs = new SyncJobRepository(db, config.TABLE_NAME, this.writer);
    this.sqs = createSqsClient(config);
  }

  /** A fresh user id per test keeps tests independent without resetting the table. */
  newUserId(prefix = 'user'): string {
    return `${prefix}-${randomUUID().slice(0, 8)}`;
  }

  token(userId: string, options: MintOptions = {}): Promise<string> {
    return mintDevToken(userId, options);
  }

  async request<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const stateChanging = !['GET', 'HEAD'].includes(method);
    if (stateChanging && o.idempotencyKey !== null)
      headers['idempotency-key'] = o.idempotencyKey ?? randomUUID();
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['content-type'] = o.contentType ?? 'application/json';
    const response = await fetch(`${this.api.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if (text && /json/.test(response.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  async connection(
    userId: string,
    provider: CloudProvider,
    status: ConnectionStatus = 'active',
  ): Promise<ConnectionRecord> {
    const now = clock.date().toISOString();
    return this.connections.create({
      userId,
      connectionId: newConnectionId(),
      provider,
      status,
      credentialRef: status === 'pending' ? null : randomUUID(),
      createdAt: now,
      updatedAt: now,
    });
  }

  async syncConfig(
    userId: string,
    source: string,
    destination: string,
    dataType: DataType,
  ): Promise<SyncConfigRecord> {
    const now = clock.date().toISOString();
    return this.syncConfigs.create({
      userId,
      configId: `cfg_${randomUUID()}`,
      sourceConnectionId: source,
      destinationConnectionId: destination,
      dataType,
      conflictStrategy: 'newest_wins',
      isEnabled: true,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Receives (and deletes) hot-path messages until `predicate` matches or the wait ends. */
  async receiveHotPath(predicate: (m: Message) => boolean, waitMs = 5000): Promise<Message[]> {
    return this.receive(this.config.HOT_PATH_QUEUE_URL, predicate, { waitMs });
  }

  /**
   * Receives (and deletes) messages from a queue until `want` of them match or `waitMs` passes;
   * returns the matches. Messages that do not match are deleted too.
   */
  async receive(
    queueUrl: string | undefined,
    predicate: (m: Message) => boolean,
    { waitMs = 5000, want = 1 }: { waitMs?: number; want?: number } = {},
  ): Promise<Message[]> {
    if (!queueUrl) throw new Error('queue not configured');
    const deadline = clock.now() + waitMs;
    const matched: Message[] = [];
    while (clock.now() < deadline && matched.length < want) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      for (const m of out.Messages ?? []) {
        await this.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
        if (predicate(m)) matched.push(m);
      }
    }
    return matched;
  }

  async stop(): Promise<void> {
    await this.api.stop();
    await this.writer.drain();
    this.sqs.destroy();
    await this.stack.stop();
  }
}

export const testEnv = (stack: LocalStack, overrides: Record<string, string> = {}) => ({
  ...stack.env,
  NODE_ENV: 'test',
  PORT: '0',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  ADMIN_API_KEY: ADMIN_KEY,
  BODY_LIMIT: '64kb',
  STRAVA_WEBHOOK_VERIFY_TOKEN: STRAVA_VERIFY_TOKEN,
  FITBIT_SUBSCRIBER_VERIFY_CODE: FITBIT_VERIFY_CODE,
  GOOGLE_HEALTH_WEBHOOK_AUTHORIZATION,
  // The API alone (integration, SDK and pact suites) leaves socket syncs to the hot path, where the
  // tests drive them; the end-to-end suites, with a worker, run them in the API as production does.
  WS_FOREGROUND_CONCURRENCY: '0',
  ...overrides,
});

export interface HarnessOptions {
  /**
   * Settings that name the API's own port (its OAuth redirect URL): the API then listens on a port
   * chosen just before it binds, and on another one if that port was taken meanwhile.
   */
  portEnv?(port: string): Record<string, string>;
}

export async function startHarness(
  overrides: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<Harness> {
  const stack = await startLocalStack();
  try {
    const { portEnv } = options;
    const start = async (env: Record<string, string>) =>
      new Harness(stack, await startApi(env), loadConfig(env));
    if (portEnv === undefined) return await start(testEnv(stack, overrides));
    return await onFreePort((port) =>
      start(testEnv(stack, { ...overrides, PORT: String(port), ...portEnv(String(port)) })),
    );
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

/**
 * The sandbox provider's consent page, as a browser visits it for `sandboxUserId` (or refuses it with
 * `deny`); returns the path and query of the API callback the provider redirects to.
 */
export async function consentAtSandbox(
  authorizationUrl: string,
  sandboxUserId: string,
  deny = false,
): Promise<string> {
  const url = new URL(authorizationUrl);
  url.searchParams.set('sandbox_user', sandboxUserId);
  if (deny) url.searchParams.set('sandbox_deny', '1');
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`the consent page answered ${res.status}, not a redirect`);
  const location = new URL(res.headers.get('location')!);
  return `${location.pathname}${location.search}`;
}
