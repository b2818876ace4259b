// Data exports through the SDK: createExportJob (a new export, PENDING), getExportJob (a finished
// export with its download URL and progress, 404 for another user's export, 410 once its retention
// ended). Matchers stand where the API picks the value (ids, URLs, times, sizes, counts); exact
// values where the contract fixes them (statuses, codes) or the provider state does.
import { MatchersV3 } from '@pact-foundation/pact';
import { expect } from 'chai';
import {
  BEARER,
  ISO_TIMESTAMP,
  JSON_TYPE,
  PROBLEM_TYPE,
  SIGNED_IN,
  UUID_V4,
  apiErrorOf,
  mutationHeaders,
  newPact,
  problem,
  sdkFor,
} from './support.js';

const { datetime, eachLike, integer, regex } = MatchersV3;

const EXPORT_ID = `export-job-${UUID_V4}`;
const EXPORTS_USER_ID = 'Ex5pQ8rT2wY6uI9oA3sD7fG1hJ4k';
const FINISHED_EXPORT_ID = 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d';
const EXPIRED_EXPORT_ID = 'export-job-7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const FOREIGN_EXPORT_ID = 'export-job-2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f';
const NEW_EXPORT_ID = 'export-job-0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';
const CREATE_KEY = 'cd3c80f4-ef01-42a3-b415-17f23de4052c';
const EXPORT_CONNECTION_ID = 'conn_4d3c2b1a-0f9e-4d8c-a7b6-5a4b3c2d1e0f';
const SIZE_BYTES = 48_213;

describe('syncwell-mobile-sdk → syncwell-api: data exports', () => {
  const pact = newPact();

  it('createExportJob starts an export', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, { userId: EXPORTS_USER_ID })
      .uponReceiving('a request to start a data export')
      .withRequest('POST', '/v1/export-jobs', (b) => b.headers(mutationHeaders(CREATE_KEY)))
      .willRespondWith(202, (b) =>
        b
          .headers({
            'Content-Type': JSON_TYPE,
            Location: regex(`^/v1/export-jobs/${EXPORT_ID}$`, `/v1/export-jobs/${NEW_EXPORT_ID}`),
          })
          .jsonBody({ jobId: regex(`^${EXPORT_ID}$`, NEW_EXPORT_ID), status: 'PENDING' }),
      )
      .executeTest(async (mockServer) => {
        const accepted = await sdkFor(mockServer.url).createExportJob({ idempotencyKey: CREATE_KEY });
        expect(accepted).to.deep.equal({ jobId: NEW_EXPORT_ID, status: 'PENDING' });
      });
  });

  it('getExportJob reads a finished export with its download URL', async () => {
    await pact
      .addInteraction()
      .given('a finished data export exists', {
        userId: EXPORTS_USER_ID,
        jobId: FINISHED_EXPORT_ID,
        connectionId: EXPORT_CONNECTION_ID,
        sizeBytes: SIZE_BYTES,
      })
      .uponReceiving('a request for a finished data export')
      .withRequest('GET', `/v1/export-jobs/${FINISHED_EXPORT_ID}`, (b) =>
        b.headers({ Authorization: BEARER }),
      )
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          jobId: FINISHED_EXPORT_ID,
          status: 'SUCCEEDED',
          downloadUrl: regex(
            '^https?://\\S+\\.zip\\?\\S+$',
            `https://syncwell-exports.s3.amazonaws.com/${EXPORTS_USER_ID}/${FINISHED_EXPORT_ID}.zip?X-Amz-Expires=3600`,
          ),
          expiresAt: datetime(ISO_TIMESTAMP, '2024-03-02T11:00:00.000Z'),
          availableUntil: datetime(ISO_TIMESTAMP, '2024-03-05T10:00:00.000Z'),
          sizeBytes: SIZE_BYTES,
          createdAt: datetime(ISO_TIMESTAMP, '2024-03-02T09:58:00.000Z'),
          updatedAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
          completedAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
          progress: eachLike({
            dataType: regex('^(workout|sleep_session|steps|weight)$', 'workout'),
            status: 'complete',
            recordCount: integer(12),
            completedWindows: integer(1),
            totalWindows: integer(1),
          }),
          missing: [],
        }),
      )
      .executeTest(async (mockServer) => {
        const job = await sdkFor(mockServer.url).getExportJob(FINISHED_EXPORT_ID);
        expect(job).to.include({ jobId: FINISHED_EXPORT_ID, status: 'SUCCEEDED', sizeBytes: SIZE_BYTES });
        expect(job.downloadUrl).to.match(/\.zip\?/);
        expect(job.progress?.[0]).to.include({ dataType: 'workout', status: 'complete' });
        expect(job.missing).to.deep.equal([]);
      });
  });

  it('getExportJob of another user’s export is not_found', async () => {
    await pact
      .addInteraction()
      .given('a data export of another user exists', {
        userId: EXPORTS_USER_ID,
        ownerUserId: 'Ow3nR9tY1uI5oP8aS2dF6gH4jK7l',
        jobId: FOREIGN_EXPORT_ID,
        connectionId: EXPORT_CONNECTION_ID,
      })
      .uponReceiving('a request for another user’s data export')
      .withRequest('GET', `/v1/export-jobs/${FOREIGN_EXPORT_ID}`, (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(404, (b) =>
        b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(problem(404, 'not_found', 'Not found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(sdkFor(mockServer.url).getExportJob(FOREIGN_EXPORT_ID));
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });

  it('getExportJob after the retention is export_expired', async () => {
    await pact
      .addInteraction()
      .given('an expired data export exists', {
        userId: EXPORTS_USER_ID,
        jobId: EXPIRED_EXPORT_ID,
        connectionId: EXPORT_CONNECTION_ID,
      })
      .uponReceiving('a request for a data export whose archive was deleted')
      .withRequest('GET', `/v1/export-jobs/${EXPIRED_EXPORT_ID}`, (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(410, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(410, 'export_expired', 'Export expired')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(sdkFor(mockServer.url).getExportJob(EXPIRED_EXPORT_ID));
        expect(failure).to.include({ status: 410, code: 'export_expired' });
      });
  });
});
