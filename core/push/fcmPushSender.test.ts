// The real FCM adapter (firebase-admin, service-account credential) against the local FCM fake,
// which also plays Google's OAuth token endpoint.
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { fakeFcmToken, startPushFakes, type PushFakes } from '../../infra/local/push/pushFakes.js';
import { FcmPushSender, type FcmSettings } from './fcmPushSender.js';
import { UnsafePushPayloadError } from './pushPayloadGuard.js';
import type { PushMessage } from './pushSender.js';

const writeRequest: PushMessage = {
  kind: 'silent',
  data: { kind: 'DeviceWriteRequest', jobId: 'job_0f0e0d0c-1b1a-4c3d-8e4f-505152535455' },
};

describe('FcmPushSender against the FCM fake', function () {
  this.timeout(30_000);
  let fakes: PushFakes;
  let settings: FcmSettings;
  let sender: FcmPushSender;
  const others: FcmPushSender[] = [];
  const android = (token = fakeFcmToken()) => ({ platform: 'android' as const, token });
  const other = (overrides: Partial<FcmSettings> = {}) => {
    const s = new FcmPushSender({ ...settings, ...overrides });
    others.push(s);
    return s;
  };

  before(async () => {
    fakes = await startPushFakes();
    settings = {
      projectId: fakes.env.FCM_PROJECT_ID!,
      serviceAccount: fakes.serviceAccount,
      endpoint: { host: '127.0.0.1', port: fakes.fcm.port, ca: fakes.ca },
    };
    sender = new FcmPushSender(settings);
  });
  after(async () => {
    await Promise.all([sender, ...others].map((s) => s?.close()));
    await fakes?.close();
  });
  beforeEach(() => fakes.fcm.clear());

  it('gets an access token with the service-account grant, then sends a data-only, high-priority push', async () => {
    const target = android();
    const result = await sender.send(target, writeRequest);
    expect(result).to.have.property('outcome', 'delivered');
    expect(result)
      .to.have.property('messageId')
      .that.matches(/^projects\/syncwell-local\/messages\/[0-9a-f-]{36}$/);
    expect(fakes.fcm.tokenRequests).to.be.greaterThan(0);
    const [sent] = fakes.fcm.received();
    expect(sent!.message).to.deep.equal({
      token: target.token,
      data: writeRequest.data,
      android: { priority: 'high' },
    });
    expect(sent!.headers).not.to.have.property('authorization');
  });

  it('sends a visible notification with title, body, ids, collapse key and TTL', async () => {
    const result = await sender.send(android(), {
      kind: 'visible',
      title: 'Sync failed',
      body: 'Reconnect Garmin to keep syncing',
      data: { kind: 'SyncFailed', jobId: 'job_2' },
      collapseKey: 'job_2',
      ttlSeconds: 3600,
    });
    expect(result.outcome).to.equal('delivered');
    const [sent] = fakes.fcm.received();
    expect(sent!.message).to.deep.include({
      notification: { title: 'Sync failed', body: 'Reconnect Garmin to keep syncing' },
      data: { kind: 'SyncFailed', jobId: 'job_2' },
      android: { collapse_key: 'job_2', ttl: '3600s' },
    });
  });

  it('reports UNREGISTERED as a token to prune', async () => {
    const target = android();
    fakes.markUnregistered(target.token);
    expect(await sender.send(target, writeRequest)).to.deep.equal({
      outcome: 'unregistered',
      reason: 'messaging/registration-token-not-registered',
    });
  });

  it('reports INVALID_ARGUMENT on the token as a token to prune', async () => {
    expect(await sender.send(android('not-a-registration-token'), writeRequest)).to.deep.equal({
      outcome: 'unregistered',
      reason: 'messaging/invalid-argument',
    });
    expect(fakes.fcm.received()[0]).to.include({ status: 400, errorCode: 'INVALID_ARGUMENT' });
  });

  it('reports QUOTA_EXCEEDED (429) as transient with its Retry-After, after one attempt', async () => {
    const target = android();
    fakes.fcm.failNext(target.token, { status: 429, errorCode: 'QUOTA_EXCEEDED', retryAfter: 30 });
    expect(await sender.send(target, writeRequest)).to.deep.equal({
      outcome: 'transient',
      reason: 'messaging/message-rate-exceeded',
      retryAfterSeconds: 30,
    });
    expect(fakes.fcm.received()).to.have.length(1);
  });

  it('reports UNAVAILABLE (503) with a Retry-After over a minute as transient at once', async () => {
    const target = android();
    fakes.fcm.failNext(target.token, { status: 503, errorCode: 'UNAVAILABLE', retryAfter: 120 });
    expect(await sender.send(target, writeRequest)).to.deep.equal({
      outcome: 'transient',
      reason: 'messaging/server-unavailable',
      retryAfterSeconds: 120,
    });
    expect(fakes.fcm.received()).to.have.length(1);
  });

  it('lets firebase-admin retry a 503 with a short Retry-After itself', async () => {
    const target = android();
    fakes.fcm.failNext(target.token, { status: 503, errorCode: 'UNAVAILABLE', retryAfter: 1 }, 2);
    expect((await sender.send(target, writeRequest)).outcome).to.equal('delivered');
    expect(fakes.fcm.received().map((m) => m.status)).to.deep.equal([503, 503, 200]);
  });

  it('reports INTERNAL (500) as transient', async () => {
    const target = android();
    fakes.fcm.failNext(target.token, { status: 500, errorCode: 'INTERNAL' });
    expect(await sender.send(target, writeRequest)).to.deep.equal({
      outcome: 'transient',
      reason: 'messaging/internal-error',
    });
  });

  it('reports a service-account key the token endpoint refuses as a permanent auth failure', async () => {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const wrongKey = other({ serviceAccount: { ...fakes.serviceAccount, private_key: privateKey } });
    expect(await wrongKey.send(android(), writeRequest)).to.deep.equal({
      outcome: 'failed',
      failure: 'provider_auth',
      reason: 'app/invalid-credential',
    });
    expect(fakes.fcm.received()).to.have.length(0);
  });

  it('reports a project the account may not send for as a permanent auth failure', async () => {
    const result = await other({ projectId: 'someone-elses-project' }).send(android(), writeRequest);
    expect(result).to.deep.equal({
      outcome: 'failed',
      failure: 'provider_auth',
      reason: 'messaging/mismatched-credential',
    });
  });

  it('refuses health data before sending anything', async () => {
    const unsafe = { kind: 'silent', data: { jobId: 'job_1', steps: 10432 } } as unknown as PushMessage;
    let thrown: unknown;
    await sender.send(android(), unsafe).catch((err: unknown) => (thrown = err));
    expect(thrown).to.be.instanceOf(UnsafePushPayloadError);
    expect(fakes.fcm.received()).to.have.length(0);
  });

  // Last: the revocation also voids the token the shared sender holds.
  it('reports an access token FCM no longer accepts as a permanent auth failure (the fake checks the bearer)', async () => {
    const revoked = other();
    expect((await revoked.send(android(), writeRequest)).outcome).to.equal('delivered');
    fakes.fcm.revokeAccessTokens();
    expect(await revoked.send(android(), writeRequest)).to.deep.equal({
      outcome: 'failed',
      failure: 'provider_auth',
      reason: 'messaging/third-party-auth-error',
    });
  });
});
