// The worker's one-secret sessions, against mocked STS and Secrets Manager clients (no emulator of
// either exists here): what the session policy names, which credentials sign the secret calls, and
// how long a session is reused.
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ProviderTokens } from './providerTokens.js';
import { InvalidSecretRefError, SecureStorageUnavailableError } from './secretStore.js';
import { SessionScopedSecretStore, type SessionCredentials } from './sessionScopedSecretStore.js';

const ROLE = 'arn:aws:iam::123456789012:role/syncwell-prod-worker-token-access';
const PREFIX = 'syncwell/provider-tokens/';
const tokens = new ProviderTokens({
  accessToken: 'a',
  refreshToken: 'r',
  expiresAt: Date.parse('2026-03-01T12:00:00Z'),
  scope: 'activity',
});

describe('SessionScopedSecretStore (one secret per STS session)', () => {
  // Mocked for this suite only (mockClient patches every client of the class): other suites mock
  // Secrets Manager too.
  let sts: AwsClientStub<STSClient>;
  let sm: AwsClientStub<SecretsManagerClient>;
  before(() => {
    sts = mockClient(STSClient);
    sm = mockClient(SecretsManagerClient);
  });
  after(() => {
    sts.restore();
    sm.restore();
  });
  let now: number;
  let signedWith: SessionCredentials[];
  let keyCounter: number;
  const store = () =>
    new SessionScopedSecretStore({
      sts: new STSClient({ region: 'eu-west-1' }),
      roleArn: ROLE,
      region: 'eu-west-1',
      prefix: PREFIX,
      clientFor: (credentials) => {
        signedWith.push(credentials);
        return new SecretsManagerClient({ region: 'eu-west-1', credentials });
      },
      reuseMs: 600_000,
      maxSessions: 100,
      now: () => now,
    });

  let throttleNext = false;
  const issue = () => {
    if (throttleNext) {
      throttleNext = false;
      throw Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      });
    }
    keyCounter += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA${keyCounter}`,
        SecretAccessKey: 'secret',
        SessionToken: `token-${keyCounter}`,
        Expiration: new Date(now + 900_000),
      },
    };
  };

  beforeEach(() => {
    sts.reset();
    sm.reset();
    now = 1_000_000;
    signedWith = [];
    keyCounter = 0;
    throttleNext = false;
    sts.on(AssumeRoleCommand).callsFake(issue);
    sm.on(GetSecretValueCommand).resolves({ SecretString: tokens.sealForStorage() });
    sm.on(PutSecretValueCommand).resolves({});
  });

  it('assumes the role with a policy naming that one secret, and signs the read with the session', async () => {
    const ref = randomUUID();
    const read = await store().get(ref);
    expect(read.revealAccessToken()).to.equal('a');
    const [assume] = sts.commandCalls(AssumeRoleCommand);
    const input = assume!.args[0].input;
    expect(input).to.include({
      RoleArn: ROLE,
      DurationSeconds: 900,
      RoleSessionName: `sw-${ref.slice(0, 8)}`,
    });
    expect(JSON.parse(input.Policy!)).to.deep.equal({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'secretsmanager:GetSecretValue',
            'secretsmanager:PutSecretValue',
            'secretsmanager:DeleteSecret',
          ],
          Resource: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${PREFIX}${ref}-??????`,
        },
      ],
    });
    expect(signedWith).to.deep.equal([
      { accessKeyId: 'ASIA1', secretAccessKey: 'secret', sessionToken: 'token-1' },
    ]);
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).to.deep.equal({
      SecretId: `${PREFIX}${ref}`,
    });
  });

  it('reuses a secret’s session for its next jobs, never for another secret, and not past the reuse time', async () => {
    const s = store();
    const [a, b] = [randomUUID(), randomUUID()];
    await s.get(a);
    await s.put(a, tokens);
    await s.get(a);
    expect(s.stats.sessions).to.equal(1);
    await s.get(b);
    expect(s.stats.sessions).to.equal(2);
    now += 600_001;
    await s.get(a);
    expect(s.stats.sessions).to.equal(3);
    expect(
      sts
        .commandCalls(AssumeRoleCommand)
        .map((c) => JSON.parse(c.args[0].input.Policy!).Statement[0].Resource),
    ).to.deep.equal(
      [a, b, a].map((ref) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${PREFIX}${ref}-??????`),
    );
  });

  it('maps a throttled STS to "storage unavailable" (retried later) and does not keep the failure', async () => {
    throttleNext = true;
    const s = store();
    const ref = randomUUID();
    const error = await s.get(ref).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(SecureStorageUnavailableError);
    expect((await s.get(ref)).revealAccessToken()).to.equal('a');
    expect(s.stats.sessions).to.equal(2);
  });

  it('refuses what is not a secret ref before calling anything, and never creates secrets', async () => {
    const s = store();
    expect(await s.get('../other-prefix/x').catch((e: unknown) => e)).to.be.instanceOf(InvalidSecretRefError);
    expect(await s.create().catch((e: unknown) => e)).to.be.instanceOf(Error);
    expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
  });
});
