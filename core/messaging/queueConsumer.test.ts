// The message runtime against real SQS semantics (fauxqs with the Terraform queues and redrive
// policy): what each handler outcome does to the queue, poison, the DLQ, deferrals that never reach
// it, shutdown mid-batch, and the critical exit when the queue will not take a message back.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { ChannelMessage } from '../../generated/channels.gen.js';
import type { AwsJsonClient } from '../aws/awsJsonClient.js';
import { clock } from '../clock/clock.js';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { createSqsJsonClient } from '../queue/sqs.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import type { MessageInput } from './messageCodec.js';
import type { Outcome } from './outcome.js';
import { SqsMessageProducer } from './producer.js';
import { QueueConsumer, type ConsumerOptions, type MessageHandler, type SqsCaller } from './queueConsumer.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SqsMessage {
  Body?: string;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

describe('message runtime: QueueConsumer (fauxqs)', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let config: Config;
  let sqs: AwsJsonClient;
  let producer: SqsMessageProducer;
  let queueUrl: string;
  let dlqUrl: string;
  let logLines: string[];

  before(async () => {
    stack = await startLocalStack();
    config = loadConfig({ ...stack.env, NODE_ENV: 'test' });
    sqs = createSqsJsonClient(config);
    producer = new SqsMessageProducer(sqs, { hotPathSync: config.HOT_PATH_QUEUE_URL }, 2);
    queueUrl = config.HOT_PATH_QUEUE_URL;
    dlqUrl = config.HOT_PATH_DLQ_URL!;
  });
  after(async () => {
    sqs.destroy();
    await stack.stop();
  });
  beforeEach(async () => {
    logLines = [];
    await sqs.call('PurgeQueue', { QueueUrl: queueUrl });
    await sqs.call('PurgeQueue', { QueueUrl: dlqUrl });
  });

  /** A valid job; each one its own sync pair (its own group), so none waits for another. */
  function job(n: number): MessageInput<'hotPathSync'> {
    return {
      jobId: `job_${randomUUID()}`,
      userId: `user-${n}`,
      sourceConnectionId: `conn_${randomUUID()}`,
      destinationConnectionId: `conn_${randomUUID()}`,
      sourceProvider: 'garmin',
      destinationProvider: 'strava',
      dataType: 'workout',
      priority: 'medium',
      trigger: 'manual',
      tier: 'FREE',
      requestedAt: clock.date().toISOString(),
    };
  }

  async function send(count: number): Promise<string[]> {
    const jobs = Array.from({ length: count }, (_, i) => job(i));
    await Promise.all(jobs.map((j) => producer.send('hotPathSync', j, { deduplicationId: j.jobId })));
    return jobs.map((j) => j.jobId);
  }

  function consumer(
    handler: MessageHandler<'hotPathSync'>,
    extra: Partial<ConsumerOptions<'hotPathSync'>> = {},
  ): QueueConsumer<'hotPathSync'> {
    const logger = createLogger({
      level: 'info',
      service: 'test',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logLines.push(chunk.toString());
          done();
        },
      }),
    });
    return new QueueConsumer({
      channel: 'hotPathSync',
      sqs,
      queueUrl,
      concurrency: 20,
      waitTimeSeconds: 1,
      visibilityTimeoutSeconds: 5,
      maxReceiveCount: 5,
      batchWindowMs: 2,
      redelivery: { baseMs: 1, maxMs: 1 },
      logger,
      onCritical: (error) => {
        throw error;
      },
      handler,
      ...extra,
    });
  }

  async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!(await predicate())) {
      if (performance.now() > deadline) throw new Error('condition not reached in time');
      await sleep(50);
    }
  }

  async function drainQueue(url: string): Promise<SqsMessage[]> {
    const out = await sqs.call<{ Messages?: SqsMessage[] }>('ReceiveMessage', {
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 30,
      MessageAttributeNames: ['All'],
    });
    return out.Messages ?? [];
  }

  /** Records every SQS operation the consumer makes, with its input. */
  function recording(): {
    caller: SqsCaller;
    calls: Array<{ operation: string; input: Record<string, unknown> }>;
  } {
    const calls: Array<{ operation: string; input: Record<string, unknown> }> = [];
    return {
      calls,
      caller: {
        call: <T>(operation: string, input: object, signal?: AbortSignal) => {
          if (operation !== 'ReceiveMessage')
            calls.push({ operation, input: input as Record<string, unknown> });
          return sqs.call<T>(operation, input, signal);
        },
      },
    };
  }

  it('hands each handler its typed message, many at once, and deletes finished ones in batches', async () => {
    const sent = await send(30);
    const seen = new Set<string>();
    let concurrent = 0;
    let maxConcurrent = 0;
    const { caller, calls } = recording();
    const c = consumer(
      async (message: ChannelMessage<'hotPathSync'>) => {
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(100);
        seen.add(message.jobId);
        concurrent -= 1;
        return { kind: 'done' };
      },
      { sqs: caller },
    );
    c.start();
    await until(() => seen.size === 30);
    await c.stop(1000);
    expect([...seen].sort()).to.deep.equal([...sent].sort());
    expect(maxConcurrent).to.be.greaterThan(1);
    expect(c.stats.done).to.equal(30);
    expect(calls.every((call) => call.operation === 'DeleteMessageBatch')).to.equal(true);
    expect(calls.length).to.be.lessThan(30);
    expect(await drainQueue(queueUrl)).to.have.length(0);
  });

  it('after a partial batch waits its receive window, so a trickle of messages comes several per receive', async () => {
    const receives: Array<{ startedAt: number; endedAt: number; count: number }> = [];
    const caller: SqsCaller = {
      call: async <T>(operation: string, input: object, signal?: AbortSignal) => {
        const startedAt = performance.now();
        const out = await sqs.call<T>(operation, input, signal);
        if (operation === 'ReceiveMessage') {
          const count = ((out as { Messages?: unknown[] }).Messages ?? []).length;
          receives.push({ startedAt, endedAt: performance.now(), count });
        }
        return out;
      },
    };
    const seen: string[] = [];
    const c = consumer(
      async (message) => {
        seen.push(message.jobId);
        return { kind: 'done' };
      },
      { sqs: caller, receiveWindowMs: 600 },
    );
    c.start();
    // Three messages 100 ms apart: the first alone, the two others during its window.
    for (let i = 0; i < 3; i += 1) {
      await send(1);
      await sleep(100);
    }
    await until(() => seen.length === 3);
    await c.stop(1000);
    const withMessages = receives.filter((r) => r.count > 0);
    expect(withMessages.map((r) => r.count)).to.deep.equal([1, 2]);
    const [first, second] = withMessages;
    // setTimeout may fire a fraction of a millisecond early by performance.now().
    expect(second!.startedAt - first!.endedAt).to.be.at.least(590);
  });

  it('deletes what finished apart in one batch when they finish within its delete window', async () => {
    await send(3);
    const { caller, calls } = recording();
    let handled = 0;
    // Each message takes longer than the last: they finish 150 ms apart, all within the 600 ms window.
    const c = consumer(
      async () => {
        handled += 1;
        await sleep(150 * handled);
        return { kind: 'done' };
      },
      { sqs: caller, deleteWindowMs: 600 },
    );
    c.start();
    await until(() => c.stats.done === 3 && calls.some((call) => call.operation === 'DeleteMessageBatch'));
    await c.stop(1000);
    const deletes = calls.filter((call) => call.operation === 'DeleteMessageBatch');
    expect(deletes.map((call) => (call.input.Entries as unknown[]).length)).to.deep.equal([3]);
    expect(await drainQueue(queueUrl)).to.have.length(0);
  });

  it('maps each outcome to its SQS calls: retry waits at least Retry-After, defer at most its bound', async () => {
    await send(2);
    const { caller, calls } = recording();
    const outcomes: Outcome[] = [
      { kind: 'retry', code: 'provider_unavailable', retryAfterSeconds: 7 },
      { kind: 'defer', retryAfterSeconds: 600, maxDelaySeconds: 3 },
    ];
    let handled = 0;
    const c = consumer(async () => outcomes[handled++]!, { sqs: caller });
    c.start();
    await until(() => calls.length >= 2);
    await c.stop(1000);
    const timeouts = calls
      .filter((call) => call.operation === 'ChangeMessageVisibility')
      .map((call) => call.input.VisibilityTimeout);
    expect(timeouts.sort()).to.deep.equal([3, 7]);
    expect(c.stats).to.include({ retried: 1, deferred: 1, done: 0, deadLettered: 0 });
  });

  it('retries through the queue; on the 5th receive the handler is told it is the last, then SQS dead-letters it', async () => {
    await send(1);
    const attempts: Array<[number, boolean]> = [];
    const c = consumer(async (_m, delivery) => {
      attempts.push([delivery.receiveCount, delivery.isLastAttempt]);
      return { kind: 'retry', code: 'provider_unavailable' };
    });
    c.start();
    await until(() => attempts.some(([count]) => count >= 5));
    await sleep(1500);
    await c.stop(1000);
    // A receive may have gone to an earlier test's aborted long poll: count from what the handler saw.
    expect(attempts.at(-1)).to.deep.equal([5, true]);
    expect(attempts.slice(0, -1).every(([count, last]) => count < 5 && !last)).to.equal(true);
    expect(await drainQueue(dlqUrl)).to.have.length(1);
  });

  it('sends a permanent failure to the DLQ at once, with its code and reason, after one handler call', async () => {
    const [jobId] = await send(1);
    let calls = 0;
    const c = consumer(async () => {
      calls += 1;
      return { kind: 'fail', code: 'credentials_revoked', reason: 'the user revoked access' };
    });
    c.start();
    await until(() => c.stats.deadLettered === 1);
    await sleep(300);
    await c.stop(1000);
    expect(calls).to.equal(1);
    const [dead] = await drainQueue(dlqUrl);
    expect((JSON.parse(dead!.Body!) as { jobId: string }).jobId).to.equal(jobId);
    expect(dead!.MessageAttributes?.FailureCode?.StringValue).to.equal('credentials_revoked');
    expect(dead!.MessageAttributes?.FailureReason?.StringValue).to.equal('the user revoked access');
    expect(dead!.MessageAttributes?.SourceChannel?.StringValue).to.equal('hotPathSync');
    expect(await drainQueue(queueUrl)).to.have.length(0);
  });

  it('sends poison (not JSON, or not the channel message) to the DLQ at once, never to the handler, logged once each', async () => {
    for (const body of ['not json', JSON.stringify({ schemaVersion: 1, jobId: 'job_1' })])
      await sqs.call('SendMessage', {
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: randomUUID(),
        MessageDeduplicationId: randomUUID(),
      });
    let handled = 0;
    const c = consumer(async () => {
      handled += 1;
      return { kind: 'done' };
    });
    c.start();
    await until(() => c.stats.deadLettered === 2);
    await sleep(300);
    await c.stop(1000);
    expect(handled).to.equal(0);
    expect(c.stats.poison).to.equal(2);
    const dead = await drainQueue(dlqUrl);
    expect(dead.map((m) => m.MessageAttributes?.FailureCode?.StringValue)).to.deep.equal([
      'invalid_message',
      'invalid_message',
    ]);
    expect(logLines.filter((line) => line.includes('poison message'))).to.have.length(2);
  });

  it('never sends a deferred message to the DLQ: near the limit it is re-enqueued with its origin id', async () => {
    await send(1);
    const seen: Array<{ origin: string; count: number }> = [];
    const c = consumer(async (_m, delivery): Promise<Outcome> => {
      seen.push({ origin: delivery.originMessageId, count: delivery.receiveCount });
      return seen.length < 8 ? { kind: 'defer' } : { kind: 'done' };
    });
    c.start();
    await until(() => seen.length >= 8);
    await c.stop(1000);
    expect(c.stats.requeued).to.be.greaterThan(0);
    expect(new Set(seen.map((s) => s.origin)).size).to.equal(1);
    expect(Math.max(...seen.map((s) => s.count))).to.be.lessThan(5);
    expect(await drainQueue(dlqUrl)).to.have.length(0);
    expect(await drainQueue(queueUrl)).to.have.length(0);
  });

  it('retries a message whose handler threw, counting it', async () => {
    await send(1);
    let calls = 0;
    const c = consumer(async () => {
      calls += 1;
      if (calls === 1) throw new Error('a bug');
      return { kind: 'done' };
    });
    c.start();
    await until(() => c.stats.done === 1);
    await c.stop(1000);
    expect(c.stats).to.include({ handlerErrors: 1, retried: 1, done: 1 });
  });

  it('on shutdown mid-batch lets fast handlers finish and hands slow ones back to the queue at once', async () => {
    const [fast, slow] = await send(2);
    const finished: string[] = [];
    const c = consumer(async (message, _delivery, signal) => {
      if (message.jobId === slow)
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      else await sleep(200);
      finished.push(message.jobId);
      return { kind: 'done' };
    });
    c.start();
    await until(() => c.inFlightCount === 2);
    await c.stop(1000);
    expect(finished).to.include(fast);
    expect(c.stats.returnedOnShutdown).to.equal(1);
    // Visible again immediately (visibility 0), not after the 5 s timeout.
    const back = await drainQueue(queueUrl);
    expect(back.map((m) => (JSON.parse(m.Body!) as { jobId: string }).jobId)).to.deep.equal([slow]);
  });

  it('exits critically when ChangeMessageVisibility keeps failing', async () => {
    await send(1);
    // Everything works except returning the message: the queue refuses ChangeMessageVisibility.
    const flaky: SqsCaller = {
      call: <T>(operation: string, input: object, signal?: AbortSignal) =>
        operation === 'ChangeMessageVisibility'
          ? Promise.reject(Object.assign(new Error('ServiceUnavailable'), { name: 'ServiceUnavailable' }))
          : sqs.call<T>(operation, input, signal),
    };
    let critical: Error | undefined;
    const c = consumer(async () => ({ kind: 'retry', code: 'provider_unavailable' }), {
      sqs: flaky,
      onCritical: (error) => {
        critical = error;
      },
    });
    c.start();
    await until(() => critical !== undefined);
    await c.stop(500);
    expect(critical?.message).to.match(/ChangeMessageVisibility kept failing/);
  });
});
