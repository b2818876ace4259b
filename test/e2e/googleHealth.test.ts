// The Google Health API provider end to end (issue 15): connected through Google OAuth against the
// sandbox's fake of the API (built from Google's discovery document), only for users the rollout
// flag lets in; workouts synced out of it to Strava and into it from Garmin, each exactly once.
import { expect } from 'chai';
import type { SandboxRecordView } from '../../infra/local/sandbox/types.js';
import { ApiError, createSyncWellClient } from '../../client-sdk/dist/index.js';
import { clock } from '../../core/clock/clock.js';
import type { Connection } from '../../core/domain/types.js';
import {
  connectProvider,
  dynamicConfigFile,
  requestSync,
  startE2E,
  waitForJob,
  type E2E,
} from './support.js';

const apiCreated = (views: SandboxRecordView[]) => views.filter((v) => v.createdBy === 'api');

describe('Google Health API provider end to end', function () {
  this.timeout(120_000);
  let e: E2E;
  let dynamicConfig: Awaited<ReturnType<typeof dynamicConfigFile>>;
  const allowed = 'e2e-google-health-tester';
  const retiresOn = new Date(clock.now() + 30 * 86_400_000).toISOString().slice(0, 10);

  before(async () => {
    // The rollout flag: nobody by percentage, one tester by name. Fitbit retires in 30 days, so its
    // connections carry the notice (from 60 days ahead).
    dynamicConfig = await dynamicConfigFile({
      flags: { google_health: { enabled: true, percentage: 0, users: [allowed] } },
      providerNotices: { fitbit: { retiresOn, replacement: 'google_health' } },
    });
    e = await startE2E(dynamicConfig.env);
  });
  after(async () => {
    await e?.stop();
    await dynamicConfig?.remove();
  });

  it('is not offered to users outside the rollout: 409 provider_not_available, nothing created', async () => {
    const token = await e.h.token(e.h.newUserId('e2e'), { tier: 'PRO' });
    const res = await e.h.request<{ code: string }>('POST', '/v1/connections', {
      token,
      body: { provider: 'google_health' },
    });
    expect(res.status, res.text).to.equal(409);
    expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(res.body.code).to.equal('provider_not_available');
    const list = await e.h.request<{ connections: unknown[] }>('GET', '/v1/connections', { token });
    expect(list.body.connections).to.deep.equal([]);
  });

  it('connects through Google OAuth and moves workouts out of it and into it, each exactly once', async () => {
    const token = await e.h.token(allowed, { tier: 'PRO' });
    const person = e.h.stack.sandbox.createUser();
    const gh = await connectProvider(e.h, token, 'google_health', person.sandboxUserId);
    const strava = await connectProvider(e.h, token, 'strava', person.sandboxUserId);
    const garmin = await connectProvider(e.h, token, 'garmin', person.sandboxUserId);

    // Each direction is synced twice in a row: the second job finds everything in the ledger and
    // writes nothing. (Not Google Health's job after Garmin's: what Garmin's job put into Google
    // Health inside that window, such as a run on this morning's DST change, is Google Health's new
    // data, rightly forwarded to Strava.)
    const twice = async (source: string, destination: string) => {
      const first = await waitForJob(
        e.h,
        token,
        await requestSync(e.h, token, source, destination, 'workout'),
      );
      expect(first.status, JSON.stringify(first.error)).to.equal('SUCCEEDED');
      const again = await waitForJob(
        e.h,
        token,
        await requestSync(e.h, token, source, destination, 'workout'),
      );
      expect(again.status, JSON.stringify(again.error)).to.equal('SUCCEEDED');
      expect(again.result!.recordsWritten, JSON.stringify(again.result)).to.equal(0);
      return first.result!.recordsWritten;
    };

    // Out of Google Health: what the job wrote is at Strava, once.
    const out = await twice(gh, strava);
    expect(out).to.be.greaterThan(0);
    expect(apiCreated(e.h.stack.sandbox.records('strava', person.sandboxUserId, 'workout'))).to.have.length(
      out,
    );

    // Into Google Health: the data points created through the API are exactly what the job wrote.
    const into = await twice(garmin, gh);
    expect(into).to.be.greaterThan(0);
    expect(
      apiCreated(e.h.stack.sandbox.records('google_health', person.sandboxUserId, 'workout')),
    ).to.have.length(into);
  });

  it('a retiring Fitbit: its connection carries the notice, and once its API answers 410 it needs re-authorization', async () => {
    const token = await e.h.token(e.h.newUserId('e2e'), { tier: 'FREE' });
    const person = e.h.stack.sandbox.createUser();
    const fitbit = await connectProvider(e.h, token, 'fitbit', person.sandboxUserId);
    const strava = await connectProvider(e.h, token, 'strava', person.sandboxUserId);
    const listed = async () =>
      (await e.h.request<{ connections: Connection[] }>('GET', '/v1/connections', { token })).body
        .connections;
    const notice = {
      code: 'provider_retiring',
      retiresOn,
      replacement: 'google_health',
      message: `Fitbit is being retired on ${retiresOn}. Reconnect through Google Health to keep syncing.`,
    };
    const before = await listed();
    expect(before.find((c) => c.connectionId === fitbit)).to.deep.include({ status: 'active', notice });
    expect(before.find((c) => c.connectionId === strava)!.notice).to.equal(undefined);

    // The app's one tap, through the SDK: Google Health's consent page, for a user outside its rollout
    // a clear 409 (the tester below gets the page).
    const sdk = (userToken: string) =>
      createSyncWellClient({ baseUrl: e.h.api.url, getToken: () => Promise.resolve(userToken) });
    const refused = await sdk(token)
      .reconnectThroughReplacement(before.find((c) => c.connectionId === fitbit)!)
      .catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(ApiError);
    expect((refused as ApiError).problem.code).to.equal('provider_not_available');
    const testerToken = await e.h.token(allowed, { tier: 'PRO' });
    const testerFitbit = await connectProvider(e.h, testerToken, 'fitbit', person.sandboxUserId);
    const [withNotice] = (await sdk(testerToken).listConnections()).connections.filter(
      (c) => c.connectionId === testerFitbit,
    );
    const started = await sdk(testerToken).reconnectThroughReplacement(withNotice!);
    expect(started.provider).to.equal('google_health');
    expect(new URL(started.authorizationUrl).pathname).to.match(/google_health/);

    e.h.stack.sandbox.faults.add({ provider: 'fitbit', kind: 'status', status: 410, times: 1000 });
    try {
      const job = await waitForJob(e.h, token, await requestSync(e.h, token, fitbit, strava, 'workout'));
      expect([job.status, job.error?.code]).to.deep.equal(['FAILED', 'provider_retired']);
      expect((await listed()).find((c) => c.connectionId === fitbit)).to.deep.include({
        status: 'needs_reauth',
        notice,
      });
    } finally {
      e.h.stack.sandbox.faults.clear();
    }
  });
});
