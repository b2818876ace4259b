// The providers' OAuth revocation endpoints, in their real shapes (the fakes declare theirs in
// `oauthShape.revocation`):
// - Fitbit `POST /oauth2/revoke` (RFC 7009, Basic client auth): either token ends every token of the
//   user; an unknown or dead token still answers 200 (RFC 7009 §2.2);
// - Google `POST /revoke` (no client auth): ends the token's grant; an unknown, expired or revoked
//   token answers 400 `invalid_token`;
// - Strava `POST /oauth/deauthorize` with a live `access_token`: ends every token of the athlete for
//   the app and answers the token back; an invalid or expired one is a 401 Authorization Error.
// Garmin's deregistration is an API call behind the bearer check (garmin.ts).
import { basicCredentials, type OAuthServer, type RevocationShape } from './oauthServer.js';
import type { SandboxReply } from './types.js';

export interface RevocationRequest {
  form: URLSearchParams;
  query: URLSearchParams;
  authorization: string | undefined;
}

export function revocationReply(
  shape: RevocationShape,
  server: OAuthServer,
  req: RevocationRequest,
  errorJson: (error: string, description: string) => Record<string, unknown>,
): SandboxReply {
  if (shape.style === 'access_token') {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.authorization ?? '')?.[1];
    const presented = req.form.get('access_token') ?? req.query.get('access_token') ?? bearer ?? '';
    const found = server.describe(presented);
    if (!found || found.kind !== 'access' || found.state !== 'live')
      return {
        status: 401,
        body: {
          message: 'Authorization Error',
          errors: [{ resource: 'Athlete', field: 'access_token', code: 'invalid' }],
        },
      };
    revoke(shape, server, found.sandboxUserId, found.grantId);
    return { status: 200, body: { access_token: presented } };
  }
  if (
    shape.clientAuth === 'basic' &&
    !server.checkClient(req.form, basicCredentials(req.authorization), 'basic')
  )
    return { status: 401, body: errorJson('invalid_client', 'Invalid authorization header format.') };
  const presented = req.form.get('token');
  if (!presented) return { status: 400, body: errorJson('invalid_request', 'Missing parameters: token.') };
  const found = server.describe(presented);
  if (!found || found.state !== 'live')
    return shape.unknownToken === 'ok'
      ? { status: 200 }
      : { status: 400, body: errorJson('invalid_token', 'Token expired or revoked') };
  revoke(shape, server, found.sandboxUserId, found.grantId);
  return { status: 200 };
}

function revoke(shape: RevocationShape, server: OAuthServer, sandboxUserId: string, grantId: string): void {
  if (shape.ends === 'user') server.revokeAllOf(sandboxUserId, 'client');
  else server.revokeGrant(sandboxUserId, grantId, 'client');
}
