// The coalescer's window claim against a real redis-server. Found by reading the code behind the
// chaos suite's batch-partial experiment (bench/results/README.md): the claim was taken before the
// job was sent and kept when the send failed, so the event's retry, inside the window, counted as
// coalesced and no job went out for it.
import { expect } from 'chai';
import { createRedis, waitForRedis, type Redis } from '../../core/cache/redis.js';
import { createLogger } from '../../core/logging/logger.js';
import { QueueSendError } from '../../core/queue/sqs.js';
import { startRedis, type RedisHandle } from '../../infra/local/redis.js';
import type { WebhookEventReceived } from '../../generated/messages.gen.js';
import { Coalescer } from './coalescer.js';

const logger = createLogger({ level: 'silent', service: 'test' });
const SOURCE = 'conn_0b7c1f2e-3d4a-4b5c-8d6e-7f8091a2b3c4';
const DESTINATION = 'conn_1c8d2a3f-4e5b-4c6d-9e7f-8091a2b3c4d5';

describe('coalescer: one job per configuration and window, on a real redis-server', function () {
  this.timeout(20_000);
  let server: RedisHandle;
  let redis: Redis;

  before(async () => {
    server = await startRedis();
    redis = createRedis(server.url, logger, 'coalescer-test');
    expect(await waitForRedis(redis, 5000)).to.equal(true);
  });
  after(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  function coalescerWith(send: () => Promise<unknown>, now: () => Date) {
    const sent: unknown[] = [];
    const configId = `cfg_${Math.random().toString(36).slice(2)}`;
    const connection = (connectionId: string, provider: string) => ({
      connectionId,
      provider,
      status: 'active',
    });
    const coalescer = new Coalescer({
      config: {} as never,
      logger,
      redis,
      providerUsers: { resolve: () => Promise.resolve({ userId: 'user-1', connectionId: SOURCE }) } as never,
      userConfig: {
        get: () =>
          Promise.resolve({
            connections: [connection(SOURCE, 'strava'), connection(DESTINATION, 'google_fit')],
            syncConfigs: [
              {
                configId,
                sourceConnectionId: SOURCE,
                destinationConnectionId: DESTINATION,
                dataType: 'workout',
                isEnabled: true,
              },
            ],
          }),
      } as never,
      profiles: { get: () => Promise.resolve({ subscriptionLevel: 'PRO' }) } as never,
      connections: {} as never,
      producer: {
        send: async (_channel: string, message: unknown) => {
          await send();
          sent.push(message);
          return message;
        },
      } as never,
      accountStatus: { isDeleted: () => Promise.resolve(false) },
      tunables: { coalescingWindowSeconds: () => 60 },
      now,
    });
    return { coalescer, sent };
  }

  const event = (receivedAt: Date) =>
    ({
      schemaVersion: 1,
      provider: 'strava',
      providerUserId: '42',
      userId: null,
      connectionId: null,
      eventType: 'activity.create',
      objectId: '1',
      dataType: 'workout',
      receivedAt: receivedAt.toISOString(),
      rawEventId: 'strava:1:1:create:1',
    }) as unknown as WebhookEventReceived;

  it('a job whose send failed is sent by the event’s retry inside the same window', async () => {
    let now = new Date('2026-03-02T10:00:10Z');
    let fail = true;
    const { coalescer, sent } = coalescerWith(
      async () => {
        if (!fail) return;
        fail = false;
        throw new QueueSendError('InternalError', 'one entry of a batch failed', false);
      },
      () => now,
    );
    const delivery = { originMessageId: 'm1', receiveCount: 1, isLastAttempt: false };
    const first = await coalescer.handle(event(now), delivery).catch((error: unknown) => error);
    expect(first, 'the consumer retries the event').to.be.instanceOf(QueueSendError);
    now = new Date(now.getTime() + 2000);
    expect(await coalescer.handle(event(now), { ...delivery, receiveCount: 2 })).to.deep.equal({
      kind: 'done',
    });
    expect(sent).to.have.length(1);
    expect(coalescer.stats).to.include({ jobs: 1, coalesced: 0 });
    // Once sent, the window holds: a later event of the window is coalesced.
    await coalescer.handle(event(now), { ...delivery, originMessageId: 'm2' });
    expect(sent).to.have.length(1);
    expect(coalescer.stats.coalesced).to.equal(1);
  });
});
