import { expect } from 'chai';
import {
  buildHotPathSyncRequested,
  deduplicationIdOf,
  HotPathQueue,
  messageGroupIdOf,
} from './hotPathQueue.js';
import { MessageValidationError } from './messageSchemas.js';
import type { OutgoingMessage, QueueSender } from '../queue/QueueSender.js';

const input = {
  jobId: 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
  userId: 'user-1',
  sourceConnectionId: 'conn_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
  destinationConnectionId: 'conn_4f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
  sourceProvider: 'fitbit',
  destinationProvider: 'strava',
  dataType: 'workout',
  priority: 'medium',
  trigger: 'manual',
  tier: 'FREE',
  requestedAt: '2026-11-24T10:00:00.000Z',
} as const;

describe('HotPathSyncRequested producer', () => {
  it('builds a message that matches the AsyncAPI schema', () => {
    expect(buildHotPathSyncRequested(input)).to.deep.equal({ schemaVersion: 1, ...input });
  });

  it('refuses a message that does not match the contract', () => {
    expect(() => buildHotPathSyncRequested({ ...input, dataType: 'yoga' as never })).to.throw(
      MessageValidationError,
    );
    expect(() => buildHotPathSyncRequested({ ...input, jobId: 'job_1' })).to.throw(MessageValidationError);
  });

  it("uses the idempotency key as deduplication id (hashed past SQS's 128 characters) and the sync pair as group", async () => {
    const sent: OutgoingMessage[] = [];
    const sender: QueueSender = {
      send: async (m) => {
        sent.push(m);
        return { messageId: 'm-1' };
      },
      drain: async () => undefined,
    };
    await new HotPathQueue(sender).send(input, { idempotencyKey: 'key-1' });
    expect(sent[0]).to.include({
      groupId: `user-1:${input.sourceConnectionId}:${input.destinationConnectionId}:workout`,
      deduplicationId: 'key-1',
    });
    const long = 'k'.repeat(200);
    expect(deduplicationIdOf(long)).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(deduplicationIdOf(long)).to.equal(deduplicationIdOf(long));
  });

  it('groups by sync pair: one pair stays in order, another pair or data type of the same user does not wait', () => {
    const group = messageGroupIdOf(input);
    // Another job of the same pair (another trigger, priority, job id): same group, so in order.
    expect(
      messageGroupIdOf({
        ...input,
        jobId: 'job_5f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
        trigger: 'schedule',
      } as never),
    ).to.equal(group);
    expect(messageGroupIdOf({ ...input, dataType: 'sleep_session' })).to.not.equal(group);
    expect(messageGroupIdOf({ ...input, sourceConnectionId: 'conn_other' })).to.not.equal(group);
    expect(messageGroupIdOf({ ...input, destinationConnectionId: 'conn_other' })).to.not.equal(group);
    expect(messageGroupIdOf({ ...input, userId: 'user-2' })).to.not.equal(group);
    // Firebase uids may be 128 characters: the group id stays within SQS's limit, still per pair.
    const longUser = { ...input, userId: 'u'.repeat(128) };
    expect(messageGroupIdOf(longUser)).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(messageGroupIdOf({ ...longUser, dataType: 'steps' })).to.not.equal(messageGroupIdOf(longUser));
  });
});
