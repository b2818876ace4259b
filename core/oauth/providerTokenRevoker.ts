// The TokenRevoker port against each provider's own revocation call, as its profile states it
// (`oauth.revocation`, core/providers/<provider>/profile.ts):
// - RFC 7009 (Fitbit with Basic client authentication, Google without): `POST token=`, the refresh
//   token when there is one, since it ends the whole grant and does not expire like the access token;
// - a call that needs a live access token (Strava's deauthorize, Garmin's user deregistration): an
//   expired access token is refreshed first, and a refused one once more; the new pair goes to
//   `hooks.onTokensRefreshed` before anything else can fail (rotating refresh tokens die on use).
// Success, or a provider that no longer knows the token or grant, is `revoked`; 429, 5xx, network
// failures and timeouts are `unavailable` (with Retry-After when given). Tokens are never logged.
import type { Config } from '../config/config.js';
import type { CloudProvider } from '../domain/types.js';
import type { Logger } from '../logging/logger.js';
import type { RevocationProfile } from '../providers/profile.js';
import { providerEndpoints, type ProviderEndpointSpec } from '../providers/endpoints.js';
import { retryAfterSeconds } from '../providers/providerHttp.js';
import { ProviderTokens } from '../secrets/providerTokens.js';
import { clock } from '../clock/clock.js';
import { appCredentials, type AppCredentials } from './appCredentials.js';
import { OAuthGrantError, refreshAccessToken } from './oauthClient.js';
import type { RevocationHooks, RevocationResult, TokenRevoker } from './tokenRevoker.js';

export interface ProviderTokenRevokerOptions {
  config: Config;
  logger: Logger;
  /** Per provider call, the refresh grant included. */
  timeoutMs?: number;
  now?: () => number;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The OAuth error code in Google's (`error`) and Fitbit's (`errors[].errorType`) bodies. */
function errorCodeOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { error?: unknown; errors?: unknown };
  if (typeof b.error === 'string') return b.error;
  const first = Array.isArray(b.errors) ? (b.errors[0] as { errorType?: unknown } | undefined) : undefined;
  return typeof first?.errorType === 'string' ? first.errorType : undefined;
}

/** RFC 7009 answers for a token the server does not know (any more): nothing is left to revoke. */
const ALREADY_INVALID = new Set(['invalid_token', 'invalid_grant']);

const unavailable = (reason: string, retryAfter?: number): RevocationResult =>
  retryAfter === undefined
    ? { outcome: 'unavailable', reason }
    : { outcome: 'unavailable', reason, retryAfterSeconds: retryAfter };

