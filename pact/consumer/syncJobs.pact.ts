// Consumer side of the sync-job contract: the typed client talks to Pact's mock server, which
// answers only what the interaction declares and records it in pact/pacts/. Matchers stand where
// the API picks the value (job ids, timestamps, human-readable text); exact values only where the
// contract fixes them (enums, error codes) or the provider state does (the ids it sets up).
import { rm } from 'node:fs/promises';
import { MatchersV3, PactV4 } from '@pact-foundation/pact';
import { expect } from 'chai';
import { CONSUMER, PACT_DIR, PACT_FILE, PROVIDER, disablePactTracking } from '../pactFiles.js';
import { ApiProblemError, createApiClient, type CreateSyncJobRequest } from './apiClient.js';

const { datetime, integer, like, regex, uuid } = MatchersV3;

const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const JOB_ID = `job_${UUID_V4}`;
const CONNECTION_ID = `conn_${UUID_V4}`;
// The provider cannot verify a token minted here: its verification swaps in a real one for the
// state's user. The matcher only pins the shape the SDK sends.
const PLACEHOLDER_TOKEN =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwYWN0LXBsYWNlaG9sZGVyIn0.cGxhY2Vob2xkZXI';
const BEARER = regex(
  '^Bearer [A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
  `Bearer ${PLACEHOLDER_TOKEN}`,
);
const JSON_TYPE = regex('^application/json(;\\s*charset=utf-8)?$', 'application/json; charset=utf-8');
const PROBLEM_TYPE = regex(
  '^application/problem\\+json(;\\s*charset=utf-8)?$',
  'application/problem+json; charset=utf-8',
);
// Java SimpleDateFormat, as Pact's timestamp matcher takes it: what toISOString() produces.
const ISO_TIMESTAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSX";

const USER_ID = '8fJ2kQ1xYbTz0pWc3nLd5RaVh7U2';
const OTHER_USER_ID = 'Zq9mW4rT7yUe2iOp5aSd8fGh1jK3';
const SOURCE_CONNECTION_ID = 'conn_7c9e6679-7425-40de-944b-e07fc1f90ae7';
const DESTINATION_CONNECTION_ID = 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427';
const EXISTING_JOB_ID = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';
const FOREIGN_JOB_ID = 'job_9a7c6b5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d';
const QUEUED_JOB_ID = 'job_5d0c2f8a-6b1e-4c3d-9a7f-2e4b6c8d0a1f';
const IDEMPOTENCY_KEY = '6f9619ff-8b86-4011-b42d-00c04fc964ff';

const TWO_ACTIVE_CONNECTIONS = {
  state: 'a user with two active connections',
  params: {
    userId: USER_ID,
    sourceConnectionId: SOURCE_CONNECTION_ID,
    destinationConnectionId: DESTINATION_CONNECTION_ID,
  },
};

const manualJob: CreateSyncJobRequest = {
  sourceConnectionId: SOURCE_CONNECTION_ID,
  destinationConnectionId: DESTINATION_CONNECTION_ID,
  dataType: 'workout',
  mode: 'manual',
  priority: 'high',
};

const problem = (status: number, code: string, title: string) => ({
  type: like(`https://api.syncwell.example/problems/${code}`),
  title: like(title),
  status,
  code,
});

async function rejectionOf(promise: Promise<unknown>): Promise<ApiProblemError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ApiProblemError);
    return error as ApiProblemError;
  }
  throw new Error('expected the call to fail');
}

const clientFor = (baseUrl: string) => createApiClient({ baseUrl, token: PLACEHOLDER_TOKEN });

describe(`${CONSUMER} → ${PROVIDER}: sync jobs`, () => {
  disablePactTracking();
  const pact = new PactV4({ consumer: CONSUMER, provider: PROVIDER, dir: PACT_DIR, logLevel: 'warn' });

  // Pact merges into an existing file, so an interaction renamed or removed here would linger in
  // the committed pact; every run writes it from scratch.
  before(() => rm(PACT_FILE, { force: true }));

  it('queues a manual job and points at it with Location', async () => {
    await pact
      .addInteraction()
      .given(TWO_ACTIVE_CONNECTIONS.state, TWO_ACTIVE_CONNECTIONS.params)
      .uponReceiving('a request to start a manual sync job')
      .withRequest('POST', '/v1/sync-jobs', (b) =>
        b
          .headers({
            Authorization: BEARER,
            'Idempotency-Key': uuid(IDEMPOTENCY_KEY),
            'Content-Type': 'application/json',
          })
          .jsonBody(manualJob),
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
        const queued = await clientFor(mockServer.url).createSyncJob(manualJob, {
          idempotencyKey: IDEMPOTENCY_KEY,
        });
        expect(queued).to.deep.equal({
          jobId: QUEUED_JOB_ID,
          status: 'QUEUED',
          location: `/v1/sync-jobs/${QUEUED_JOB_ID}`,
        });
      });
  });

  it('is told idempotency_key_required when it sends no Idempotency-Key', async () => {
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
        const client = clientFor(mockServer.url);
        // The client's type makes the key mandatory; this shows what the API answers without one.
        // @ts-expect-error idempotencyKey is required
        const failure = await rejectionOf(client.createSyncJob(manualJob, {}));
        expect(failure.status).to.equal(400);
        expect(failure.problem).to.include({ status: 400, code: 'idempotency_key_required' });
      });
  });

  it('reads a finished job', async () => {
    await pact
      .addInteraction()
      .given('a sync job exists', {
        userId: USER_ID,
        jobId: EXISTING_JOB_ID,
        sourceConnectionId: SOURCE_CONNECTION_ID,
        destinationConnectionId: DESTINATION_CONNECTION_ID,
        dataType: 'workout',
        priority: 'high',
        status: 'SUCCEEDED',
        recordsWritten: 3,
        recordsSkipped: 1,
      })
      .uponReceiving('a request for a sync job')
      .withRequest('GET', `/v1/sync-jobs/${EXISTING_JOB_ID}`, (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          jobId: regex(`^${JOB_ID}$`, EXISTING_JOB_ID),
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
        }),
      )
      .executeTest(async (mockServer) => {
        const job = await clientFor(mockServer.url).getSyncJob(EXISTING_JOB_ID);
        expect(job).to.deep.equal({
          jobId: EXISTING_JOB_ID,
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
        expect(Date.parse(job.updatedAt)).to.be.greaterThanOrEqual(Date.parse(job.createdAt));
      });
  });

  it('gets not_found for a job that is not the caller’s', async () => {
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
        const failure = await rejectionOf(clientFor(mockServer.url).getSyncJob(FOREIGN_JOB_ID));
        expect(failure.status).to.equal(404);
        expect(failure.problem).to.include({ status: 404, code: 'not_found' });
      });
  });
});
