// Where an account leaves traces, searched the way an auditor would: a full Scan of the table, a
// SCAN of every Redis key (names and values), every object of every bucket, the secret store's
// files and every visible message of every queue. Each search returns what mentions the account
// (its user id, connection, configuration, device and job ids, its secret refs, its ids at the
// providers), so a test asserts an empty list after a deletion and a non-empty one before it.
import { readdir } from 'node:fs/promises';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageBatchCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import type { Config } from '../../core/config/config.js';
import { createDocumentClient } from '../../core/store/dynamoClient.js';

export interface AccountIds {
  userId: string;
  /** Connection, configuration, device and job ids: unique UUID-based strings. */
  ids: string[];
  /** Pointers into the secret store (`{ref}.secret` files). */
  secretRefs: string[];
  /** The account's ids at the providers (Strava's are small numbers, so they are matched in context). */
  providerUserIds: string[];
}

/** Whether `text` mentions the account. */
export function mentions(text: string, account: AccountIds): boolean {
  if (text.includes(account.userId)) return true;
  if (account.ids.some((id) => text.includes(id))) return true;
  if (account.secretRefs.some((ref) => text.includes(ref))) return true;
  return account.providerUserIds.some((id) =>
    id.length >= 12
      ? text.includes(id)
      : // A key segment (`PROVIDERUSER#strava#1001`, `ratelimit##strava##user##1001##900`) or a JSON string.
        [`#${id}#`, `#${id}"`, `"${id}"`].some((p) => text.includes(p)) || text.endsWith(`#${id}`),
  );
}

/** Every item of the table that mentions the account, as JSON. */
export async function dynamoTraces(config: Config, account: AccountIds): Promise<string[]> {
  return (await scanTable(config)).filter((text) => mentions(text, account));
}

/** Every item of the table, as JSON. */
export async function scanTable(config: Config): Promise<string[]> {
  const db = createDocumentClient(config);
  const items: string[] = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: config.TABLE_NAME, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) items.push(JSON.stringify(item));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    db.destroy();
  }
  return items;
}

/** Every Redis key whose name or value mentions the account. */
export async function redisTraces(redis: Redis, account: AccountIds): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'set'
              ? JSON.stringify(await redis.smembers(key))
              : '';
      if (mentions(key, account) || mentions(value ?? '', account)) found.push(key);
    }
  } while (cursor !== '0');
  return found;
}

/** Every object key of every bucket that mentions the account. */
export async function s3Traces(s3: S3Client, buckets: string[], account: AccountIds): Promise<string[]> {
  const found: string[] = [];
  for (const bucket of buckets) {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? [])
        if (o.Key && mentions(o.Key, account)) found.push(`${bucket}/${o.Key}`);
      token = page.NextContinuationToken;
    } while (token);
  }
  return found;
}

/** The account's secrets still in the local secret store. */
export async function secretTraces(dir: string, account: AccountIds): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files.filter((f) => account.secretRefs.some((ref) => f.startsWith(ref)));
}

/**
 * The body of every visible message of every queue. Messages are received and deleted until the
 * wait (longer than the queues' delays, so delayed ones show too) ends: run it last, with no worker.
 */
export async function drainQueues(sqs: SQSClient, waitMs = 3000): Promise<string[]> {
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  const bodies: string[] = [];
  await Promise.all(
    QueueUrls.map(async (url) => {
      const deadline = performance.now() + waitMs;
      while (performance.now() < deadline) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        const messages = out.Messages ?? [];
        for (const m of messages) bodies.push(m.Body ?? '');
        if (messages.length > 0)
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
      }
    }),
  );
  return bodies;
}
