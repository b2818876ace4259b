// OAuth 2.0 authorization-code flow as the providers run it: a consent page that redirects with
// `code` and `state`, a token endpoint for `authorization_code` and `refresh_token` grants (client
// authentication in the body or HTTP Basic, PKCE S256), access tokens that expire, and ROTATING
// single-use refresh tokens: presenting a refresh token that was already used answers
// `invalid_grant` (Fitbit's documented behaviour), which is what makes concurrent refreshes
// dangerous for a careless client. Grants can be given back (revocation.ts, Garmin's deregistration,
// or the person at the provider); every token of a revoked grant is refused from then on.
import { createHash, randomBytes } from 'node:crypto';
import type { CloudProvider } from '../../../core/domain/types.js';

export interface OAuthTokenShape {
  /** Paths below the provider root. */
  authorizePath: string;
  tokenPath: string;
  clientAuth: 'body' | 'basic';
  /** Require a PKCE code_verifier when the authorize request carried a challenge. */
  pkce: boolean;
  /**
   * Refresh tokens rotate and die on use (Strava, Fitbit, Garmin: the default). `false` keeps the
   * refresh token valid across refreshes (Google, which sends none back on a refresh).
   */
  rotateRefreshTokens?: boolean;
  /** Provider-specific token JSON (Strava adds `expires_at` and `athlete`, Fitbit `user_id`, ...). */
  tokenJson(grant: IssuedGrant, kind: 'authorization_code' | 'refresh_token'): Record<string, unknown>;
  /** Provider-specific error JSON for the token endpoint. */
  errorJson?(error: string, description: string): Record<string, unknown>;
  /**
   * The revocation endpoint below the root, when it is an OAuth endpoint (revocation.ts). Garmin's
   * is an API call (DELETE of the user registration, garmin.ts) and has none here.
   */
  revocation?: RevocationShape;
}

/**
 * `rfc7009`: `POST token=` (access or refresh token), client authentication as stated; a token the
 * server does not know or that no longer works answers 200 (RFC 7009 §2.2, Fitbit) or 400
 * `invalid_token` (Google). `access_token`: Strava's deauthorize, `access_token` in the form, the
 * query or the bearer; an invalid or expired one answers 401. `ends`: what a revocation ends, every
 * grant of the user for this app (Strava, Fitbit) or the presented token's grant (Google).
 */
export type RevocationShape = { path: string; ends: 'user' | 'grant' } & (
  | { style: 'rfc7009'; clientAuth: 'basic' | 'none'; unknownToken: 'ok' | 'invalid_token' }
  | { style: 'access_token' }
);

/** A grant given back: by SyncWell's revocation call (`client`) or by the person at the provider (`user`). */
export interface RevocationRecord {
  grantId: string;
  sandboxUserId: string;
  via: 'client' | 'user';
  /** Epoch seconds. */
  at: number;
}

/** What the sandbox knows of a presented token. */
export interface TokenDescription {
  kind: 'access' | 'refresh';
  sandboxUserId: string;
  grantId: string;
  /** `used`: a rotated refresh token already spent. */
  state: 'live' | 'expired' | 'used' | 'revoked';
}

export interface IssuedGrant {
  sandboxUserId: string;
  providerUserId: string;
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  /** Epoch seconds. */
  expiresAt: number;
  scope: string;
}

interface PendingCode {
  sandboxUserId: string;
  redirectUri: string;
  scope: string;
  challenge?: string;
  expiresAt: number;
  used: boolean;
}

interface AccessRecord {
  sandboxUserId: string;
  grantId: string;
  expiresAt: number;
}

interface RefreshRecord {
  sandboxUserId: string;
  grantId: string;
  used: boolean;
}

export type TokenCheck = { ok: true; sandboxUserId: string } | { ok: false; reason: 'expired' | 'invalid' };

export type TokenResult =
  { ok: true; grant: IssuedGrant } | { ok: false; status: number; error: string; description: string };

const token = (prefix: string) => `${prefix}_${randomBytes(18).toString('base64url')}`;

export class OAuthServer {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Access-token lifetime; Strava uses 6 h, Fitbit 8 h. Tests shorten it. */
  accessTokenTtlSeconds = 6 * 60 * 60;
  /** Counters for assertions: refresh grants served, reuses refused, revocation calls that revoked. */
  readonly stats = { codeExchanges: 0, refreshes: 0, refreshReuseRefused: 0, revocations: 0 };
  /** Every grant given back, in order. */
  readonly revocations: RevocationRecord[] = [];

