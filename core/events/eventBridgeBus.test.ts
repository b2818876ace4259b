import { randomUUID } from 'node:crypto';
import { SyncOutcomeMetrics } from '../observability/syncOutcomeMetrics.js';
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { createLogger } from '../logging/logger.js';
import { MessageValidationError } from '../messaging/messageSchemas.js';
import { createEventBus } from './createEventBus.js';
import type { SyncEvent } from './eventBus.js';
import { createEventBridgeClient, EventBridgeEventBus, EventPublishError } from './eventBridgeBus.js';
import { LocalEventBus } from './localEventBus.js';

const logger = createLogger({ level: 'silent', service: 'test' });

const base = {
  schemaVersion: 1,
  jobId: 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
  userId: 'user-1',
  sourceConnectionId: 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7',
  destinationConnectionId: 'conn_8c9e6679-7425-40de-944b-e07fc1f90ae7',
  dataType: 'workout',
  trigger: 'manual',
} as const;

function succeeded(eventId: string = randomUUID()): SyncEvent {
  return {
    type: 'SyncSucceeded',
    detail: {
      ...base,
      eventId,
      recordsWritten: 3,
      recordsSkipped: 1,
      startedAt: '2026-11-24T10:00:00.000Z',
      finishedAt: '2026-11-24T10:00:02.000Z',
    },
  };
}

function failed(eventId: string = randomUUID()): SyncEvent {
  return {
    type: 'SyncFailed',
    detail: {
      ...base,
      eventId,
      errorCode: 'provider_unavailable',
      retryable: true,
      attempt: 2,
      failedAt: '2026-11-24T10:00:02.000Z',
    },
  };
}

function entryOf(event: SyncEvent) {
  return {
    Source: 'syncwell.worker',
    DetailType: event.type,
    Detail: JSON.stringify(event.detail),
    EventBusName: 'syncwell-events',
  };
}

/** Accepts every entry except those whose Detail contains one of `reject`. */
function answer(input: PutEventsCommandInput, reject: (detail: string) => boolean) {
  const entries = (input.Entries ?? []).map((e, i) =>
    reject(e.Detail ?? '')
      ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
      : { EventId: `ev-${i}-${randomUUID()}` },
  );
  return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
}

