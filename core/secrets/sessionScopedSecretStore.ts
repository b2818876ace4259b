// The worker's access to token secrets narrowed to one secret at a time (seed §2 "Dynamic IAM
// Policies for Least Privilege"; infra/terraform/iam.tf, `worker_secret_access = per_job_session`).
// For a secret ref, the worker assumes SECRET_ACCESS_ROLE_ARN with a session policy naming that
// secret alone, and reads or writes it with those credentials: a job's credentials open one user's
// tokens, and CloudTrail names the session (`sw-<ref prefix>`) that touched which secret.
//
// Sessions are reused per secret for SECRET_ACCESS_SESSION_REUSE_SECONDS (they last 15 minutes, the
// STS minimum) so a connection's next jobs cost no STS call; only a credential-cache miss reaches
// this store at all (core/sync/credentials.ts), so STS calls ≤ secret-store reads (bench:worker
// records those per job). Secrets are created by the API, never here.
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LRUCache } from 'lru-cache';
import { clock } from '../clock/clock.js';
import { AwsSecretStore, mapSecretsManagerError } from './awsSecretStore.js';
import type { ProviderTokens } from './providerTokens.js';
import { assertSecretRef, type SecretStore } from './secretStore.js';

/** STS's shortest session. */
const SESSION_SECONDS = 900;
/** Secrets Manager appends `-` and six random characters to a secret's name in its ARN. */
const ARN_SUFFIX = '-??????';

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface SessionScopedSecretStoreOptions {
  sts: STSClient;
  /** The role the worker's task role may assume (`syncwell-<env>-worker-token-access`). */
  roleArn: string;
  region: string;
  /** SECRET_NAME_PREFIX. */
  prefix: string;
  /** A Secrets Manager client signing with the session's credentials. */
  clientFor(credentials: SessionCredentials): SecretsManagerClient;
  /** How long a session is reused for its secret; below SESSION_SECONDS minus a margin. */
  reuseMs: number;
  /** Sessions kept at once (one per recently used secret). */
  maxSessions: number;
  now?: () => number;
}

/** The session policy: Get/Put/Delete on the one secret. */
export function oneSecretPolicy(secretArnPattern: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: [
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:DeleteSecret',
        ],
        Resource: secretArnPattern,
      },
    ],
  });
}

export class SessionScopedSecretStore implements SecretStore {
  readonly #o: SessionScopedSecretStoreOptions;
  readonly #sessions: LRUCache<string, Promise<AwsSecretStore>>;
  readonly #arnBase: string;
  /** For tests and benchmarks: AssumeRole calls made. */
  readonly stats = { sessions: 0 };

  constructor(o: SessionScopedSecretStoreOptions) {
    this.#o = o;
    const now = o.now ?? clock.now;
    this.#sessions = new LRUCache({
      max: Math.max(1, o.maxSessions),
      ttl: Math.min(o.reuseMs, (SESSION_SECONDS - 60) * 1000),
      perf: { now },
      // Read the clock at every lookup (the default caches it for a moment).
      ttlResolution: 0,
    });
    // arn:<partition>:iam::<account>:role/<name> → arn:<partition>:secretsmanager:<region>:<account>:secret:
    const [, partition, , , account] = o.roleArn.split(':');
    if (!partition || !account) throw new RangeError(`not a role ARN: ${o.roleArn}`);
    this.#arnBase = `arn:${partition}:secretsmanager:${o.region}:${account}:secret:`;
  }

  create(): Promise<string> {
    return Promise.reject(new Error('the worker never creates token secrets (the API does, at OAuth)'));
  }

  async get(ref: string): Promise<ProviderTokens> {
    return (await this.storeFor(ref)).get(ref);
  }

  async put(ref: string, tokens: ProviderTokens): Promise<void> {
    await (await this.storeFor(ref)).put(ref, tokens);
  }

  async delete(ref: string): Promise<void> {
    await (await this.storeFor(ref)).delete(ref);
  }

  private storeFor(ref: string): Promise<AwsSecretStore> {
    assertSecretRef(ref);
    let store = this.#sessions.get(ref);
    if (!store) {
      store = this.assume(ref);
      // A failed AssumeRole is not cached: the next job asks again.
      store.catch(() => this.#sessions.delete(ref));
      this.#sessions.set(ref, store);
    }
    return store;
  }

  private async assume(ref: string): Promise<AwsSecretStore> {
    this.stats.sessions += 1;
    const arnPattern = `${this.#arnBase}${this.#o.prefix}${ref}${ARN_SUFFIX}`;
    let credentials: SessionCredentials;
    try {
      const out = await this.#o.sts.send(
        new AssumeRoleCommand({
          RoleArn: this.#o.roleArn,
          RoleSessionName: `sw-${ref.slice(0, 8)}`,
          DurationSeconds: SESSION_SECONDS,
          Policy: oneSecretPolicy(arnPattern),
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
        throw new Error('AssumeRole returned no credentials');
      credentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
      };
    } catch (error) {
      throw mapSecretsManagerError(error, 'AssumeRole', ref);
    }
    return new AwsSecretStore({ client: this.#o.clientFor(credentials), prefix: this.#o.prefix });
  }
}
