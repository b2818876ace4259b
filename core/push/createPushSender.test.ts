import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  fakeApnsToken,
  fakeFcmToken,
  startPushFakes,
  type PushFakes,
} from '../../infra/local/push/pushFakes.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { createPushSender, type PushConfig } from './createPushSender.js';
import { UnsafePushPayloadError } from './pushPayloadGuard.js';
import type { PushMessage, PushSender } from './pushSender.js';

const minimal = { HOT_PATH_QUEUE_URL: 'http://127.0.0.1:1/000000000000/q.fifo', FIREBASE_PROJECT_ID: 'p' };
const push: PushMessage = {
  kind: 'silent',
  data: { kind: 'DeviceReadRequest', jobId: 'job_1', requestId: 'req_1' },
};

function configError(env: Record<string, string>): string {
  try {
    createPushSender(loadConfig({ ...minimal, ...env }));
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as Error).message;
  }
  return expect.fail('should throw a ConfigError');
}

describe('createPushSender', function () {
  this.timeout(20_000);
  let fakes: PushFakes;
  let dir: string;
  const senders: PushSender[] = [];
  const build = (config: PushConfig) => {
    const s = createPushSender(config);
    senders.push(s);
    return s;
  };

  before(async () => {
    fakes = await startPushFakes();
    dir = mkdtempSync(join(tmpdir(), 'syncwell-push-'));
  });
  after(async () => {
    await Promise.all(senders.map((s) => s.close()));
    await fakes?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to build for production without both services configured', () => {
    const message = configError({ NODE_ENV: 'production' });
    expect(message).to.include(
      'APNs: APNS_KEY_ID, APNS_TEAM_ID, APNS_TOPIC, APNS_KEY required in production',
    );
    expect(message).to.include('FCM: FCM_SERVICE_ACCOUNT required in production');
  });

  it('refuses the fakes’ endpoint overrides in production', () => {
    const message = configError({ ...fakes.env, NODE_ENV: 'production' });
    expect(message).to.include('APNS_ENDPOINT and APNS_CA are for the local fake');
    expect(message).to.include('FCM_ENDPOINT and FCM_CA are for the local fake');
  });

  it('refuses half a platform’s settings anywhere, naming what is missing but never a value', () => {
    expect(configError({ APNS_KEY_ID: 'K', APNS_KEY: fakes.apnsKey })).to.include(
      'APNs: APNS_TEAM_ID, APNS_TOPIC missing',
    );
    expect(configError({ FCM_ENDPOINT: '127.0.0.1:1' })).to.include('FCM: FCM_SERVICE_ACCOUNT missing');
    const message = configError({ FCM_SERVICE_ACCOUNT: '{"project_id":"p","private_key":"SECRET"}' });
    expect(message).to.include('FCM_SERVICE_ACCOUNT').and.not.include('SECRET');
  });

  it('rejects an endpoint that is not host:port', () => {
    expect(() => loadConfig({ ...minimal, APNS_ENDPOINT: 'https://127.0.0.1:1' })).to.throw(
      ConfigError,
      /APNS_ENDPOINT/,
    );
  });

  it('answers not_configured for platforms without settings outside production, and for everything when off', async () => {
    const bare = build(loadConfig(minimal));
    expect(await bare.send({ platform: 'ios', token: fakeApnsToken() }, push)).to.deep.equal({
      outcome: 'failed',
      failure: 'not_configured',
      reason: 'NoAdapterFor_ios',
    });
    const off = build(loadConfig({ ...minimal, ...fakes.env, PUSH_MODE: 'off' }));
    expect((await off.send({ platform: 'android', token: fakeFcmToken() }, push)).outcome).to.equal('failed');
    // The guard holds even where nothing would be sent.
    const unsafe = { kind: 'silent', data: { bpm: 61 } } as unknown as PushMessage;
    let thrown: unknown;
    await off
      .send({ platform: 'ios', token: fakeApnsToken() }, unsafe)
      .catch((err: unknown) => (thrown = err));
    expect(thrown).to.be.instanceOf(UnsafePushPayloadError);
    expect(fakes.received()).to.have.length(0);
  });

  it('routes iOS to APNs and Android to FCM with the env startPushFakes yields', async () => {
    const sender = build(loadConfig({ ...minimal, ...fakes.env }));
    const ios = { platform: 'ios' as const, token: fakeApnsToken() };
    const android = { platform: 'android' as const, token: fakeFcmToken() };
    expect((await sender.send(ios, push)).outcome).to.equal('delivered');
    expect((await sender.send(android, push)).outcome).to.equal('delivered');
    expect(fakes.received().map((r) => [r.service, r.token])).to.deep.equal([
      ['apns', ios.token],
      ['fcm', android.token],
    ]);
  });

  it('reads keys, the service account and the CA from files, and PEM with escaped newlines', async () => {
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text, { mode: 0o600 });
      return join(dir, name);
    };
    const sender = build(
      loadConfig({
        ...minimal,
        ...fakes.env,
        APNS_KEY: fakes.apnsKey.replace(/\n/g, '\\n'),
        APNS_CA: file('ca.pem', fakes.ca),
        FCM_SERVICE_ACCOUNT: file('sa.json', JSON.stringify(fakes.serviceAccount)),
        FCM_CA: file('ca2.pem', fakes.ca),
      }),
    );
    expect((await sender.send({ platform: 'ios', token: fakeApnsToken() }, push)).outcome).to.equal(
      'delivered',
    );
    expect((await sender.send({ platform: 'android', token: fakeFcmToken() }, push)).outcome).to.equal(
      'delivered',
    );
  });
});
