// The credential manager against the real sandbox OAuth server (rotating, single-use refresh
// tokens), the real local secret store and the connection items in dynalite.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../logging/logger.js';
import { LocalSecretStore } from '../secrets/localSecretStore.js';
import { ProviderTokens } from '../secrets/providerTokens.js';
import { BatchWriter } from '../store/batchWriter.js';
import { ConnectionRepository, type ConnectionRecord } from '../store/connectionRepository.js';
import { createDocumentStore } from '../store/dynamoClient.js';
import { issueTokens } from '../../infra/local/sandbox/testTokens.js';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.js';
import { ProviderAuthError } from '../providers/errors.js';
import { CredentialManager } from './credentials.js';

const logger = createLogger({ level: 'silent', service: 'test' });

describe('CredentialManager', function () {
  this.timeout(30_000);
  let stack: LocalStack;
  let config: Config;
  let dir: string;
  let secrets: LocalSecretStore;
  let connections: ConnectionRepository;
  let db: ReturnType<typeof createDocumentStore>;

  before(async () => {
    stack = await startLocalStack();
    config = loadConfig({ ...stack.env, NODE_ENV: 'test' });
    dir = await mkdtemp(path.join(tmpdir(), 'creds-'));
    secrets = new LocalSecretStore({ dir, key: randomBytes(32) });
    db = createDocumentStore(config);
    connections = new ConnectionRepository(db, config.TABLE_NAME, new BatchWriter(db, config.TABLE_NAME, 0));
  });
  after(async () => {
    db.destroy();
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A connection whose stored access token is already expired (forcing a refresh on first use). */
  async function connection(
    provider: 'fitbit' | 'strava',
    expiresAt = Date.now() - 1000,
  ): Promise<{ conn: ConnectionRecord; sandboxUserId: string }> {
    const user = stack.sandbox.createUser({ persona: { empty: true } });
    const grant = issueTokens(stack.sandbox, provider, user.sandboxUserId);
    const ref = await secrets.create(
      new ProviderTokens({
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken,
        expiresAt,
        scope: grant.scope,
      }),
    );
    const now = new Date().toISOString();
    const conn = await connections.create({
      userId: `u-${randomUUID().slice(0, 8)}`,
      connectionId: `conn_${randomUUID()}`,
      provider,
      status: 'active',
      credentialRef: ref,
      providerUserId: grant.providerUserId,
      createdAt: now,
      updatedAt: now,
    });
    return { conn, sandboxUserId: user.sandboxUserId };
  }

  it('refreshes once for many concurrent callers, stores the rotated tokens and serves them from the cache', async () => {
    const { conn } = await connection('fitbit');
    const manager = new CredentialManager({ config, secrets, connections, logger });
    const before = { ...stack.sandbox.oauth.fitbit.stats };
    const source = manager.tokenSource(conn);
    const tokens = await Promise.all(Array.from({ length: 10 }, () => source.accessToken()));
    expect(new Set(tokens).size).to.equal(1);
    expect(stack.sandbox.oauth.fitbit.stats.refreshes - before.refreshes).to.equal(1);
    expect(stack.sandbox.oauth.fitbit.stats.refreshReuseRefused).to.equal(before.refreshReuseRefused);
    expect(stack.sandbox.oauth.fitbit.check(`Bearer ${tokens[0]}`).ok).to.equal(true);
    // The rotated pair is what the store now holds (another process would pick it up).
    expect((await secrets.get(conn.credentialRef!)).revealAccessToken()).to.equal(tokens[0]);
    expect(manager.stats.storeReads).to.equal(1);
    await source.accessToken();
    expect(manager.stats.storeReads).to.equal(1);
  });

  it('forces one refresh when the provider rejects a token that looked valid', async () => {
    const { conn, sandboxUserId } = await connection('strava', Date.now() + 3_600_000);
    const manager = new CredentialManager({ config, secrets, connections, logger });
    const source = manager.tokenSource(conn);
    const first = await source.accessToken();
    stack.sandbox.oauth.strava.expireAccessTokens(sandboxUserId);
    const second = await source.accessToken({ forceRefresh: true, rejected: first });
    expect(second).to.not.equal(first);
    // A second caller reporting the same old token gets the new one without another refresh.
    const refreshes = manager.stats.refreshes;
    expect(await source.accessToken({ forceRefresh: true, rejected: first })).to.equal(second);
    expect(manager.stats.refreshes).to.equal(refreshes);
  });

  it('survives another process rotating the refresh token first (invalid_grant re-checked against the store)', async () => {
    const { conn } = await connection('fitbit', Date.now() + 3_600_000);
    const processA = new CredentialManager({ config, secrets, connections, logger });
    const processB = new CredentialManager({ config, secrets, connections, logger });
    // Both hold the same pair when the provider starts rejecting the access token.
    const a = processA.tokenSource(conn);
    const b = processB.tokenSource(conn);
    const old = await a.accessToken();
    expect(await b.accessToken()).to.equal(old);
    const tokenA = await a.accessToken({ forceRefresh: true, rejected: old });
    // B's refresh presents the refresh token A already spent: refused, then B finds A's pair in the store.
    const refused = stack.sandbox.oauth.fitbit.stats.refreshReuseRefused;
    const tokenB = await b.accessToken({ forceRefresh: true, rejected: old });
    expect(stack.sandbox.oauth.fitbit.stats.refreshReuseRefused).to.equal(refused + 1);
    expect(processB.stats.reuseRecovered).to.equal(1);
    expect(tokenB).to.equal(tokenA);
    const stored = await connections.get(conn.userId, conn.connectionId);
    expect(stored?.status).to.equal('active');
  });

  it('marks the connection needs_reauth when the grant is really gone', async () => {
    const { conn, sandboxUserId } = await connection('fitbit');
    stack.sandbox.oauth.fitbit.revokeUser(sandboxUserId);
    const manager = new CredentialManager({ config, secrets, connections, logger });
    let error: unknown;
    try {
      await manager.tokenSource(conn).accessToken();
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(ProviderAuthError);
    const stored = await connections.get(conn.userId, conn.connectionId);
    expect(stored?.status).to.equal('needs_reauth');
    expect(stored?.reAuthStatus).to.equal('pending_user_action');
  });

  async function refusal(manager: CredentialManager, conn: ConnectionRecord): Promise<unknown> {
    try {
      await manager.tokenSource(conn).accessToken();
    } catch (e) {
      return e;
    }
    return undefined;
  }

  it('marks a connection that has no stored credentials needs_reauth (the seed’s fixtures), so nothing retries it', async () => {
    const now = new Date().toISOString();
    const conn = await connections.create({
      userId: `u-${randomUUID().slice(0, 8)}`,
      connectionId: `conn_${randomUUID()}`,
      provider: 'strava',
      status: 'active',
      credentialRef: null,
      createdAt: now,
      updatedAt: now,
    });
    const manager = new CredentialManager({ config, secrets, connections, logger });
    expect(await refusal(manager, conn)).to.be.instanceOf(ProviderAuthError);
    const stored = await connections.get(conn.userId, conn.connectionId);
    expect(stored?.status).to.equal('needs_reauth');
    expect(stored?.reAuthStatus).to.equal('pending_user_action');
  });

  it('marks a connection whose secret is gone from the store needs_reauth', async () => {
    const { conn } = await connection('strava', Date.now() + 3_600_000);
    await secrets.delete(conn.credentialRef!);
    const manager = new CredentialManager({ config, secrets, connections, logger });
    expect(await refusal(manager, conn)).to.be.instanceOf(ProviderAuthError);
    expect((await connections.get(conn.userId, conn.connectionId))?.status).to.equal('needs_reauth');
  });

  it('does not undo a reconnect: a stale copy pointing at the deleted old secret leaves the connection active', async () => {
    const { conn } = await connection('strava', Date.now() + 3_600_000);
    // The user reconnects: new tokens under a new ref, the old secret deleted (connectionOAuth.ts).
    const fresh = await secrets.create(
      new ProviderTokens({
        accessToken: 'a',
        refreshToken: 'r',
        expiresAt: Date.now() + 3_600_000,
        scope: '',
      }),
    );
    await connections.activate(conn.userId, conn.connectionId, {
      credentialRef: fresh,
      now: new Date().toISOString(),
    });
    await secrets.delete(conn.credentialRef!);
    // A worker still holding the connection as it was before (its cached user config).
    const manager = new CredentialManager({ config, secrets, connections, logger });
    expect(await refusal(manager, conn)).to.be.instanceOf(ProviderAuthError);
    const stored = await connections.get(conn.userId, conn.connectionId);
    expect(stored?.status).to.equal('active');
    expect(stored?.credentialRef).to.equal(fresh);
  });
});
