// The AppConfig source through the AWS SDK, against the local fake of the AppConfig Data API.
import { expect } from 'chai';
import { AppConfigFake } from '../../infra/local/appconfig/appConfigFake.js';
import { createLogger } from '../logging/logger.js';
import { AppConfigSource } from './appConfigSource.js';
import { loadConfig } from './config.js';
import { DynamicConfig } from './dynamicConfig.js';

describe('dynamic configuration from AWS AppConfig (AppConfig Data API fake)', () => {
  let fake: AppConfigFake;
  before(async () => {
    fake = await new AppConfigFake().start();
  });
  after(() => fake.stop());

  const settings = () =>
    loadConfig({
      HOT_PATH_QUEUE_URL: 'http://127.0.0.1:1/queue/hot',
      FIREBASE_PROJECT_ID: 'test',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      APPCONFIG_APPLICATION: 'syncwell',
      APPCONFIG_ENVIRONMENT: 'test',
      APPCONFIG_PROFILE: 'runtime',
      APPCONFIG_ENDPOINT: fake.url,
    });

  it('starts a session, reads the deployed document, answers unchanged, then sees a new deployment', async () => {
    fake.deploy('syncwell', 'test', 'runtime', { logLevel: 'warn' }, 'v1');
    const source = new AppConfigSource({ ...settings(), APPCONFIG_APPLICATION: 'syncwell' });
    const c = new DynamicConfig(source, createLogger({ level: 'silent', service: 'test' }), {
      refreshMs: 3_600_000,
      component: 'appconfig_test',
    });
    try {
      await c.start();
      expect(c.current.logLevel).to.equal('warn');
      expect(c.currentVersion).to.equal('v1');
      expect(await c.refresh()).to.equal(false);
      fake.deploy(
        'syncwell',
        'test',
        'runtime',
        { logLevel: 'info', flags: { beta: { enabled: true } } },
        'v2',
      );
      expect(await c.refresh()).to.equal(true);
      expect([c.currentVersion, c.current.logLevel]).to.deep.equal(['v2', 'info']);
      expect(c.isEnabled('beta', { userId: 'u', tier: 'FREE' })).to.equal(true);
      // One session, one poll per refresh, each with the token the previous answer gave.
      expect(fake.calls).to.deep.equal({ sessions: 1, polls: 3 });
    } finally {
      c.stop();
    }
  });

  it('a refused token starts a new session at the next poll; an unknown profile keeps the safe defaults', async () => {
    fake.deploy('syncwell', 'test', 'runtime', { logLevel: 'warn' }, 'v3');
    const source = new AppConfigSource({ ...settings(), APPCONFIG_APPLICATION: 'syncwell' });
    const first = await source.fetch();
    expect(first).to.deep.include({ kind: 'document', version: 'v3' });
    // The fake forgets the session (as AppConfig does after 24 h): the poll fails, the next one recovers.
    (fake as unknown as { sessions: Map<string, unknown> }).sessions.clear();
    let failed = false;
    await source.fetch().catch(() => (failed = true));
    expect(failed).to.equal(true);
    expect(await source.fetch()).to.deep.include({ kind: 'document', version: 'v3' });
    source.close();

    const missing = new AppConfigSource({ ...settings(), APPCONFIG_APPLICATION: 'nobody' });
    const c = new DynamicConfig(missing, createLogger({ level: 'silent', service: 'test' }), {
      refreshMs: 3_600_000,
      component: 'appconfig_missing',
    });
    await c.start();
    expect(c.currentVersion).to.equal(undefined);
    c.stop();
  });
});
