// The consumer against real SQS semantics (fauxqs, with the Terraform queues and redrive policy):
// batching and concurrency, retries that end in the DLQ after maxReceiveCount, deferrals that
// never do, graceful shutdown that hands unfinished messages back, and the critical exit when the
// queue will not take a message back.
import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SQSClient as Sqs,
} from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { loadConfig } from '../../core/config/config.js';
import { createLogger } from '../../core/logging/logger.js';
import { createSqsClient } from '../../core/queue/sqs.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import type { Disposition, ReceivedJob } from '../sync/hotPathJob.js';
import { SqsConsumer, type ConsumerOptions } from './sqsConsumer.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SqsConsumer (fauxqs)', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let sqs: Sqs;
  let queueUrl: string;
  let dlqUrl: string;

  before(async () => {
    stack = await startLocalStack();
    const config = loadConfig({ ...stack.env, NODE_ENV: 'test' });
    sqs = createSqsClient(config);
    queueUrl = config.HOT_PATH_QUEUE_URL;
    dlqUrl = config.HOT_PATH_DLQ_URL!;
  });
  after(async () => {
    sqs.destroy();
    await stack.stop();
  });
  beforeEach(async () => {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
  });

  async function send(bodies: string[], group = 'g1'): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10)
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.slice(i, i + 10).map((body, j) => ({
            Id: String(j),
            MessageBody: body,
            MessageGroupId: bodies.length > 1 ? `${group}-${i + j}` : group,
            MessageDeduplicationId: randomUUID(),
          })),
        }),
      );
  }

  function consumer(handle: ConsumerOptions['handle'], extra: Partial<ConsumerOptions> = {}): SqsConsumer {
    return new SqsConsumer({
      name: 'test',
      sqs,
      queueUrl,
      concurrency: 20,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 5,
      maxReceiveCount: 5,
      batchWindowMs: 2,
      logger,
      onCritical: (error) => {
        throw error;
      },
      handle,
      ...extra,
    });
  }

  async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error('condition not reached in time');
      await sleep(50);
    }
  }

  async function depth(url: string): Promise<number> {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
      }),
    );
    return out.Messages?.length ?? 0;
  }

  it('processes many messages concurrently and deletes them in batches', async () => {
    const bodies = Array.from({ length: 30 }, (_, i) => `job-${i}`);
    await send(bodies);
    const seen = new Set<string>();
    let concurrent = 0;
    let maxConcurrent = 0;
    const c = consumer(async (job) => {
      concurrent += 1;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await sleep(100);
      seen.add(job.body);
      concurrent -= 1;
      return { action: 'delete' };
    });
    c.start();
    await until(() => seen.size === 30);
    await c.stop(1000);
    expect(maxConcurrent).to.be.greaterThan(1);
    expect(c.stats.deleted).to.equal(30);
    expect(await depth(queueUrl)).to.equal(0);
  });

  it('retries through the queue and lands a message that keeps failing in the DLQ after 5 receives', async () => {
    await send(['always-fails']);
    const attempts: number[] = [];
    const c = consumer(async (job) => {
      attempts.push(job.receiveCount);
      return { action: 'retry', delaySeconds: 0 };
    });
    c.start();
    await until(async () => attempts.length >= 5);
    await sleep(1500);
    await c.stop(1000);
    expect(attempts.slice(0, 5)).to.deep.equal([1, 2, 3, 4, 5]);
    const dlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 2 }));
    expect(dlq.Messages?.map((m) => m.Body)).to.deep.equal(['always-fails']);
  });

  it('never sends a deferred message to the DLQ: near the limit it is re-enqueued with its origin id', async () => {
    await send(['rate-limited']);
    const seen: ReceivedJob[] = [];
    const c = consumer(async (job): Promise<Disposition> => {
      seen.push(job);
      return seen.length < 8 ? { action: 'defer', delaySeconds: 0 } : { action: 'delete' };
    });
    c.start();
    await until(() => seen.length >= 8);
    await c.stop(1000);
    expect(c.stats.requeued).to.be.greaterThan(0);
    expect(new Set(seen.map((j) => j.originMessageId)).size).to.equal(1);
    expect(Math.max(...seen.map((j) => j.receiveCount))).to.be.lessThan(5);
    expect(await depth(dlqUrl)).to.equal(0);
    expect(await depth(queueUrl)).to.equal(0);
  });

  it('on shutdown lets fast jobs finish and hands slow ones back to the queue at once', async () => {
    await send(['fast', 'slow']);
    const finished: string[] = [];
    const c = consumer(async (job, signal) => {
      if (job.body === 'slow')
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      else await sleep(200);
      finished.push(job.body);
      return { action: 'delete' };
    });
    c.start();
    await until(() => c.inFlightCount === 2);
    await c.stop(1000);
    expect(finished).to.include('fast');
    expect(c.stats.returnedOnShutdown).to.equal(1);
    // Visible again immediately (visibility 0), not after the 5 s timeout.
    const back = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(back.Messages?.map((m) => m.Body)).to.deep.equal(['slow']);
  });

  it('exits critically when ChangeMessageVisibility keeps failing', async () => {
    await send(['cannot-return']);
    const broken = new SQSClient({});
    const real = sqs;
    // Everything works except returning the message: the queue refuses ChangeMessageVisibility.
    const flaky = {
      send: (command: unknown, options?: unknown) => {
        if (command instanceof ChangeMessageVisibilityCommand)
          return Promise.reject(new Error('ServiceUnavailable'));
        return (real.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
      },
    } as unknown as Sqs;
    let critical: Error | undefined;
    const c = consumer(async () => ({ action: 'retry', delaySeconds: 1 }), {
      sqs: flaky,
      onCritical: (error) => {
        critical = error;
      },
    });
    c.start();
    await until(() => critical !== undefined);
    await c.stop(500);
    broken.destroy();
    expect(critical?.message).to.match(/ChangeMessageVisibility kept failing/);
  });
});
