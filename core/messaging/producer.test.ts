// The message runtime's producer against fauxqs: every message is validated before it leaves, and
// its group and deduplication ids follow the channel's rules in the contract, whoever sends it.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { AwsJsonClient } from '../aws/awsJsonClient.js';
import { clock } from '../clock/clock.js';
import { loadConfig, type Config } from '../config/config.js';
import { createSqsJsonClient } from '../queue/sqs.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import {
  deadLetterQueueUrlOf,
  fitSqsId,
  messageDeduplicationIdOf,
  messageGroupIdOf,
} from './channelRules.js';
import type { MessageInput } from './messageCodec.js';
import { MessageValidationError } from './messageSchemas.js';
import { ChannelNotConfiguredError, SqsMessageProducer } from './producer.js';
import { queueUrlsFrom } from './queueUrls.js';

interface Received {
  Body?: string;
  Attributes?: Record<string, string>;
}

const hotPathJob = (): MessageInput<'hotPathSync'> => ({
  jobId: `job_${randomUUID()}`,
  userId: 'user-1',
  sourceConnectionId: `conn_${randomUUID()}`,
  destinationConnectionId: `conn_${randomUUID()}`,
  sourceProvider: 'fitbit',
  destinationProvider: 'strava',
  dataType: 'workout',
  priority: 'medium',
  trigger: 'manual',
  tier: 'FREE',
  requestedAt: clock.date().toISOString(),
});

describe('message runtime: SqsMessageProducer (fauxqs)', function () {
  this.timeout(60_000);
  let stack: LocalStack;
  let config: Config;
  let sqs: AwsJsonClient;
  let producer: SqsMessageProducer;

  before(async () => {
    stack = await startLocalStack();
    config = loadConfig({ ...stack.env, NODE_ENV: 'test' });
    sqs = createSqsJsonClient(config);
    producer = new SqsMessageProducer(sqs, queueUrlsFrom(config), 2);
  });
  after(async () => {
    sqs.destroy();
    await stack.stop();
  });

  async function receive(url: string): Promise<Received[]> {
    const out = await sqs.call<{ Messages?: Received[] }>('ReceiveMessage', {
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
    });
    return out.Messages ?? [];
  }

  it('sends a hot-path job grouped by sync pair, deduplicated by the id its producer names', async () => {
    const job = hotPathJob();
    const sent = await producer.send('hotPathSync', job, { deduplicationId: 'key-1' });
    expect(sent).to.deep.equal({ schemaVersion: 1, ...job });
    const [message] = await receive(config.HOT_PATH_QUEUE_URL);
    expect(JSON.parse(message!.Body!)).to.deep.equal(sent);
    expect(message!.Attributes).to.include({
      MessageGroupId: `user-1:${job.sourceConnectionId}:${job.destinationConnectionId}:workout`,
      MessageDeduplicationId: 'key-1',
    });
  });

  it('hashes group and deduplication ids past SQS’s 128 characters, stably and per pair', () => {
    const long = { ...hotPathJob(), userId: 'u'.repeat(128) };
    const group = messageGroupIdOf('hotPathSync', long)!;
    expect(group).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(messageGroupIdOf('hotPathSync', long)).to.equal(group);
    expect(messageGroupIdOf('hotPathSync', { ...long, dataType: 'steps' })).to.not.equal(group);
    expect(messageDeduplicationIdOf('hotPathSync', long, 'k'.repeat(200))).to.equal(
      fitSqsId('k'.repeat(200)),
    );
    expect(fitSqsId('k'.repeat(200))).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(() => messageDeduplicationIdOf('hotPathSync', long, undefined)).to.throw(/must name/);
  });

  it('deduplicates webhook events by the provider’s event id, else by the event’s own fields', () => {
    const event: MessageInput<'coalescingBuffer'> = {
      provider: 'strava',
      providerUserId: '134815',
      userId: null,
      connectionId: null,
      eventType: 'activity.create',
      objectId: '1',
      dataType: 'workout',
      receivedAt: clock.date().toISOString(),
      rawEventId: 'strava:1:1:create:1',
    };
    const byId = messageDeduplicationIdOf('coalescingBuffer', event, undefined);
    // The same delivery received twice (another receivedAt) is the same event.
    expect(
      messageDeduplicationIdOf(
        'coalescingBuffer',
        { ...event, receivedAt: '2020-01-01T00:00:00Z' },
        undefined,
      ),
    ).to.equal(byId);
    const { rawEventId: _id, ...withoutId } = event;
    const byFields = messageDeduplicationIdOf('coalescingBuffer', withoutId, undefined);
    expect(byFields).to.not.equal(byId);
    expect(
      messageDeduplicationIdOf('coalescingBuffer', { ...withoutId, objectId: '2' }, undefined),
    ).to.not.equal(byFields);
    expect(messageGroupIdOf('coalescingBuffer', event)).to.equal('strava:134815');
    // Standard queues have neither.
    expect(messageGroupIdOf('pollSchedule', event)).to.equal(undefined);
  });

  it('refuses a message off the contract before sending anything', async () => {
    const bad = { ...hotPathJob(), dataType: 'yoga' } as unknown as MessageInput<'hotPathSync'>;
    await producer.send('hotPathSync', bad, { deduplicationId: randomUUID() }).then(
      () => expect.fail('sent'),
      (error: unknown) => expect(error).to.be.instanceOf(MessageValidationError),
    );
    expect(await receive(config.HOT_PATH_QUEUE_URL)).to.have.length(0);
  });

  it('delays a standard queue’s message, refuses delays SQS cannot take, and names a channel it has no queue for', async () => {
    const poll: MessageInput<'pollSchedule'> = {
      userId: 'user-1',
      connectionId: `conn_${randomUUID()}`,
      provider: 'google_fit',
      dataTypes: ['workout'],
      scheduledFor: clock.date().toISOString(),
      lastCheckedAt: null,
      remainingDelaySeconds: 0,
    };
    await producer.send('pollSchedule', poll, { delaySeconds: 0 });
    expect(await receive(config.POLL_SCHEDULE_QUEUE_URL!)).to.have.length(1);
    await producer.send('pollSchedule', poll, { delaySeconds: 901 }).then(
      () => expect.fail('sent'),
      (error: unknown) => expect(error).to.be.instanceOf(RangeError),
    );
    const partial = new SqsMessageProducer(sqs, { hotPathSync: config.HOT_PATH_QUEUE_URL }, 2);
    expect(partial.has('pollSchedule')).to.equal(false);
    await partial.send('pollSchedule', poll).then(
      () => expect.fail('sent'),
      (error: unknown) => expect(error).to.be.instanceOf(ChannelNotConfiguredError),
    );
  });

  it('finds each channel’s DLQ beside its queue, as Terraform names it', () => {
    expect(deadLetterQueueUrlOf('hotPathSync', config.HOT_PATH_QUEUE_URL)).to.equal(config.HOT_PATH_DLQ_URL);
    expect(deadLetterQueueUrlOf('hotPathSyncDlq', config.HOT_PATH_DLQ_URL!)).to.equal(undefined);
  });
});
