// Operations the API answers 501 `not_implemented` today: exports and cloud → device sync. The
// pact records that behaviour (the app shows "not available yet" on an ApiError with that code);
// when an operation ships, its interaction here is replaced by the real one (see pact/README.md).
// getHealth lives here too: it is the one call that needs no stored data.
import { expect } from 'chai';
import type { SyncWellClient } from '../../client-sdk/dist/index.js';
import {
  BEARER,
  JSON_TYPE,
  PROBLEM_TYPE,
  SIGNED_IN,
  apiErrorOf,
  jsonMutationHeaders,
  mutationHeaders,
  newPact,
  problem,
  sdkFor,
} from './support.js';

const EXPORT_JOB_ID = 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d';
const DEVICE_JOB_ID = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';

const readResponseRequest = {
  jobId: DEVICE_JOB_ID,
  requestId: 'req_2c5ea4c0-4067-41d1-9e2b-7a3c6f1d8e90',
  records: [],
};
const confirmWriteRequest = { writtenRecordIds: ['10958373640'] };

type Unconfigured = ReturnType<ReturnType<typeof newPact>['addInteraction']>;

interface PendingCase {
  operation: string;
  description: string;
  request: (i: Unconfigured) => ReturnType<Unconfigured['withRequest']>;
  call: (sdk: SyncWellClient) => Promise<unknown>;
}

const PENDING: PendingCase[] = [
  {
    operation: 'createExportJob',
    description: 'a request to start a data export (not implemented yet)',
    request: (i) =>
      i.withRequest('POST', '/v1/export-jobs', (b) =>
        b.headers(mutationHeaders('cd3c80f4-ef01-42a3-b415-17f23de4052c')),
      ),
    call: (sdk) => sdk.createExportJob({ idempotencyKey: 'cd3c80f4-ef01-42a3-b415-17f23de4052c' }),
  },
  {
    operation: 'getExportJob',
    description: 'a request for a data export (not implemented yet)',
    request: (i) =>
      i.withRequest('GET', `/v1/export-jobs/${EXPORT_JOB_ID}`, (b) => b.headers({ Authorization: BEARER })),
    call: (sdk) => sdk.getExportJob(EXPORT_JOB_ID),
  },
  {
    operation: 'submitDeviceReadResponse',
    description: 'a device’s answer to a read request (not implemented yet)',
    request: (i) =>
      i.withRequest('POST', '/v1/device-read-response', (b) =>
        b.headers(jsonMutationHeaders('f06fb3c7-1234-45d6-a748-4a256017385f')).jsonBody(readResponseRequest),
      ),
    call: (sdk) =>
      sdk.submitDeviceReadResponse(readResponseRequest, {
        idempotencyKey: 'f06fb3c7-1234-45d6-a748-4a256017385f',
      }),
  },
  {
    operation: 'getStagedData',
    description: 'a request for the data staged for the device (not implemented yet)',
    request: (i) =>
      i.withRequest('GET', `/v1/staged-data/${DEVICE_JOB_ID}`, (b) => b.headers({ Authorization: BEARER })),
    call: (sdk) => sdk.getStagedData(DEVICE_JOB_ID),
  },
  {
    operation: 'confirmDeviceWrite',
    description: 'a device’s confirmation of the records it wrote (not implemented yet)',
    request: (i) =>
      i.withRequest('POST', `/v1/confirm-write/${DEVICE_JOB_ID}`, (b) =>
        b.headers(jsonMutationHeaders('0170c4d8-2345-46e7-b859-5b3671284960')).jsonBody(confirmWriteRequest),
      ),
    call: (sdk) =>
      sdk.confirmDeviceWrite(DEVICE_JOB_ID, confirmWriteRequest, {
        idempotencyKey: '0170c4d8-2345-46e7-b859-5b3671284960',
      }),
  },
];

describe('syncwell-mobile-sdk → syncwell-api: exports, devices and health', () => {
  const pact = newPact();

  for (const pending of PENDING)
    it(`${pending.operation} is not_implemented yet`, async () => {
      await pending
        .request(
          pact.addInteraction().given(SIGNED_IN.state, SIGNED_IN.params).uponReceiving(pending.description),
        )
        .willRespondWith(501, (b) =>
          b
            .headers({ 'Content-Type': PROBLEM_TYPE })
            .jsonBody(problem(501, 'not_implemented', 'Not implemented yet')),
        )
        .executeTest(async (mockServer) => {
          const failure = await apiErrorOf(pending.call(sdkFor(mockServer.url)));
          expect(failure).to.include({ status: 501, code: 'not_implemented' });
        });
    });

  it('getHealth says the API is alive', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a liveness probe')
      .withRequest('GET', '/healthz')
      .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ status: 'ok' }))
      .executeTest(async (mockServer) => {
        expect(await sdkFor(mockServer.url).getHealth()).to.deep.equal({ status: 'ok' });
      });
  });
});
