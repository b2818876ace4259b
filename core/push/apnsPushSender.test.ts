// The real APNs adapter (node-apn, HTTP/2, ES256 provider tokens) against the local APNs fake.
import { expect } from 'chai';
import { createPublicKey } from 'node:crypto';
import { ApnsFake } from '../../infra/local/push/apnsFake.js';
import { freePort } from '../../infra/local/freePort.js';
import { libraryNow } from '../../infra/local/push/libraryClock.js';
import { fakeApnsToken, startPushFakes, type PushFakes } from '../../infra/local/push/pushFakes.js';
import { generateApnsSigningKey, generateFakeTls } from '../../infra/local/push/tlsMaterial.js';
import { clock } from '../clock/clock.js';
import { ApnsPushSender, type ApnsSettings } from './apnsPushSender.js';
import { UnsafePushPayloadError } from './pushPayloadGuard.js';
import type { PushMessage } from './pushSender.js';

const readRequest: PushMessage = {
  kind: 'silent',
  data: { kind: 'DeviceReadRequest', jobId: 'job_0f0e0d0c-1b1a-4c3d-8e4f-505152535455', requestId: 'req_1' },
};

describe('ApnsPushSender against the APNs fake', function () {
  this.timeout(20_000);
  let fakes: PushFakes;
  let settings: ApnsSettings;
  let sender: ApnsPushSender;
  const others: ApnsPushSender[] = [];
  const extraFakes: ApnsFake[] = [];
  const ios = (token = fakeApnsToken()) => ({ platform: 'ios' as const, token });
  const other = (overrides: Partial<ApnsSettings>) => {
    const s = new ApnsPushSender({ ...settings, ...overrides });
    others.push(s);
    return s;
  };

  before(async () => {
    fakes = await startPushFakes();
    settings = {
      keyId: fakes.env.APNS_KEY_ID!,
      teamId: fakes.env.APNS_TEAM_ID!,
      topic: fakes.env.APNS_TOPIC!,
      key: fakes.apnsKey,
      endpoint: { host: '127.0.0.1', port: fakes.apns.port, ca: fakes.ca },
    };
    sender = new ApnsPushSender(settings);
  });
  after(async () => {
    await Promise.all([sender, ...others].map((s) => s?.close()));
    await Promise.all(extraFakes.map((f) => f.close()));
    await fakes?.close();
  });
  beforeEach(() => fakes.apns.clear());

  it('sends a silent push: background, priority 5, content-available and the ids only', async () => {
    const target = ios();
    const result = await sender.send(target, readRequest);
    expect(result).to.have.property('outcome', 'delivered');
    expect(result)
      .to.have.property('messageId')
      .that.matches(/^[0-9a-f-]{36}$/);
    const [push] = fakes.apns.received();
    expect(push).to.include({ token: target.token, status: 200 });
    expect(push!.headers).to.include({
      'apns-push-type': 'background',
      'apns-priority': '5',
      'apns-topic': 'com.syncwell.app',
    });
    expect(push!.payload).to.deep.equal({ aps: { 'content-available': 1 }, ...readRequest.data });
  });

  it('sends a visible notification: alert, priority 10, title and body, collapse id and expiry', async () => {
    const before = Math.floor(clock.now() / 1000);
    const result = await sender.send(ios(), {
      kind: 'visible',
      title: 'Sync finished',
      body: 'Your workouts are up to date',
      data: { kind: 'SyncSucceeded', jobId: 'job_1' },
      collapseKey: 'job_1',
      ttlSeconds: 600,
    });
    const after = Math.floor(clock.now() / 1000);
    expect(result.outcome).to.equal('delivered');
    const [push] = fakes.apns.received();
    expect(push!.headers).to.include({
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-collapse-id': 'job_1',
    });
    const expiration = Number(push!.headers['apns-expiration']);
    expect(expiration).to.be.within(before + 600, after + 600);
    expect(push!.payload).to.deep.equal({
      aps: { alert: { title: 'Sync finished', body: 'Your workouts are up to date' } },
      kind: 'SyncSucceeded',
      jobId: 'job_1',
    });
  });

  it('sends sandbox tokens too (both environments reach the fake)', async () => {
    const result = await sender.send({ ...ios(), apnsEnvironment: 'sandbox' }, readRequest);
    expect(result.outcome).to.equal('delivered');
    expect(fakes.apns.received()).to.have.length(1);
  });

  it('reports a token APNs calls Unregistered (410) with its date, to be pruned', async () => {
    const target = ios();
    const at = Date.UTC(2027, 2, 14, 6, 30);
    fakes.apns.markUnregistered(target.token, at);
    expect(await sender.send(target, readRequest)).to.deep.equal({
      outcome: 'unregistered',
      reason: 'Unregistered',
      unregisteredAt: '2027-03-14T06:30:00.000Z',
    });
  });

  it('reports BadDeviceToken as unregistered, and a token that could alter the path without sending it', async () => {
    expect(await sender.send(ios('abcdef'), readRequest)).to.deep.equal({
      outcome: 'unregistered',
      reason: 'BadDeviceToken',
    });
    expect(fakes.apns.received()).to.have.length(1);
    expect(await sender.send(ios('ab/../cd'), readRequest)).to.deep.equal({
      outcome: 'unregistered',
      reason: 'MalformedToken',
    });
    expect(fakes.apns.received()).to.have.length(1);
  });

  // node-apn turns a 500's body into an error of its own: the reason is then the status.
  for (const [status, reason, reported] of [
    [429, 'TooManyRequests', 'TooManyRequests'],
    [503, 'ServiceUnavailable', 'ServiceUnavailable'],
    [500, 'InternalServerError', 'HTTP 500'],
  ] as const)
    it(`reports ${status} ${reason} as transient, after one attempt (retries are the caller's)`, async () => {
      const target = ios();
      fakes.apns.failNext(target.token, { status, reason });
      const result = await sender.send(target, readRequest);
      expect(result).to.deep.equal({ outcome: 'transient', reason: reported });
      expect(fakes.apns.received()).to.have.length(1);
      // The next push to the same token goes through (a 500 made node-apn reconnect).
      expect((await sender.send(target, readRequest)).outcome).to.equal('delivered');
    });

  it('reports a provider token signed with the wrong key as a permanent auth failure', async () => {
    const wrongKey = other({ key: generateApnsSigningKey().privateKey });
    expect(await wrongKey.send(ios(), readRequest)).to.deep.equal({
      outcome: 'failed',
      failure: 'provider_auth',
      reason: 'InvalidProviderToken',
    });
    const wrongKeyId = other({ keyId: 'OTHERKEY01' });
    expect(await wrongKeyId.send(ios(), readRequest)).to.include({ failure: 'provider_auth' });
    expect(fakes.apns.received()).to.have.length(0);
  });

  it('reports a provider token older than an hour (by the fake) as transient: node-apn renews it', async () => {
    const tls = await generateFakeTls();
    const late = await ApnsFake.start({
      keyId: settings.keyId,
      teamId: settings.teamId,
      topic: settings.topic,
      publicKey: createPublicKey(fakes.apnsKey).export({ type: 'spki', format: 'pem' }).toString(),
      tls,
      // This fake's clock runs two hours ahead of the one node-apn signs with.
      now: () => libraryNow() + 2 * 3600_000,
    });
    extraFakes.push(late);
    const result = await other({ endpoint: { host: '127.0.0.1', port: late.port, ca: tls.cert } }).send(
      ios(),
      readRequest,
    );
    expect(result).to.deep.equal({ outcome: 'transient', reason: 'ExpiredProviderToken' });
    expect(late.received()).to.have.length(0);
  });

  it('reports a topic the key may not push to as rejected, not as a dead token', async () => {
    const result = await other({ topic: 'com.example.other' }).send(ios(), readRequest);
    expect(result).to.deep.equal({ outcome: 'failed', failure: 'rejected', reason: 'TopicDisallowed' });
  });

  it('reports an unreachable APNs as transient', async () => {
    const port = await freePort();
    const result = await other({ endpoint: { host: '127.0.0.1', port, ca: fakes.ca } }).send(
      ios(),
      readRequest,
    );
    expect(result).to.deep.equal({ outcome: 'transient', reason: 'ApnsUnreachable' });
  });

  it('refuses health data before sending anything', async () => {
    const unsafe = { kind: 'silent', data: { jobId: 'job_1', heartRate: 72 } } as unknown as PushMessage;
    let thrown: unknown;
    await sender.send(ios(), unsafe).catch((err: unknown) => (thrown = err));
    expect(thrown).to.be.instanceOf(UnsafePushPayloadError);
    expect(fakes.apns.received()).to.have.length(0);
  });

  it('rejects with the signal reason when aborted before sending', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopping'));
    let thrown: unknown;
    await sender.send(ios(), readRequest, controller.signal).catch((err: unknown) => (thrown = err));
    expect(thrown).to.have.property('message', 'stopping');
    expect(fakes.apns.received()).to.have.length(0);
  });
});
