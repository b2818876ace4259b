// Sync jobs through the SDK: createSyncJob (a manual job, a historical backfill, a reversed date
// range and the 400 without a key), getSyncJob (200 and 404 for another user's job) and
// listSyncJobs. Matchers stand where the API picks the value (job ids, timestamps, prose); exact
// values where the contract fixes them (enums, codes) or the provider state does (the ids, status,
// priority and data type it sets up).
import { MatchersV3 } from '@pact-foundation/pact';
import { expect } from 'chai';
import {
  BEARER,
  CONNECTION_ID,
  DESTINATION_CONNECTION_ID,
  ISO_TIMESTAMP,
  JOBS_USER_ID,
  JOB_ID,
  JSON_TYPE,
  OTHER_USER_ID,
  PROBLEM_TYPE,
  SOURCE_CONNECTION_ID,
  TWO_ACTIVE_CONNECTIONS,
  USER_ID,
  apiErrorOf,
  jsonMutationHeaders,
  newPact,
  problem,
  sdkFor,
} from './support.js';

const { datetime, eachLike, integer, regex } = MatchersV3;

const EXISTING_JOB_ID = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';
const LISTED_JOB_ID = 'job_8e1d4c7b-2a5f-4e9d-b3c6-5f8a1d4e7b2c';
const FOREIGN_JOB_ID = 'job_9a7c6b5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d';
const QUEUED_JOB_ID = 'job_5d0c2f8a-6b1e-4c3d-9a7f-2e4b6c8d0a1f';
const CREATE_JOB_KEY = '6f9619ff-8b86-4011-b42d-00c04fc964ff';
const BACKFILL_KEY = '3b241101-e2bb-4255-8caf-4136c566a962';
const BAD_RANGE_KEY = '9c858901-8a57-4791-81fe-4c455b099bc9';

const historicalJob = {
  sourceConnectionId: SOURCE_CONNECTION_ID,
  destinationConnectionId: DESTINATION_CONNECTION_ID,
  dataType: 'workout' as const,
  mode: 'historical' as const,
  dateRange: { startDate: '2023-01-01', endDate: '2023-12-31' },
};

const manualJob = {
  sourceConnectionId: SOURCE_CONNECTION_ID,
  destinationConnectionId: DESTINATION_CONNECTION_ID,
  dataType: 'workout' as const,
  mode: 'manual' as const,
  priority: 'high' as const,
};

const finishedJobState = (userId: string, jobId: string) => ({
  userId,
  jobId,
  sourceConnectionId: SOURCE_CONNECTION_ID,
  destinationConnectionId: DESTINATION_CONNECTION_ID,
  dataType: 'workout',
  priority: 'high',
  status: 'SUCCEEDED',
  recordsWritten: 3,
  recordsSkipped: 1,
});

/** A finished manual job as the state sets it up. */
const finishedJob = (jobId: string) => ({
  jobId: regex(`^${JOB_ID}$`, jobId),
  status: 'SUCCEEDED',
  mode: 'manual',
  priority: 'high',
  trigger: 'manual',
  sourceConnectionId: regex(`^${CONNECTION_ID}$`, SOURCE_CONNECTION_ID),
  destinationConnectionId: regex(`^${CONNECTION_ID}$`, DESTINATION_CONNECTION_ID),
  dataType: 'workout',
  createdAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
  updatedAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:07.000Z'),
  result: { recordsWritten: integer(3), recordsSkipped: integer(1) },
});

const finishedJobValue = (jobId: string) => ({
  jobId,
  status: 'SUCCEEDED',
  mode: 'manual',
  priority: 'high',
  trigger: 'manual',
  sourceConnectionId: SOURCE_CONNECTION_ID,
  destinationConnectionId: DESTINATION_CONNECTION_ID,
  dataType: 'workout',
  createdAt: '2024-03-02T10:00:00.000Z',
  updatedAt: '2024-03-02T10:00:07.000Z',
  result: { recordsWritten: 3, recordsSkipped: 1 },
});

