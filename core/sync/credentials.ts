// Provider credentials for the worker (spec §3b, credential cache): an in-process LRU of tokens
// (1,000 connections, 5 minutes) in front of the secret store, refresh shortly before expiry, and
// ONE refresh in flight per connection. Rotating refresh tokens die when used: two concurrent
// refreshes would make the provider refuse the second and, read naively, revoke a healthy
// connection. So refreshes are single-flight, and an invalid_grant is re-checked against the
// store (another process may have rotated the token first) before the connection is marked
// needs_reauth. So is a connection whose credentials are not in the store at all (none stored, or
// deleted, or unusable): only the user can fix that, so it stops being synced until they reconnect.
import { LRUCache } from 'lru-cache';
import { clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import type { CloudProvider } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import { appCredentials } from '../oauth/appCredentials.js';
import { OAuthGrantError, refreshAccessToken } from '../oauth/oauthClient.js';
import { providerEndpoints } from '../providers/endpoints.js';
import type { ProviderTokens } from '../secrets/providerTokens.js';
import { SecretCorruptedError, SecretNotFoundError, type SecretStore } from '../secrets/secretStore.js';
import type { ConnectionRecord, ConnectionRepository } from '../store/connectionRepository.js';
import { ProviderAuthError, ProviderUnavailableError } from '../providers/errors.js';
import type { AccessTokenSource } from '../providers/providerHttp.js';

export interface CredentialManagerOptions {
  config: Config;
  secrets: SecretStore;
  connections: ConnectionRepository;
  logger: Logger;
  /** Told when a connection changed state (needs_reauth), so cached copies are dropped. */
  onConnectionChanged?: (userId: string) => Promise<void>;
  now?: () => number;
}

export class CredentialManager {
  private readonly cache: LRUCache<string, ProviderTokens>;
  private readonly refreshing = new Map<string, Promise<ProviderTokens>>();
  private readonly loading = new Map<string, Promise<ProviderTokens>>();
  private readonly now: () => number;
  /** For tests and benchmarks: secret-store reads and refresh grants made. */
  readonly stats = { storeReads: 0, refreshes: 0, reuseRecovered: 0 };

  constructor(private readonly o: CredentialManagerOptions) {
    this.cache = new LRUCache({
      max: Math.max(o.config.CREDENTIAL_CACHE_MAX, 1),
      ttl: Math.max(o.config.CREDENTIAL_CACHE_TTL_MS, 1),
    });
    this.now = o.now ?? clock.now;
  }

  /** The token source a ProviderHttp uses for this connection. */
  tokenSource(connection: ConnectionRecord): AccessTokenSource {
    return {
      accessToken: async (options) => {
        let tokens = await this.load(connection);
        const stale = tokens.expiresWithin(this.o.config.TOKEN_REFRESH_SKEW_SECONDS * 1000, this.now());
        // Only refresh for a rejection of the token we hold: if another call already refreshed, use that.
        const rejected = options?.forceRefresh && options.rejected === tokens.revealAccessToken();
        if (stale || rejected) tokens = await this.refresh(connection, tokens);
        return tokens.revealAccessToken();
      },
      retired: (why) => this.needsReauth(connection, `the API answered ${why}`),
    };
  }

  private key(connection: ConnectionRecord): string {
    return connection.connectionId;
  }

  private load(connection: ConnectionRecord): Promise<ProviderTokens> {
    const key = this.key(connection);
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    let load = this.loading.get(key);
    if (!load) {
      load = this.readStored(connection).finally(() => this.loading.delete(key));
      this.loading.set(key, load);
    }
    return load;
  }

  /** The stored tokens; credentials that are missing or unusable for good need the user. */
  private async readStored(connection: ConnectionRecord): Promise<ProviderTokens> {
    const ref = connection.credentialRef;
    if (!ref) return this.revoke(connection, 'no credentials stored');
    this.stats.storeReads += 1;
    let tokens: ProviderTokens;
    try {
      tokens = await this.o.secrets.get(ref);
    } catch (error) {
      if (error instanceof SecretNotFoundError || error instanceof SecretCorruptedError)
        return this.revoke(connection, error.message);
      throw error;
    }
    // A refresh that finished meanwhile is newer than what the store returned before it.
    const newer = this.cache.get(this.key(connection));
    if (newer) return newer;
    this.cache.set(this.key(connection), tokens);
    return tokens;
  }

  private refresh(connection: ConnectionRecord, current: ProviderTokens): Promise<ProviderTokens> {
    const key = this.key(connection);
    const inFlight = this.refreshing.get(key);
    if (inFlight) return inFlight;
    // Someone refreshed after `current` was read: theirs is the live pair.
    const cached = this.cache.get(key);
    if (
      cached &&
      cached.revealAccessToken() !== current.revealAccessToken() &&
      !cached.expiresWithin(this.o.config.TOKEN_REFRESH_SKEW_SECONDS * 1000, this.now())
    )
      return Promise.resolve(cached);
    const flight = this.doRefresh(connection, current).finally(() => this.refreshing.delete(key));
    this.refreshing.set(key, flight);
    return flight;
  }

  private async doRefresh(connection: ConnectionRecord, current: ProviderTokens): Promise<ProviderTokens> {
    const provider = connection.provider as CloudProvider;
    const refreshToken = current.revealRefreshToken();
    if (!refreshToken) return this.revoke(connection, 'no refresh token stored');
    const credentials = appCredentials(this.o.config, provider);
    if (!credentials)
      throw new ProviderUnavailableError(provider, `${provider} is not configured`, {
        code: 'provider_not_configured',
      });
    const spec = providerEndpoints(provider, this.o.config.PROVIDER_SANDBOX_URL);
    this.stats.refreshes += 1;
    let fresh: ProviderTokens;
    try {
      fresh = await refreshAccessToken(provider, spec, credentials, refreshToken);
    } catch (error) {
      if (!(error instanceof OAuthGrantError))
        throw new ProviderUnavailableError(provider, `${provider} token refresh failed`, { cause: error });
      // Another process may have rotated the token a moment ago: trust the store before giving up.
      const stored = connection.credentialRef
        ? await this.o.secrets.get(connection.credentialRef)
        : undefined;
      if (stored && stored.revealRefreshToken() !== refreshToken) {
        this.stats.reuseRecovered += 1;
        this.cache.set(this.key(connection), stored);
        return stored;
      }
      return this.revoke(connection, `refresh refused (${error.oauthError})`);
    }
    const merged = current.withRefreshed({
      accessToken: fresh.revealAccessToken(),
      refreshToken: fresh.revealRefreshToken(),
      expiresAt: fresh.expiresAt,
      scope: fresh.scope || current.scope,
    });
    // Store first: the old refresh token is already dead at the provider.
    await this.o.secrets.put(connection.credentialRef!, merged);
    this.cache.set(this.key(connection), merged);
    this.o.logger.info({ connectionId: connection.connectionId, provider }, 'provider tokens refreshed');
    return merged;
  }

  private async revoke(connection: ConnectionRecord, why: string): Promise<never> {
    await this.needsReauth(connection, why);
    throw new ProviderAuthError(
      connection.provider as CloudProvider,
      `${connection.provider} credentials no longer valid: ${why}`,
    );
  }

  /** Marks the connection needs_reauth (only while it still holds these credentials). */
  private async needsReauth(connection: ConnectionRecord, why: string): Promise<void> {
    this.cache.delete(this.key(connection));
    // Only if the connection still points at the credentials that failed: a reconnect that stored
    // new ones meanwhile (this copy of the connection may be a cached one) is not undone.
    await this.o.connections.markNeedsReauth(
      connection.userId,
      connection.connectionId,
      new Date(this.now()).toISOString(),
      { credentialRef: connection.credentialRef },
    );
    await this.o
      .onConnectionChanged?.(connection.userId)
      .catch((error: unknown) => this.o.logger.warn({ err: error }, 'user config cache not invalidated'));
    this.o.logger.warn(
      { connectionId: connection.connectionId, provider: connection.provider, why },
      'connection needs re-authorization',
    );
  }

  /** Drops a connection's cached tokens (connection deleted or re-authorized). */
  forget(connectionId: string): void {
    this.cache.delete(connectionId);
  }
}