  private readonly codes = new Map<string, PendingCode>();
  private readonly access = new Map<string, AccessRecord>();
  private readonly refresh = new Map<string, RefreshRecord>();
  private readonly revokedGrants = new Set<string>();
  private readonly grantsByUser = new Map<string, Set<string>>();

  constructor(
    readonly provider: CloudProvider,
    private readonly providerUserIdOf: (sandboxUserId: string) => string | undefined,
    private readonly now: () => Date,
  ) {
    this.clientId = `sandbox-${provider}-client`;
    this.clientSecret = `sandbox-${provider}-secret`;
  }

  private nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  /** The consent step: returns the code to redirect with, or an OAuth error. */
  authorize(params: {
    clientId: string | null;
    redirectUri: string | null;
    responseType: string | null;
    scope: string | null;
    sandboxUserId: string;
    codeChallenge: string | null;
    codeChallengeMethod: string | null;
    /** Test knob: issue this code instead of a random one (contract tests replay fixed examples). */
    presetCode?: string;
  }): { ok: true; code: string } | { ok: false; error: string; description: string } {
    if (params.clientId !== this.clientId)
      return { ok: false, error: 'invalid_client', description: 'unknown client_id' };
    if (params.responseType !== 'code')
      return { ok: false, error: 'unsupported_response_type', description: 'response_type must be code' };
    if (!params.redirectUri)
      return { ok: false, error: 'invalid_request', description: 'redirect_uri is required' };
    if (params.codeChallenge && params.codeChallengeMethod !== 'S256')
      return { ok: false, error: 'invalid_request', description: 'code_challenge_method must be S256' };
    const code = params.presetCode ?? token('code');
    this.codes.set(code, {
      sandboxUserId: params.sandboxUserId,
      redirectUri: params.redirectUri,
      scope: params.scope ?? '',
      ...(params.codeChallenge ? { challenge: params.codeChallenge } : {}),
      expiresAt: this.nowSeconds() + 600,
      used: false,
    });
    return { ok: true, code };
  }

  /** The token endpoint. `form` is the urlencoded body, `basic` the decoded Basic credentials if sent. */
  exchange(
    form: URLSearchParams,
    basic: { id: string; secret: string } | undefined,
    clientAuth: 'body' | 'basic',
    rotateRefreshTokens = true,
  ): TokenResult {
    if (!this.checkClient(form, basic, clientAuth))
      return { ok: false, status: 401, error: 'invalid_client', description: 'client authentication failed' };
    const grantType = form.get('grant_type');
    if (grantType === 'authorization_code') return this.exchangeCode(form);
    if (grantType === 'refresh_token') return this.exchangeRefresh(form, rotateRefreshTokens);
    return {
      ok: false,
      status: 400,
      error: 'unsupported_grant_type',
      description: `grant_type ${grantType ?? '(none)'}`,
    };
  }

  private exchangeCode(form: URLSearchParams): TokenResult {
    const code = form.get('code') ?? '';
    const pending = this.codes.get(code);
    if (!pending || pending.used || pending.expiresAt < this.nowSeconds())
      return {
        ok: false,
        status: 400,
        error: 'invalid_grant',
        description: 'authorization code invalid, used or expired',
      };
    if (form.get('redirect_uri') !== null && form.get('redirect_uri') !== pending.redirectUri)
      return { ok: false, status: 400, error: 'invalid_grant', description: 'redirect_uri does not match' };
    if (pending.challenge) {
      const verifier = form.get('code_verifier') ?? '';
      const computed = createHash('sha256').update(verifier).digest('base64url');
      if (computed !== pending.challenge)
        return { ok: false, status: 400, error: 'invalid_grant', description: 'PKCE verification failed' };
    }
    pending.used = true;
    this.stats.codeExchanges += 1;
    return { ok: true, grant: this.issue(pending.sandboxUserId, token('grant'), pending.scope) };
  }

  private exchangeRefresh(form: URLSearchParams, rotate: boolean): TokenResult {
    const presented = form.get('refresh_token') ?? '';
    const record = this.refresh.get(presented);
    if (!record || this.revokedGrants.has(record.grantId))
      return {
        ok: false,
        status: 400,
        error: 'invalid_grant',
        description: 'refresh token invalid or revoked',
      };
    if (record.used) {
      this.stats.refreshReuseRefused += 1;
      return { ok: false, status: 400, error: 'invalid_grant', description: 'refresh token already used' };
    }
    this.stats.refreshes += 1;
    if (!rotate) return { ok: true, grant: this.issue(record.sandboxUserId, record.grantId, '', presented) };
    record.used = true;
    return { ok: true, grant: this.issue(record.sandboxUserId, record.grantId, '') };
  }

