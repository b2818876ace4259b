// The push payloads the backend builds are exactly the contract's messages (AsyncAPI channels
// silentPush and userNotifications) and pass the push port's ids-only guard: flat maps of strings,
// as FCM carries them. A change on either side (the builders or the contract) fails here.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { assertMessage, MessageValidationError } from '../messaging/messageSchemas.js';
import type { DevicePush } from '../sync/cloudToDevice.js';
import { wirePayload } from './devicePushNotifier.js';
import { assertSafePush } from './pushPayloadGuard.js';
import { NOTIFICATION_MESSAGE } from './pushUserNotifier.js';

const read: DevicePush = {
  schemaVersion: 1,
  type: 'device_read_request',
  jobId: 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
  requestId: 'req_2c5ea4c0-4067-41d1-9e2b-7a3c6f1d8e90',
  dataType: 'workout',
  dateRange: { start: '2027-03-13T06:30:00.000Z', end: '2027-03-14T06:30:00.000Z' },
  respondBy: '2027-03-15T06:30:00.000Z',
};
const write: DevicePush = {
  schemaVersion: 1,
  type: 'device_write_request',
  jobId: 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a',
  dataType: 'sleep_session',
  recordCount: 12,
  expiresAt: '2027-03-15T06:30:00.000Z',
};

const PUSH_MESSAGES = [
  'DeviceReadRequest',
  'DeviceWriteRequest',
  'ExportReady',
  'SyncNotification',
  'ReconnectNotification',
] as const;

describe('push payloads against the AsyncAPI contract', () => {
  it('wirePayload builds a DeviceReadRequest and a DeviceWriteRequest the guard lets through', () => {
    const readWire = wirePayload(read);
    expect(assertMessage('DeviceReadRequest', readWire)).to.deep.equal({
      schemaVersion: '1',
      type: 'device_read_request',
      jobId: read.jobId,
      requestId: 'req_2c5ea4c0-4067-41d1-9e2b-7a3c6f1d8e90',
      dataType: 'workout',
      windowStart: '2027-03-13T06:30:00.000Z',
      windowEnd: '2027-03-14T06:30:00.000Z',
      respondBy: '2027-03-15T06:30:00.000Z',
    });
    const writeWire = wirePayload(write);
    expect(assertMessage('DeviceWriteRequest', writeWire)).to.include({ recordCount: '12' });
    for (const data of [readWire, writeWire])
      expect(() => assertSafePush({ kind: 'silent', data: { ...data } })).to.not.throw();
  });

  it('the contract refuses the nested, typed form the wire never carries', () => {
    const nested = { ...wirePayload(read), dateRange: read.type === 'device_read_request' && read.dateRange };
    expect(() => assertMessage('DeviceReadRequest', nested)).to.throw(MessageValidationError);
    expect(() => assertMessage('DeviceWriteRequest', { ...wirePayload(write), recordCount: 12 })).to.throw(
      MessageValidationError,
    );
  });

  it('every push message is a flat map of strings (what FCM data can carry)', () => {
    for (const name of PUSH_MESSAGES) {
      const schema = JSON.parse(
        readFileSync(new URL(`../../generated/schemas/${name}.schema.json`, import.meta.url), 'utf8'),
      ) as { properties: Record<string, { type?: string; enum?: unknown[]; const?: unknown }> };
      for (const [field, property] of Object.entries(schema.properties)) {
        const strings =
          property.type === 'string' ||
          (property.enum ?? [property.const]).every((v) => typeof v === 'string');
        expect(strings, `${name}.${field} is a string`).to.equal(true);
      }
    }
  });

  it('each notification kind has its contract message, and what the notifier sends passes the guard', () => {
    const samples = {
      sync_succeeded: { jobId: read.jobId, dataType: 'steps' },
      sync_failed: { jobId: read.jobId, dataType: 'steps', errorCode: 'provider_not_found' },
      reconnect_provider: { connectionId: 'conn_a8098c1a-f86e-41d0-a9b6-0f3c2d5e7b91', provider: 'fitbit' },
      export_ready: {
        jobId: 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d',
        expiresAt: '2027-03-21T06:30:00.000Z',
      },
    };
    for (const [kind, data] of Object.entries(samples) as [keyof typeof samples, Record<string, string>][]) {
      const payload = { ...data, schemaVersion: '1', type: kind };
      expect(() => assertMessage(NOTIFICATION_MESSAGE[kind], payload), kind).to.not.throw();
      expect(
        () => assertSafePush({ kind: 'visible', title: 't', body: 'b', data: payload }),
        kind,
      ).to.not.throw();
    }
  });
});
