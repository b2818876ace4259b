import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/config.js';
import { createLocalSecretStore, LocalSecretStore, parseLocalSecretKey } from './localSecretStore.js';
import { ProviderTokens } from './providerTokens.js';
import { createSecretStore } from './createSecretStore.js';
import {
  InvalidSecretRefError,
  SecretCorruptedError,
  SecretNotFoundError,
  type SecretStoreConfig,
} from './secretStore.js';

const ACCESS = 'local-ACCESS-token-abcdefghijklmnop';
const REFRESH = 'local-REFRESH-token-qrstuvwxyz012345';

const tokens = () =>
  new ProviderTokens({
    accessToken: ACCESS,
    refreshToken: REFRESH,
    expiresAt: Date.parse('2026-03-01T12:00:00Z'),
    scope: 'activity',
  });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const baseConfig = (dir: string, overrides: Partial<SecretStoreConfig> = {}): SecretStoreConfig => ({
  NODE_ENV: 'test',
  SECRET_STORE: 'local',
  LOCAL_SECRET_KEY: undefined,
  SECRET_STORE_DIR: dir,
  SECRETS_MANAGER_ENDPOINT: undefined,
  SECRET_NAME_PREFIX: 'syncwell/provider-tokens/',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  ...overrides,
});

describe('LocalSecretStore', () => {
  let dir: string;
  let key: Buffer;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'syncwell-secrets-'));
    key = randomBytes(32);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips tokens across two store instances on the same directory (two processes)', async () => {
    const writer = new LocalSecretStore({ dir, key });
    const ref = await writer.create(tokens());
    expect(ref).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const reader = new LocalSecretStore({ dir, key: Buffer.from(key) });
    const back = await reader.get(ref);
    expect(back.revealAccessToken()).to.equal(ACCESS);
    expect(back.revealRefreshToken()).to.equal(REFRESH);
    expect(back.scope).to.equal('activity');

    await reader.put(ref, back.withRefreshed({ accessToken: 'rotated-access', expiresAt: 1 }));
    const again = await writer.get(ref);
    expect(again.revealAccessToken()).to.equal('rotated-access');
    expect(again.revealRefreshToken()).to.equal(REFRESH);
  });

  it('never writes the plaintext tokens to disk, and uses a fresh IV per write', async () => {
    const store = new LocalSecretStore({ dir, key });
    const ref = await store.create(tokens());
    const first = await readFile(join(dir, `${ref}.secret`));
    for (const needle of [ACCESS, REFRESH, 'ACCESS-token', 'REFRESH-token']) {
      expect(first.includes(Buffer.from(needle))).to.equal(false);
      expect(first.includes(Buffer.from(Buffer.from(needle).toString('base64').slice(0, 16)))).to.equal(
        false,
      );
    }
    await store.put(ref, tokens());
    const second = await readFile(join(dir, `${ref}.secret`));
    expect(second.equals(first)).to.equal(false);
    // Only the secret remains: no temporary files are left behind.
    expect(await readdir(dir)).to.deep.equal([`${ref}.secret`]);
  });

  it('writes files 0600 in a 0700 directory', async function () {
    if (process.platform === 'win32') this.skip();
    const nested = join(dir, 'a', 'secrets');
    const store = new LocalSecretStore({ dir: nested, key });
    const ref = await store.create(tokens());
    expect((await stat(join(nested, `${ref}.secret`))).mode & 0o777).to.equal(0o600);
    expect((await stat(nested)).mode & 0o777).to.equal(0o700);
  });

  it('fails with SecretCorruptedError under a different key', async () => {
    const ref = await new LocalSecretStore({ dir, key }).create(tokens());
    const error = await rejection(new LocalSecretStore({ dir, key: randomBytes(32) }).get(ref));
    expect(error).to.be.instanceOf(SecretCorruptedError);
    expect((error as Error).message).to.include('different LOCAL_SECRET_KEY');
  });

  it('detects tampered ciphertext, tag or IV', async () => {
    const store = new LocalSecretStore({ dir, key });
    for (const field of ['ciphertext', 'tag', 'iv'] as const) {
      const ref = await store.create(tokens());
      const path = join(dir, `${ref}.secret`);
      const envelope = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
      const bytes = Buffer.from(envelope[field] ?? '', 'base64');
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;
      envelope[field] = bytes.toString('base64');
      await writeFile(path, JSON.stringify(envelope));
      const error = await rejection(store.get(ref));
      expect(error, field).to.be.instanceOf(SecretCorruptedError);
      expect((error as Error).message).to.include('failed authentication');
    }
  });

  it('reports a file that is not an envelope as corrupted', async () => {
    const store = new LocalSecretStore({ dir, key });
    const ref = await store.create(tokens());
    await writeFile(join(dir, `${ref}.secret`), 'garbage');
    expect(await rejection(store.get(ref))).to.be.instanceOf(SecretCorruptedError);
    await writeFile(join(dir, `${ref}.secret`), '{"format":"other"}');
    expect(await rejection(store.get(ref))).to.be.instanceOf(SecretCorruptedError);
  });

  it('rejects a file copied under another ref (the ref is authenticated data)', async () => {
    const store = new LocalSecretStore({ dir, key });
    const victim = await store.create(tokens());
    const attacker = randomUUID();
    await copyFile(join(dir, `${victim}.secret`), join(dir, `${attacker}.secret`));
    const error = await rejection(store.get(attacker));
    expect(error).to.be.instanceOf(SecretCorruptedError);
    expect((error as Error).message).to.include('failed authentication');
  });

  it('rejects refs that are not UUIDs before touching the disk', async () => {
    const store = new LocalSecretStore({ dir, key });
    for (const ref of [
      '../../etc/passwd',
      '..',
      '',
      'not-a-uuid',
      `${randomUUID()}/../x`,
      randomUUID().toUpperCase(),
      '00000000-0000-0000-0000-000000000000',
    ]) {
      expect(await rejection(store.get(ref)), ref).to.be.instanceOf(InvalidSecretRefError);
      expect(await rejection(store.put(ref, tokens())), ref).to.be.instanceOf(InvalidSecretRefError);
      expect(await rejection(store.delete(ref)), ref).to.be.instanceOf(InvalidSecretRefError);
    }
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it('get and put of a missing ref are SecretNotFoundError; delete is idempotent', async () => {
    const store = new LocalSecretStore({ dir, key });
    const missing = randomUUID();
    const notFound = await rejection(store.get(missing));
    expect(notFound).to.be.instanceOf(SecretNotFoundError);
    expect((notFound as SecretNotFoundError).ref).to.equal(missing);
    expect(await rejection(store.put(missing, tokens()))).to.be.instanceOf(SecretNotFoundError);

    const ref = await store.create(tokens());
    await store.delete(ref);
    expect(await rejection(store.get(ref))).to.be.instanceOf(SecretNotFoundError);
    await store.delete(ref);
    expect(await readdir(dir)).to.deep.equal([]);
  });

  describe('key', () => {
    it('accepts base64 of exactly 32 bytes and refuses anything else without echoing it', () => {
      expect(parseLocalSecretKey(key.toString('base64')).equals(key)).to.equal(true);
      for (const bad of [
        randomBytes(16).toString('base64'),
        randomBytes(33).toString('base64'),
        'not base64!!',
      ]) {
        try {
          parseLocalSecretKey(bad);
          expect.fail('should throw');
        } catch (error) {
          expect(error).to.be.instanceOf(ConfigError);
          expect((error as Error).message)
            .to.include('32 bytes')
            .and.not.include(bad);
        }
      }
    });

    it('uses LOCAL_SECRET_KEY when set', async () => {
      const store = createSecretStore(baseConfig(dir, { LOCAL_SECRET_KEY: key.toString('base64') }));
      const ref = await store.create(tokens());
      expect((await new LocalSecretStore({ dir, key }).get(ref)).revealAccessToken()).to.equal(ACCESS);
      expect(await readdir(dir)).not.to.include('.key');
    });

    it('refuses to run without LOCAL_SECRET_KEY in production', () => {
      expect(() => createSecretStore(baseConfig(dir, { NODE_ENV: 'production' }))).to.throw(
        ConfigError,
        /LOCAL_SECRET_KEY is required/,
      );
    });

    it('outside production generates a 0600 key file once and reuses it', async () => {
      const first = createLocalSecretStore(baseConfig(dir, { NODE_ENV: 'development' }));
      const ref = await first.create(tokens());
      const keyFile = join(dir, '.key');
      const keyText = await readFile(keyFile, 'utf8');
      expect(parseLocalSecretKey(keyText)).to.have.length(32);
      if (process.platform !== 'win32') expect((await stat(keyFile)).mode & 0o777).to.equal(0o600);

      const second = createLocalSecretStore(baseConfig(dir, { NODE_ENV: 'test' }));
      expect((await second.get(ref)).revealAccessToken()).to.equal(ACCESS);
      expect(await readFile(keyFile, 'utf8')).to.equal(keyText);
      expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).to.deep.equal([]);
    });

    it('refuses a damaged key file rather than replacing it', async () => {
      await writeFile(join(dir, '.key'), 'short', { mode: 0o600 });
      expect(() => createLocalSecretStore(baseConfig(dir))).to.throw(ConfigError, /\.key must be the base64/);
    });
  });
});