  private issue(
    sandboxUserId: string,
    grantId: string,
    scope: string,
    keepRefreshToken?: string,
  ): IssuedGrant {
    const accessToken = token('at');
    const refreshToken = keepRefreshToken ?? token('rt');
    const expiresAt = this.nowSeconds() + this.accessTokenTtlSeconds;
    this.access.set(accessToken, { sandboxUserId, grantId, expiresAt });
    this.refresh.set(refreshToken, { sandboxUserId, grantId, used: false });
    let grants = this.grantsByUser.get(sandboxUserId);
    if (!grants) this.grantsByUser.set(sandboxUserId, (grants = new Set()));
    grants.add(grantId);
    return {
      sandboxUserId,
      providerUserId: this.providerUserIdOf(sandboxUserId) ?? sandboxUserId,
      accessToken,
      refreshToken,
      expiresInSeconds: this.accessTokenTtlSeconds,
      expiresAt,
      scope,
    };
  }

  /** Checks a bearer token presented to the API. */
  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const record = match ? this.access.get(match[1]!) : undefined;
    if (!record || this.revokedGrants.has(record.grantId)) return { ok: false, reason: 'invalid' };
    if (record.expiresAt <= this.nowSeconds()) return { ok: false, reason: 'expired' };
    return { ok: true, sandboxUserId: record.sandboxUserId };
  }

  /** Test knob: every access token of the user expires now (refresh tokens stay valid). */
  expireAccessTokens(sandboxUserId: string): void {
    for (const record of this.access.values())
      if (record.sandboxUserId === sandboxUserId) record.expiresAt = this.nowSeconds() - 1;
  }

  /** Test knob: the user revoked the app (every token of every grant stops working). */
  revokeUser(sandboxUserId: string): void {
    this.revokeAllOf(sandboxUserId, 'user');
  }

  /** Client authentication as the token endpoint checks it (Basic or form fields). */
  checkClient(
    form: URLSearchParams,
    basic: { id: string; secret: string } | undefined,
    clientAuth: 'body' | 'basic',
  ): boolean {
    const id = clientAuth === 'basic' ? basic?.id : (form.get('client_id') ?? basic?.id);
    const secret = clientAuth === 'basic' ? basic?.secret : (form.get('client_secret') ?? basic?.secret);
    return id === this.clientId && secret === this.clientSecret;
  }

  describe(presented: string): TokenDescription | undefined {
    const access = this.access.get(presented);
    if (access) {
      const state = this.revokedGrants.has(access.grantId)
        ? 'revoked'
        : access.expiresAt <= this.nowSeconds()
          ? 'expired'
          : 'live';
      return { kind: 'access', sandboxUserId: access.sandboxUserId, grantId: access.grantId, state };
    }
    const refresh = this.refresh.get(presented);
    if (!refresh) return undefined;
    const state = this.revokedGrants.has(refresh.grantId) ? 'revoked' : refresh.used ? 'used' : 'live';
    return { kind: 'refresh', sandboxUserId: refresh.sandboxUserId, grantId: refresh.grantId, state };
  }

  /** Ends one grant: its access and refresh tokens stop working. */
  revokeGrant(sandboxUserId: string, grantId: string, via: RevocationRecord['via']): void {
    if (this.revokedGrants.has(grantId)) return;
    this.revokedGrants.add(grantId);
    this.revocations.push({ grantId, sandboxUserId, via, at: this.nowSeconds() });
    if (via === 'client') this.stats.revocations += 1;
  }

  /** Ends every grant the user gave this app so far (a later consent makes a new, working one). */
  revokeAllOf(sandboxUserId: string, via: RevocationRecord['via']): void {
    for (const grantId of this.grantsByUser.get(sandboxUserId) ?? [])
      this.revokeGrant(sandboxUserId, grantId, via);
  }

  /** The user's grants: how many still work, how many were given back, and the revocations. */
  grants(sandboxUserId: string): { active: number; revoked: number; revocations: RevocationRecord[] } {
    const all = [...(this.grantsByUser.get(sandboxUserId) ?? [])];
    const revoked = all.filter((g) => this.revokedGrants.has(g)).length;
    return {
      active: all.length - revoked,
      revoked,
      revocations: this.revocations.filter((r) => r.sandboxUserId === sandboxUserId),
    };
  }

  reset(): void {
    this.codes.clear();
    this.access.clear();
    this.refresh.clear();
    this.revokedGrants.clear();
    this.grantsByUser.clear();
    this.revocations.length = 0;
    this.stats.codeExchanges = 0;
    this.stats.refreshes = 0;
    this.stats.refreshReuseRefused = 0;
    this.stats.revocations = 0;
  }
}

/** Decodes `Authorization: Basic base64(id:secret)`. */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
