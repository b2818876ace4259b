// `npm run bench:worker -- --floor`: a stand-in for the worker that makes, per requested job, only
// the network round trips a SyncWell job that finds nothing new makes, with the same libraries
// (undici, aws4, ioredis) against the same emulators and sandbox, and nothing else: no validation,
// no sync engine, no metrics, no logging. Its CPU per job is the floor under the worker's figure,
// what the client side of those round trips costs on this machine.
//
// Per message, in the worker's order: a share of a long-polled ReceiveMessage (batches of up to 10,
// the same receive window), one EVALSHA (the rate limiter's token take), one GET to the provider
// sandbox, the wait for the API's JOB write (JOB_ITEM_SETTLE_MS), one conditional UpdateItem
// (QUEUED → SUCCEEDED, the lazy claim-and-finish), one line appended to the event log (the local
// event bus; bench:worker reads it to see the job done), one PUBLISH (the job-status fan-out), and a
// share of a DeleteMessageBatch sent after the same delete window.
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import aws4 from 'aws4';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { jobSk, userPk } from '../../core/store/keys.js';

const env = process.env;
const need = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`floor worker: ${name} is not set`);
  return value;
};
const QUEUE_URL = need('HOT_PATH_QUEUE_URL');
const EVENT_LOG_FILE = need('EVENT_LOG_FILE');
const TABLE = env.TABLE_NAME ?? 'SyncWellMetadata';
const REGION = env.AWS_REGION ?? 'us-east-1';
const CONCURRENCY = Number(env.WORKER_CONCURRENCY ?? 40);
const WAIT_TIME_SECONDS = Number(env.WORKER_WAIT_TIME_SECONDS ?? 20);
/** The worker's own default (core/config/config.ts). */
const RECEIVE_WINDOW_MS = Number(env.WORKER_RECEIVE_WINDOW_MS ?? 100);
const DELETE_WINDOW_MS = Number(env.WORKER_DELETE_WINDOW_MS ?? 100);
/** The hot path's wait for the API's JOB write (core/sync/hotPathJob.ts JOB_ITEM_SETTLE_MS). */
const SETTLE_MS = 30;
const credentials = {
  accessKeyId: need('AWS_ACCESS_KEY_ID'),
  secretAccessKey: need('AWS_SECRET_ACCESS_KEY'),
};

