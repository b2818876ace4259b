import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError, loadConfig } from './config.js';

const minimal = { HOT_PATH_QUEUE_URL: 'http://127.0.0.1:1/000000000000/q.fifo', FIREBASE_PROJECT_ID: 'p' };

describe('configuration', () => {
  it('applies defaults for local use and real AWS (no endpoint overrides)', () => {
    const c = loadConfig(minimal);
    expect(c).to.include({
      PORT: 8080,
      TABLE_NAME: 'SyncWellMetadata',
      AWS_REGION: 'us-east-1',
      VALIDATE_RESPONSES: true,
    });
    expect(c.DYNAMODB_ENDPOINT).to.equal(undefined);
    expect(c.JWKS_CACHE_TTL_MS).to.equal(3_600_000);
  });

  it('turns response validation off in production unless asked for', () => {
    expect(loadConfig({ ...minimal, NODE_ENV: 'production' }).VALIDATE_RESPONSES).to.equal(false);
    expect(
      loadConfig({ ...minimal, NODE_ENV: 'production', VALIDATE_RESPONSES: 'true' }).VALIDATE_RESPONSES,
    ).to.equal(true);
  });

  it('takes Google Health’s notification key only as an EC P-256 public key; empty is unset', () => {
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(
      loadConfig({ ...minimal, GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY: String(p256) })
        .GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY,
    ).to.equal(String(p256));
    expect(
      loadConfig({ ...minimal, GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY: '' }).GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY,
    ).to.equal(undefined);
    for (const bad of [String(p384), 'not a key'])
      expect(() => loadConfig({ ...minimal, GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY: bad })).to.throw(
        ConfigError,
        /GOOGLE_HEALTH_WEBHOOK_PUBLIC_KEY/,
      );
  });

  it('lists every invalid variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty' });
      expect.fail('should throw');
    } catch (error) {
      expect(error).to.be.instanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message)
        .to.contain('PORT')
        .and.to.contain('HOT_PATH_QUEUE_URL')
        .and.to.contain('FIREBASE_PROJECT_ID');
    }
  });
});