describe('syncwell-mobile-sdk → syncwell-api: sync jobs', () => {
  const pact = newPact();

  it('createSyncJob queues a manual job', async () => {
    await pact
      .addInteraction()
      .given(TWO_ACTIVE_CONNECTIONS.state, TWO_ACTIVE_CONNECTIONS.params)
      .uponReceiving('a request to start a manual sync job')
      .withRequest('POST', '/v1/sync-jobs', (b) =>
        b.headers(jsonMutationHeaders(CREATE_JOB_KEY)).jsonBody(manualJob),
      )
      .willRespondWith(202, (b) =>
        b
          .headers({
            'Content-Type': JSON_TYPE,
            Location: regex(`^/v1/sync-jobs/${JOB_ID}$`, `/v1/sync-jobs/${QUEUED_JOB_ID}`),
          })
          .jsonBody({ jobId: regex(`^${JOB_ID}$`, QUEUED_JOB_ID), status: 'QUEUED' }),
      )
      .executeTest(async (mockServer) => {
        const queued = await sdkFor(mockServer.url).createSyncJob(manualJob, {
          idempotencyKey: CREATE_JOB_KEY,
        });
        expect(queued).to.deep.equal({ jobId: QUEUED_JOB_ID, status: 'QUEUED' });
      });
  });

  it('createSyncJob queues a historical backfill', async () => {
    await pact
      .addInteraction()
      .given(TWO_ACTIVE_CONNECTIONS.state, TWO_ACTIVE_CONNECTIONS.params)
      .uponReceiving('a request to backfill a year of workouts')
      .withRequest('POST', '/v1/sync-jobs', (b) =>
        b.headers(jsonMutationHeaders(BACKFILL_KEY)).jsonBody(historicalJob),
      )
      .willRespondWith(202, (b) =>
        b
          .headers({
            'Content-Type': JSON_TYPE,
            Location: regex(`^/v1/sync-jobs/${JOB_ID}$`, `/v1/sync-jobs/${QUEUED_JOB_ID}`),
          })
          .jsonBody({ jobId: regex(`^${JOB_ID}$`, QUEUED_JOB_ID), status: 'QUEUED' }),
      )
      .executeTest(async (mockServer) => {
        const queued = await sdkFor(mockServer.url).createSyncJob(historicalJob, {
          idempotencyKey: BACKFILL_KEY,
        });
        expect(queued).to.deep.equal({ jobId: QUEUED_JOB_ID, status: 'QUEUED' });
      });
  });

  it('createSyncJob with a reversed date range is invalid_date_range', async () => {
    const reversed = { ...historicalJob, dateRange: { startDate: '2023-12-31', endDate: '2023-01-01' } };
    await pact
      .addInteraction()
      .given(TWO_ACTIVE_CONNECTIONS.state, TWO_ACTIVE_CONNECTIONS.params)
      .uponReceiving('a request to backfill a date range that ends before it starts')
      .withRequest('POST', '/v1/sync-jobs', (b) =>
        b.headers(jsonMutationHeaders(BAD_RANGE_KEY)).jsonBody(reversed),
      )
      .willRespondWith(400, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(400, 'invalid_date_range', 'Invalid date range')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).createSyncJob(reversed, { idempotencyKey: BAD_RANGE_KEY }),
        );
        expect(failure).to.include({ status: 400, code: 'invalid_date_range' });
      });
  });

  it('createSyncJob without an Idempotency-Key is idempotency_key_required', async () => {
    // The SDK always sends a key; a proxy that strips it (simulated by this fetch) gets this answer,
    // which the SDK surfaces as an ApiError the app can branch on.
    const stripKey: typeof globalThis.fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.delete('idempotency-key');
      return globalThis.fetch(input, { ...init, headers });
    };
    await pact
      .addInteraction()
      .given(TWO_ACTIVE_CONNECTIONS.state, TWO_ACTIVE_CONNECTIONS.params)
      .uponReceiving('a request to start a sync job without an Idempotency-Key')
      .withRequest('POST', '/v1/sync-jobs', (b) =>
        b.headers({ Authorization: BEARER, 'Content-Type': 'application/json' }).jsonBody(manualJob),
      )
      .willRespondWith(400, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(400, 'idempotency_key_required', 'Idempotency-Key header required')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(sdkFor(mockServer.url, stripKey).createSyncJob(manualJob));
        expect(failure).to.include({ status: 400, code: 'idempotency_key_required' });
      });
  });

  it('getSyncJob reads a finished job', async () => {
    await pact
      .addInteraction()
      .given('a sync job exists', finishedJobState(USER_ID, EXISTING_JOB_ID))
      .uponReceiving('a request for a sync job')
      .withRequest('GET', `/v1/sync-jobs/${EXISTING_JOB_ID}`, (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody(finishedJob(EXISTING_JOB_ID)),
      )
      .executeTest(async (mockServer) => {
        const job = await sdkFor(mockServer.url).getSyncJob(EXISTING_JOB_ID);
        expect(job).to.deep.equal(finishedJobValue(EXISTING_JOB_ID));
        expect(Date.parse(job.updatedAt)).to.be.greaterThanOrEqual(Date.parse(job.createdAt));
      });
  });

  it('getSyncJob is not_found for a job that is not the caller’s', async () => {
    await pact
      .addInteraction()
      .given('no sync job with this id exists for the user', {
        userId: USER_ID,
        jobId: FOREIGN_JOB_ID,
        ownerUserId: OTHER_USER_ID,
      })
      .uponReceiving('a request for another user’s sync job')
      .withRequest('GET', `/v1/sync-jobs/${FOREIGN_JOB_ID}`, (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(404, (b) =>
        b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(problem(404, 'not_found', 'Not Found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(sdkFor(mockServer.url).getSyncJob(FOREIGN_JOB_ID));
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });

  it('listSyncJobs reads the last page', async () => {
    await pact
      .addInteraction()
      .given('a sync job exists', finishedJobState(JOBS_USER_ID, LISTED_JOB_ID))
      .uponReceiving('a request for the first page of sync jobs')
      .withRequest('GET', '/v1/sync-jobs', (b) => b.headers({ Authorization: BEARER }).query({ limit: '20' }))
      .willRespondWith(200, (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody({ syncJobs: eachLike(finishedJob(LISTED_JOB_ID)), nextCursor: null }),
      )
      .executeTest(async (mockServer) => {
        const page = await sdkFor(mockServer.url).listSyncJobs({ limit: 20 });
        expect(page).to.deep.equal({ syncJobs: [finishedJobValue(LISTED_JOB_ID)], nextCursor: null });
      });
  });
});
