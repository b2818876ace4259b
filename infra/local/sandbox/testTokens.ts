// Test helper: runs the sandbox's OAuth flow in-process (consent + code exchange) and returns the
// grant, so provider tests get real, expiring, rotating tokens without a browser or the API.
import { createHash, randomBytes } from 'node:crypto';
import type { CloudProvider } from '../../../core/domain/types.js';
import type { IssuedGrant } from './oauthServer.js';
import type { ProviderSandbox } from './sandboxServer.js';

export function issueTokens(
  sandbox: ProviderSandbox,
  provider: CloudProvider,
  sandboxUserId: string,
): IssuedGrant {
  const server = sandbox.oauth[provider];
  const verifier = randomBytes(32).toString('base64url');
  const consent = server.authorize({
    clientId: server.clientId,
    redirectUri: 'http://127.0.0.1/callback',
    responseType: 'code',
    scope: null,
    sandboxUserId,
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
  });
  if (!consent.ok) throw new Error(`sandbox consent failed: ${consent.error}`);
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: consent.code,
    redirect_uri: 'http://127.0.0.1/callback',
    code_verifier: verifier,
    client_id: server.clientId,
    client_secret: server.clientSecret,
  });
  const result = server.exchange(
    form,
    { id: server.clientId, secret: server.clientSecret },
    sandbox.fakes[provider].oauthShape.clientAuth,
  );
  if (!result.ok) throw new Error(`sandbox token exchange failed: ${result.error}`);
  return result.grant;
}
