// The client side of OAuth 2.0 against a provider's token endpoint: the authorization URL (with
// PKCE S256 where the provider takes it), the code exchange and the refresh grant. Token JSON from
// all four providers follows RFC 6749 §5.1; the few extras (Strava's `athlete.id` and
// `expires_at`, Fitbit's `user_id`) are read here. Tokens leave this module only inside a
// ProviderTokens (redacted everywhere).
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CloudProvider } from '../domain/types.js';
import type { ProviderEndpointSpec } from '../providers/endpoints.js';
import { cloudProfile } from '../providers/profiles.js';
import { ProviderTokens } from '../secrets/providerTokens.js';
import type { AppCredentials } from './appCredentials.js';
import { clock } from '../clock/clock.js';

/** The provider refused the grant (invalid_grant, invalid_client, ...): retrying will not help. */
export class OAuthGrantError extends Error {
  override readonly name = 'OAuthGrantError';
  constructor(
    readonly provider: CloudProvider,
    readonly oauthError: string,
    message: string,
  ) {
    super(message);
  }
}

/** The token endpoint could not be reached or failed (5xx, timeout, garbage): retry later. */
export class OAuthUnavailableError extends Error {
  override readonly name = 'OAuthUnavailableError';
  constructor(
    readonly provider: CloudProvider,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().optional(),
  expires_at: z.coerce.number().optional(),
  scope: z.string().optional(),
  user_id: z.union([z.string(), z.number()]).optional(),
  athlete: z
    .object({ id: z.union([z.string(), z.number()]) })
    .passthrough()
    .optional(),
});

/** Finds the OAuth error code in the providers' different error bodies. */
function oauthErrorOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.error === 'string') return b.error;
  const errors = b.errors;
  if (Array.isArray(errors)) {
    const first = errors[0] as Record<string, unknown> | undefined;
    if (typeof first?.errorType === 'string') return first.errorType;
    if (first?.code === 'invalid') return 'invalid_grant';
  }
  return undefined;
}

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export function createPkcePair(): PkcePair {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function buildAuthorizationUrl(
  spec: ProviderEndpointSpec,
  credentials: AppCredentials,
  params: { redirectUri: string; state: string; codeChallenge?: string },
): string {
  const url = new URL(spec.authorizeUrl);
  url.searchParams.set('client_id', credentials.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('state', params.state);
  if (spec.scopes.length > 0) url.searchParams.set('scope', spec.scopes.join(spec.scopeSeparator));
  if (spec.pkce && params.codeChallenge) {
    url.searchParams.set('code_challenge', params.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  for (const [k, v] of Object.entries(spec.extraAuthorizeParams ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

export interface OAuthClientOptions {
  timeoutMs?: number;
  now?: () => number;
}

async function tokenRequest(
  provider: CloudProvider,
  spec: ProviderEndpointSpec,
  credentials: AppCredentials,
  form: Record<string, string>,
  options: OAuthClientOptions,
): Promise<z.infer<typeof tokenResponse>> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const body = new URLSearchParams(form);
  if (spec.clientAuth === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`;
  else {
    body.set('client_id', credentials.clientId);
    body.set('client_secret', credentials.clientSecret);
  }
  let res: Response;
  try {
    res = await fetch(spec.tokenUrl, {
      method: 'POST',
      headers,
      body: body.toString(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new OAuthUnavailableError(provider, `${provider} token endpoint unreachable`, { cause: error });
  }
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status >= 500 || res.status === 429)
    throw new OAuthUnavailableError(provider, `${provider} token endpoint answered ${res.status}`);
  if (!res.ok) {
    const code = oauthErrorOf(json) ?? `http_${res.status}`;
    throw new OAuthGrantError(provider, code, `${provider} token endpoint refused the grant (${code})`);
  }
  const parsed = tokenResponse.safeParse(json);
  if (!parsed.success)
    throw new OAuthUnavailableError(provider, `${provider} token endpoint answered an unexpected body`);
  return parsed.data;
}

function toTokens(
  data: z.infer<typeof tokenResponse>,
  nowMs: number,
  previousRefreshToken: string | null,
): ProviderTokens {
  const expiresAt = data.expires_at ? data.expires_at * 1000 : nowMs + (data.expires_in ?? 3600) * 1000;
  const providerUserId =
    data.athlete?.id !== undefined
      ? String(data.athlete.id)
      : data.user_id !== undefined
        ? String(data.user_id)
        : undefined;
  return new ProviderTokens({
    accessToken: data.access_token,
    // Google sends no new refresh token on refresh: the old one stays valid.
    refreshToken: data.refresh_token ?? previousRefreshToken,
    expiresAt,
    scope: data.scope ?? '',
    tokenType: data.token_type ?? 'Bearer',
    ...(providerUserId ? { providerUserId } : {}),
  });
}

export async function exchangeAuthorizationCode(
  provider: CloudProvider,
  spec: ProviderEndpointSpec,
  credentials: AppCredentials,
  params: { code: string; redirectUri: string; codeVerifier?: string | null },
  options: OAuthClientOptions = {},
): Promise<ProviderTokens> {
  const data = await tokenRequest(
    provider,
    spec,
    credentials,
    {
      grant_type: 'authorization_code',
      code: params.code,
      redirect_uri: params.redirectUri,
      ...(params.codeVerifier ? { code_verifier: params.codeVerifier } : {}),
    },
    options,
  );
  return toTokens(data, options.now?.() ?? clock.now(), null);
}

/** One refresh grant. With rotating refresh tokens the presented one is dead afterwards. */
export async function refreshAccessToken(
  provider: CloudProvider,
  spec: ProviderEndpointSpec,
  credentials: AppCredentials,
  refreshToken: string,
  options: OAuthClientOptions = {},
): Promise<ProviderTokens> {
  const data = await tokenRequest(
    provider,
    spec,
    credentials,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    options,
  );
  return toTokens(data, options.now?.() ?? clock.now(), refreshToken);
}

/**
 * The provider's id for the user who just consented: from the token response, or from the call
 * the provider's profile names (`oauth.userId`; Garmin's), or none (Google Fit's API is `users/me`).
 */
/** Who the tokens belong to: the provider's user id and, where the answer names it, the same person's id at a provider this one replaces. */
export interface ProviderIdentity {
  userId: string | undefined;
  legacy?: { provider: CloudProvider; userId: string };
}

export async function fetchProviderIdentity(
  provider: CloudProvider,
  spec: ProviderEndpointSpec,
  tokens: ProviderTokens,
  options: OAuthClientOptions = {},
): Promise<ProviderIdentity> {
  if (tokens.providerUserId) return { userId: tokens.providerUserId };
  const lookup = cloudProfile(provider).oauth.userId;
  if (lookup.from !== 'api') return { userId: undefined };
  let res: Response;
  try {
    res = await fetch(`${spec.apiBaseUrl}${lookup.path}`, {
      headers: { authorization: `Bearer ${tokens.revealAccessToken()}`, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new OAuthUnavailableError(provider, `${provider} user id lookup failed`, { cause: error });
  }
  if (!res.ok) throw new OAuthUnavailableError(provider, `${provider} user id lookup answered ${res.status}`);
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown> | null;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const legacyId = lookup.legacy ? text(body?.[lookup.legacy.field]) : undefined;
  return {
    userId: text(body?.[lookup.field]),
    ...(lookup.legacy && legacyId ? { legacy: { provider: lookup.legacy.provider, userId: legacyId } } : {}),
  };
}
