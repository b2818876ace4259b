// parseNotification: what a tapped visible notification opens. The payloads the backend sends are
// pinned by the push-payload pact (pact/consumer/pushPayloads.pact.ts); these are the ones the app
// must not act on, and the forms FCM and APNs hand over.
import { expect } from 'chai';
import { parseNotification } from '../../client-sdk/dist/index.js';

const JOB_ID = 'job_3f2b8c1e-9d4a-4b7e-8c2a-1f0e9d8c7b6a';

describe('client SDK parseNotification', () => {
  it('reads each kind of the contract, keeping only the fields the app routes on', () => {
    expect(
      parseNotification({
        schemaVersion: '1',
        type: 'sync_failed',
        jobId: JOB_ID,
        dataType: 'workout',
        errorCode: 'provider_request_rejected',
        // APNs userInfo carries the alert beside the data: not part of the result.
        aps: { alert: { title: 'Sync failed' } },
      }),
    ).to.deep.equal({
      type: 'sync_failed',
      jobId: JOB_ID,
      dataType: 'workout',
      errorCode: 'provider_request_rejected',
    });
    expect(
      parseNotification({ schemaVersion: '1', type: 'sync_succeeded', jobId: JOB_ID, dataType: 'steps' }),
    ).to.deep.equal({ type: 'sync_succeeded', jobId: JOB_ID, dataType: 'steps' });
    expect(
      parseNotification({
        schemaVersion: '1',
        type: 'export_ready',
        jobId: 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d',
      }),
    ).to.deep.equal({ type: 'export_ready', jobId: 'export-job-5d3c2b1a-8e7f-4a6b-9c0d-1e2f3a4b5c6d' });
    const notice = {
      type: 'provider_notice',
      connectionId: 'conn_1b4e28ba-2fa1-4d2b-883f-0016d3cca427',
      provider: 'fitbit',
      retiresOn: '2027-06-30',
    };
    expect(parseNotification({ schemaVersion: '1', ...notice, replacement: 'google_health' })).to.deep.equal({
      ...notice,
      replacement: 'google_health',
    });
    expect(parseNotification({ schemaVersion: '1', ...notice })).to.deep.equal(notice);
  });

  it('ignores an errorCode on a success', () => {
    expect(
      parseNotification({
        schemaVersion: '1',
        type: 'sync_succeeded',
        jobId: JOB_ID,
        dataType: 'workout',
        errorCode: 'x',
      }),
    ).to.deep.equal({ type: 'sync_succeeded', jobId: JOB_ID, dataType: 'workout' });
  });

  it('returns undefined for what is not a notification it knows', () => {
    const sync = { schemaVersion: '1', type: 'sync_succeeded', jobId: JOB_ID, dataType: 'workout' };
    for (const data of [
      null,
      'sync_succeeded',
      { ...sync, schemaVersion: '2' }, // a version this SDK does not know
      { ...sync, schemaVersion: 1 }, // push payloads carry strings
      { ...sync, jobId: '' },
      { ...sync, dataType: undefined },
      { schemaVersion: '1', type: 'reconnect_provider', provider: 'garmin' },
      { schemaVersion: '1', type: 'export_ready' },
      { schemaVersion: '1', type: 'provider_notice', connectionId: 'conn_1', provider: 'fitbit' }, // no date
      { schemaVersion: '1', type: 'device_write_request', jobId: JOB_ID }, // a silent push
    ])
      expect(parseNotification(data), JSON.stringify(data)).to.equal(undefined);
  });
});