const basicAuth = (c: AppCredentials) =>
  `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;

export class ProviderTokenRevoker implements TokenRevoker {
  /** Provider calls made (revocations and refresh grants), for tests. */
  readonly stats = { calls: 0, refreshes: 0 };
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly o: ProviderTokenRevokerOptions) {
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.now = o.now ?? clock.now;
  }

  async revoke(
    provider: CloudProvider,
    tokens: ProviderTokens,
    signal?: AbortSignal,
    hooks: RevocationHooks = {},
  ): Promise<RevocationResult> {
    const spec = providerEndpoints(provider, this.o.config.PROVIDER_SANDBOX_URL);
    const revocation = spec.revocation;
    const result =
      revocation.kind === 'rfc7009'
        ? await this.rfc7009(provider, revocation, tokens, signal)
        : await this.withAccessToken(provider, spec, revocation, tokens, signal, hooks);
    if (result.outcome === 'revoked') this.o.logger.info({ provider }, 'grant revoked at the provider');
    else
      this.o.logger.warn(
        { provider, reason: result.reason, retryAfterSeconds: result.retryAfterSeconds },
        'provider revocation unavailable',
      );
    return result;
  }

  private async rfc7009(
    provider: CloudProvider,
    revocation: Extract<RevocationProfile, { kind: 'rfc7009' }>,
    tokens: ProviderTokens,
    signal: AbortSignal | undefined,
  ): Promise<RevocationResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (revocation.clientAuth === 'basic') {
      const credentials = appCredentials(this.o.config, provider);
      if (!credentials) return unavailable(`${provider} is not configured`);
      headers.authorization = basicAuth(credentials);
    }
    const token = tokens.revealRefreshToken() ?? tokens.revealAccessToken();
    const answer = await this.call(
      provider,
      revocation.url,
      { method: 'POST', headers, body: new URLSearchParams({ token }).toString() },
      signal,
    );
    if ('outcome' in answer) return answer;
    if (answer.status >= 200 && answer.status < 300) return { outcome: 'revoked' };
    const code = errorCodeOf(answer.body);
    if (answer.status === 400 && code !== undefined && ALREADY_INVALID.has(code))
      return { outcome: 'revoked' };
    return this.failed(provider, answer, code);
  }

  private async withAccessToken(
    provider: CloudProvider,
    spec: ProviderEndpointSpec,
    revocation: Extract<RevocationProfile, { kind: 'access_token' }>,
    tokens: ProviderTokens,
    signal: AbortSignal | undefined,
    hooks: RevocationHooks,
  ): Promise<RevocationResult> {
    let current = tokens;
    let refreshed = false;
    const refresh = async (): Promise<RevocationResult | undefined> => {
      const fresh = await this.refresh(provider, spec, current, hooks);
      if (!(fresh instanceof ProviderTokens)) return fresh;
      current = fresh;
      refreshed = true;
      return undefined;
    };
    const skewMs = this.o.config.TOKEN_REFRESH_SKEW_SECONDS * 1000;
    if (current.hasRefreshToken && current.expiresWithin(skewMs, this.now())) {
      const failed = await refresh();
      if (failed) return failed;
    }
    let answer = await this.sendAccessToken(provider, revocation, current, signal);
    if ('outcome' in answer) return answer;
    if (answer.status === 401 && !refreshed && current.hasRefreshToken) {
      // Expired or rotated behind our back: one refresh tells which (a dead grant refuses it).
      const failed = await refresh();
      if (failed) return failed;
      answer = await this.sendAccessToken(provider, revocation, current, signal);
      if ('outcome' in answer) return answer;
    }
    if (answer.status >= 200 && answer.status < 300) return { outcome: 'revoked' };
    if (answer.status === 401 && !refreshed && !current.hasRefreshToken) {
      // The provider refuses the only token we hold and nothing can renew it: no call of ours can
      // use or revoke this grant any more.
      this.o.logger.warn(
        { provider },
        'access token refused and no refresh token held: nothing left to revoke',
      );
      return { outcome: 'revoked' };
    }
    return this.failed(provider, answer, errorCodeOf(answer.body));
  }

  private sendAccessToken(
    provider: CloudProvider,
    revocation: Extract<RevocationProfile, { kind: 'access_token' }>,
    tokens: ProviderTokens,
    signal: AbortSignal | undefined,
  ): Promise<Answer | RevocationResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (revocation.send === 'bearer') headers.authorization = `Bearer ${tokens.revealAccessToken()}`;
    else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams({ access_token: tokens.revealAccessToken() }).toString();
    }
    return this.call(provider, revocation.url, { method: revocation.method, headers, body }, signal);
  }

  /**
   * A refresh grant. New tokens, or the result to end with: `revoked` when the provider refuses the
   * refresh token (the grant is dead), `unavailable` when it cannot be asked.
   */
  private async refresh(
    provider: CloudProvider,
    spec: ProviderEndpointSpec,
    current: ProviderTokens,
    hooks: RevocationHooks,
    reloaded = false,
  ): Promise<ProviderTokens | RevocationResult> {
    const refreshToken = current.revealRefreshToken();
    if (!refreshToken) return unavailable(`${provider} access token expired and no refresh token is held`);
    const credentials = appCredentials(this.o.config, provider);
    if (!credentials) return unavailable(`${provider} is not configured`);
    let fresh: ProviderTokens;
    try {
      this.stats.calls += 1;
      this.stats.refreshes += 1;
      fresh = await refreshAccessToken(provider, spec, credentials, refreshToken, {
        timeoutMs: this.timeoutMs,
        now: this.now,
      });
    } catch (error) {
      if (!(error instanceof OAuthGrantError)) return unavailable(`${provider} token refresh failed`);
      if (error.oauthError === 'invalid_client')
        return unavailable(`${provider} refused the app's credentials`);
      // Another process may have rotated the refresh token a moment ago: the stored pair is then the live one.
      const stored = reloaded ? undefined : await hooks.reloadTokens?.().catch(() => undefined);
      const storedRefresh = stored?.revealRefreshToken();
      if (stored && storedRefresh && storedRefresh !== refreshToken) {
        const skewMs = this.o.config.TOKEN_REFRESH_SKEW_SECONDS * 1000;
        return stored.expiresWithin(skewMs, this.now())
          ? this.refresh(provider, spec, stored, hooks, true)
          : stored;
      }
      return { outcome: 'revoked' };
    }
    const merged = current.withRefreshed({
      accessToken: fresh.revealAccessToken(),
      refreshToken: fresh.revealRefreshToken(),
      expiresAt: fresh.expiresAt,
      scope: fresh.scope || current.scope,
    });
    // Stored before the revocation call: if that fails, the retry must find the live refresh token.
    await hooks
      .onTokensRefreshed?.(merged)
      .catch((error: unknown) =>
        this.o.logger.warn(
          { err: error, provider },
          'refreshed tokens not stored; revoking with them anyway',
        ),
      );
    return merged;
  }

  private async call(
    provider: CloudProvider,
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string | undefined },
    signal: AbortSignal | undefined,
  ): Promise<Answer | RevocationResult> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    this.stats.calls += 1;
    let res: Response;
    try {
      res = await fetch(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const why = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      return unavailable(`${provider} revocation endpoint ${why}`);
    }
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, body };
  }

  /** Anything but success: worth another try later (a 4xx here is a refusal we cannot explain). */
  private failed(provider: CloudProvider, answer: Answer, code: string | undefined): RevocationResult {
    const what = `${provider} revocation endpoint answered ${answer.status}${code ? ` (${code})` : ''}`;
    if (answer.status === 429 || answer.status >= 500)
      return unavailable(what, retryAfterSeconds(answer.headers));
    return unavailable(what);
  }
}

/** The revoker a process uses: every provider's real endpoint, or the sandbox's under PROVIDER_SANDBOX_URL. */
export function createTokenRevoker(config: Config, logger: Logger): ProviderTokenRevoker {
  return new ProviderTokenRevoker({ config, logger, timeoutMs: config.PROVIDER_REVOCATION_TIMEOUT_MS });
}
