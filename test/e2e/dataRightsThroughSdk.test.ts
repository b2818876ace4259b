// The user's data rights as the mobile app exercises them, through the TypeScript SDK against the
// real API, worker and provider sandbox (issue 13 §4): connect two providers, export everything
// (one provider failing for good is named as missing, the ZIP downloaded and read), disconnect a
// provider (its grant revoked at the provider), then delete the account: the SDK gets 410
// account_deleted from then on, the grants are revoked, and the table and the buckets keep nothing
// of the account. And a disconnect while the provider cannot take the revocation: the connection is
// gone at once and the revocation is retried until the provider takes it.
import { S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { ApiError, createSyncWellClient, type SyncWellClient } from '../../client-sdk/dist/index.js';
import type { CloudProvider } from '../../core/domain/types.js';
import { dynamoTraces, s3Traces, type AccountIds } from './accountTraces.js';
import { startE2E, until, type E2E } from './support.js';
import { zipEntries } from '../support/zipEntries.js';

const WIDE = { scope: 'app', capacity: 1_000_000, windowSeconds: 60 };
const WIDE_USER = { scope: 'user', capacity: 1_000_000, windowSeconds: 60 };

describe('data rights through the SDK (export, disconnect, account deletion)', function () {
  this.timeout(180_000);
  let e: E2E;
  let s3: S3Client;

  before(async () => {
    e = await startE2E({
      EXPORT_LOOKBACK_DAYS: '14',
      EXPORT_WINDOW_DAYS: '7',
      EXPORT_SWEEP_SECONDS: '0',
      // The deletion waits out in-flight work (360 s in production); here a second.
      USER_DELETION_SETTLE_SECONDS: '1',
      // Revocations a provider could not take are retried every second here (minutes in production).
      REVOCATION_SWEEP_SECONDS: '1',
      REVOCATION_RETRY_BASE_SECONDS: '1',
      REVOCATION_RETRY_MAX_SECONDS: '1',
      RATE_LIMIT_OVERRIDES: JSON.stringify(
        Object.fromEntries(['strava', 'fitbit', 'garmin', 'google_fit'].map((p) => [p, [WIDE, WIDE_USER]])),
      ),
    });
    s3 = new S3Client({
      region: e.h.config.AWS_REGION,
      endpoint: e.h.config.S3_ENDPOINT!,
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  after(async () => {
    s3?.destroy();
    await e?.stop();
  });
  afterEach(async () => {
    await fetch(`${e.h.stack.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  });

  const signedIn = async () => {
    const userId = e.h.newUserId('sdk');
    const token = await e.h.token(userId, { tier: 'PRO' });
    const client = createSyncWellClient({
      baseUrl: e.h.api.url,
      getToken: () => Promise.resolve(token),
      retry: { baseDelayMs: 5, maxDelayMs: 50, maxTotalMs: 5000 },
    });
    return { userId, client, person: e.h.stack.sandbox.createUser() };
  };

  /** The app's part of OAuth: the SDK starts it, the browser consents, the provider redirects to the API. */
  async function connect(client: SyncWellClient, provider: CloudProvider, sandboxUserId: string) {
    const started = await client.createConnection({ provider });
    const consent = new URL(started.authorizationUrl);
    consent.searchParams.set('sandbox_user', sandboxUserId);
    const redirect = await fetch(consent, { redirect: 'manual' });
    const callback = new URL(redirect.headers.get('location')!);
    const query = Object.fromEntries(callback.searchParams) as { code: string; state: string };
    const done = await client.completeOAuth(provider, query);
    expect(done.status).to.equal('active');
    return done.connectionId;
  }

  it('exports, disconnects and deletes the account, leaving nothing behind', async () => {
    const { userId, client, person } = await signedIn();
    const strava = await connect(client, 'strava', person.sandboxUserId);
    const fitbit = await connect(client, 'fitbit', person.sandboxUserId);
    expect((await client.listConnections()).connections.map((c) => c.connectionId)).to.have.members([
      strava,
      fitbit,
    ]);

    // Export, with Fitbit refusing the tokens for good: it succeeds and names what is missing.
    await fetch(`${e.h.stack.sandbox.url}/_sandbox/users/${person.sandboxUserId}/revoke?provider=fitbit`, {
      method: 'POST',
    });
    const started = await client.createExportJob();
    expect(started.status).to.equal('PENDING');
    let job = await client.getExportJob(started.jobId);
    await until(
      async () => {
        job = await client.getExportJob(started.jobId);
        return job.status === 'SUCCEEDED' || job.status === 'FAILED';
      },
      60_000,
      'the export',
    );
    expect(job.status).to.equal('SUCCEEDED');
    expect(job.missing?.map((m) => `${m.provider}:${m.dataType}:${m.code}`).sort()).to.deep.equal(
      ['sleep_session', 'steps', 'weight', 'workout'].map((t) => `fitbit:${t}:provider_auth_revoked`),
    );
    const download = await fetch(job.downloadUrl!);
    expect(download.status).to.equal(200);
    const files = await zipEntries(Buffer.from(await download.arrayBuffer()));
    expect([...files.keys()]).to.include.members(['manifest.json', 'account.json', 'workouts.json']);
    const workouts = JSON.parse(files.get('workouts.json')!) as { provider: string }[];
    expect(workouts.length).to.be.greaterThan(0);
    expect(new Set(workouts.map((w) => w.provider))).to.deep.equal(new Set(['strava']));
    expect(files.get('account.json')).to.not.match(/\b[ar]t_[A-Za-z0-9_-]{20,}/);

    // Disconnect Strava: revoked at Strava first, then gone here.
    await client.deleteConnection(strava);
    expect(e.h.stack.sandbox.oauth.strava.grants(person.sandboxUserId)).to.deep.include({ active: 0 });
    expect((await client.listConnections()).connections.map((c) => c.connectionId)).to.deep.equal([fitbit]);

    // Delete the account: accepted at once, refused with 410 from then on, erased by the worker.
    const deletion = await client.deleteCurrentUser();
    expect(deletion).to.be.an('object');
    const refused = await client.getCurrentUser().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(ApiError);
    expect((refused as ApiError).status).to.equal(410);
    expect((refused as ApiError).code).to.equal('account_deleted');

    const account: AccountIds = {
      userId,
      ids: [strava, fitbit, started.jobId],
      secretRefs: [],
      providerUserIds: [],
    };
    const buckets = [e.h.config.EXPORT_BUCKET!, e.h.config.STAGING_BUCKET!];
    await until(
      async () =>
        (await dynamoTraces(e.h.config, account)).length === 0 &&
        (await s3Traces(s3, buckets, account)).length === 0,
      60_000,
      'the account to be erased',
    );
    // The deletion's tombstone is keyed by a hash of the id: nothing in the table names the user.
    expect(await dynamoTraces(e.h.config, account)).to.deep.equal([]);
    expect(await s3Traces(s3, buckets, account)).to.deep.equal([]);
    for (const provider of ['strava', 'fitbit'] as const)
      expect(e.h.stack.sandbox.oauth[provider].grants(person.sandboxUserId).active, provider).to.equal(0);
  });

  it('disconnects while the provider is down: gone at once, revoked at the provider once it is back', async () => {
    const { client, person } = await signedIn();
    const fitbit = await connect(client, 'fitbit', person.sandboxUserId);
    // Fitbit's revocation endpoint fails until the fault is cleared.
    await fetch(`${e.h.stack.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        provider: 'fitbit',
        kind: 'status',
        status: 503,
        pathPrefix: '/oauth2/revoke',
        times: 1e9,
      }),
    });
    await client.deleteConnection(fitbit);
    expect((await client.listConnections()).connections).to.deep.equal([]);
    expect(e.h.stack.sandbox.oauth.fitbit.grants(person.sandboxUserId).active, 'not revoked yet').to.equal(1);
    await fetch(`${e.h.stack.sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    await until(
      () => Promise.resolve(e.h.stack.sandbox.oauth.fitbit.grants(person.sandboxUserId).active === 0),
      30_000,
      'the pending revocation to be retried',
    );
  });
});