function awsClient(endpoint: string, service: string, targetPrefix: string) {
  const url = new URL(endpoint);
  const pool = new Pool(url.origin, { connections: 64 });
  return {
    async call<T>(operation: string, input: object): Promise<T> {
      const body = JSON.stringify(input);
      const signed = aws4.sign(
        {
          host: url.host,
          path: '/',
          method: 'POST',
          service,
          region: REGION,
          body,
          headers: {
            'Content-Type': 'application/x-amz-json-1.0',
            'X-Amz-Target': `${targetPrefix}.${operation}`,
          },
        },
        credentials,
      );
      const res = await pool.request({
        path: '/',
        method: 'POST',
        headers: signed.headers as Record<string, string>,
        body,
      });
      const text = await res.body.text();
      if (res.statusCode >= 300)
        throw new Error(`${operation}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
      return (text ? JSON.parse(text) : {}) as T;
    },
    close: () => pool.close(),
  };
}

const sqs = awsClient(need('SQS_ENDPOINT'), 'sqs', 'AmazonSQS');
const dynamo = awsClient(need('DYNAMODB_ENDPOINT'), 'dynamodb', 'DynamoDB_20120810');
const sandbox = new URL(need('PROVIDER_SANDBOX_URL'));
const provider = new Pool(sandbox.origin, { connections: 64 });
const redis = new Redis(need('REDIS_URL'));
// The same shape of script as the token bucket's take: read, write and expire two hashes.
const TAKE = `local t = redis.call('TIME')
for i = 1, #KEYS do
  redis.call('HMGET', KEYS[i], 'tokens', 'ts', 'blockedUntil')
  redis.call('HSET', KEYS[i], 'tokens', ARGV[1], 'ts', t[1])
  redis.call('PEXPIRE', KEYS[i], 60000)
end
return {1, 0}`;
const takeSha = (await redis.script('LOAD', TAKE)) as string;

interface Received {
  Body: string;
  ReceiptHandle: string;
}
interface Job {
  jobId: string;
  userId: string;
  requestedAt: string;
}

let jobs = 0;
let stopping = false;
let inFlight = 0;
const toDelete: string[] = [];
let deleteTimer: NodeJS.Timeout | undefined;

function flushDeletes(): void {
  deleteTimer = undefined;
  while (toDelete.length > 0) {
    const entries = toDelete.splice(0, 10).map((handle, i) => ({ Id: String(i), ReceiptHandle: handle }));
    void sqs.call('DeleteMessageBatch', { QueueUrl: QUEUE_URL, Entries: entries }).catch(() => undefined);
  }
}

async function run(message: Received): Promise<void> {
  const job = JSON.parse(message.Body) as Job;
  await redis.evalsha(
    takeSha,
    2,
    'ratelimit##floor##app##60',
    `ratelimit##floor##user##${job.userId}##60`,
    100,
  );
  const res = await provider.request({
    path: `${sandbox.pathname.replace(/\/$/, '')}/strava/api/v3/athlete/activities?after=0&per_page=50`,
    method: 'GET',
    headers: { authorization: 'Bearer floor', accept: 'application/json' },
  });
  await res.body.text();
  const age = Date.now() - Date.parse(job.requestedAt);
  if (age >= 0 && age < SETTLE_MS) await sleep(SETTLE_MS - age);
  // The API's JOB write may land later still: try again, as the worker's claim does.
  let now = new Date().toISOString();
  for (let attempt = 1; ; attempt += 1) {
    try {
      await dynamo.call('UpdateItem', {
        TableName: TABLE,
        Key: { PK: { S: userPk(job.userId) }, SK: { S: jobSk(job.jobId) } },
        UpdateExpression: 'SET #s = :status, UpdatedAt = :now',
        ConditionExpression: 'attribute_exists(PK) AND #s = :queued',
        ExpressionAttributeNames: { '#s': 'Status' },
        ExpressionAttributeValues: {
          ':status': { S: 'SUCCEEDED' },
          ':queued': { S: 'QUEUED' },
          ':now': { S: now },
        },
      });
      break;
    } catch (error) {
      if (attempt === 4) throw error;
      await sleep(100 * attempt);
      now = new Date().toISOString();
    }
  }
  const detail = {
    jobId: job.jobId,
    userId: job.userId,
    recordsWritten: 0,
    recordsSkipped: 0,
    finishedAt: now,
  };
  appendFileSync(EVENT_LOG_FILE, `${JSON.stringify({ type: 'SyncSucceeded', detail, publishedAt: now })}\n`);
  await redis.publish(
    `jobstatus##${job.userId}`,
    JSON.stringify({ jobId: job.jobId, status: 'SUCCEEDED', changedAt: now }),
  );
  toDelete.push(message.ReceiptHandle);
  deleteTimer ??= setTimeout(flushDeletes, DELETE_WINDOW_MS);
  jobs += 1;
}

async function poll(): Promise<void> {
  while (!stopping) {
    const asked = Math.min(10, CONCURRENCY - inFlight);
    if (asked <= 0) {
      await sleep(5);
      continue;
    }
    const { Messages: messages = [] } = await sqs.call<{ Messages?: Received[] }>('ReceiveMessage', {
      QueueUrl: QUEUE_URL,
      MaxNumberOfMessages: asked,
      WaitTimeSeconds: WAIT_TIME_SECONDS,
    });
    for (const message of messages) {
      inFlight += 1;
      void run(message)
        .catch((error: unknown) => console.error('floor job failed:', (error as Error).message))
        .finally(() => (inFlight -= 1));
    }
    if (messages.length > 0 && messages.length < asked) await sleep(RECEIVE_WINDOW_MS);
  }
}

// bench:worker asks every worker for its counters between phases; the floor has only its job count.
process.on('message', (m: { type?: string }) => {
  if (m.type !== 'stats') return;
  process.send?.({
    stats: { providerCalls: jobs, jobWrites: jobs, itemsWritten: 0 },
    logLines: { written: 0, discarded: 0 },
    credentials: { storeReads: 0 },
  });
});
process.once('SIGTERM', () => {
  stopping = true;
  flushDeletes();
  setTimeout(() => {
    redis.disconnect();
    void Promise.all([sqs.close(), dynamo.close(), provider.close()]).finally(() => process.exit(0));
  }, 1500).unref();
});
void poll();
