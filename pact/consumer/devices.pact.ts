// Devices through the SDK: registerDevice (201), listDevices, deleteDevice (404 for an id that is
// not the user's), createDeviceConnection (201 with an iPhone, 409 device_not_registered without
// one), reportHealthStoreUnavailable (200 needs_reauth, 404 for a store never connected), uploadDeviceData refused with 404 when Apple Health is not connected, and the cloud →
// device calls when nothing is pending. The success paths need live providers and a parked job:
// test/integration/devices.test.ts and test/e2e/cloudToDevice.test.ts drive them end to end.
import { MatchersV3 } from '@pact-foundation/pact';
import { expect } from 'chai';
import {
  BEARER,
  CONNECTION_ID,
  DESTINATION_CONNECTION_ID,
  ISO_TIMESTAMP,
  JSON_TYPE,
  PROBLEM_TYPE,
  SIGNED_IN,
  USER_ID,
  apiErrorOf,
  jsonMutationHeaders,
  mutationHeaders,
  newPact,
  problem,
  sdkFor,
} from './support.js';

const { datetime, eachLike, like, regex } = MatchersV3;

const DEVICE_ID = '^dev_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
const INSTALLATION_ID = '3b1f8e2a-5c4d-4e6f-8a9b-0c1d2e3f4a5b';
const PUSH_TOKEN = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';
const DEVICE_USER_ID = 'Dv3cE6rT9yU2iO5pA8sD1fG4hJ7k';
const IPHONE = {
  state: 'a user with a registered iPhone',
  params: { userId: DEVICE_USER_ID, installationId: INSTALLATION_ID, pushToken: PUSH_TOKEN },
};
// Another user and iPhone: the IPHONE state's user must not have Apple Health connected (201 above).
const APPLE_HEALTH = {
  state: 'a user with Apple Health connected from a registered iPhone',
  params: {
    userId: 'Ah5tH8cK2nL6pQ9rS3uV7wX1yZ4b',
    installationId: '7d2e9f4a-1b3c-4d5e-8f6a-9b0c1d2e3f4a',
    pushToken: '5a3c9e1f7b2d4068a1c3e5f7092b4d6f8a0c2e4f6b8d0a2c4e6f8091b3d5f7a9',
  },
};
const registerRequest = {
  installationId: '6c2d9f3b-7e5a-4b1c-9d8e-2f3a4b5c6d7e',
  platform: 'ios' as const,
  pushToken: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90',
  apnsEnvironment: 'production' as const,
  appVersion: '1.4.2',
  deviceName: 'iPhone 15',
};
const device = {
  deviceId: regex(DEVICE_ID, 'dev_6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b'),
  platform: 'ios',
  apnsEnvironment: 'production',
  createdAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
  updatedAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
};

