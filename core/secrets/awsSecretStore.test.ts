import {
  CreateSecretCommand,
  DecryptionFailure,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { AwsSecretStore, createAwsSecretStore, createSecretsManagerClient } from './awsSecretStore.js';
import { ProviderTokens } from './providerTokens.js';
import { createSecretStore } from './createSecretStore.js';
import {
  InvalidSecretRefError,
  SecretCorruptedError,
  SecretNotFoundError,
  SecureStorageUnavailableError,
  type SecretStoreConfig,
} from './secretStore.js';

const PREFIX = 'syncwell/provider-tokens/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const tokens = new ProviderTokens({
  accessToken: 'aws-access-token',
  refreshToken: 'aws-refresh-token',
  expiresAt: Date.parse('2026-03-01T12:00:00Z'),
  scope: 'activity',
});

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('AwsSecretStore', () => {
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  const sm = mockClient(client);
  const store = new AwsSecretStore({ client, prefix: PREFIX });

  beforeEach(() => sm.reset());
  after(() => sm.restore());

  it('create: CreateSecret named prefix + new UUID, sealed tokens, a client request token', async () => {
    sm.on(CreateSecretCommand).resolves({ ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:x', Name: 'x' });
    const ref = await store.create(tokens);
    expect(ref).to.match(UUID);

    const calls = sm.calls();
    expect(calls).to.have.length(1);
    const input = sm.commandCalls(CreateSecretCommand)[0]!.args[0].input;
    expect(Object.keys(input).sort()).to.deep.equal([
      'ClientRequestToken',
      'Description',
      'Name',
      'SecretString',
    ]);
    expect(input.Name).to.equal(`${PREFIX}${ref}`);
    expect(input.ClientRequestToken).to.match(UUID);
    expect(input.SecretString).to.equal(tokens.sealForStorage());
    expect(ProviderTokens.unsealFromStorage(input.SecretString!).revealAccessToken()).to.equal(
      'aws-access-token',
    );
  });

  it('create: two creates use two refs and two request tokens', async () => {
    sm.on(CreateSecretCommand).resolves({});
    const [a, b] = [await store.create(tokens), await store.create(tokens)];
    expect(a).not.to.equal(b);
    const [c1, c2] = sm.commandCalls(CreateSecretCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(c1).not.to.equal(c2);
  });

  it('get: GetSecretValue by name, unsealed into ProviderTokens', async () => {
    const ref = randomUUID();
    sm.on(GetSecretValueCommand).resolves({ SecretString: tokens.sealForStorage() });
    const got = await store.get(ref);
    expect(got.revealAccessToken()).to.equal('aws-access-token');
    expect(got.revealRefreshToken()).to.equal('aws-refresh-token');
    expect(sm.calls()).to.have.length(1);
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).to.deep.equal({
      SecretId: `${PREFIX}${ref}`,
    });
  });

  it('get: a secret without a usable string value is SecretCorruptedError', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretBinary: new Uint8Array([1]) })
      .resolvesOnce({ SecretString: '{' });
    expect(await rejection(store.get(randomUUID()))).to.be.instanceOf(SecretCorruptedError);
    expect(await rejection(store.get(randomUUID()))).to.be.instanceOf(SecretCorruptedError);
  });

  it('put: PutSecretValue with the sealed tokens and a client request token', async () => {
    const ref = randomUUID();
    sm.on(PutSecretValueCommand).resolves({});
    await store.put(ref, tokens);
    const input = sm.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(Object.keys(input).sort()).to.deep.equal(['ClientRequestToken', 'SecretId', 'SecretString']);
    expect(input.SecretId).to.equal(`${PREFIX}${ref}`);
    expect(input.SecretString).to.equal(tokens.sealForStorage());
    expect(input.ClientRequestToken).to.match(UUID);
  });

  it('delete: DeleteSecret without a recovery window; a missing secret is fine', async () => {
    const ref = randomUUID();
    sm.on(DeleteSecretCommand)
      .resolvesOnce({})
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', ...meta(400) }));
    await store.delete(ref);
    await store.delete(ref);
    const inputs = sm.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input);
    expect(inputs).to.deep.equal([
      { SecretId: `${PREFIX}${ref}`, ForceDeleteWithoutRecovery: true },
      { SecretId: `${PREFIX}${ref}`, ForceDeleteWithoutRecovery: true },
    ]);
  });

  it('rejects refs that are not UUIDs without calling AWS', async () => {
    for (const ref of ['../other-prefix/x', 'arn:aws:secretsmanager:us-east-1:1:secret:x', '', 'x']) {
      expect(await rejection(store.get(ref))).to.be.instanceOf(InvalidSecretRefError);
      expect(await rejection(store.put(ref, tokens))).to.be.instanceOf(InvalidSecretRefError);
      expect(await rejection(store.delete(ref))).to.be.instanceOf(InvalidSecretRefError);
    }
    expect(sm.calls()).to.have.length(0);
  });

  describe('error mapping', () => {
    it('ResourceNotFoundException and "marked for deletion" → SecretNotFoundError', async () => {
      const ref = randomUUID();
      sm.on(GetSecretValueCommand)
        .rejectsOnce(
          new ResourceNotFoundException({
            message: "Secrets Manager can't find the specified secret.",
            ...meta(400),
          }),
        )
        .rejectsOnce(
          new InvalidRequestException({
            message: "You can't perform this operation on the secret because it was marked for deletion.",
            ...meta(400),
          }),
        );
      sm.on(PutSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'nope', ...meta(400) }));
      for (const p of [store.get(ref), store.get(ref), store.put(ref, tokens)]) {
        const error = await rejection(p);
        expect(error).to.be.instanceOf(SecretNotFoundError);
        expect((error as SecretNotFoundError).ref).to.equal(ref);
      }
    });

    const transient: Array<[string, () => Error]> = [
      [
        'ThrottlingException',
        () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', ...meta(400) }),
      ],
      ['InternalServiceError', () => new InternalServiceError({ message: 'internal', ...meta(500) })],
      ['DecryptionFailure (KMS)', () => new DecryptionFailure({ message: 'KMS unavailable', ...meta(400) })],
      [
        'an unmodelled 503',
        () => Object.assign(new Error('Service Unavailable'), { name: 'Unknown', ...meta(503) }),
      ],
      ['ECONNRESET', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
      ['ECONNREFUSED', () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
      ['TimeoutError', () => Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ];
    for (const [label, make] of transient) {
      it(`${label} → SecureStorageUnavailableError (transient), with the cause kept`, async () => {
        const original = make();
        sm.on(GetSecretValueCommand).rejects(original);
        sm.on(CreateSecretCommand).rejects(original);
        sm.on(PutSecretValueCommand).rejects(original);
        sm.on(DeleteSecretCommand).rejects(original);
        for (const p of [
          store.get(randomUUID()),
          store.create(tokens),
          store.put(randomUUID(), tokens),
          store.delete(randomUUID()),
        ]) {
          const error = await rejection(p);
          expect(error).to.be.instanceOf(SecureStorageUnavailableError);
          expect((error as SecureStorageUnavailableError).transient).to.equal(true);
          expect((error as Error).cause).to.equal(original);
        }
      });
    }

    it('other errors (permissions, bad input) are rethrown as they are', async () => {
      const denied = Object.assign(new Error('not authorized'), {
        name: 'AccessDeniedException',
        ...meta(400),
      });
      sm.on(GetSecretValueCommand).rejects(denied);
      expect(await rejection(store.get(randomUUID()))).to.equal(denied);
    });
  });

  describe('factory', () => {
    const config = (overrides: Partial<SecretStoreConfig> = {}): SecretStoreConfig => ({
      NODE_ENV: 'production',
      SECRET_STORE: 'aws',
      LOCAL_SECRET_KEY: undefined,
      SECRET_STORE_DIR: '.state/secrets',
      SECRETS_MANAGER_ENDPOINT: undefined,
      SECRET_NAME_PREFIX: 'custom/prefix/',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      ...overrides,
    });

    it('SECRET_STORE=aws picks this adapter with the configured prefix (no local key needed)', () => {
      const s = createSecretStore(config());
      expect(s).to.be.instanceOf(AwsSecretStore);
      const ref = randomUUID();
      expect((s as AwsSecretStore).secretName(ref)).to.equal(`custom/prefix/${ref}`);
      expect(createAwsSecretStore(config())).to.be.instanceOf(AwsSecretStore);
    });

    it('uses SECRETS_MANAGER_ENDPOINT and the region from the config', async () => {
      const c = createSecretsManagerClient(config({ SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:4566' }));
      expect(await c.config.region()).to.equal('eu-west-1');
      expect(await c.config.endpoint?.()).to.include({
        hostname: '127.0.0.1',
        port: 4566,
        protocol: 'http:',
      });
      expect(createSecretsManagerClient(config()).config.endpoint).to.equal(undefined);
    });
  });
});
