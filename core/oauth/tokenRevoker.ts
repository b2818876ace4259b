// The port for revoking a connection's tokens at its provider (deleting a connection, deleting the
// account): after a revocation the provider no longer accepts the tokens and stops sending webhooks
// for that grant. Implementations call each provider's own revocation or deauthorization endpoint.
import type { CloudProvider } from '../domain/types.js';
import type { ProviderTokens } from '../secrets/providerTokens.js';

/**
 * - `revoked`: the provider confirmed, or it no longer knows the grant (already revoked, expired,
 *   the user removed the app): either way nothing is left to revoke. Idempotent.
 * - `unavailable`: the provider could not be asked or answered with a transient failure (network,
 *   5xx, 429): try again later, after `retryAfterSeconds` when it said so.
 */
export type RevocationResult =
  { outcome: 'revoked' } | { outcome: 'unavailable'; reason: string; retryAfterSeconds?: number };

/**
 * Optional help from a caller that owns the stored copy of the tokens. Providers whose revocation
 * needs a live access token (Strava, Garmin) may be refreshed first, and their refresh tokens
 * rotate: the old one dies at the provider, so the new pair must be stored before anything else can
 * fail, or a later retry would present a dead token. `reloadTokens` reads the stored copy again when
 * the provider refuses the refresh token (another process may have just rotated it).
 */
export interface RevocationHooks {
  onTokensRefreshed?(tokens: ProviderTokens): Promise<void>;
  reloadTokens?(): Promise<ProviderTokens | undefined>;
}

export interface TokenRevoker {
  revoke(
    provider: CloudProvider,
    tokens: ProviderTokens,
    signal?: AbortSignal,
    hooks?: RevocationHooks,
  ): Promise<RevocationResult>;
}