describe('syncwell-mobile-sdk → syncwell-api: devices', () => {
  const pact = newPact();

  it('registerDevice registers the app installation for push', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a request to register a device for push')
      .withRequest('POST', '/v1/devices', (b) =>
        b.headers(jsonMutationHeaders('de4d91a5-f012-43b4-8526-28034ef5163d')).jsonBody(registerRequest),
      )
      .willRespondWith(201, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          ...device,
          installationId: registerRequest.installationId,
          appVersion: '1.4.2',
          deviceName: 'iPhone 15',
        }),
      )
      .executeTest(async (mockServer) => {
        const registered = await sdkFor(mockServer.url).registerDevice(registerRequest, {
          idempotencyKey: 'de4d91a5-f012-43b4-8526-28034ef5163d',
        });
        expect(registered).to.include({ platform: 'ios', installationId: registerRequest.installationId });
        expect(registered).to.not.have.property('pushToken');
      });
  });

  it('listDevices lists the user’s devices', async () => {
    await pact
      .addInteraction()
      .given(IPHONE.state, IPHONE.params)
      .uponReceiving('a request for the user’s devices')
      .withRequest('GET', '/v1/devices', (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) =>
        b
          .headers({ 'Content-Type': JSON_TYPE })
          .jsonBody({ devices: eachLike({ ...device, installationId: INSTALLATION_ID }) }),
      )
      .executeTest(async (mockServer) => {
        const { devices } = await sdkFor(mockServer.url).listDevices();
        expect(devices.map((d) => d.installationId)).to.deep.equal([INSTALLATION_ID]);
      });
  });

  it('deleteDevice answers 404 for a device that is not the user’s', async () => {
    const foreign = 'dev_0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a request to delete an unknown device')
      .withRequest('DELETE', `/v1/devices/${foreign}`, (b) =>
        b.headers(mutationHeaders('7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d')),
      )
      .willRespondWith(404, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(404, 'device_not_found', 'Device not found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).deleteDevice(foreign, {
            idempotencyKey: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
          }),
        );
        expect(failure).to.include({ status: 404, code: 'device_not_found' });
      });
  });

  it('createDeviceConnection connects Apple Health from a registered iPhone', async () => {
    await pact
      .addInteraction()
      .given(IPHONE.state, IPHONE.params)
      .uponReceiving('a request to connect Apple Health')
      .withRequest('POST', '/v1/device-connections', (b) =>
        b
          .headers(jsonMutationHeaders('8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e'))
          .jsonBody({ provider: 'apple_health' }),
      )
      .willRespondWith(201, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          connectionId: regex(`^${CONNECTION_ID}$`, 'conn_0b6a4f0e-3c1d-4e2f-9a8b-7c6d5e4f3a2b'),
          provider: 'apple_health',
          displayName: 'Apple Health',
          providerIconUrl: like('https://cdn.syncwell.example/providers/apple_health.png'),
          status: 'active',
          createdAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
        }),
      )
      .executeTest(async (mockServer) => {
        const connection = await sdkFor(mockServer.url).createDeviceConnection(
          { provider: 'apple_health' },
          { idempotencyKey: '8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e' },
        );
        expect(connection).to.include({ provider: 'apple_health', status: 'active' });
      });
  });

  it('reportHealthStoreUnavailable hands a connected store back for reconnecting', async () => {
    await pact
      .addInteraction()
      .given(APPLE_HEALTH.state, APPLE_HEALTH.params)
      .uponReceiving('a report that Apple Health can no longer be read')
      .withRequest('POST', '/v1/device-connections/apple_health/unavailable', (b) =>
        b
          .headers(jsonMutationHeaders('4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b'))
          .jsonBody({ reason: 'permission_denied' }),
      )
      .willRespondWith(200, (b) =>
        b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({
          connectionId: regex(`^${CONNECTION_ID}$`, 'conn_0b6a4f0e-3c1d-4e2f-9a8b-7c6d5e4f3a2b'),
          provider: 'apple_health',
          displayName: 'Apple Health',
          providerIconUrl: like('https://cdn.syncwell.example/providers/apple_health.png'),
          status: 'needs_reauth',
          createdAt: datetime(ISO_TIMESTAMP, '2024-03-02T10:00:00.000Z'),
        }),
      )
      .executeTest(async (mockServer) => {
        const connection = await sdkFor(mockServer.url).reportHealthStoreUnavailable(
          'apple_health',
          { reason: 'permission_denied' },
          { idempotencyKey: '4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b' },
        );
        expect(connection).to.include({ provider: 'apple_health', status: 'needs_reauth' });
      });
  });

  it('reportHealthStoreUnavailable answers 404 for a store the user never connected', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a report that Health Connect is missing from a user who never connected it')
      .withRequest('POST', '/v1/device-connections/health_connect/unavailable', (b) =>
        b
          .headers(jsonMutationHeaders('5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c'))
          .jsonBody({ reason: 'not_installed' }),
      )
      .willRespondWith(404, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(404, 'connection_not_found', 'Connection not found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).reportHealthStoreUnavailable(
            'health_connect',
            { reason: 'not_installed' },
            { idempotencyKey: '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c' },
          ),
        );
        expect(failure).to.include({ status: 404, code: 'connection_not_found' });
      });
  });

  it('createDeviceConnection asks for a registered device first', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a request to connect Health Connect without an Android device')
      .withRequest('POST', '/v1/device-connections', (b) =>
        b
          .headers(jsonMutationHeaders('9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f'))
          .jsonBody({ provider: 'health_connect' }),
      )
      .willRespondWith(409, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(409, 'device_not_registered', 'No device registered')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).createDeviceConnection(
            { provider: 'health_connect' },
            { idempotencyKey: '9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f' },
          ),
        );
        expect(failure).to.include({ status: 409, code: 'device_not_registered' });
      });
  });

  it('uploadDeviceData needs Apple Health connected', async () => {
    const upload = {
      source: 'apple_health' as const,
      destinationConnectionId: DESTINATION_CONNECTION_ID,
      dataType: 'weight' as const,
      records: [
        {
          recordId: '5A1C3E2F-9B7D-4E6A-8C0B-1D2E3F4A5B6C',
          sourceId: 'com.apple.Health',
          provider: 'apple_health' as const,
          measuredAt: '2024-03-02T06:55:00Z',
          weightKg: 72.4,
          timezone: 'America/New_York',
          lastModified: '2024-03-02T06:55:04Z',
        },
      ],
    };
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, { userId: USER_ID })
      .uponReceiving('a device upload without an Apple Health connection')
      .withRequest('POST', '/v1/device-upload', (b) =>
        b.headers(jsonMutationHeaders('ef5ea2b6-0123-44c5-9637-39145f06274e')).jsonBody(upload),
      )
      .willRespondWith(404, (b) =>
        b
          .headers({ 'Content-Type': PROBLEM_TYPE })
          .jsonBody(problem(404, 'connection_not_found', 'Connection not found')),
      )
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).uploadDeviceData(upload, {
            idempotencyKey: 'ef5ea2b6-0123-44c5-9637-39145f06274e',
          }),
        );
        expect(failure).to.include({ status: 404, code: 'connection_not_found' });
      });
  });

  it('listDeviceRequests lists what the backend waits for (nothing for a new user)', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a request for the phone’s pending work')
      .withRequest('GET', '/v1/device-requests', (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(200, (b) => b.headers({ 'Content-Type': JSON_TYPE }).jsonBody({ requests: [] }))
      .executeTest(async (mockServer) => {
        expect(await sdkFor(mockServer.url).listDeviceRequests()).to.deep.equal({ requests: [] });
      });
  });

  const UNKNOWN_JOB_ID = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';
  const notPending = () => problem(404, 'not_found', 'Not found');

  it('submitDeviceReadResponse answers 404 when no read request is pending', async () => {
    const answer = {
      jobId: UNKNOWN_JOB_ID,
      requestId: 'req_2c5ea4c0-4067-41d1-9e2b-7a3c6f1d8e90',
      records: [],
    };
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a device’s answer to a read request nobody made')
      .withRequest('POST', '/v1/device-read-response', (b) =>
        b.headers(jsonMutationHeaders('f06fb3c7-1234-45d6-a748-4a256017385f')).jsonBody(answer),
      )
      .willRespondWith(404, (b) => b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(notPending()))
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).submitDeviceReadResponse(answer, {
            idempotencyKey: 'f06fb3c7-1234-45d6-a748-4a256017385f',
          }),
        );
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });

  it('submitDeviceReadResponse takes a narrowed answer (coveredUntil): 404 when no read request is pending', async () => {
    // The shape a phone sends when its store holds more than one answer carries.
    const answer = {
      jobId: UNKNOWN_JOB_ID,
      requestId: 'req_2c5ea4c0-4067-41d1-9e2b-7a3c6f1d8e90',
      records: [],
      coveredUntil: '2024-03-02T07:00:00Z',
    };
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a device’s narrowed answer to a read request nobody made')
      .withRequest('POST', '/v1/device-read-response', (b) =>
        b.headers(jsonMutationHeaders('0b8e1c52-7a4d-4f1e-9c3b-2d6a5e8f7c10')).jsonBody(answer),
      )
      .willRespondWith(404, (b) => b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(notPending()))
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).submitDeviceReadResponse(answer, {
            idempotencyKey: '0b8e1c52-7a4d-4f1e-9c3b-2d6a5e8f7c10',
          }),
        );
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });

  it('submitDeviceReadResponse takes a store-unavailable answer: 404 when no read request is pending', async () => {
    // The shape a phone sends when its health store could not be read at all.
    const answer = {
      jobId: UNKNOWN_JOB_ID,
      requestId: 'req_2c5ea4c0-4067-41d1-9e2b-7a3c6f1d8e90',
      records: [],
      storeUnavailable: 'not_installed' as const,
    };
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a device’s store-unavailable answer to a read request nobody made')
      .withRequest('POST', '/v1/device-read-response', (b) =>
        b.headers(jsonMutationHeaders('6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d')).jsonBody(answer),
      )
      .willRespondWith(404, (b) => b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(notPending()))
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).submitDeviceReadResponse(answer, {
            idempotencyKey: '6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d',
          }),
        );
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });

  it('getStagedData answers 404 when nothing is staged', async () => {
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a request for staged data that does not exist')
      .withRequest('GET', `/v1/staged-data/${UNKNOWN_JOB_ID}`, (b) => b.headers({ Authorization: BEARER }))
      .willRespondWith(404, (b) => b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(notPending()))
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(sdkFor(mockServer.url).getStagedData(UNKNOWN_JOB_ID));
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });

  it('confirmDeviceWrite answers 404 when nothing is staged', async () => {
    const confirmation = { writtenRecordIds: ['10958373640'] };
    await pact
      .addInteraction()
      .given(SIGNED_IN.state, SIGNED_IN.params)
      .uponReceiving('a confirmation for a job with nothing staged')
      .withRequest('POST', `/v1/confirm-write/${UNKNOWN_JOB_ID}`, (b) =>
        b.headers(jsonMutationHeaders('0170c4d8-2345-46e7-b859-5b3671284960')).jsonBody(confirmation),
      )
      .willRespondWith(404, (b) => b.headers({ 'Content-Type': PROBLEM_TYPE }).jsonBody(notPending()))
      .executeTest(async (mockServer) => {
        const failure = await apiErrorOf(
          sdkFor(mockServer.url).confirmDeviceWrite(UNKNOWN_JOB_ID, confirmation, {
            idempotencyKey: '0170c4d8-2345-46e7-b859-5b3671284960',
          }),
        );
        expect(failure).to.include({ status: 404, code: 'not_found' });
      });
  });
});