describe('core/events: EventBridge event bus', () => {
  const client = new EventBridgeClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  let bus: EventBridgeEventBus;

  beforeEach(() => {
    mock.reset();
    // The waits are core/retry's (tested there): short here.
    bus = new EventBridgeEventBus({ client, eventBusName: 'syncwell-events', logger, baseDelayMs: 1 });
  });

  const inputs = () => mock.commandCalls(PutEventsCommand).map((c) => c.args[0].input);

  it('sends Source syncwell.worker, DetailType = message name, Detail = JSON, EventBusName', async () => {
    mock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => answer(input, () => false));
    const events = [succeeded(), failed()];
    await bus.publish(events);
    expect(inputs()).to.deep.equal([{ Entries: events.map(entryOf) }]);
  });

  it('publishes nothing for an empty list', async () => {
    await bus.publish([]);
    expect(inputs()).to.have.length(0);
  });

  it('chunks 25 events into 10, 10 and 5 entries, in order', async () => {
    mock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => answer(input, () => false));
    const events = Array.from({ length: 25 }, (_, i) => (i % 2 ? failed() : succeeded()));
    await bus.publish(events);
    const sent = inputs();
    expect(sent.map((i) => i.Entries?.length)).to.deep.equal([10, 10, 5]);
    expect(sent.flatMap((i) => i.Entries)).to.deep.equal(events.map(entryOf));
  });

  it('retries only the rejected entries', async () => {
    const flaky = new Set(['00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000004']);
    let call = 0;
    mock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => {
      call++;
      return answer(input, (detail) => call === 1 && [...flaky].some((id) => detail.includes(id)));
    });
    const events = [1, 2, 3, 4, 5].map((n) => succeeded(`00000000-0000-4000-8000-00000000000${n}`));
    await bus.publish(events);
    const sent = inputs();
    expect(sent).to.have.length(2);
    expect(sent[0]).to.deep.equal({ Entries: events.map(entryOf) });
    expect(sent[1]).to.deep.equal({ Entries: [events[1]!, events[3]!].map(entryOf) });
  });

  it('retries a chunk whose call failed as a whole', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    mock
      .on(PutEventsCommand)
      .rejectsOnce(throttled)
      .callsFake((input: PutEventsCommandInput) => answer(input, () => false));
    const events = [succeeded(), failed()];
    await bus.publish(events);
    expect(inputs()).to.deep.equal([{ Entries: events.map(entryOf) }, { Entries: events.map(entryOf) }]);
  });

  it('gives up after 3 attempts and throws an error listing what failed', async () => {
    const stuck = '00000000-0000-4000-8000-00000000000b';
    mock
      .on(PutEventsCommand)
      .callsFake((input: PutEventsCommandInput) => answer(input, (d) => d.includes(stuck)));
    const events = [succeeded(), failed(stuck), ...Array.from({ length: 10 }, () => succeeded())];
    const err = await bus.publish(events).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(EventPublishError);
    const publishError = err as EventPublishError;
    expect(publishError.failed).to.deep.equal([
      { type: 'SyncFailed', eventId: stuck, errorCode: 'InternalFailure', errorMessage: 'try again' },
    ]);
    expect(publishError.total).to.equal(12);
    expect(publishError.message).to.contain(stuck).and.contain('InternalFailure').and.contain('3 attempts');
    // Chunk one (10 entries) three times for the stuck entry, chunk two (2 entries) once.
    const sent = inputs().map((i) => i.Entries?.length);
    expect(sent.sort((x = 0, y = 0) => x - y)).to.deep.equal([1, 1, 2, 10]);
  });

  it('refuses an invalid event before sending anything', async () => {
    const bad = succeeded();
    (bad.detail as { recordsWritten: number }).recordsWritten = -1;
    const err = await bus.publish([succeeded(), bad]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MessageValidationError);
    expect(inputs()).to.have.length(0);
    const wrongType = { type: 'SyncFailed', detail: succeeded().detail } as unknown as SyncEvent;
    expect(await bus.publish([wrongType]).catch((e: unknown) => e)).to.be.instanceOf(MessageValidationError);
    expect(inputs()).to.have.length(0);
  });
});

describe('core/events: createEventBus and the EventBridge client', () => {
  const config = {
    EVENT_BUS: 'local' as const,
    EVENT_BUS_NAME: 'syncwell-events',
    EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010',
    EVENT_LOG_FILE: '.state/test-events.jsonl',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
  };

  it('picks the adapter from EVENT_BUS, behind the sync outcome metrics', () => {
    const local = createEventBus(config, logger);
    expect(local).to.be.instanceOf(SyncOutcomeMetrics);
    expect((local as SyncOutcomeMetrics).bus).to.be.instanceOf(LocalEventBus);
    const eventBridge = createEventBus({ ...config, EVENT_BUS: 'eventbridge' }, logger);
    expect((eventBridge as SyncOutcomeMetrics).bus).to.be.instanceOf(EventBridgeEventBus);
  });

  it('honours EVENTBRIDGE_ENDPOINT and the shared AWS client options', async () => {
    const client = createEventBridgeClient({
      ...config,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    expect(await client.config.region()).to.equal('eu-west-1');
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).to.equal('127.0.0.1');
    expect(endpoint?.port).to.equal(4010);
    expect((await client.config.credentials()).accessKeyId).to.equal('test');
    expect(createEventBridgeClient({ ...config, EVENTBRIDGE_ENDPOINT: undefined }).config.endpoint).to.equal(
      undefined,
    );
  });
});
