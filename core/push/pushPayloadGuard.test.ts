import { expect } from 'chai';
import { assertSafePush, isPlausibleToken, UnsafePushPayloadError } from './pushPayloadGuard.js';
import type { PushMessage } from './pushSender.js';

const ids = {
  kind: 'DeviceReadRequest',
  jobId: 'job_5f0c7a52-8d8e-4b4e-9a54-1f1e2a3b4c5d',
  requestId: 'req_01',
};
const silent = (data: Record<string, unknown>): PushMessage => ({ kind: 'silent', data }) as PushMessage;

function refused(message: PushMessage, why: RegExp): void {
  expect(() => assertSafePush(message)).to.throw(UnsafePushPayloadError, why);
}

describe('push payload guard (ids only)', () => {
  it('lets ids, data types and ISO instants through', () => {
    assertSafePush(silent({ ...ids, dataType: 'workouts', respondBy: '2027-03-14T06:30:00.000Z' }));
    assertSafePush({
      kind: 'visible',
      title: 'Sync finished',
      body: 'Garmin → Strava is up to date',
      data: ids,
    });
    assertSafePush({ kind: 'silent', data: ids, collapseKey: 'job_1', ttlSeconds: 3600 });
  });

  it('refuses numbers, whatever they measure', () => {
    refused(silent({ ...ids, heartRate: 72 }), /data\.heartRate must be an id-like string/);
    refused(silent({ ...ids, recordCount: 3 }), /data\.recordCount/);
  });

  it('refuses free text, units, nested objects, arrays and booleans', () => {
    refused(silent({ ...ids, note: 'Morning run 5.2 km' }), /data\.note/);
    refused(silent({ ...ids, weight: '82.5 kg' }), /data\.weight/);
    refused(silent({ ...ids, record: { bpm: '72' } }), /data\.record/);
    refused(silent({ ...ids, records: ['a', 'b'] }), /data\.records/);
    refused(silent({ ...ids, urgent: true }), /data\.urgent/);
    refused(silent({ ...ids, empty: '' }), /data\.empty/);
  });

  it('never echoes the refused value', () => {
    try {
      assertSafePush(silent({ heartRate: 'resting heart rate 61 bpm' }));
      expect.fail('should throw');
    } catch (err) {
      expect((err as Error).message).not.to.include('61');
    }
  });

  it('refuses bad keys, reserved keys, too many keys and oversized maps', () => {
    refused(silent({ 'heart rate': 'x' }), /key that is not an id name/);
    refused(silent({ aps: 'x' }), /reserved/);
    refused(silent({ google_sent_time: 'x' }), /reserved/);
    refused(
      silent(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']))),
      /more than 10 keys/,
    );
    const long = 'a'.repeat(120);
    refused(
      silent(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`id${i}`, long]))),
      /larger than 1024 bytes/,
    );
    refused({ kind: 'silent', data: [] as unknown as Record<string, string> }, /flat object/);
    refused({ kind: 'silent', data: new Map() as unknown as Record<string, string> }, /plain object/);
  });

  it('bounds visible texts, collapse keys and TTLs', () => {
    refused({ kind: 'visible', title: '', body: 'b' }, /title/);
    refused({ kind: 'visible', title: 't', body: 'x'.repeat(301) }, /body/);
    refused({ kind: 'silent', data: ids, collapseKey: 'has space' }, /collapseKey/);
    refused({ kind: 'silent', data: ids, ttlSeconds: 1.5 }, /ttlSeconds/);
    refused({ kind: 'silent', data: ids, ttlSeconds: 29 * 24 * 3600 }, /ttlSeconds/);
    refused({ kind: 'loud' } as unknown as PushMessage, /kind/);
  });

  it('tells tokens that could be real from ones that would change the request path', () => {
    expect(isPlausibleToken({ platform: 'ios', token: 'ab'.repeat(32) })).to.equal(true);
    expect(isPlausibleToken({ platform: 'android', token: 'dGVzdA:APA91bX-y_z' })).to.equal(true);
    expect(isPlausibleToken({ platform: 'ios', token: '../../3/device/x' })).to.equal(false);
    expect(isPlausibleToken({ platform: 'ios', token: 'abc?x=1' })).to.equal(false);
    expect(isPlausibleToken({ platform: 'ios', token: '' })).to.equal(false);
  });
});
